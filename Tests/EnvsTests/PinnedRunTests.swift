import Foundation
import Testing

@testable import Envs

/// Pins what small runs of the simulator produce, so that a change of its data layout or its
/// algorithms (`experiment scale`'s speed-ups) must leave every outcome as it was: same seed ⇒
/// the same metrics, slot by slot. The expected fingerprints were recorded with the simulator
/// before the flat queue and node layouts (commit 38d5c55); a change that alters behaviour
/// changes them.

/// Wraps a dispatch policy and folds every slot's rewards, decisions and outcomes into a hash.
private struct Fingerprinting<Inner: DispatchPolicy>: DispatchPolicy {
  var inner: Inner
  var hash = FNV1a()

  var decisionInputs: DecisionInputs { inner.decisionInputs }

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let target = inner.choose(view, sim)
    hash.add(UInt64(bitPattern: Int64(target)))
    return target
  }

  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    for r in outcome.rewards { hash.add(r.bitPattern) }
    for k in outcome.decisions + outcome.completedOnTime + outcome.failed {
      hash.add(UInt64(bitPattern: Int64(k)))
    }
    hash.add(UInt64(bitPattern: Int64(sim.liveRequests)))
    inner.slotEnded(outcome, sim)
  }
}

/// 64-bit FNV-1a over 64-bit words.
private struct FNV1a {
  var value: UInt64 = 0xcbf2_9ce4_8422_2325
  mutating func add(_ word: UInt64) {
    var w = word
    for _ in 0..<8 {
      value ^= w & 0xff
      value = value &* 0x0000_0100_0000_01b3
      w >>= 8
    }
  }
}

/// The run's metrics in words: every counter exactly, every sum by its bit pattern, the latency
/// histogram and the frame counts hashed.
private func describe(_ m: EdgeCloudMetrics, slots: UInt64) -> String {
  var histogram = FNV1a()
  for k in m.e2eHistogram.counts + m.frameArrived + m.frameCompletedOnTime {
    histogram.add(UInt64(bitPattern: Int64(k)))
  }
  let counters = [
    m.arrived, m.completedOnTime, m.completedOnTimeInCloud, m.failedAtEAP, m.failedInQueue,
    m.failedRunning, m.decisions, m.dispatchedLocal, m.dispatchedCrossCluster, m.dispatchedCloud,
    m.invalidActions, m.deferred, m.promotedUrgent, m.rescheduled, m.replicasAdded,
    m.replicasRemoved, m.orchestrationNoOps,
  ].map(String.init).joined(separator: " ")
  let sums = [
    m.decisionMsSum, m.transmissionMsSum, m.queueingMsSum, m.executionMsSum, m.schedulingMsSum,
    m.edgeBusyCoreMs, m.cloudBusyCoreMs, m.decisionCPUMs,
  ].map { String($0.bitPattern, radix: 16) }.joined(separator: " ")
  let hashes = "h\(String(histogram.value, radix: 16)) s\(String(slots, radix: 16))"
  return "\(counters) | \(sums) | \(hashes)"
}

/// Runs `config` with `policy` and `orchestration` and describes the outcome.
private func fingerprint<D: DispatchPolicy, O: OrchestrationPolicy>(
  _ config: EdgeCloudConfig, seed: UInt64, _ policy: D, _ orchestration: O
) throws -> String {
  var sim = try EdgeCloudFixtures.simulator(config, seed: seed)
  var wrapped = Fingerprinting(inner: policy)
  var orchestrator = orchestration
  sim.run(dispatch: &wrapped, orchestration: &orchestrator)
  #expect(sim.monotonicityViolations == 0 && sim.capacityViolations == 0)
  return describe(sim.metrics, slots: wrapped.hash.value)
}

/// The pinned scenarios: every dequeue strategy on eAPs and nodes, urgent promotion and
/// rescheduling, the cloud under pressure, HPA (scale up and down) and greedy orchestration,
/// trace and Poisson arrivals, a ring of clusters.
private enum Scenario: String, CaseIterable {
  case traceHybridHPA, poissonFIFOandEDF, ringOfTwelve, queueAwareEDFNodes

  func run() throws -> String {
    switch self {
    case .traceHybridHPA:
      var c = EdgeCloudFixtures.config(rate: 900, slots: 300)
      c.orchestration.orchestrator = .hpa
      return try fingerprint(
        c, seed: 3, LeastUtilizedPolicy(allowCrossCluster: true), HPAController(config: c.hpa))
    case .poissonFIFOandEDF:
      var c = EdgeCloudFixtures.config(rate: 1400, slots: 250)
      c.workload.source = .poisson
      c.services.deriveFromTrace = false
      c.dispatch.eapDequeue = .edf
      c.dispatch.nodeDequeue = .fifo
      return try fingerprint(
        c, seed: 5, RandomValidPolicy(seed: 7), GreedyOrchestrator(actionsPerFrame: 3))
    case .ringOfTwelve:
      var c = EdgeCloudFixtures.config(rate: 12 * 6 * 25, slots: 300)
      c.topology.clusterCount = 12
      c.topology.cloudNodeCount = 24
      c.topology.neighbourhood = .ring
      c.workload.source = .poisson
      c.services.deriveFromTrace = false
      c.workload.clusterShares = Array(repeating: 1, count: 12)
      return try fingerprint(
        c, seed: 11, LeastUtilizedPolicy(allowCrossCluster: false), HPAController(config: c.hpa))
    case .queueAwareEDFNodes:
      var c = EdgeCloudFixtures.config(rate: 1100, slots: 250)
      c.dispatch.nodeDequeue = .edf
      return try fingerprint(c, seed: 2, QueueAwarePolicy(), HPAController(config: c.hpa))
    }
  }

  /// Recorded with the simulator of commit 38d5c55: counters, sums (bit patterns), hashes.
  var expected: [String] {
    switch self {
    case .traceHybridHPA:
      [
        "67477 56837 4356 316 5442 4494 67161 21980 45181 0 0 0 6100 8222 79 0 0",
        "4133763680000000 41341c7b50de4cec 4178b4467691fbba 417168c5a3069baa "
          + "41632692948fefe0 41497ce956248061 4114acaf150621ee 40e0659000000000",
        "h6beeeb86c6c2bdff se9f53f029b6ad64a",
      ]
    case .poissonFIFOandEDF:
      [
        "87204 42719 5926 10005 21442 11283 75770 20787 41252 13731 0 0 0 1110 6 0 0",
        "41300dfc00000000 41318ffd4632f1af 416e44279e4eb262 416ad0016f9b1030 "
          + "415be96e74527d10 414c1f823af434bd 412548c399986ef7 40e27fa000000000",
        "hf0a0e06778f2927a sf1f2d39b61fec7c",
      ]
    case .ringOfTwelve:
      [
        "134942 131201 13 0 1950 1162 134942 134929 0 13 0 0 2201 4507 368 0 0",
        "4133a7f680000000 4124d0f1305013a9 417abca23e225c2c 41847447d0346813 "
          + "4170e03ca3ec811b 41689a32186c3be3 409bf1b6d672cd9e 40f078f000000000",
        "h2d4439c9d09799ce s4067ec88da302c85",
      ]
    case .queueAwareEDFNodes:
      [
        "68676 62571 13263 2512 291 2534 65957 23626 31142 11189 0 0 2836 3713 84 0 0",
        "41380c4280000000 413f0a67a449b822 417736413fe10b09 4172870f7072abdc "
          + "4169c8107f751be2 4146f89c23781f70 412bbf8bac9be604 40e01a5000000000",
        "hd823279398219e19 s7e113fccea84fa",
      ]
    }
  }
}

@Test(arguments: Scenario.allCases)
private func smallRunsProduceThePinnedOutcomes(_ scenario: Scenario) throws {
  let got = try scenario.run()
  #expect(got.components(separatedBy: " | ") == scenario.expected, "\(scenario.rawValue): \(got)")
}
