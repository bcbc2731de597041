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
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ExperimentError.writeFailed(path: directory.path, reason: "\(error)")
    }
  }

  /// Writes `data` to `url` atomically: a hidden temporary file next to it, then a rename.
  public static func writeAtomically(_ data: Data, to url: URL) throws {
    let temporary = temporarySibling(of: url)
    do {
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw ExperimentError.writeFailed(path: url.path, reason: "\(error)")
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
    let name = ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(unique)"
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
