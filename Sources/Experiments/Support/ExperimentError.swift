import Foundation

/// Errors raised by the experiment infrastructure; each names the file or field and the reason.
public enum ExperimentError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// A bundled resource (e.g. the trace) was not found in any searched location.
  case resourceNotFound(what: String, relativePath: String, searched: [String])
  /// A file or folder could not be written.
  case writeFailed(path: String, reason: String)
  /// A file could not be read or parsed.
  case readFailed(path: String, reason: String)
  /// An input value is impossible (field name and reason).
  case invalidValue(field: String, reason: String)

  /// Human-readable message, printed by the command line.
  public var description: String {
    switch self {
    case .resourceNotFound(let what, let relativePath, let searched):
      let places = searched.map { "  - \($0)" }.joined(separator: "\n")
      return """
        \(what) not found: looked for '\(relativePath)' in
        \(places)
        Pass an explicit path, or run from the package root (the folder with Package.swift).
        """
    case .writeFailed(let path, let reason):
      return "cannot write \(path): \(reason)"
    case .readFailed(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .invalidValue(let field, let reason):
      return "invalid \(field): \(reason)"
    }
  }

  /// Same as `description`, for Foundation's error reporting.
  public var errorDescription: String? { description }
}
