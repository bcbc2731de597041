import Foundation
import SwiftProtobuf

/// One scalar read back from an event file.
public struct ScalarEvent: Sendable, Equatable {
  /// The tag (`"charts/episodic_return"`).
  public var tag: String
  /// The step it was logged at.
  public var step: Int
  /// The value (32-bit in the file).
  public var value: Float
  /// Seconds since the Unix epoch.
  public var wallTime: Double
}

/// Reads TensorBoard event files back (tests, reports). TensorBoard itself needs none of this.
public enum EventFile {
  /// What one event file holds.
  public struct Contents: Sendable, Equatable {
    /// The `file_version` of the first record (`"brain.Event:2"`), if any.
    public var fileVersion: String?
    /// Every scalar, in file order.
    public var scalars: [ScalarEvent]
    /// Every text summary as `(tag, step, text)`, in file order.
    public var texts: [Text]
    /// Records in the file (the version header included).
    public var records: Int
    /// Bytes of a last record cut short (0 for a well-formed file).
    public var truncatedTailBytes: Int

    /// One text summary.
    public struct Text: Sendable, Equatable {
      /// The tag.
      public var tag: String
      /// The step.
      public var step: Int
      /// The text.
      public var text: String
    }

    /// The `(step, value)` points of `tag`, in file order.
    public func series(_ tag: String) -> [(step: Int, value: Float)] {
      scalars.filter { $0.tag == tag }.map { ($0.step, $0.value) }
    }

    /// The distinct scalar tags, sorted.
    public var tags: [String] { Array(Set(scalars.map(\.tag))).sorted() }
  }

  /// Reads and decodes one event file, checking every record's CRCs (see `TFRecord.read`).
  public static func read(_ url: URL) throws -> Contents {
    let framed = try TFRecord.read(contentsOf: url)
    var contents = Contents(
      fileVersion: nil, scalars: [], texts: [], records: framed.records.count,
      truncatedTailBytes: framed.truncatedTailBytes)
    for record in framed.records {
      let event = try Tensorboard_Event(serializedBytes: record)
      switch event.what {
      case .fileVersion(let version):
        if contents.fileVersion == nil { contents.fileVersion = version }
      case .summary(let summary):
        for value in summary.value {
          switch value.value {
          case .simpleValue(let number):
            contents.scalars.append(
              ScalarEvent(
                tag: value.tag, step: Int(event.step), value: number, wallTime: event.wallTime))
          case .tensor(let tensor):
            if let first = tensor.stringVal.first {
              contents.texts.append(
                Contents.Text(
                  tag: value.tag, step: Int(event.step),
                  text: String(decoding: first, as: UTF8.self)))
            }
          case nil:
            break
          }
        }
      case nil:
        break
      }
    }
    return contents
  }

  /// The event files (`events.out.tfevents.*`) directly inside `directory`, sorted by name.
  public static func files(in directory: URL) throws -> [URL] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasPrefix("events.out.tfevents.") }
      .sorted()
      .map { directory.appendingPathComponent($0) }
  }
}
