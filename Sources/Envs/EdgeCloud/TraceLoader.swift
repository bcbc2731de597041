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
    return try data.withUnsafeBytes { raw in
      try parse(
        raw.bindMemory(to: UInt8.self), file: path, serviceCount: serviceCount,
        zeroDurationClampS: zeroDurationClampS)
    }
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

  static let columnNames = [
    "task_name", "instance_num", "job_name", "task_type", "status", "start_time", "end_time",
    "plan_cpu", "plan_mem",
  ]

  /// Powers of ten exactly representable as `Double` (10^0 … 10^22).
  static let exactPowersOfTen: [Double] = (0...22).map { k in
    var p = 1.0
    for _ in 0..<k { p *= 10 }
    return p
  }

  /// `Double(String(bytes))` for the plain decimals `digits[.digits]` with at most 15 digits
  /// in all, nil for anything else (the caller then takes the `String` route). Exact: the
  /// digits form an integer below 2^53 and the scale is an exact power of ten, so the one
  /// division is correctly rounded, as `Double(String)` is.
  static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
    guard !r.isEmpty else { return nil }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    var sawPoint = false
    for i in r {
      let b = bytes[i]
      if b >= 48 && b <= 57 {
        mantissa = mantissa &* 10 &+ UInt64(b &- 48)
        digits += 1
        if sawPoint { fractionDigits += 1 }
      } else if b == 46 && !sawPoint && digits > 0 {
        sawPoint = true
      } else {
        return nil
      }
    }
    guard digits <= 15, !sawPoint || fractionDigits > 0 else { return nil }
    let m = Double(mantissa)
    return fractionDigits == 0 ? m : m / exactPowersOfTen[fractionDigits]
  }

  /// Parses CSV bytes (`file` names it in errors). Fields are read as bytes; a field with a
  /// non-ASCII byte, or a number that is not a plain decimal, goes through `String` (trimmed
  /// of `.whitespaces`) and `Double(String)` exactly as before, so the accepted inputs, the
  /// values and the error messages do not depend on the route.
  static func parse(
    _ buf: UnsafeBufferPointer<UInt8>, file: String, serviceCount: Int,
    zeroDurationClampS: Double
  ) throws -> AlibabaTrace {
    var trace = AlibabaTrace()
    var stats = TraceLoadStats()
    var lineNo = 0
    var lineStart = 0
    let n = buf.count
    var fields: [Range<Int>] = []
    fields.reserveCapacity(12)
    var lastStart = -Double.infinity
    func isASCII(_ r: Range<Int>) -> Bool {
      for i in r where buf[i] >= 0x80 { return false }
      return true
    }
    /// `r` without leading and trailing spaces and tabs (for ASCII, exactly the characters
    /// `.whitespaces` trims).
    func trimmedASCII(_ r: Range<Int>) -> Range<Int> {
      var lo = r.lowerBound
      var hi = r.upperBound
      while lo < hi && (buf[lo] == 32 || buf[lo] == 9) { lo += 1 }
      while hi > lo && (buf[hi - 1] == 32 || buf[hi - 1] == 9) { hi -= 1 }
      return lo..<hi
    }
    func text(_ r: Range<Int>) -> String {
      String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
        .trimmingCharacters(in: .whitespaces)
    }
    /// Whether field `r`, trimmed, equals the ASCII `word` (case-insensitively if asked).
    func fieldEquals(_ r: Range<Int>, _ word: StaticString, ignoringCase: Bool) -> Bool {
      guard isASCII(r) else {
        let s = text(r)
        return (ignoringCase ? s.lowercased() : s) == word.description
      }
      let t = trimmedASCII(r)
      guard t.count == word.utf8CodeUnitCount else { return false }
      let w = word.utf8Start
      for (j, i) in t.enumerated() {
        var b = buf[i]
        if ignoringCase && b >= 65 && b <= 90 { b += 32 }
        if b != w[j] { return false }
      }
      return true
    }
    func fail(_ reason: String) -> TraceError {
      TraceError(file: file, line: lineNo, reason: reason)
    }
    func number(_ i: Int, allowEmpty: Bool) throws -> Double? {
      let r = fields[i]
      if isASCII(r) {
        let t = trimmedASCII(r)
        if t.isEmpty {
          if allowEmpty { return nil }
          throw fail("column \(i + 1) (\(columnNames[i])) is empty")
        }
        if let v = plainDecimal(buf, t) { return v }
      }
      let s = text(r)
      if s.isEmpty {
        if allowEmpty { return nil }
        throw fail("column \(i + 1) (\(columnNames[i])) is empty")
      }
      guard let v = Double(s), v.isFinite else {
        throw fail("column \(i + 1) (\(columnNames[i])) is not a number: \"\(s)\"")
      }
      guard v >= 0 else { throw fail("column \(i + 1) (\(columnNames[i])) is negative: \(s)") }
      return v
    }
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
      if fields.count >= 6, fieldEquals(fields[5], "start_time", ignoringCase: true) {
        stats.headerLines += 1
        continue
      }
      guard fields.count == 9 else {
        throw fail("expected 9 comma-separated columns, found \(fields.count)")
      }
      stats.rowsRead += 1
      let typeValue = try number(3, allowEmpty: false)!
      guard typeValue == typeValue.rounded() else {
        throw fail("column 4 (task_type) is not an integer: \(typeValue)")
      }
      let start = try number(5, allowEmpty: false)!
      let end = try number(6, allowEmpty: false)!
      let cpu = try number(7, allowEmpty: true) ?? 0
      let mem = try number(8, allowEmpty: true) ?? 0
      _ = try number(1, allowEmpty: true)
      if fieldEquals(fields[4], "Terminated", ignoringCase: false) {
        stats.statusTerminated += 1
      } else if fieldEquals(fields[4], "Failed", ignoringCase: false) {
        stats.statusFailed += 1
      } else {
        stats.statusOther += 1
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
