import Foundation
import Testing

@testable import Envs

/// The export variants the loader accepts, the dirty rows it skips and counts, and the files
/// it rejects.
@Suite struct TraceFormatTests {
  /// Rows 10,001–14,000 of the bundled trace (9 of them unfinished) without line ends (the
  /// file itself ends lines with CRLF); a window keeps the debug-build tests fast.
  static let rows: [String] = {
    guard let text = try? String(contentsOfFile: EdgeCloudFixtures.tracePath, encoding: .utf8)
    else { return [] }
    return text.split(whereSeparator: \.isNewline).dropFirst(10_000).prefix(4_000)
      .map(String.init)
  }()

  /// The rows joined by LF: the clean reference.
  static let clean: AlibabaTrace? = try? AlibabaTrace.parse(
    text: rows.joined(separator: "\n") + "\n", file: "clean.csv")

  /// Whether two traces hold the same rows.
  static func sameRows(_ a: AlibabaTrace, _ b: AlibabaTrace) -> Bool {
    a.service == b.service && a.startTimeS == b.startTimeS && a.durationS == b.durationS
      && a.planCPU == b.planCPU && a.planMemory == b.planMemory
  }

  /// The variants of one export.
  enum Variant: String, CaseIterable, Sendable {
    case crlf, header, trailingComma, trailingCommas, blankLines, noFinalNewline, all
  }

  /// Header, trailing empty fields, CRLF, blank lines and a missing final newline all give
  /// the clean file's trace, with no row skipped beyond the clean file's.
  @Test(arguments: Variant.allCases) func acceptedVariantsGiveTheCleanTrace(_ v: Variant) throws {
    let clean = try #require(Self.clean)
    #expect(clean.stats.skippedUnfinished == 9)
    let header =
      "task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem"
    var lines = Self.rows
    var end = "\n"
    var expectedBlank = 0
    var expectedHeader = 0
    switch v {
    case .crlf: end = "\r\n"
    case .header:
      lines.insert(header, at: 0)
      expectedHeader = 1
    case .trailingComma: lines = lines.map { $0 + "," }
    case .trailingCommas: lines = lines.map { $0 + ", ,\t," }
    case .blankLines:
      lines = lines.enumerated().flatMap { i, l in i % 100 == 0 ? ["", l, "  \t"] : [l] }
      lines = [""] + lines + [""]
      expectedBlank = 2 + 2 * ((Self.rows.count + 99) / 100)
    case .noFinalNewline: break
    case .all:
      lines =
        [header + ","]
        + lines.enumerated().flatMap { i, l in
          i % 50 == 0 ? ["", l + ","] : [l + ","]
        }
      end = "\r\n"
      expectedBlank = (Self.rows.count + 49) / 50
      expectedHeader = 1
    }
    var text = lines.joined(separator: end)
    if v != .noFinalNewline { text += end }
    let t = try AlibabaTrace.parse(text: text, file: "variant.csv")
    #expect(Self.sameRows(t, clean))
    #expect(t.stats.rowsRead == clean.stats.rowsRead)
    #expect(t.stats.skippedRows == clean.stats.skippedRows)
    #expect(t.stats.blankLines == expectedBlank)
    #expect(t.stats.headerLines == expectedHeader)
  }

  /// Rows with extra non-empty fields are skipped and counted; the other rows load as in the
  /// clean file.
  @Test func extraFieldsSkipTheRowAndAreCounted() throws {
    var kept: [String] = []
    var lines: [String] = []
    for (i, l) in Self.rows.enumerated() {
      if i % 40 == 7 {
        lines.append(l + (i % 80 == 7 ? ",extra" : ",7,"))
      } else {
        lines.append(l)
        kept.append(l)
      }
    }
    let t = try AlibabaTrace.parse(text: lines.joined(separator: "\n"), file: "extra.csv")
    let reference = try AlibabaTrace.parse(text: kept.joined(separator: "\n"), file: "kept.csv")
    let extra = Self.rows.count - kept.count
    #expect(extra == 100)
    #expect(Self.sameRows(t, reference))
    #expect(t.stats.skippedExtraFields == extra)
    #expect(t.stats.rowsRead == Self.rows.count)
    #expect(t.stats.skippedRows == reference.stats.skippedRows + extra)
  }

  /// One dirty row among good ones: `reason` is counted once, nothing else is skipped.
  struct DirtyCase: Sendable, CustomTestStringConvertible {
    var reason: TraceSkipReason
    var row: String
    var testDescription: String { "\(reason): \(row)" }
  }

  static let dirtyCases: [DirtyCase] = [
    .init(reason: .missingFields, row: "M1,1,j_1,1,Terminated,100,110,50"),
    .init(reason: .missingFields, row: "M1"),
    .init(reason: .extraFields, row: "M1,1,j_1,1,Terminated,100,110,50,0.2,7"),
    .init(reason: .extraFields, row: "M1,1,j_1,1,Terminated,100,110,50,0.2,,x,"),
    .init(reason: .notANumber, row: "M1,1,j_1,1,Terminated,abc,110,50,0.2"),
    .init(reason: .notANumber, row: "M1,1,j_1,1,Terminated,,110,50,0.2"),
    .init(reason: .notANumber, row: "M1,\"1\",j_1,1,Terminated,100,110,50,0.2"),
    .init(reason: .notANumber, row: "M1,1,j_1,1,Terminated,100,110,1_0,0.2"),
    .init(reason: .notFinite, row: "M1,1,j_1,1,Terminated,100,nan,50,0.2"),
    .init(reason: .notFinite, row: "M1,NaN,j_1,1,Terminated,100,110,50,0.2"),
    .init(reason: .notFinite, row: "M1,1,j_1,1,Terminated,100,110,inf,0.2"),
    .init(reason: .notFinite, row: "M1,1,j_1,1,Terminated,100,110,50,-Infinity"),
    .init(reason: .negative, row: "M1,-1,j_1,1,Terminated,100,110,50,0.2"),
    .init(reason: .negative, row: "M1,1,j_1,1,Terminated,-100,110,50,0.2"),
    .init(reason: .negative, row: "M1,1,j_1,1,Terminated,100,110,-5,0.2"),
    .init(reason: .overflow, row: "M1,123456789012345678901,j_1,1,Terminated,100,110,50,0.2"),
    .init(reason: .overflow, row: "M1,1,j_1,123456789012345678901,Terminated,100,110,50,0.2"),
    .init(reason: .overflow, row: "M1,1,j_1,1,Terminated,100,1e400,50,0.2"),
    .init(reason: .overflow, row: "M1,1,j_1,1,Terminated,100,9007199254740992,50,0.2"),
    .init(
      reason: .overflow,
      row: "M1,1,j_1,1,Terminated,100,110,50,\(String(repeating: "9", count: 400))"),
    .init(reason: .notInteger, row: "M1,1,j_1,1.5,Terminated,100,110,50,0.2"),
    .init(reason: .notInteger, row: "M1,2.5,j_1,1,Terminated,100,110,50,0.2"),
    .init(reason: .unknownType, row: "M1,1,j_1,13,Terminated,100,110,50,0.2"),
    .init(reason: .unknownType, row: "M1,1,j_1,0,Terminated,100,110,50,0.2"),
    .init(reason: .unfinished, row: "M1,1,j_1,1,Running,100,0,50,0.2"),
    .init(reason: .endBeforeStart, row: "M1,1,j_1,1,Terminated,100,90,50,0.2"),
  ]

  @Test(arguments: dirtyCases) func eachDirtyReasonIsSkippedAndCounted(_ c: DirtyCase) throws {
    let good = ["M1,1,j_1,1,Terminated,100,110,50,0.2", "M2,1,j_1,3,Failed,120,125,,"]
    let text = ([good[0], c.row] + good + [good[0]]).joined(separator: "\r\n") + "\r\n"
    let t = try AlibabaTrace.parse(text: text, file: "dirty.csv")
    #expect(t.count == 4)
    #expect(t.stats.rowsRead == 5)
    for r in TraceSkipReason.allCases {
      #expect(t.stats[r] == (r == c.reason ? 1 : 0), "\(r)")
    }
    #expect(t.stats.skippedRows == 1)
    #expect(t.summary.contains("(\(c.reason.label) 1)"), "\(t.summary)")
    // Alone in its file, the row makes the file fail at its line, naming the reason.
    do {
      _ = try AlibabaTrace.parse(text: "\n" + c.row + "\n", file: "alone.csv")
      Issue.record("expected a TraceError")
    } catch let e as TraceError {
      #expect(e.file == "alone.csv")
      #expect(e.line == 2)
      #expect(!e.reason.isEmpty)
    }
  }

  /// Whole-file failures: file, line (within the file) and reason.
  @Test func unusableFilesFailWithFileLineAndReason() {
    let good = "M1,1,j_1,1,Terminated,100,110,50,0.2\n"
    let header = "task_name,a,b,c,d,start_time,g,h,i\n"
    let garbage: [UInt8] = [0x00, 0xFF, 0x2C, 0x0A, 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A]
    let instanceRow = "ins_1,M1,j_1,1,Terminated,100,110,m_1,1,1,13.0,15.0,0.1,0.2\n"
    let cases: [([UInt8], Int, String)] = [
      ([], 1, "empty file"),
      (Array("\n \n\r\n".utf8), 3, "no data rows"),
      (Array(header.utf8), 1, "no data rows"),
      (garbage, 1, "not a batch_task table"),
      (Array((header + "a,b,c\n" + good + "x,y\n").utf8), 2, "not a batch_task table: 2 of 3"),
      (Array((header + String(repeating: instanceRow, count: 3)).utf8), 2, "found 14"),
      (Array((good.replacingOccurrences(of: "110", with: "0") + "\n").utf8), 1, "no usable rows"),
    ]
    for (bytes, line, reason) in cases {
      do {
        _ = try AlibabaTrace.parse(bytes, file: "bad.csv")
        Issue.record("expected a TraceError: \(reason)")
      } catch let e as TraceError {
        #expect(e.file == "bad.csv")
        #expect(e.line == line, "\(e)")
        #expect(e.reason.contains(reason), "\(e)")
      } catch {
        Issue.record("unexpected error \(error)")
      }
    }
  }

  /// The summary line of the bundled trace.
  @Test func summaryLineOfTheBundledTrace() {
    let t = EdgeCloudFixtures.trace
    let s = t.summary
    #expect(
      s.hasPrefix(
        "trace alibaba-v2018-batch-task-sample.csv: 20000 rows read, \(t.count) kept,"
          + " 26 skipped (unfinished 26); kept with zero duration clamped 843"),
      "\(s)")
    let seen = Set(t.service).count
    #expect(s.hasSuffix("; \(seen) task types seen"), "\(s)")
    #expect(!s.contains("\n"))
    #expect(t.stats.description == s)
  }

  /// Sizes and names in the summary of a small file.
  @Test func summaryLineListsNonZeroCounts() throws {
    let text = """
      task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem

      M1,1,j_1,1,Terminated,200,210,50,0.2
      M2,1,j_1,13,Terminated,150,160,50,0.2
      M3,1,j_1,3,Running,120,0,,
      M4,1,j_1,5,Failed,100,100,0,
      M5,1,j_1,5,Failed,100,nan,0,
      """
    let t = try AlibabaTrace.parse(text: text, file: "/some/dir/x.csv")
    #expect(
      t.summary
        == "trace x.csv: 5 rows read, 2 kept, 3 skipped (NaN/inf 1, unknown task_type 1,"
        + " unfinished 1); kept with zero duration clamped 1, plan_cpu 0 1, plan_mem 0 1;"
        + " lines: 1 out of order (sorted), 1 header, 1 blank; 2 task types seen")
  }
}
