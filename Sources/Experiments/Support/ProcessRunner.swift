import Foundation

/// Runs small external tools (git, gnuplot) and captures one output stream.
enum ProcessRunner {
  /// Which stream to capture; the other goes to /dev/null (so a full pipe cannot deadlock).
  enum Capture { case standardOutput, standardError }

  /// The result of a finished process.
  struct Result: Sendable {
    /// Exit status (non-zero on failure, or the signal number when killed).
    var status: Int32
    /// The captured stream, decoded as UTF-8.
    var output: String
  }

  /// Finds an executable named `name` on `PATH`.
  static func findExecutable(
    _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> URL? {
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") where !folder.isEmpty {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  /// Runs `executable` with `arguments` in `directory`, waits, and returns status and output.
  static func run(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil,
    capture: Capture = .standardOutput
  ) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardInput = FileHandle.nullDevice
    switch capture {
    case .standardOutput:
      process.standardOutput = pipe
      process.standardError = FileHandle.nullDevice
    case .standardError:
      process.standardOutput = FileHandle.nullDevice
      process.standardError = pipe
    }
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }
}
