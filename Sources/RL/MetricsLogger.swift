import Foundation
import Synchronization
import TensorModule

/// One logged value: a number or a string.
public enum MetricValue: Sendable, Hashable, ExpressibleByIntegerLiteral,
  ExpressibleByFloatLiteral, ExpressibleByStringLiteral
{
  /// An integer.
  case int(Int)
  /// A floating-point number (non-finite values are written as `nan`/`inf` in CSV, `null` in
  /// JSON).
  case double(Double)
  /// A string.
  case string(String)

  /// An integer literal.
  public init(integerLiteral value: Int) { self = .int(value) }
  /// A floating-point literal.
  public init(floatLiteral value: Double) { self = .double(value) }
  /// A string literal.
  public init(stringLiteral value: String) { self = .string(value) }
  /// A `Float`, widened to `Double`.
  public static func float(_ value: Float) -> MetricValue { .double(Double(value)) }
}

/// The file format of a `MetricsLogger`.
public enum MetricsFormat: String, Sendable, Codable, CaseIterable {
  /// Comma-separated values with a header row (RFC 4180 quoting).
  case csv
  /// One JSON object per line, keys in column order.
  case jsonLines

  /// The format implied by a file extension: `.csv` → csv, `.jsonl`/`.ndjson` → jsonLines.
  public init?(pathExtension: String) {
    switch pathExtension.lowercased() {
    case "csv": self = .csv
    case "jsonl", "ndjson": self = .jsonLines
    default: return nil
    }
  }
}

/// Why a `MetricsLogger` refused a call.
public struct MetricsLoggerError: Error, CustomStringConvertible, Sendable {
  /// The file concerned.
  public var path: String
  /// What is wrong.
  public var reason: String
  /// `"<path>: <reason>"`.
  public var description: String { "MetricsLogger: \(path): \(reason)" }
}

/// Appends rows of named metrics to a CSV or JSON-lines file, with a fixed column order.
///
/// The columns are given at creation or taken from the first row, in its order; later rows may
/// omit columns (empty CSV cell, JSON `null`) but may not add new ones. Rows are buffered and
/// written by `flush()`, when the buffer passes 64 KiB, and at `close()`/deinit. Parent folders
/// are created. Appending to an existing CSV reuses (and checks) its header. Safe to share
/// between threads.
public final class MetricsLogger: Sendable {
  private struct State {
    var handle: FileHandle?
    var columns: [String]
    var buffer: String = ""
    var needsHeader: Bool
  }

  /// The file written.
  public let url: URL
  /// The format written.
  public let format: MetricsFormat
  private let state: Mutex<State>
  private static let flushThresholdBytes = 64 * 1024

  /// Opens (creating parent folders) `url` for writing.
  ///
  /// - Parameters:
  ///   - url: The file; its extension picks the format when `format` is nil.
  ///   - format: CSV or JSON lines.
  ///   - columns: The column order; nil takes it from the first row (or an appended CSV's
  ///     header).
  ///   - append: Keep existing content (true) or truncate the file (false).
  public init(
    url: URL, format: MetricsFormat? = nil, columns: [String]? = nil, append: Bool = false
  ) throws {
    let path = url.path
    guard let format = format ?? MetricsFormat(pathExtension: url.pathExtension) else {
      throw MetricsLoggerError(
        path: path, reason: "cannot infer the format from extension '\(url.pathExtension)'")
    }
    if let columns { try Self.checkColumns(columns, path: path) }
    let fileManager = FileManager.default
    try fileManager.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var resolvedColumns = columns ?? []
    var needsHeader = format == .csv
    let exists = fileManager.fileExists(atPath: path)
    if append && exists && format == .csv {
      let text = try String(contentsOf: url, encoding: .utf8)
      if let headerLine = text.split(separator: "\n", omittingEmptySubsequences: false).first,
        !headerLine.isEmpty
      {
        let existing = headerLine.split(separator: ",", omittingEmptySubsequences: false)
          .map { Self.unquoteCSV(String($0)) }
        if let columns, columns != existing {
          throw MetricsLoggerError(
            path: path, reason: "existing header \(existing) differs from columns \(columns)")
        }
        resolvedColumns = existing
        needsHeader = false
      }
    }
    if !(append && exists) {
      guard fileManager.createFile(atPath: path, contents: nil) else {
        throw MetricsLoggerError(path: path, reason: "cannot create the file")
      }
    }
    let handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    self.url = url
    self.format = format
    self.state = Mutex(State(handle: handle, columns: resolvedColumns, needsHeader: needsHeader))
  }

  deinit { try? close() }

  /// The column order (empty until fixed by `columns:` or the first row).
  public var columns: [String] { state.withLock { $0.columns } }

  /// Appends one row; field names must be unique and, once the columns are fixed, among them.
  public func log(_ fields: KeyValuePairs<String, MetricValue>) throws {
    try log(fields.map { ($0.key, $0.value) })
  }

  /// Appends one row given as ordered `(name, value)` pairs.
  public func log(_ fields: [(String, MetricValue)]) throws {
    let path = url.path
    try state.withLock { s in
      guard s.handle != nil else { throw MetricsLoggerError(path: path, reason: "closed") }
      var byName: [String: MetricValue] = [:]
      for (name, value) in fields {
        guard byName.updateValue(value, forKey: name) == nil else {
          throw MetricsLoggerError(path: path, reason: "field '\(name)' given twice in one row")
        }
      }
      if s.columns.isEmpty {
        let names = fields.map(\.0)
        try Self.checkColumns(names, path: path)
        s.columns = names
      }
      for name in byName.keys where !s.columns.contains(name) {
        throw MetricsLoggerError(
          path: path, reason: "unknown field '\(name)'; columns are \(s.columns)")
      }
      if s.needsHeader {
        s.buffer += s.columns.map(Self.quoteCSV).joined(separator: ",") + "\n"
        s.needsHeader = false
      }
      switch format {
      case .csv:
        s.buffer += s.columns.map { byName[$0].map(Self.csvCell) ?? "" }.joined(separator: ",")
      case .jsonLines:
        let members = s.columns.map { name in
          JSONText.quoted(name) + ":" + (byName[name].map(Self.jsonValue) ?? "null")
        }
        s.buffer += "{" + members.joined(separator: ",") + "}"
      }
      s.buffer += "\n"
      if s.buffer.utf8.count >= Self.flushThresholdBytes { try Self.write(&s) }
    }
  }

  /// Writes buffered rows to the file.
  public func flush() throws {
    try state.withLock { s in try Self.write(&s) }
  }

  /// Flushes and closes the file; later `log` calls throw. Idempotent.
  public func close() throws {
    try state.withLock { s in
      guard let handle = s.handle else { return }
      try Self.write(&s)
      s.handle = nil
      try handle.close()
    }
  }

  private static func write(_ s: inout State) throws {
    guard let handle = s.handle, !s.buffer.isEmpty else { return }
    try handle.write(contentsOf: Data(s.buffer.utf8))
    s.buffer = ""
  }

  private static func checkColumns(_ columns: [String], path: String) throws {
    guard !columns.isEmpty else {
      throw MetricsLoggerError(path: path, reason: "a row needs at least one column")
    }
    guard Set(columns).count == columns.count else {
      throw MetricsLoggerError(path: path, reason: "duplicate column names in \(columns)")
    }
  }

  private static func csvCell(_ value: MetricValue) -> String {
    switch value {
    case .int(let v): String(v)
    case .double(let v): v.isNaN ? "nan" : v.isInfinite ? (v > 0 ? "inf" : "-inf") : "\(v)"
    case .string(let v): quoteCSV(v)
    }
  }

  private static func quoteCSV(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return text
    }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  private static func unquoteCSV(_ text: String) -> String {
    guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
    return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
  }

  private static func jsonValue(_ value: MetricValue) -> String {
    switch value {
    case .int(let v): String(v)
    case .double(let v): v.isFinite ? "\(v)" : "null"
    case .string(let v): JSONText.quoted(v)
    }
  }
}
