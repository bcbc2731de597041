import Foundation
import RL
import Testing

private func temporaryFolder() -> URL {
  FileManager.default.temporaryDirectory
    .appendingPathComponent("MetricsLoggerTests-\(UUID().uuidString)")
}

@Suite struct MetricsLoggerTests {
  @Test func csvHasHeaderFixedOrderQuotingAndCreatesFolders() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("a/b/metrics.csv")
    let logger = try MetricsLogger(url: url)
    #expect(logger.format == .csv)
    try logger.log(["step": 1, "loss": 0.5, "tag": "plain"])
    try logger.log(["tag": "with, comma \"q\"", "step": 2])  // reordered, loss missing
    try logger.log(["step": 3, "loss": .double(.nan), "tag": "x"])
    #expect(logger.columns == ["step", "loss", "tag"])
    #expect(throws: MetricsLoggerError.self) { try logger.log(["step": 4, "extra": 1]) }
    #expect(throws: MetricsLoggerError.self) { try logger.log([("step", 4), ("step", 5)]) }
    try logger.close()
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(
      text == "step,loss,tag\n1,0.5,plain\n2,,\"with, comma \"\"q\"\"\"\n3,nan,x\n")
    #expect(throws: MetricsLoggerError.self) { try logger.log(["step": 6]) }
  }

  @Test func rowsAreBufferedUntilFlush() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.csv")
    let logger = try MetricsLogger(url: url, columns: ["a"])
    try logger.log(["a": 1])
    #expect(try String(contentsOf: url, encoding: .utf8) == "")
    try logger.flush()
    #expect(try String(contentsOf: url, encoding: .utf8) == "a\n1\n")
  }

  @Test func appendingReusesTheExistingHeader() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("run.csv")
    do {
      let first = try MetricsLogger(url: url)
      try first.log(["episode": 1, "return": 10.0])
      try first.close()
    }
    let second = try MetricsLogger(url: url, append: true)
    #expect(second.columns == ["episode", "return"])
    try second.log(["return": 12.5, "episode": 2])
    try second.close()
    #expect(
      try String(contentsOf: url, encoding: .utf8) == "episode,return\n1,10.0\n2,12.5\n")
    #expect(throws: MetricsLoggerError.self) {
      try MetricsLogger(url: url, columns: ["other"], append: true)
    }
  }

  @Test func jsonLinesAreValidJSONInColumnOrder() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("log.jsonl")
    let logger = try MetricsLogger(url: url)
    #expect(logger.format == .jsonLines)
    try logger.log(["series": "kmps\n\"x\"", "y": 0.25, "n": 3])
    try logger.log(["n": 4, "y": .double(.infinity)])
    try logger.close()
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0] == #"{"series":"kmps\n\"x\"","y":0.25,"n":3}"#)
    #expect(lines[1] == #"{"series":null,"y":null,"n":4}"#)
    let parsed = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
    #expect(parsed?["series"] as? String == "kmps\n\"x\"")
    #expect(parsed?["n"] as? Int == 3)
  }

  @Test func unknownExtensionNeedsAnExplicitFormat() throws {
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(throws: MetricsLoggerError.self) {
      try MetricsLogger(url: folder.appendingPathComponent("m.txt"))
    }
    let logger = try MetricsLogger(url: folder.appendingPathComponent("m.txt"), format: .csv)
    try logger.log(["a": 1])
    try logger.close()
  }
}
