import Foundation

/// Why the loader skipped a data row of a `batch_task` file. Each skipped row is counted once,
/// under the first reason found (checks run in the order of the cases below, numbers column by
/// column).
public enum TraceSkipReason: String, CaseIterable, Codable, Sendable {
  /// Fewer than 9 columns.
  case missingFields
  /// More than 9 columns once trailing empty fields are dropped: the row is not the shape of
  /// this table (often a comma inside a field, which shifts every later column).
  case extraFields
  /// A numeric column that is not a number, or an empty task_type, start_time or end_time.
  case notANumber
  /// A number written as NaN or inf.
  case notFinite
  /// A negative number (counts, times, CPU and memory are all ≥ 0).
  case negative
  /// A number of 2^53 or more (past Double's exact integers; also past Double's range).
  case overflow
  /// instance_num or task_type with a fractional part.
  case notInteger
  /// task_type outside `1…serviceCount`.
  case unknownType
  /// end_time 0: the task was still running at the end of the trace.
  case unfinished
  /// end_time > 0 but before start_time.
  case endBeforeStart

  /// Whether the row is malformed (not a row of this table) rather than a row of this table
  /// with dirty values; a file whose data rows are mostly malformed is rejected.
  public var isMalformed: Bool {
    switch self {
    case .missingFields, .extraFields, .notANumber: true
    default: false
    }
  }

  /// Short label for the summary line.
  public var label: String {
    switch self {
    case .missingFields: "columns<9"
    case .extraFields: "extra fields"
    case .notANumber: "not a number"
    case .notFinite: "NaN/inf"
    case .negative: "negative"
    case .overflow: "overflow"
    case .notInteger: "not an integer"
    case .unknownType: "unknown task_type"
    case .unfinished: "unfinished"
    case .endBeforeStart: "end<start"
    }
  }
}

/// What the loader did with a `batch_task` file: rows read and kept, and every dirty row
/// counted by what was done to it. `description` is a one-line summary for the command line.
///
/// Policy (see also `data/traces/README.md`):
/// - skipped (`TraceSkipReason`): rows with fewer or more than 9 columns, numbers that do not
///   parse, NaN/inf, negative numbers, numbers of 2^53 or more, fractional instance_num or
///   task_type, task_type outside `1…serviceCount`, end_time 0 (status Running at trace end),
///   and end_time before start_time;
/// - zero durations (`end_time == start_time`): **clamped** to `zeroDurationClampS`;
/// - `plan_cpu` 0 or empty: **kept**, the CPU mapping clamps it to `minCPUCores`;
/// - `plan_mem` 0 or empty: **kept** as 0 GB of request memory;
/// - rows out of `start_time` order: the rows are **stably sorted** by start time;
/// - blank lines, header lines (`…start_time…` in column 6), CRLF line ends and empty fields
///   after the ninth (a comma at the end of each line) are accepted as they are.
///
/// The file is rejected (`TraceError`) when it has no data rows, when more than half of its
/// data rows are malformed (`TraceSkipReason.isMalformed`), or when no row is kept.
public struct TraceLoadStats: Sendable, Equatable, Codable {
  /// The file (or the name given to in-memory text).
  public var file = ""
  /// Data lines read (not blank, not a header).
  public var rowsRead = 0
  /// Rows kept.
  public var rowsKept = 0
  /// Blank lines skipped.
  public var blankLines = 0
  /// Header lines skipped.
  public var headerLines = 0
  /// Rows skipped: fewer than 9 columns.
  public var skippedMissingFields = 0
  /// Rows skipped: more than 9 non-empty columns.
  public var skippedExtraFields = 0
  /// Rows skipped: a numeric column that is not a number (or a required one that is empty).
  public var skippedNotANumber = 0
  /// Rows skipped: NaN or inf.
  public var skippedNotFinite = 0
  /// Rows skipped: a negative number.
  public var skippedNegative = 0
  /// Rows skipped: a number of 2^53 or more.
  public var skippedOverflow = 0
  /// Rows skipped: fractional instance_num or task_type.
  public var skippedNotInteger = 0
  /// Rows skipped because task_type is outside 1…serviceCount.
  public var skippedUnknownType = 0
  /// Rows skipped because they never finished (end_time 0).
  public var skippedUnfinished = 0
  /// Rows skipped because end_time (> 0) is before start_time.
  public var skippedEndBeforeStart = 0
  /// Rows whose zero duration was clamped.
  public var clampedZeroDuration = 0
  /// Kept rows with plan_cpu 0 or empty (clamped by the CPU mapping).
  public var zeroCPU = 0
  /// Kept rows with plan_mem 0 or empty.
  public var zeroMemory = 0
  /// Kept rows whose start_time was smaller than an earlier row's (the rows were then sorted).
  public var outOfOrderRows = 0
  /// Rows with status Terminated (among rows whose columns and numbers read).
  public var statusTerminated = 0
  /// Rows with status Failed (kept: the request still arrived).
  public var statusFailed = 0
  /// Rows with any other status (Running, Waiting, …).
  public var statusOther = 0
  /// Distinct task_type values among the kept rows.
  public var taskTypesSeen = 0

  /// Creates empty statistics.
  public init() {}

  /// Rows skipped for `reason`.
  public subscript(reason: TraceSkipReason) -> Int {
    get {
      switch reason {
      case .missingFields: skippedMissingFields
      case .extraFields: skippedExtraFields
      case .notANumber: skippedNotANumber
      case .notFinite: skippedNotFinite
      case .negative: skippedNegative
      case .overflow: skippedOverflow
      case .notInteger: skippedNotInteger
      case .unknownType: skippedUnknownType
      case .unfinished: skippedUnfinished
      case .endBeforeStart: skippedEndBeforeStart
      }
    }
    set {
      switch reason {
      case .missingFields: skippedMissingFields = newValue
      case .extraFields: skippedExtraFields = newValue
      case .notANumber: skippedNotANumber = newValue
      case .notFinite: skippedNotFinite = newValue
      case .negative: skippedNegative = newValue
      case .overflow: skippedOverflow = newValue
      case .notInteger: skippedNotInteger = newValue
      case .unknownType: skippedUnknownType = newValue
      case .unfinished: skippedUnfinished = newValue
      case .endBeforeStart: skippedEndBeforeStart = newValue
      }
    }
  }

  /// Rows skipped for any reason (`rowsRead == rowsKept + skippedRows`).
  public var skippedRows: Int { TraceSkipReason.allCases.reduce(0) { $0 + self[$1] } }

  /// Malformed rows (wrong column count, numbers that do not parse).
  public var malformedRows: Int {
    TraceSkipReason.allCases.filter(\.isMalformed).reduce(0) { $0 + self[$1] }
  }

  /// Dirty rows counted in any way: skipped rows plus the kept rows' clamps (a kept row with
  /// several issues counts once per issue).
  public var dirtyRows: Int { skippedRows + clampedZeroDuration + zeroCPU + zeroMemory }
}

extension TraceLoadStats: CustomStringConvertible {
  /// One line for the command line, e.g. `trace sample.csv: 20000 rows read, 19974 kept, 26
  /// skipped (unfinished 26); kept with zero duration clamped 843, plan_cpu 0 50; 11 task
  /// types seen`. Zero counts are left out.
  public var description: String {
    let name = URL(fileURLWithPath: file).lastPathComponent
    var s = "trace \(name): \(rowsRead) rows read, \(rowsKept) kept, \(skippedRows) skipped"
    let reasons = TraceSkipReason.allCases.filter { self[$0] > 0 }
    if !reasons.isEmpty {
      s += " (" + reasons.map { "\($0.label) \(self[$0])" }.joined(separator: ", ") + ")"
    }
    let kept = [
      ("zero duration clamped", clampedZeroDuration), ("plan_cpu 0", zeroCPU),
      ("plan_mem 0", zeroMemory),
    ].filter { $0.1 > 0 }
    if !kept.isEmpty {
      s += "; kept with " + kept.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }
    var other: [String] = []
    if outOfOrderRows > 0 { other.append("\(outOfOrderRows) out of order (sorted)") }
    if headerLines > 0 { other.append("\(headerLines) header") }
    if blankLines > 0 { other.append("\(blankLines) blank") }
    if !other.isEmpty { s += "; lines: " + other.joined(separator: ", ") }
    s += "; \(taskTypesSeen) task types seen"
    return s
  }
}
