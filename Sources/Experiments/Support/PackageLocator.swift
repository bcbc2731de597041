import Foundation

/// Finds files shipped with the package (the bundled trace) from wherever the tool runs: the
/// current folder first, then every enclosing folder holding `Package.swift`, walking up from the
/// current folder and from the executable (`.build/release/experiment` lives inside the package).
public struct PackageLocator: Sendable {
  /// Path of the bundled Alibaba trace sample, relative to the package root.
  public static let bundledTraceRelativePath = "data/traces/alibaba-v2018-batch-task-sample.csv"

  /// The folder relative paths are resolved against first.
  public var currentDirectory: URL
  /// The running executable, if known.
  public var executable: URL?

  /// A locator for this process (current folder and `CommandLine.arguments[0]`).
  public init() {
    let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    currentDirectory = cwd
    if let first = CommandLine.arguments.first, !first.isEmpty {
      let path =
        first.hasPrefix("/")
        ? URL(fileURLWithPath: first)
        : cwd.appendingPathComponent(first)
      executable = path.standardizedFileURL.resolvingSymlinksInPath()
    }
  }

  /// A locator with explicit starting points (tests).
  public init(currentDirectory: URL, executable: URL?) {
    self.currentDirectory = currentDirectory
    self.executable = executable
  }

  /// Folders containing `Package.swift`, nearest first, from the current folder then the
  /// executable, without duplicates.
  public func packageRoots() -> [URL] {
    var roots: [URL] = []
    var starts = [currentDirectory.standardizedFileURL]
    if let executable { starts.append(executable.deletingLastPathComponent().standardizedFileURL) }
    for start in starts {
      var folder = start
      while true {
        let manifest = folder.appendingPathComponent("Package.swift")
        if FileManager.default.fileExists(atPath: manifest.path),
          !roots.contains(where: { $0.path == folder.path })
        {
          roots.append(folder)
        }
        let parent = folder.deletingLastPathComponent().standardizedFileURL
        if parent.path == folder.path { break }
        folder = parent
      }
    }
    return roots
  }

  /// The nearest package root, if any (used to run `git` in the right folder).
  public var packageRoot: URL? { packageRoots().first }

  /// Resolves `relativePath` against the current folder, then each package root; throws
  /// `ExperimentError.resourceNotFound` listing every place searched.
  public func locate(_ relativePath: String, what: String) throws -> URL {
    var searched: [String] = []
    for base in [currentDirectory] + packageRoots() {
      let candidate = base.appendingPathComponent(relativePath).standardizedFileURL
      if searched.contains(candidate.path) { continue }
      searched.append(candidate.path)
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    }
    throw ExperimentError.resourceNotFound(
      what: what, relativePath: relativePath, searched: searched)
  }

  /// The bundled trace sample.
  public func bundledTrace() throws -> URL {
    try locate(Self.bundledTraceRelativePath, what: "bundled trace (pass --trace path.csv)")
  }

  /// `path` made absolute against the current folder.
  public func absolute(_ path: String) -> URL {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
    return currentDirectory.appendingPathComponent(path).standardizedFileURL
  }
}
