import Foundation
import SeededRandom
import Testing

@testable import Envs

/// Random bytes and random mutations of the bundled trace's rows: every input loads (and the
/// result holds the loader's invariants) or throws `TraceError` naming a line of the input —
/// never a crash, never another error.
@Suite struct TraceFuzzTests {
  /// Bytes that make CSV parsing interesting.
  static let alphabet = Array("0123456789,,,..--+eEnNaAiIfF\"\" \t\r\n\n_x".utf8)

  /// Field texts that stress the number reading.
  static let specials = [
    "NaN", "nan", "inf", "-inf", "Infinity", "-1", "-0", "0", "1e400", "-1e400", "1e308",
    "0x1p60", "\"5\"", "", " ", "1.5", "9007199254740992", "9007199254740991", "+3", "\u{0663}",
    "1_000", "1.", ".5", "1e-400", "\u{00A0}7\u{00A0}", "Terminated", "start_time",
  ]

  /// Lines the parser sees in `bytes` (a last line without a line end counts).
  static func lineCount(_ bytes: [UInt8]) -> Int {
    guard let last = bytes.last else { return 0 }
    return bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } + (last == 10 ? 0 : 1)
  }

  /// The field of `bytes` around position `p`: between the previous and the next comma or
  /// line end.
  static func field(around p: Int, in bytes: [UInt8]) -> Range<Int> {
    var lo = p
    while lo > 0 && ![44, 10, 13].contains(bytes[lo - 1]) { lo -= 1 }
    var hi = p
    while hi < bytes.count && ![44, 10, 13].contains(bytes[hi]) { hi += 1 }
    return lo..<hi
  }

  /// `count` random bytes, from the alphabet or from all 256 values.
  static func randomBytes(_ count: Int, _ rng: inout Xoshiro256) -> [UInt8] {
    let anyByte = Bool.random(using: &rng)
    return (0..<count).map { _ in
      anyByte ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng)!
    }
  }

  /// One random mutation of `bytes`.
  static func mutate(_ bytes: inout [UInt8], _ rng: inout Xoshiro256) {
    let p = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
    switch Int.random(in: 0..<12, using: &rng) {
    case 0:  // delete bytes
      bytes.removeSubrange(p..<min(bytes.count, p + Int.random(in: 1...8, using: &rng)))
    case 1:  // insert bytes
      bytes.insert(contentsOf: randomBytes(Int.random(in: 1...8, using: &rng), &rng), at: p)
    case 2:  // replace bytes
      let r = p..<min(bytes.count, p + Int.random(in: 1...4, using: &rng))
      bytes.replaceSubrange(r, with: randomBytes(r.count, &rng))
    case 3:  // duplicate a field
      let f = field(around: p, in: bytes)
      bytes.insert(contentsOf: [44] + bytes[f], at: f.upperBound)
    case 4:  // a huge digit string
      let digits = (0..<Int.random(in: 16...80, using: &rng)).map { _ in
        UInt8.random(in: 48...57, using: &rng)
      }
      bytes.replaceSubrange(field(around: p, in: bytes), with: digits)
    case 5:  // NaN, inf, negative numbers, quotes, …
      let s = specials.randomElement(using: &rng)!
      bytes.replaceSubrange(field(around: p, in: bytes), with: Array(s.utf8))
    case 6:  // a comma
      bytes.insert(44, at: p)
    case 7:  // a quote
      bytes.insert(34, at: p)
    case 8:  // a carriage return
      bytes.insert(13, at: p)
    case 9:  // empty lines
      bytes.insert(contentsOf: Bool.random(using: &rng) ? [10] : [13, 10, 10], at: p)
    case 10:  // truncation
      bytes.removeSubrange(p...)
    default:  // a trailing comma on a line
      let f = field(around: p, in: bytes)
      bytes.insert(44, at: f.upperBound)
    }
  }

  /// What went wrong with `bytes`, or nil when it loaded (invariants held) or threw a
  /// `TraceError` naming a line of the input.
  static func check(_ bytes: [UInt8]) -> (loaded: Bool, failure: String?) {
    let lines = lineCount(bytes)
    do {
      let t = try AlibabaTrace.parse(bytes, file: "fuzz.csv")
      let s = t.stats
      let sorted = zip(t.startTimeS, t.startTimeS.dropFirst()).allSatisfy { $0 <= $1 }
      let finite = (t.startTimeS + t.planCPU + t.planMemory).allSatisfy { $0.isFinite && $0 >= 0 }
      let ok =
        s.rowsKept == t.count && t.count > 0 && s.rowsRead == s.rowsKept + s.skippedRows
        && s.rowsRead + s.blankLines + s.headerLines == lines
        && 2 * s.malformedRows <= s.rowsRead && sorted && finite
        && t.durationS.allSatisfy { $0 > 0 && $0.isFinite }
        && t.service.allSatisfy { $0 >= 0 && $0 < 12 }
        && (1...12).contains(s.taskTypesSeen)
        && [t.startTimeS.count, t.durationS.count, t.planCPU.count, t.planMemory.count]
          .allSatisfy { $0 == t.count }
      return (true, ok ? nil : "loaded, but the invariants fail: \(s)")
    } catch let e as TraceError {
      let ok = e.file == "fuzz.csv" && (1...max(1, lines)).contains(e.line) && !e.reason.isEmpty
      return (false, ok ? nil : "bad TraceError (\(lines) lines): \(e)")
    } catch {
      return (false, "not a TraceError: \(error)")
    }
  }

  @Test func randomInputsLoadOrFailWithALineNumber() throws {
    let text = try String(contentsOfFile: EdgeCloudFixtures.tracePath, encoding: .utf8)
    let rows = text.split(whereSeparator: \.isNewline).map { Array($0.utf8) }
    try #require(rows.count == 20_000)
    let header = Array(
      "task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem"
        .utf8)
    var rng = Xoshiro256(seed: 2018)
    var inputs = 0
    var loaded = 0
    var failures: [String] = []
    func run(_ bytes: [UInt8]) {
      let (ok, failure) = Self.check(bytes)
      inputs += 1
      if ok { loaded += 1 }
      if let failure, failures.count < 10 {
        failures.append("\(failure)\n  input: \(bytes.map { String($0) }.joined(separator: ","))")
      }
    }
    // Random bytes.
    for _ in 0..<1_500 {
      run(Self.randomBytes(Int.random(in: 0...400, using: &rng), &rng))
    }
    // Mutated windows of real rows.
    for _ in 0..<3_500 {
      let count = Int.random(in: 1...40, using: &rng)
      let first = Int.random(in: 0...(rows.count - count), using: &rng)
      var lines = Array(rows[first..<(first + count)])
      if Int.random(in: 0..<4, using: &rng) == 0 { lines.insert(header, at: 0) }
      let end: [UInt8] = Bool.random(using: &rng) ? [10] : [13, 10]
      var bytes = Array(lines.joined(separator: end))
      if Bool.random(using: &rng) { bytes += end }
      for _ in 0..<Int.random(in: 1...6, using: &rng) { Self.mutate(&bytes, &rng) }
      run(bytes)
    }
    for f in failures { Issue.record("\(f)") }
    #expect(inputs == 5_000)
    // Neither outcome is degenerate: the mutations leave many files loadable.
    #expect(loaded > 1_000 && inputs - loaded > 1_000, "\(loaded) of \(inputs) loaded")
  }
}
