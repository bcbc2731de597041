import Foundation

/// A malformed trace file: which file, which line (1-based) and why.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file (or the name given to in-memory text).
  public var file: String
  /// 1-based line number, within the file (1 for an empty file); 0 only when the file cannot
  /// be read at all.
  public var line: Int
  /// What is wrong.
  public var reason: String

  /// Creates an error.
  public init(file: String, line: Int, reason: String) {
    self.file = file
    self.line = line
    self.reason = reason
  }

  /// `file:line: reason`.
  public var description: String { "\(file):\(line): \(reason)" }
}

/// The kept rows of an Alibaba cluster-trace-v2018 `batch_task` file, struct-of-arrays, sorted
/// by start time.
public struct AlibabaTrace: Sendable {
  /// Service index: task_type − 1 as loaded; `mapped(_:serviceCount:resourceCPUClasses:)`
  /// reassigns it under a `ServiceMappingKind` (the simulator does, per `services.mapping`).
  public var service: [Int32] = []
  /// task_type (1…serviceCount; the loader skips other types).
  public var taskType: [Int32] = []
  /// FNV-1a (64 bit) of job_name, trimmed of spaces (`fnv1a64`).
  public var jobHash: [UInt64] = []
  /// Start time (arrival), s, as in the trace.
  public var startTimeS: [Double] = []
  /// Duration end_time − start_time (zero clamped), s.
  public var durationS: [Double] = []
  /// plan_cpu (100 = 1 core; 0 where missing).
  public var planCPU: [Double] = []
  /// plan_mem (normalized 0–100; 0 where missing).
  public var planMemory: [Double] = []
  /// What the loader did.
  public var stats = TraceLoadStats()

  /// Number of kept rows.
  public var count: Int { service.count }

  /// Time from the first to the last kept arrival, s.
  public var spanS: Double {
    guard let f = startTimeS.first, let l = startTimeS.last else { return 0 }
    return l - f
  }

  /// Rows per service (the type mix).
  public func serviceCounts(serviceCount: Int) -> [Int] {
    var c = [Int](repeating: 0, count: serviceCount)
    for s in service where Int(s) < serviceCount { c[Int(s)] += 1 }
    return c
  }

  /// One line summing up the load (rows read, kept, skipped by reason, …), for the command
  /// line; see `TraceLoadStats.description`.
  public var summary: String { stats.description }

  /// Loads and cleans a `batch_task` CSV; see `TraceLoadStats` for the accepted variants and
  /// the dirty-row policy. Throws `TraceError` for unreadable or malformed files; never traps
  /// on the file's contents.
  ///
  /// A relative `path` that does not exist in the current folder is looked up in this package's
  /// folder too (see `packagePath(_:)`), so the default `WorkloadConfig.tracePath` works from
  /// any folder, including for packages that depend on this one.
  public static func load(
    path: String, serviceCount: Int = 12, zeroDurationClampS: Double = 1
  ) throws -> AlibabaTrace {
    var path = path
    if !path.hasPrefix("/"), !FileManager.default.fileExists(atPath: path),
      FileManager.default.fileExists(atPath: packagePath(path).path)
    {
      path = packagePath(path).path
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw TraceError(
        file: path, line: 0,
        reason: "cannot read the file (\(error)); a relative path is looked up in the current "
          + "folder, then in the package folder \(packagePath("").path)")
    }
    return try data.withUnsafeBytes { raw in
      try parse(
        raw.bindMemory(to: UInt8.self), file: path, serviceCount: serviceCount,
        zeroDurationClampS: zeroDurationClampS)
    }
  }

  /// `relativePath` inside the folder of the package this file was built from (SwiftPM builds
  /// packages from source, so the folder is there when the program runs on the machine that
  /// built it): the bundled sample is `packagePath(WorkloadConfig().tracePath)`.
  public static func packagePath(_ relativePath: String) -> URL {
    // This file is <package>/Sources/Envs/EdgeCloud/TraceLoader.swift.
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { root.deleteLastPathComponent() }
    return root.appendingPathComponent(relativePath)
  }

  /// Parses CSV text (`file` names it in errors).
  public static func parse(
    text: String, file: String = "<text>", serviceCount: Int = 12, zeroDurationClampS: Double = 1
  ) throws -> AlibabaTrace {
    try parse(
      Array(text.utf8), file: file, serviceCount: serviceCount,
      zeroDurationClampS: zeroDurationClampS)
  }

  /// Parses CSV bytes (`file` names it in errors).
  public static func parse(
    _ bytes: [UInt8], file: String, serviceCount: Int = 12, zeroDurationClampS: Double = 1
  ) throws -> AlibabaTrace {
    try bytes.withUnsafeBufferPointer { buf in
      try parse(
        buf, file: file, serviceCount: serviceCount, zeroDurationClampS: zeroDurationClampS)
    }
  }
}
