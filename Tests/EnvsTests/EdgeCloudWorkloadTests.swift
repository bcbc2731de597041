import Foundation
import SeededRandom
import Testing

@testable import Envs

@Suite struct EdgeCloudTraceLoaderTests {
  /// Dirty-row counts derived independently by splitting the raw file.
  @Test func dirtyRowsHandledPerPolicyAndCounted() throws {
    let text = try String(contentsOfFile: EdgeCloudFixtures.tracePath, encoding: .utf8)
    var rows = 0
    var unfinished = 0
    var endBeforeStart = 0
    var zeroDuration = 0
    var zeroCPU = 0
    var failedStatus = 0
    for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      rows += 1
      let start = Double(f[5])!
      let end = Double(f[6])!
      if f[4] == "Failed" { failedStatus += 1 }
      if end == 0 {
        unfinished += 1
        continue
      }
      if end < start {
        endBeforeStart += 1
        continue
      }
      if end == start { zeroDuration += 1 }
      if (Double(f[7]) ?? 0) == 0 { zeroCPU += 1 }
    }
    let t = EdgeCloudFixtures.trace
    #expect(rows == 20_000)
    #expect(t.stats.rowsRead == rows)
    #expect(t.stats.skippedUnfinished == unfinished)
    #expect(t.stats.skippedEndBeforeStart == endBeforeStart)
    #expect(unfinished == 26)  // the README's 26 Running rows with end_time 0
    #expect(t.stats.skippedRows == unfinished + endBeforeStart)
    #expect(t.stats.clampedZeroDuration == zeroDuration)
    #expect(t.stats.zeroCPU == zeroCPU)
    #expect(t.stats.statusFailed == failedStatus)
    #expect(t.count == rows - unfinished - endBeforeStart)
    #expect(t.stats.rowsKept == t.count)
    #expect(t.durationS.allSatisfy { $0 > 0 })
    #expect(t.service.allSatisfy { $0 >= 0 && $0 < 12 })
    // Sorted by start time.
    #expect(zip(t.startTimeS, t.startTimeS.dropFirst()).allSatisfy { $0 <= $1 })
    // Type 1 dominates (~89 %), type 2 never occurs.
    let counts = t.serviceCounts(serviceCount: 12)
    #expect(counts[1] == 0)
    #expect(Double(counts[0]) / Double(t.count) > 0.85)
  }

  /// Files of malformed rows (more than half of the data rows) or without a usable row fail
  /// at their first bad line; a minority of malformed rows is skipped and counted.
  @Test func malformedFilesFailWithFileLineAndReason() throws {
    let good = "M1,1,j_1,1,Terminated,100,110,50,0.2\n"
    let cases: [(String, Int, String)] = [
      ("M1,1,j_1,1,Terminated,100,110,50\n", 1, "9 comma-separated columns"),
      (
        good + "M1,1,j_1,1,Terminated,abc,110,50,0.2\nM1,1,j_1,x,Terminated,100,110,50,0.2\n", 2,
        "start_time"
      ),
      ("\nM1,1,j_1,x,Terminated,100,110,50,0.2\n", 2, "task_type"),
      ("M1,1,j_1,1,Terminated,100,110,-5,0.2\n", 1, "negative"),
      ("\n" + "M1,1,j_1,1,Terminated,100,,50,0.2\n", 2, "end_time"),
    ]
    for (text, line, reason) in cases {
      do {
        _ = try AlibabaTrace.parse(text: text, file: "bad.csv")
        Issue.record("expected a TraceError for line \(line)")
      } catch let e as TraceError {
        #expect(e.file == "bad.csv")
        #expect(e.line == line)
        #expect(e.reason.contains(reason), "\(e)")
        #expect(e.description.hasPrefix("bad.csv:\(line):"))
      } catch {
        Issue.record("unexpected error \(error)")
      }
    }
    let t = try AlibabaTrace.parse(
      text: good + good + "M1,1,j_1,1,Terminated,100,110,50\n", file: "minority.csv")
    #expect(t.count == 2)
    #expect(t.stats.skippedMissingFields == 1)
    // A missing file names the file.
    #expect(throws: TraceError.self) { try AlibabaTrace.load(path: "/nonexistent/trace.csv") }
  }

  @Test func headerBlankUnsortedAndUnknownTypesAreHandled() throws {
    let text = """
      task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem

      M1,1,j_1,1,Terminated,200,210,50,0.2
      M2,1,j_1,13,Terminated,150,160,50,0.2
      M3,1,j_1,3,Running,120,0,,
      M4,1,j_1,5,Failed,100,100,0,
      """
    let t = try AlibabaTrace.parse(text: text, file: "x.csv")
    #expect(t.stats.headerLines == 1)
    #expect(t.stats.blankLines == 1)
    #expect(t.stats.skippedUnknownType == 1)
    #expect(t.stats.skippedUnfinished == 1)
    #expect(t.stats.clampedZeroDuration == 1)
    #expect(t.stats.zeroCPU == 1)
    #expect(t.stats.zeroMemory == 1)
    #expect(t.stats.outOfOrderRows == 1)
    #expect(t.count == 2)
    #expect(t.startTimeS == [100, 200])
    #expect(t.service == [4, 0])
    #expect(t.durationS == [1, 10])
  }
}

/// The byte-level trace parser against `Double(String)` and Foundation's trimming.
@Suite struct TraceByteParsingTests {
  /// `plainDecimal` equals `Double(String)` bit for bit on random plain decimals (up to 15
  /// digits, up to 15 of them after the point), and declines everything else.
  @Test func plainDecimalsMatchDoubleFromString() {
    var rng = Xoshiro256(seed: 11)
    var checked = 0
    for _ in 0..<20_000 {
      let digits = 1 + Int(rng.next() % 15)
      let point = Int(rng.next() % UInt64(digits + 1))  // digits before the point
      var text = ""
      for k in 0..<digits {
        if k == point && k > 0 { text += "." }
        text += String(rng.next() % 10)
      }
      let bytes = Array(text.utf8)
      let value = bytes.withUnsafeBufferPointer {
        AlibabaTrace.plainDecimal($0, 0..<bytes.count)
      }
      #expect(value?.bitPattern == Double(text)?.bitPattern, "\(text)")
      checked += 1
    }
    #expect(checked == 20_000)
    for text in ["", ".5", "5.", "1e3", "-1", "+1", "1.2.3", "1234567890123456", "0x10", "inf"] {
      let bytes = Array(text.utf8)
      let value = bytes.withUnsafeBufferPointer {
        AlibabaTrace.plainDecimal($0, 0..<bytes.count)
      }
      #expect(value == nil, "\(text)")
    }
  }

  /// For ASCII, `.whitespaces` trims exactly space and tab (what the byte trimming assumes).
  @Test func asciiWhitespaceIsSpaceAndTab() {
    for b in 0..<128 {
      let s = "1" + String(UnicodeScalar(UInt8(b))) + "1"
      let trimmedInside = String(s.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
      #expect(trimmedInside.isEmpty == (b == 9 || b == 32), "byte \(b)")
    }
  }

  /// Fields the byte route does not take (non-ASCII padding, numbers that are not plain
  /// decimals) are read as before: trimmed of Unicode spaces, parsed by `Double(String)`.
  @Test func nonPlainFieldsTakeTheStringRoute() throws {
    let nbsp = "\u{00A0}"
    let text = """
      \tname ,1,j, START_TIME\u{3000},status,\(nbsp)Start_Time,end_time,plan_cpu,plan_mem
      M1, 1 ,j_1,1,\(nbsp)Terminated\(nbsp),\(nbsp)100\(nbsp),1e3 ,.5,1234567890123456
      M2,1,j_1,2.0,Failed,\t200,300.25,50,
      M3,1,j_1,3,Terminated\u{2003}x,300,400,,0
      """
    let t = try AlibabaTrace.parse(text: text, file: "u.csv")
    #expect(t.stats.headerLines == 1)
    #expect(t.stats.rowsRead == 3)
    #expect(t.stats.statusTerminated == 1)
    #expect(t.stats.statusFailed == 1)
    #expect(t.stats.statusOther == 1)
    #expect(t.service == [0, 1, 2])
    #expect(t.startTimeS == [100, 200, 300])
    #expect(t.durationS == [900, 100.25, 100])
    #expect(t.planCPU == [0.5, 50, 0])
    #expect(t.planMemory == [1_234_567_890_123_456, 0, 0])
    // A non-ASCII number is still rejected with its column and text.
    do {
      _ = try AlibabaTrace.parse(text: "M1,1,j_1,1,Terminated,1\u{00B2},5,1,1\n", file: "v.csv")
      Issue.record("expected a TraceError")
    } catch let e as TraceError {
      #expect(
        e.description.hasPrefix("v.csv:1: column 6 (start_time) is not a number: \"1\u{00B2}\""))
    }
  }
}

@Suite struct EdgeCloudWorkloadTests {
  func collect(
    _ c: EdgeCloudConfig, seconds: Double, seed: UInt64 = 7, trace: AlibabaTrace? = nil
  ) -> [RequestSpec] {
    var g = WorkloadGenerator(config: c, trace: trace ?? EdgeCloudFixtures.trace, seed: seed)
    g.startEpisode(seed: seed)
    var out: [RequestSpec] = []
    let slot = c.timing.slotMs
    var t = 0.0
    while t < seconds * 1000 {
      g.generate(startMs: t, lengthMs: slot) { out.append($0) }
      t += slot
    }
    return out
  }

  @Test(arguments: [100.0, 600.0])
  func rateScalingHitsTheTargetAndKeepsOrderAndMix(rate: Double) {
    var c = EdgeCloudFixtures.config(rate: rate)
    c.workload.replay = .restart
    // The rows as the generator maps them (`services.mapping`).
    let trace = EdgeCloudFixtures.trace.mapped(c.services.mapping, serviceCount: 12)
    // Exactly one pass of the trace lasts N / rate seconds.
    let passS = Double(trace.count) / rate
    let specs = collect(c, seconds: passS)
    let measured = Double(specs.count) / passS
    #expect(abs(measured - rate) / rate < 0.03, "measured \(measured) req/s")
    // Order: non-decreasing arrival times; mix and demands: the pass replays the trace rows.
    #expect(zip(specs, specs.dropFirst()).allSatisfy { $0.arrivalMs <= $1.arrivalMs })
    let n = min(specs.count, trace.count)
    for i in 0..<n { #expect(specs[i].service == Int(trace.service[i])) }
    var counts = [Int](repeating: 0, count: 12)
    for s in specs { counts[s.service] += 1 }
    let traceCounts = trace.serviceCounts(serviceCount: 12)
    for w in 0..<12 {
      #expect(abs(counts[w] - traceCounts[w]) <= max(2, traceCounts[w] / 50))
    }
    // Uneven cluster split 0.5 / 0.3 / 0.2.
    var perEAP = [0, 0, 0]
    for s in specs { perEAP[s.eap] += 1 }
    #expect(abs(Double(perEAP[0]) / Double(specs.count) - 0.5) < 0.02)
    #expect(abs(Double(perEAP[2]) / Double(specs.count) - 0.2) < 0.02)
  }

  @Test func budgetAndDemandMappingIsMonotoneAndBounded() {
    let c = EdgeCloudFixtures.config(rate: 600)
    let specs = collect(c, seconds: 20)
    let wl = c.workload
    for s in specs {
      #expect(s.budgetMs >= wl.minBudgetMs - 1e-9 && s.budgetMs <= wl.maxBudgetMs + 1e-9)
      #expect(s.cpuCores >= wl.minCPUCores && s.cpuCores <= wl.maxCPUCores)
      // Derived services: every row scales the reference (its service's distribution is its
      // rows'); otherwise the service's own base.
      let base =
        c.services.deriveFromTrace
        ? c.services.referenceExecutionMs : c.services.baseExecutionMs[s.service]
      #expect(s.executionMs >= base * wl.execMinFactor - 1e-9)
      #expect(s.executionMs <= base * wl.execMaxFactor + 1e-9)
      #expect(!s.emergency)
    }
    // Budget and execution time grow together with the trace duration (same u).
    let svc0 = specs.filter { $0.service == 0 }.sorted { $0.budgetMs < $1.budgetMs }
    #expect(zip(svc0, svc0.dropFirst()).allSatisfy { $0.executionMs <= $1.executionMs + 1e-9 })
  }

  @Test func rampAndBurstProfiles() {
    var c = EdgeCloudFixtures.config(rate: 400, slots: 400)  // 100 s episode
    c.workload.profile = .ramp
    c.workload.rampStartFraction = 0.25
    let ramp = collect(c, seconds: 100)
    let first = ramp.filter { $0.arrivalMs < 10_000 }.count
    let last = ramp.filter { $0.arrivalMs >= 90_000 }.count
    // Rate goes 0.25 → 1 linearly: mean multiplier in the first/last 10 % is ~0.29 / ~0.96.
    let ratio = Double(first) / Double(last)
    #expect(ratio > 0.2 && ratio < 0.45, "ramp ratio \(ratio)")

    c.workload.profile = .bursts
    c.workload.burstMeanIntervalS = 20
    c.workload.burstDurationS = 4
    c.workload.burstRateMultiplier = 3
    let bursts = collect(c, seconds: 100)
    let emergency = bursts.filter(\.emergency)
    #expect(!emergency.isEmpty)
    for s in emergency {
      #expect(s.budgetMs <= c.workload.maxBudgetMs * c.workload.emergencyBudgetScale + 1e-9)
    }
    // During bursts the arrival rate is ~3x the base rate.
    #expect(bursts.count > collect(EdgeCloudFixtures.config(rate: 400), seconds: 100).count)
  }

  @Test func poissonGeneratorRateAndMix() {
    var c = EdgeCloudFixtures.config(rate: 300)
    c.workload.source = .poisson
    c.workload.poissonServiceMix = [Double](repeating: 0, count: 12)
    c.workload.poissonServiceMix[2] = 1
    c.workload.poissonServiceMix[5] = 3
    let specs = collect(c, seconds: 100, trace: AlibabaTrace())
    let rate = Double(specs.count) / 100
    #expect(abs(rate - 300) / 300 < 0.03, "poisson rate \(rate)")
    let s5 = Double(specs.filter { $0.service == 5 }.count) / Double(specs.count)
    #expect(abs(s5 - 0.75) < 0.02)
    #expect(specs.allSatisfy { $0.service == 2 || $0.service == 5 })
  }

  @Test func replayModes() {
    var c = EdgeCloudFixtures.config(rate: 600)
    c.workload.replay = .continue
    var g = WorkloadGenerator(config: c, trace: EdgeCloudFixtures.trace, seed: 1)
    var a: [RequestSpec] = []
    var b: [RequestSpec] = []
    g.startEpisode(seed: 1)
    g.generate(startMs: 0, lengthMs: 1000) { a.append($0) }
    g.startEpisode(seed: 1)
    g.generate(startMs: 0, lengthMs: 1000) { b.append($0) }
    // Continue: the second episode picks up after the first one's rows.
    #expect(a.count > 100 && b.count > 100)
    #expect(a.map(\.budgetMs) != b.map(\.budgetMs))
    c.workload.replay = .restart
    g = WorkloadGenerator(config: c, trace: EdgeCloudFixtures.trace, seed: 1)
    a = []
    b = []
    g.startEpisode(seed: 1)
    g.generate(startMs: 0, lengthMs: 1000) { a.append($0) }
    g.startEpisode(seed: 1)
    g.generate(startMs: 0, lengthMs: 1000) { b.append($0) }
    #expect(a == b)
  }
}
