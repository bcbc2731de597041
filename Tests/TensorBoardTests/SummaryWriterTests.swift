import Foundation
import Testing

@testable import TensorBoard

/// The writer's files: a version header, every record's CRCs valid, the scalars and texts read
/// back with their steps, buffering until `flush()`.
struct SummaryWriterTests {
  private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("tensorboard-tests-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func writesAReadableEventFile() throws {
    let run = try temporaryDirectory().appendingPathComponent("ppo__1")
    let writer = try SummaryWriter(directory: run)
    #expect(writer.fileURL.lastPathComponent.hasPrefix("events.out.tfevents."))
    for step in 1...5 {
      writer.scalars(
        [("charts/episodic_return", Double(step) * 10), ("losses/value_loss", 1 / Double(step))],
        step: step * 128)
    }
    writer.scalar("charts/SPS", 1234.5, step: 640)
    writer.text("config", "lr = 3e-4", step: 0)
    try writer.close()

    // Every record's two CRCs are checked by the reader.
    let framed = try TFRecord.read(contentsOf: writer.fileURL)
    #expect(framed.truncatedTailBytes == 0)
    #expect(framed.records.count == 1 + 5 + 1 + 1)
    let contents = try EventFile.read(writer.fileURL)
    #expect(contents.fileVersion == "brain.Event:2")
    #expect(contents.tags == ["charts/SPS", "charts/episodic_return", "losses/value_loss"])
    let returns = contents.series("charts/episodic_return")
    #expect(returns.map(\.step) == [128, 256, 384, 512, 640])
    #expect(returns.map(\.value) == [10, 20, 30, 40, 50])
    #expect(contents.series("losses/value_loss").last?.value == Float(0.2))
    #expect(contents.series("charts/SPS").map(\.value) == [1234.5])
    #expect(contents.texts.map(\.text) == ["lr = 3e-4"])
    #expect(contents.scalars.allSatisfy { abs($0.wallTime - Date().timeIntervalSince1970) < 600 })
  }

  @Test func buffersUntilFlush() throws {
    let run = try temporaryDirectory()
    let writer = try SummaryWriter(directory: run)
    let headerOnly = try Data(contentsOf: writer.fileURL).count
    #expect(headerOnly > 16)  // the version record is flushed at once
    writer.scalar("a", 1, step: 1)
    #expect(try Data(contentsOf: writer.fileURL).count == headerOnly)
    try writer.flush()
    #expect(try Data(contentsOf: writer.fileURL).count > headerOnly)
    try writer.close()
    try writer.close()  // idempotent
  }

  /// The writer's own time (its overhead on the run) grows with what it writes and stays far
  /// below the wall time around it.
  @Test func countsTheSecondsSpentInsideIt() throws {
    let writer = try SummaryWriter(directory: try temporaryDirectory())
    let afterOpen = writer.secondsSpent
    let start = ContinuousClock.now
    for step in 1...200 { writer.scalars([("a", Double(step)), ("b", 1)], step: step) }
    try writer.flush()
    let afterWrites = writer.secondsSpent
    try writer.close()
    let elapsed = ContinuousClock.now - start
    #expect(afterWrites > afterOpen)
    #expect(writer.secondsSpent >= afterWrites)
    let around =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    #expect(writer.secondsSpent - afterOpen <= around)
  }

  @Test func replacesAnEarlierRunsEventFiles() throws {
    let run = try temporaryDirectory()
    let first = try SummaryWriter(directory: run)
    try first.close()
    let second = try SummaryWriter(directory: run)
    try second.close()
    #expect(try EventFile.files(in: run) == [second.fileURL])
  }

  @Test func nonFiniteValuesSurvive() throws {
    let writer = try SummaryWriter(directory: try temporaryDirectory())
    writer.scalars([("nan", .nan), ("inf", .infinity), ("neg", -2.5)], step: 3)
    try writer.close()
    let contents = try EventFile.read(writer.fileURL)
    #expect(contents.series("nan").first?.value.isNaN == true)
    #expect(contents.series("inf").first?.value == .infinity)
    #expect(contents.series("neg").first?.value == -2.5)
  }

  /// A file cut inside its last record (a crash mid-write) still yields every earlier event.
  @Test func truncatedFileKeepsEarlierEvents() throws {
    let writer = try SummaryWriter(directory: try temporaryDirectory())
    for step in 0..<4 { writer.scalar("x", Double(step), step: step) }
    try writer.close()
    var bytes = try Data(contentsOf: writer.fileURL)
    bytes.removeLast(5)
    try bytes.write(to: writer.fileURL)
    let contents = try EventFile.read(writer.fileURL)
    #expect(contents.series("x").map(\.step) == [0, 1, 2])
    #expect(contents.truncatedTailBytes > 0)
  }

  @Test func anUnwritableFolderIsAClearError() throws {
    let file = try temporaryDirectory().appendingPathComponent("plain-file")
    try Data("x".utf8).write(to: file)
    #expect(throws: SummaryWriterError.self) {
      _ = try SummaryWriter(directory: file.appendingPathComponent("run"))
    }
  }
}
