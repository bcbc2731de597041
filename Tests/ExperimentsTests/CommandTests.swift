import ArgumentParser
import Envs
import Foundation
import Testing

@testable import Experiments

@Test func listNamesEveryFigureWithItsStatus() {
  let ids = FigureCatalog.all.map(\.id)
  #expect(ids == (7...18).map { "fig\($0)" } + ["cartpole"])
  let text = ListCommand.render(verbose: false, registered: ["fig7"])
  let lines = text.split(separator: "\n").map(String.init)
  #expect(lines.count == ids.count + 1)  // + demo
  #expect(lines[0].hasPrefix("fig7      ready    Fig. 7:"))
  #expect(lines[1].hasPrefix("fig8      planned  Fig. 8:"))
  #expect(lines.last?.hasPrefix("demo      ready") == true)
  let verbose = ListCommand.render(verbose: true, registered: [])
  #expect(verbose.contains("claim:  KMPS peaks above 95%"))
}

@Test func commandLineRegistersListAndDemo() throws {
  let names = ExperimentCommand.configuration.subcommands.map { $0.configuration.commandName }
  #expect(names.contains("list"))
  #expect(names.contains("demo"))
  let parsed = try ExperimentCommand.parseAsRoot(["demo", "--quick", "--seeds", "2"])
  let demo = try #require(parsed as? DemoCommand)
  #expect(demo.common.quick)
  #expect(demo.common.seeds == [1, 2])
  #expect(throws: (any Error).self) { _ = try ExperimentCommand.parseAsRoot(["fig99"]) }
  #expect(FigureCatalog.info("fig12")?.series == ["distributed", "centralized"])
  #expect(throws: ExperimentError.self) { _ = try FigureCatalog.require("fig99") }
}

@Test func demoWritesTheWholeResultsFolderDeterministically() throws {
  let base = try makeTemporaryDirectory()
  func runDemo(_ name: String) throws -> WrittenResults {
    let options = try CommonOptions.parse([
      "--quick", "--seeds", "2", "--out", base.appendingPathComponent(name).path,
    ])
    return try DemoExperiment.run(options: options, progressSink: { _ in })
  }
  let written = try runDemo("a")
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let lines = csv.split(separator: "\n")
  #expect(lines.first == "series,seed,x,y")
  #expect(lines.count == 1 + 2 * 3 * 15)  // header + seeds × series × quick episodes
  #expect(lines[1].hasPrefix("fast learner,1,1,"))

  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "demo")
  #expect(document.seeds == [1, 2])
  #expect(document.quick)
  #expect(Set(document.series.keys) == ["fast learner", "slow learner", "flat baseline"])
  #expect(document.claims.count == 2)
  #expect(document.config["episodes"] == .number(15))
  #expect(document.notes.contains { $0.contains("--quick") })
  let flat = try #require(document.series["flat baseline"]?["finalValue"]?.doubleValue)
  #expect(abs(flat - 0.6) < 0.03)  // flat at 0.6 with noise σ = 0.015

  let script = try String(contentsOf: written.plotScript, encoding: .utf8)
  #expect(script.contains("title \"slow learner\""))
  if gnuplotAvailable {
    let image = try #require(written.plotImage)
    #expect(Array(try Data(contentsOf: image).prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    #expect(document.files.contains("plot.png"))
  } else {
    #expect(document.plot.hasPrefix("skipped"))
    print("note: gnuplot not installed; plot.png not checked")
  }

  // Same seeds and config → identical data.
  let again = try runDemo("b")
  #expect(try String(contentsOf: again.dataCSV, encoding: .utf8) == csv)
}

@Test func runInfoRecordsCommandLineAndGit() throws {
  #expect(
    RunInfo.shellQuoted(["experiment", "a b", "it's", "--seeds=1,2"])
      == "experiment 'a b' 'it'\\''s' --seeds=1,2")
  let outside = try makeTemporaryDirectory()
  #expect(GitInfo.current(in: outside) == GitInfo(commit: "unknown", dirty: nil))
  let root = try #require(packageRoot())
  let git = GitInfo.current(in: root)
  if git.commit != "unknown" {
    #expect(git.commit.count == 40)
    #expect(git.commit.allSatisfy { $0.isHexDigit })
    #expect(git.dirty != nil)
  }
  var run = try RunInfo.start(
    figure: "f", seeds: [3], config: ["k": 1] as [String: Int], arguments: ["experiment", "f"])
  run.finish()
  #expect(run.commandLine == "experiment f")
  #expect(run.config == ["k": 1])
  #expect(run.wallTimeSeconds >= 0)
  #expect(run.finishedAt != nil)
  #expect(run.environment.processorCount >= 1)
}

@Test func jsonValueConvertsEncodablesAndNonFiniteNumbers() throws {
  struct Sample: Encodable {
    var a = 1.5
    var b: [Int] = [1, 2]
    var c = "s"
    var d = Double.infinity
  }
  let value = try JSONValue(encoding: Sample())
  #expect(value == ["a": 1.5, "b": [1, 2], "c": "s", "d": "inf"])
  let data = try JSONFiles.encode(["x": JSONValue.number(.nan), "y": true] as JSONValue)
  #expect(String(decoding: data, as: UTF8.self) == "{\n  \"x\" : null,\n  \"y\" : true\n}\n")
}
