import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// File helpers: atomic writes (temporary file in the same folder, then `rename(2)`), so a
/// crashed or interrupted run never leaves a half-written `data.csv` or `summary.json`.
public enum FileIO {
  /// Creates `directory` and its parents if needed; fails if a regular file is in the way.
  public static func makeDirectory(_ directory: URL) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
      if isDirectory.boolValue { return }
      throw ExperimentError.writeFailed(
        path: directory.path, reason: "a file with this name exists; expected a folder")
    }
    if let blocker = firstFileAncestor(of: directory) {
      throw ExperimentError.writeFailed(
        path: directory.path, reason: "\(blocker.path) is a file, not a folder")
    }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ExperimentError.writeFailed(path: directory.path, reason: reason(for: error))
    }
  }

  /// The nearest existing ancestor of `url` if it is a regular file (which blocks creating
  /// folders below it), else `nil`.
  public static func firstFileAncestor(of url: URL) -> URL? {
    var folder = url.standardizedFileURL
    while true {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
        return isDirectory.boolValue ? nil : folder
      }
      let parent = folder.deletingLastPathComponent()
      if parent.path == folder.path { return nil }
      folder = parent
    }
  }

  /// A short reason for a Foundation error: the underlying POSIX message when there is one.
  static func reason(for error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain,
      let code = POSIXErrorCode(rawValue: Int32(underlying.code))
    {
      return String(cString: strerror(code.rawValue))
    }
    if nsError.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(nsError.code)))
    }
    return nsError.localizedDescription
  }

  /// Writes `data` to `url` atomically: a hidden temporary file next to it, then a rename.
  public static func writeAtomically(_ data: Data, to url: URL) throws {
    let temporary = temporarySibling(of: url)
    do {
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw ExperimentError.writeFailed(path: url.path, reason: reason(for: error))
    }
    try moveAtomically(from: temporary, to: url)
  }

  /// Writes UTF-8 `text` to `url` atomically.
  public static func writeAtomically(_ text: String, to url: URL) throws {
    try writeAtomically(Data(text.utf8), to: url)
  }

  /// A hidden, unique path in the same folder as `url` (same file system, so rename is atomic).
  static func temporarySibling(of url: URL) -> URL {
    let unique = UUID().uuidString.prefix(8)
    let name =
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(unique)"
    return url.deletingLastPathComponent().appendingPathComponent(name)
  }

  /// Renames `source` over `destination` (atomic replace); removes `source` on failure.
  static func moveAtomically(from source: URL, to destination: URL) throws {
    if rename(source.path, destination.path) != 0 {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: source)
      throw ExperimentError.writeFailed(path: destination.path, reason: "rename failed: \(reason)")
    }
  }
}
