import Foundation

/// The byte-level `batch_task` parser: one pass over the lines, fields as byte ranges, plain
/// decimals read without `String`; dirty rows are skipped and counted (`TraceSkipReason`), and
/// the file is judged once all its rows are read. No arithmetic on the input can trap: digit
/// accumulation wraps and is bounded to 15 digits, every other number goes through
/// `Double(String)` and is range-checked before it becomes an `Int`.
extension AlibabaTrace {
  static let columnNames = [
    "task_name", "instance_num", "job_name", "task_type", "status", "start_time", "end_time",
    "plan_cpu", "plan_mem",
  ]

  /// Numbers at or above this (2^53) overflow: past it `Double` no longer holds every integer,
  /// so a count or a time in seconds is no longer exact.
  static let overflowBound = 9_007_199_254_740_992.0

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

  /// A numeric field, read.
  enum NumberRead {
    /// A finite number in `0..<overflowBound`.
    case value(Double)
    /// Empty (or spaces only).
    case empty
    /// Dirty: why.
    case dirty(TraceSkipReason)
  }

  /// The values of a data row that is kept or judged by its values.
  struct Row {
    var type: Int
    var startS: Double
    var endS: Double
    var cpu: Double
    var memory: Double
  }

  /// Why a data row is skipped, and in which column (nil: the row as a whole).
  struct RowSkip: Error {
    var reason: TraceSkipReason
    var column: Int?
  }

  /// Parses CSV bytes (`file` names it in errors). Fields are read as bytes; a field with a
  /// non-ASCII byte, or a number that is not a plain decimal, goes through `String` (trimmed
  /// of `.whitespaces`) and `Double(String)`, so the accepted inputs, the values and the
  /// messages do not depend on the route.
  static func parse(
    _ buf: UnsafeBufferPointer<UInt8>, file: String, serviceCount: Int,
    zeroDurationClampS: Double
  ) throws -> AlibabaTrace {
    var trace = AlibabaTrace()
    var stats = TraceLoadStats()
    stats.file = file
    var lineNo = 0
    var lineStart = 0
    let n = buf.count
    var fields: [Range<Int>] = []
    fields.reserveCapacity(12)
    var lastStart = -Double.infinity
    var firstSkipped: TraceError? = nil
    var firstMalformed: TraceError? = nil
    var smallTypesSeen: UInt64 = 0  // bit t for task_type t < 64
    var largeTypesSeen = Set<Int>()
    let maxType = min(serviceCount, Int(Int32.max))

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
    /// Whether field `r` is empty once trimmed.
    func isBlank(_ r: Range<Int>) -> Bool {
      isASCII(r) ? trimmedASCII(r).isEmpty : text(r).isEmpty
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
    /// Field `i` as a number; `integer` asks for a whole number.
    func number(_ i: Int, integer: Bool) -> NumberRead {
      let r = fields[i]
      var value: Double? = nil
      if isASCII(r) {
        let t = trimmedASCII(r)
        if t.isEmpty { return .empty }
        value = plainDecimal(buf, t)  // at most 15 digits: finite, ≥ 0, < 2^53
      }
      if value == nil {
        let s = text(r)
        if s.isEmpty { return .empty }
        guard let v = Double(s) else { return .dirty(.notANumber) }
        if v.isNaN { return .dirty(.notFinite) }
        if v.isInfinite {
          // Written as inf/infinity, or a finite literal past Double's range.
          return .dirty(s.lowercased().contains("inf") ? .notFinite : .overflow)
        }
        if v < 0 { return .dirty(.negative) }
        if v >= overflowBound { return .dirty(.overflow) }
        value = v
      }
      guard let v = value else { return .dirty(.notANumber) }
      // v is in 0..<2^53, so `Int(exactly:)` fails only on a fraction.
      if integer && Int(exactly: v) == nil { return .dirty(.notInteger) }
      return .value(v)
    }
    /// Field `column` as a number, 0 when empty and not `required`.
    func value(_ column: Int, integer: Bool = false, required: Bool = false) throws(RowSkip)
      -> Double
    {
      switch number(column, integer: integer) {
      case .value(let v): return v
      case .empty:
        if required { throw RowSkip(reason: .notANumber, column: column) }
        return 0
      case .dirty(let reason): throw RowSkip(reason: reason, column: column)
      }
    }
    /// The row in `fields`; checks the column count, then the numbers in column order.
    func readRow() throws(RowSkip) -> Row {
      guard fields.count == 9 else {
        throw RowSkip(reason: fields.count < 9 ? .missingFields : .extraFields, column: nil)
      }
      _ = try value(1, integer: true)  // instance_num: checked, not used
      let type = try value(3, integer: true, required: true)
      let start = try value(5, required: true)
      let end = try value(6, required: true)
      let cpu = try value(7)
      let memory = try value(8)
      // Whole and below 2^53, so exact; -1 (an unknown type) cannot happen.
      let t = Int(exactly: type) ?? -1
      return Row(type: t, startS: start, endS: end, cpu: cpu, memory: memory)
    }
    /// Why row `lineNo` was skipped, in words.
    func message(_ reason: TraceSkipReason, column: Int?) -> String {
      guard let c = column else {
        switch reason {
        case .missingFields, .extraFields:
          return "expected 9 comma-separated columns, found \(fields.count)"
        case .unfinished: return "end_time is 0 (the task never finished)"
        default:
          return "end_time \(shown(text(fields[6]))) is before start_time \(shown(text(fields[5])))"
        }
      }
      let name = "column \(c + 1) (\(columnNames[c]))"
      let s = shown(text(fields[c]))
      switch reason {
      case .notANumber where s.isEmpty: return "\(name) is empty"
      case .notANumber: return "\(name) is not a number: \"\(s)\""
      case .notFinite: return "\(name) is not finite: \(s)"
      case .negative: return "\(name) is negative: \(s)"
      case .overflow: return "\(name) overflows (2^53 or more): \(s)"
      case .notInteger: return "\(name) is not an integer: \(s)"
      default: return "\(name) is outside 1…\(serviceCount): \(s)"
      }
    }
    /// `s`, cut to 40 characters for messages.
    func shown(_ s: String) -> String { s.count <= 40 ? s : String(s.prefix(40)) + "…" }
    func skip(_ reason: TraceSkipReason, column: Int?) {
      stats[reason] += 1
      if firstSkipped == nil || (reason.isMalformed && firstMalformed == nil) {
        let e = TraceError(file: file, line: lineNo, reason: message(reason, column: column))
        if firstSkipped == nil { firstSkipped = e }
        if reason.isMalformed && firstMalformed == nil { firstMalformed = e }
      }
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
      // Empty fields after the ninth: a comma at the end of the line.
      while fields.count > 9, let last = fields.last, isBlank(last) { fields.removeLast() }
      stats.rowsRead += 1
      let row: Row
      do {
        row = try readRow()
      } catch {
        skip(error.reason, column: error.column)
        continue
      }
      let (type, start, end) = (row.type, row.startS, row.endS)
      if fieldEquals(fields[4], "Terminated", ignoringCase: false) {
        stats.statusTerminated += 1
      } else if fieldEquals(fields[4], "Failed", ignoringCase: false) {
        stats.statusFailed += 1
      } else {
        stats.statusOther += 1
      }
      guard type >= 1 && type <= maxType else {
        skip(.unknownType, column: 3)
        continue
      }
      if end == 0 {
        skip(.unfinished, column: nil)
        continue
      }
      if end < start {
        skip(.endBeforeStart, column: nil)
        continue
      }
      var duration = end - start
      if duration == 0 {
        duration = zeroDurationClampS
        stats.clampedZeroDuration += 1
      }
      if row.cpu == 0 { stats.zeroCPU += 1 }
      if row.memory == 0 { stats.zeroMemory += 1 }
      if start < lastStart { stats.outOfOrderRows += 1 }
      lastStart = max(lastStart, start)
      if type < 64 { smallTypesSeen |= 1 << UInt64(type) } else { largeTypesSeen.insert(type) }
      let job = fields[2]
      let jobHash =
        isASCII(job)
        ? fnv1a64(UnsafeBufferPointer(rebasing: buf[trimmedASCII(job)]))
        : fnv1a64(text(job).utf8)
      trace.service.append(Int32(type - 1))
      trace.taskType.append(Int32(type))
      trace.jobHash.append(jobHash)
      trace.startTimeS.append(start)
      trace.durationS.append(duration)
      trace.planCPU.append(row.cpu)
      trace.planMemory.append(row.memory)
    }
    if stats.outOfOrderRows > 0 {
      let order = trace.startTimeS.indices.sorted {
        (trace.startTimeS[$0], $0) < (trace.startTimeS[$1], $1)
      }
      trace.service = order.map { trace.service[$0] }
      trace.taskType = order.map { trace.taskType[$0] }
      trace.jobHash = order.map { trace.jobHash[$0] }
      trace.startTimeS = order.map { trace.startTimeS[$0] }
      trace.durationS = order.map { trace.durationS[$0] }
      trace.planCPU = order.map { trace.planCPU[$0] }
      trace.planMemory = order.map { trace.planMemory[$0] }
    }
    stats.rowsKept = trace.count
    stats.taskTypesSeen = smallTypesSeen.nonzeroBitCount + largeTypesSeen.count
    try judge(
      stats, bytes: n, lines: lineNo, firstSkipped: firstSkipped,
      firstMalformed: firstMalformed)
    trace.stats = stats
    return trace
  }

  /// Throws when the file as a whole is not a usable `batch_task` table: no data rows, more
  /// than half of the data rows malformed, or no row kept. The error names the first
  /// malformed (or skipped) line; a file without data rows is named at its last line (line 1
  /// when empty).
  static func judge(
    _ stats: TraceLoadStats, bytes: Int, lines: Int, firstSkipped: TraceError?,
    firstMalformed: TraceError?
  ) throws {
    let lastLine = max(lines, 1)
    if stats.rowsRead == 0 {
      throw TraceError(
        file: stats.file, line: lastLine,
        reason: bytes == 0 ? "empty file" : "no data rows (only blank or header lines)")
    }
    if 2 * stats.malformedRows > stats.rowsRead {
      var e = firstMalformed ?? TraceError(file: stats.file, line: lastLine, reason: "malformed")
      e.reason +=
        " (not a batch_task table: \(stats.malformedRows) of \(stats.rowsRead) data rows"
        + " are malformed)"
      throw e
    }
    if stats.rowsKept == 0 {
      var e = firstSkipped ?? TraceError(file: stats.file, line: lastLine, reason: "no rows")
      e.reason += " (no usable rows: all \(stats.rowsRead) data rows were skipped)"
      throw e
    }
  }
}
