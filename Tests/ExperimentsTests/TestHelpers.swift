import Foundation
import Synchronization

@testable import Experiments

/// A fresh, empty temporary folder for one test.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
  let safe = name.filter { $0.isLetter || $0.isNumber }
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("experiments-tests-\(safe)-\(UUID().uuidString.prefix(8))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The package root (the folder holding Package.swift), found from this source file.
func packageRoot(file: String = #filePath) -> URL? {
  var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
  while folder.path != "/" {
    if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
      return folder
    }
    folder = folder.deletingLastPathComponent()
  }
  return nil
}

/// Whether gnuplot is installed (tests that render are skipped otherwise).
let gnuplotAvailable = GnuplotRenderer.detect().executable != nil

/// Collects lines from a progress reporter, thread-safely.
final class LineCollector: Sendable {
  private let storage = Mutex<[String]>([])
  /// Lines received so far.
  var lines: [String] { storage.withLock { $0 } }
  /// A sink appending to this collector.
  var sink: ProgressReporter.Sink { { line in self.storage.withLock { $0.append(line) } } }
}

/// A manually advanced clock.
final class FakeClock: Sendable {
  private let seconds = Mutex(0.0)
  /// Sets the time.
  func set(_ value: Double) { seconds.withLock { $0 = value } }
  /// The time source.
  var source: ProgressReporter.TimeSource { { self.seconds.withLock { $0 } } }
}

/// The error message ArgumentParser would print for parsing `arguments` as `CommonOptions`,
/// or `nil` when they parse.
func optionsError(_ arguments: [String]) -> String? {
  do {
    _ = try CommonOptions.parse(arguments)
    return nil
  } catch {
    return CommonOptions.message(for: error)
  }
}
