import Foundation
import SwiftProtobuf
import Synchronization

/// Why a `SummaryWriter` failed.
public struct SummaryWriterError: Error, CustomStringConvertible, Sendable {
  /// The event file or folder concerned.
  public var path: String
  /// What went wrong.
  public var reason: String
  /// `"SummaryWriter: <path>: <reason>"`.
  public var description: String { "SummaryWriter: \(path): \(reason)" }
}

/// Writes a TensorBoard event file (`events.out.tfevents.*`) into one run folder.
///
/// Every call appends an `Event` to an in-memory buffer; `flush()` writes the buffer to the file
/// (callers flush once per episode or update), as does passing `flushThresholdBytes` and
/// `close()`. Logging never throws, so a training loop's callback stays simple: the first I/O
/// error is kept and thrown by the next `flush()` or `close()`. Safe to share between threads.
///
/// ```swift
/// let writer = try SummaryWriter(directory: runs.appendingPathComponent("ppo__1"))
/// writer.scalars([("charts/episodic_return", 21), ("losses/value_loss", 0.4)], step: 2048)
/// try writer.flush()
/// ```
/// `tensorboard --logdir runs` then shows one curve per tag.
public final class SummaryWriter: Sendable {
  private struct State {
    var handle: FileHandle?
    var buffer: [UInt8] = []
    var firstError: SummaryWriterError?
    var eventsWritten = 0
    var secondsSpent = 0.0
  }

  /// The run folder.
  public let directory: URL
  /// The event file written.
  public let fileURL: URL
  private let flushThresholdBytes: Int
  private let state: Mutex<State>
  private static let fileCounter = Atomic<Int>(0)

  /// Creates `directory` (and parents) and opens a new event file in it.
  ///
  /// - Parameters:
  ///   - directory: The run folder (`runs/<experiment>__<seed>`); TensorBoard names the run after
  ///     its path relative to `--logdir`.
  ///   - replacingExisting: Delete event files already in the folder (from an earlier run of the
  ///     same experiment), so TensorBoard does not draw two runs as one.
  ///   - flushThresholdBytes: Buffered bytes that trigger a write without waiting for `flush()`.
  public init(
    directory: URL, replacingExisting: Bool = true, flushThresholdBytes: Int = 1 << 20
  ) throws {
    let fileManager = FileManager.default
    do {
      try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
      if replacingExisting {
        for name in try fileManager.contentsOfDirectory(atPath: directory.path)
        where name.hasPrefix("events.out.tfevents.") {
          try fileManager.removeItem(at: directory.appendingPathComponent(name))
        }
      }
    } catch {
      throw SummaryWriterError(path: directory.path, reason: "\(error)")
    }
    let now = Date()
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init)
    let counter = Self.fileCounter.wrappingAdd(1, ordering: .relaxed).oldValue
    let name =
      "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host ?? "localhost")."
      + "\(ProcessInfo.processInfo.processIdentifier).\(counter)"
    let url = directory.appendingPathComponent(name)
    guard fileManager.createFile(atPath: url.path, contents: nil),
      let handle = try? FileHandle(forWritingTo: url)
    else { throw SummaryWriterError(path: url.path, reason: "cannot create the event file") }
    self.directory = directory
    self.fileURL = url
    self.flushThresholdBytes = max(flushThresholdBytes, 0)
    self.state = Mutex(State(handle: handle))
    // The first record names the format version, as TensorFlow's writers do.
    var header = Tensorboard_Event()
    header.wallTime = now.timeIntervalSince1970
    header.fileVersion = "brain.Event:2"
    append(header)
    try flush()
  }

  deinit { try? close() }

  /// Events appended so far (the version header included).
  public var eventsWritten: Int { state.withLock { $0.eventsWritten } }

  /// Wall-clock seconds spent inside this writer so far (encoding, framing and file writes of
  /// every call after `init`): its overhead on the run that logs.
  public var secondsSpent: Double { state.withLock { $0.secondsSpent } }

  /// Runs `body`, adding its wall-clock time to `secondsSpent`.
  private func timed<T>(_ body: () throws -> T) rethrows -> T {
    let start = ContinuousClock.now
    defer {
      let elapsed = ContinuousClock.now - start
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      state.withLock { $0.secondsSpent += seconds }
    }
    return try body()
  }

  /// Logs one scalar (stored as a 32-bit float, as TensorBoard does).
  public func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Date = Date()) {
    scalars([(tag, value)], step: step, wallTime: wallTime)
  }

  /// Logs several scalars at one step, as one event.
  public func scalars(_ values: [(String, Double)], step: Int, wallTime: Date = Date()) {
    guard !values.isEmpty else { return }
    timed { scalarsUntimed(values, step: step, wallTime: wallTime) }
  }

  private func scalarsUntimed(_ values: [(String, Double)], step: Int, wallTime: Date) {
    var summary = Tensorboard_Summary()
    summary.value = values.map { tag, value in
      var entry = Tensorboard_Summary.Value()
      entry.tag = tag
      entry.simpleValue = Float(value)
      return entry
    }
    append(event(step: step, wallTime: wallTime, summary: summary))
  }

  /// Logs a Markdown text (TensorBoard's Text tab), e.g. a run's config.
  public func text(_ tag: String, _ markdown: String, step: Int = 0, wallTime: Date = Date()) {
    timed { textUntimed(tag, markdown, step: step, wallTime: wallTime) }
  }

  private func textUntimed(_ tag: String, _ markdown: String, step: Int, wallTime: Date) {
    var metadata = Tensorboard_SummaryMetadata()
    metadata.pluginData.pluginName = "text"
    metadata.dataClass = .tensor
    var tensor = Tensorboard_TensorProto()
    tensor.dtype = 7  // DT_STRING, a scalar
    tensor.stringVal = [Data(markdown.utf8)]
    var entry = Tensorboard_Summary.Value()
    entry.tag = tag
    entry.metadata = metadata
    entry.tensor = tensor
    var summary = Tensorboard_Summary()
    summary.value = [entry]
    append(event(step: step, wallTime: wallTime, summary: summary))
  }

  /// Writes the buffered events to the file; throws the first error met since opening.
  public func flush() throws {
    try timed {
      try state.withLock { s in
        Self.write(&s, path: fileURL.path)
        if let error = s.firstError { throw error }
      }
    }
  }

  /// Flushes and closes the file; later events are dropped. Idempotent.
  public func close() throws {
    try timed { try closeUntimed() }
  }

  private func closeUntimed() throws {
    try state.withLock { s in
      Self.write(&s, path: fileURL.path)
      if let handle = s.handle {
        s.handle = nil
        do { try handle.close() } catch {
          s.firstError = s.firstError ?? SummaryWriterError(path: fileURL.path, reason: "\(error)")
        }
      }
      if let error = s.firstError { throw error }
    }
  }

  private func event(step: Int, wallTime: Date, summary: Tensorboard_Summary) -> Tensorboard_Event
  {
    var event = Tensorboard_Event()
    event.wallTime = wallTime.timeIntervalSince1970
    event.step = Int64(step)
    event.summary = summary
    return event
  }

  private func append(_ event: Tensorboard_Event) {
    let bytes: [UInt8]
    do {
      bytes = try event.serializedBytes()
    } catch {
      state.withLock { s in
        s.firstError = s.firstError ?? SummaryWriterError(path: fileURL.path, reason: "\(error)")
      }
      return
    }
    state.withLock { s in
      guard s.handle != nil else { return }
      TFRecord.append(bytes, to: &s.buffer)
      s.eventsWritten += 1
      if s.buffer.count >= flushThresholdBytes { Self.write(&s, path: fileURL.path) }
    }
  }

  private static func write(_ s: inout State, path: String) {
    guard let handle = s.handle, !s.buffer.isEmpty, s.firstError == nil else { return }
    do {
      try handle.write(contentsOf: s.buffer)
      s.buffer.removeAll(keepingCapacity: true)
    } catch {
      s.firstError = SummaryWriterError(path: path, reason: "write failed: \(error)")
    }
  }
}
