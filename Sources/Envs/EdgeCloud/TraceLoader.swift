import Foundation

/// A malformed trace file: which file, which line (1-based) and why.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file (or the name given to in-memory text).
  public var file: String
  /// 1-based line number; 0 when the whole file is at fault.
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

/// What the loader did with dirty rows (documented policy, every case counted).
///
/// Policy:
/// - unfinished rows (`end_time == 0` or `end_time < start_time`, status Running at trace end):
///   **skipped** — their duration, hence their latency budget, is unknown;
/// - zero durations (`end_time == start_time`): **clamped** to `zeroDurationClampS`;
/// - `plan_cpu` 0 or empty: **kept**, the CPU mapping clamps it to `minCPUCores`;
/// - `plan_mem` 0 or empty: **kept** as 0 GB of request memory;
/// - `task_type` outside `1…serviceCount`: **skipped**;
/// - rows out of `start_time` order: the rows are **stably sorted** by start time;
/// - blank lines and a header line (`…start_time…`): skipped.
/// Anything else that does not parse (wrong column count, non-numeric or negative fields) is
/// malformed and throws `TraceError` with the file, the line and the reason.
public struct TraceLoadStats: Sendable, Equatable, Codable {
  /// Non-blank, non-header lines read.
  public var rowsRead = 0
  /// Rows kept.
  public var rowsKept = 0
  /// Blank lines skipped.
  public var blankLines = 0
  /// Header lines skipped.
  public var headerLines = 0
  /// Rows skipped because they never finished (end_time 0 or before start_time).
  public var skippedUnfinished = 0
  /// Rows skipped because task_type is outside 1…serviceCount.
  public var skippedUnknownType = 0
  /// Rows whose zero duration was clamped.
  public var clampedZeroDuration = 0
  /// Rows with plan_cpu 0 or empty (clamped by the CPU mapping).
  public var zeroCPU = 0
  /// Rows with plan_mem 0 or empty.
  public var zeroMemory = 0
  /// Rows whose start_time was smaller than the previous row's (the rows were then sorted).
  public var outOfOrderRows = 0
  /// Rows with status Terminated.
  public var statusTerminated = 0
  /// Rows with status Failed (kept: the request still arrived).
  public var statusFailed = 0
  /// Rows with any other status (Running, Waiting, …).
  public var statusOther = 0

  /// Rows that were dirty in any counted way.
  public var dirtyRows: Int {
    skippedUnfinished + skippedUnknownType + clampedZeroDuration + zeroCPU + zeroMemory
  }
}

/// The kept rows of an Alibaba cluster-trace-v2018 `batch_task` file, struct-of-arrays, sorted
/// by start time.
public struct AlibabaTrace: Sendable {
  /// Service index (task_type − 1).
  public var service: [Int32] = []
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

  /// Loads and cleans a `batch_task` CSV (no header needed); see `TraceLoadStats` for the
  /// dirty-row policy. Throws `TraceError` for unreadable or malformed files.
  public static func load(
    path: String, serviceCount: Int = 12, zeroDurationClampS: Double = 1
  ) throws -> AlibabaTrace {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw TraceError(file: path, line: 0, reason: "cannot read the file (\(error))")
    }
    return try parse(
      Array(data), file: path, serviceCount: serviceCount, zeroDurationClampS: zeroDurationClampS)
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
    var trace = AlibabaTrace()
    var stats = TraceLoadStats()
    var lineNo = 0
    var lineStart = 0
    let n = bytes.count
    var fields: [Range<Int>] = []
    fields.reserveCapacity(12)
    var lastStart = -Double.infinity
    try bytes.withUnsafeBufferPointer { buf in
      while lineStart < n {
        lineNo += 1
        var lineEnd = lineStart
        while lineEnd < n && buf[lineEnd] != 10 { lineEnd += 1 }
        var contentEnd = lineEnd
        if contentEnd > lineStart && buf[contentEnd - 1] == 13 { contentEnd -= 1 }
        defer { lineStart = lineEnd + 1 }
        // Blank line?
        var blank = true
        for i in lineStart..<contentEnd where buf[i] != 32 && buf[i] != 9 {
          blank = false
          break
        }
        if blank {
          stats.blankLines += 1
          continue
        }
        fields.removeAll(keepingCapacity: true)
        var fs = lineStart
        for i in lineStart..<contentEnd where buf[i] == 44 {
          fields.append(fs..<i)
          fs = i + 1
        }
        fields.append(fs..<contentEnd)
        func text(_ r: Range<Int>) -> String {
          String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
        }
        func fail(_ reason: String) -> TraceError {
          TraceError(file: file, line: lineNo, reason: reason)
        }
        if fields.count >= 6, text(fields[5]).lowercased() == "start_time" {
          stats.headerLines += 1
          continue
        }
        guard fields.count == 9 else {
          throw fail("expected 9 comma-separated columns, found \(fields.count)")
        }
        let names = [
          "task_name", "instance_num", "job_name", "task_type", "status", "start_time",
          "end_time", "plan_cpu", "plan_mem",
        ]
        func number(_ i: Int, allowEmpty: Bool) throws -> Double? {
          let s = text(fields[i])
          if s.isEmpty {
            if allowEmpty { return nil }
            throw fail("column \(i + 1) (\(names[i])) is empty")
          }
          guard let v = Double(s), v.isFinite else {
            throw fail("column \(i + 1) (\(names[i])) is not a number: \"\(s)\"")
          }
          guard v >= 0 else { throw fail("column \(i + 1) (\(names[i])) is negative: \(s)") }
          return v
        }
        stats.rowsRead += 1
        let typeValue = try number(3, allowEmpty: false)!
        guard typeValue == typeValue.rounded() else {
          throw fail("column 4 (task_type) is not an integer: \(typeValue)")
        }
        let status = text(fields[4])
        let start = try number(5, allowEmpty: false)!
        let end = try number(6, allowEmpty: false)!
        let cpu = try number(7, allowEmpty: true) ?? 0
        let mem = try number(8, allowEmpty: true) ?? 0
        _ = try number(1, allowEmpty: true)
        switch status {
        case "Terminated": stats.statusTerminated += 1
        case "Failed": stats.statusFailed += 1
        default: stats.statusOther += 1
        }
        let type = Int(typeValue)
        guard type >= 1 && type <= serviceCount else {
          stats.skippedUnknownType += 1
          continue
        }
        if end == 0 || end < start {
          stats.skippedUnfinished += 1
          continue
        }
        var duration = end - start
        if duration == 0 {
          duration = zeroDurationClampS
          stats.clampedZeroDuration += 1
        }
        if cpu == 0 { stats.zeroCPU += 1 }
        if mem == 0 { stats.zeroMemory += 1 }
        if start < lastStart { stats.outOfOrderRows += 1 }
        lastStart = max(lastStart, start)
        trace.service.append(Int32(type - 1))
        trace.startTimeS.append(start)
        trace.durationS.append(duration)
        trace.planCPU.append(cpu)
        trace.planMemory.append(mem)
      }
    }
    if stats.outOfOrderRows > 0 {
      let order = trace.startTimeS.indices.sorted {
        (trace.startTimeS[$0], $0) < (trace.startTimeS[$1], $1)
      }
      trace.service = order.map { trace.service[$0] }
      trace.startTimeS = order.map { trace.startTimeS[$0] }
      trace.durationS = order.map { trace.durationS[$0] }
      trace.planCPU = order.map { trace.planCPU[$0] }
      trace.planMemory = order.map { trace.planMemory[$0] }
    }
    stats.rowsKept = trace.count
    guard trace.count > 0 else {
      throw TraceError(file: file, line: 0, reason: "no usable rows (all blank or skipped)")
    }
    trace.stats = stats
    return trace
  }
}
