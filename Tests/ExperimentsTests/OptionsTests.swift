import ArgumentParser
import Foundation
import Testing

@testable import Experiments

@Test func seedsParseCountsListsAndRanges() throws {
  #expect(try CommonOptions.parse([]).seeds == [1, 2, 3])
  #expect(try CommonOptions.parse(["--seeds", "2"]).seeds == [1, 2])
  #expect(try CommonOptions.parse(["--seeds", "7,11"]).seeds == [7, 11])
  #expect(try CommonOptions.parse(["--seeds", "7,"]).seeds == [7])
  #expect(try CommonOptions.parse(["--seeds", "1-3,10"]).seeds == [1, 2, 3, 10])
  #expect(try SeedList.parse("5,4").description == "5,4")
}

@Test(arguments: [
  (["--seeds", "0"], "count must be at least 1"),
  (["--seeds", "1,1"], "seed 1 is listed twice"),
  (["--seeds", "x"], "not a count or a comma list"),
  (["--seeds", "3-1"], "is empty"),
  (["--seeds", "1,-2"], "not a range"),
  (["--seeds", "5000"], "more than 1000"),
  (["--episodes", "0"], "--episodes must be between 1"),
  (["--load=-5"], "--load must be a positive number"),
  (["--load", "nan"], "--load must be a positive number"),
  (["--threads", "0"], "--threads must be between 1"),
  (["--trace", "/nonexistent/trace.csv"], "--trace: no file at /nonexistent/trace.csv"),
  (["--config", "/nonexistent/config.json"], "--config: no file at"),
  (["--eval-only", "--checkpoint", "/nonexistent/ckpt"], "--checkpoint: nothing at"),
])
func impossibleOptionValuesAreRejectedWithAClearMessage(arguments: [String], message: String) {
  let error = optionsError(arguments)
  #expect(error?.contains(message) == true, "got: \(error ?? "no error")")
}

@Test func outThatIsAFileIsRejected() throws {
  let folder = try makeTemporaryDirectory()
  let file = folder.appendingPathComponent("taken")
  try Data("x".utf8).write(to: file)
  let error = optionsError(["--out", file.path])
  #expect(error?.contains("is a file; expected a folder") == true, "got: \(error ?? "none")")
}

@Test func validValuesParseAndFigureDefaultsApply() throws {
  let folder = try makeTemporaryDirectory()
  let options = try CommonOptions.parse([
    "--episodes", "7", "--out", folder.path, "--quick", "--load", "250", "--threads", "2",
    "--eval-only", "--checkpoint", folder.path,
  ])
  #expect(options.episodes(full: 100, quick: 3) == 7)  // explicit beats --quick
  #expect(options.loadRequestsPerSecond(default: 100) == 250)
  #expect(options.blasThreads == 2)
  #expect(options.evalOnly)
  #expect(options.outputDirectory(figure: "fig7").path == folder.path)

  let quick = try CommonOptions.parse(["--quick"])
  #expect(quick.episodes(full: 100, quick: 3) == 3)
  let full = try CommonOptions.parse([])
  #expect(full.episodes(full: 100, quick: 3) == 100)
  #expect(full.loadRequestsPerSecond(default: 300) == 300)
  let locator = PackageLocator(currentDirectory: folder, executable: nil)
  #expect(
    full.outputDirectory(figure: "fig9", locator: locator).path
      == folder.appendingPathComponent("results/fig9").path)
}

@Test func bundledTraceIsFoundFromThePackageOrReportedWithSearchedPlaces() throws {
  let root = try #require(packageRoot())
  let options = try CommonOptions.parse([])
  let elsewhere = try makeTemporaryDirectory()
  // From an unrelated folder with the executable inside the package: found by walking up.
  let fromExecutable = PackageLocator(
    currentDirectory: elsewhere,
    executable: root.appendingPathComponent(".build/debug/experiment"))
  let url = try options.traceURL(locator: fromExecutable)
  #expect(url.path == root.appendingPathComponent(PackageLocator.bundledTraceRelativePath).path)
  // From a folder that is not in any package: a clear error naming what was searched.
  let lost = PackageLocator(currentDirectory: elsewhere, executable: nil)
  #expect {
    _ = try options.traceURL(locator: lost)
  } throws: { error in
    guard case ExperimentError.resourceNotFound(_, let relative, let searched) = error else {
      return false
    }
    return relative == PackageLocator.bundledTraceRelativePath
      && searched == [elsewhere.appendingPathComponent(relative).path]
      && "\(error)".contains("--trace")
  }
}

@Test func relativePathsResolveAgainstTheCurrentFolder() {
  let locator = PackageLocator(
    currentDirectory: URL(fileURLWithPath: "/work/somewhere"), executable: nil)
  #expect(locator.absolute("results/fig7").path == "/work/somewhere/results/fig7")
  #expect(locator.absolute("../x.csv").path == "/work/x.csv")
  #expect(locator.absolute("/abs/y").path == "/abs/y")
}

@Test func outBelowAFileIsRejected() throws {
  let folder = try makeTemporaryDirectory()
  let file = folder.appendingPathComponent("taken")
  try Data("x".utf8).write(to: file)
  let error = optionsError(["--out", file.appendingPathComponent("sub/dir").path])
  #expect(error?.contains("--out: \(file.path) is a file") == true, "got: \(error ?? "none")")
  #expect {
    try FileIO.makeDirectory(file.appendingPathComponent("sub"))
  } throws: { error in
    "\(error)" == "cannot write \(file.path)/sub: \(file.path) is a file, not a folder"
  }
}
