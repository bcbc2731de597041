import Envs
import Foundation
import KMPS
import Testing

// Hand-made instances with a known optimum, and real episodes on which the bound must lie
// above what heuristic policies actually reach in the simulator.

/// One group of `cores` cores, plenty of memory; requests of service 0 from eAP 0.
private func tinyInstance(
  cores: Double = 1, memoryGB: Double = 100, replicaGB: Double = 0.5,
  groups extra: [BoundGroup] = [], delays: [Double] = [0], requests: [BoundRequest]
) -> BoundInstance {
  let main = BoundGroup(name: "node", cpuCores: cores, memoryGB: memoryGB, maxConcurrent: 100)
  return BoundInstance(
    groups: [main] + extra, replicaMemoryGB: [replicaGB], minDelayMs: [delays],
    horizonMs: 1000, requests: requests, slotMs: 250)
}

/// A request of eAP 0 entering at 0 with `cores` CPU for `ms` and a deadline.
private func job(cores: Double = 1, ms: Double = 100, deadline: Double) -> BoundRequest {
  BoundRequest(
    eap: 0, arrivalMs: 0, entryMs: 0, service: 0, cpuCores: cores, memoryGB: 0,
    executionMs: ms, deadlineMs: deadline)
}

private func options(bucketMs: Double) -> EpisodeBoundOptions {
  var o = EpisodeBoundOptions()
  o.bucketMs = bucketMs
  return o
}

@Test func twoRequestsThatCannotBothFitGiveOneHalf() throws {
  // One core, two 1-core requests that must both run in [0, 100]: one of them.
  let inst = tinyInstance(requests: [job(deadline: 100), job(deadline: 100)])
  let r = try EpisodeBound.solve(inst, options: options(bucketMs: 50))
  #expect(abs(r.lpServed - 1) < 1e-6)
  #expect(abs(r.bound - 0.5) < 1e-6)
  #expect(r.fluidBound == 1)  // the fluid bound ignores deadlines beyond feasibility
  // With time for both, one after the other: both.
  let later = tinyInstance(requests: [job(deadline: 100), job(deadline: 200)])
  #expect(abs(try EpisodeBound.solve(later, options: options(bucketMs: 50)).bound - 1) < 1e-6)
}

@Test func deadlineInfeasibleRequestsAreNeverServed() throws {
  // The second request needs 300 ms but has 200: infeasible for any policy.
  let inst = tinyInstance(cores: 8, requests: [job(deadline: 500), job(ms: 300, deadline: 200)])
  let r = try EpisodeBound.solve(inst, options: options(bucketMs: 100))
  #expect(r.deadlineFeasible == 1)
  #expect(abs(r.bound - 0.5) < 1e-6)
  let why = InfeasibilityBreakdown(inst)
  #expect(why.executionOverBudget == 1 && why.infeasible == 1)
}

@Test func aReachableSecondGroupServesTheOverflow() throws {
  // Group 1 is reached 10 ms later: it can run the second request in [10, 110].
  let other = BoundGroup(name: "other", cpuCores: 1, memoryGB: 100, maxConcurrent: 100)
  let jobs = [job(deadline: 110), job(deadline: 110)]
  let reachable = tinyInstance(groups: [other], delays: [0, 10], requests: jobs)
  #expect(
    abs(try EpisodeBound.solve(reachable, options: options(bucketMs: 10)).lpServed - 2) < 1e-6)
  // Alone, group 0 has 110 core-ms for two 100-ms requests: 1.1 in the (fractional) LP.
  let unreachable = tinyInstance(groups: [other], delays: [0, .infinity], requests: jobs)
  let r = try EpisodeBound.solve(unreachable, options: options(bucketMs: 10))
  #expect(abs(r.lpServed - 1.1) < 1e-6)
}

@Test func memoryAndFixedReplicasLimitConcurrency() throws {
  // Ten cores, but 0.6 GB holds a single 0.6 GB replica: one request at a time.
  let jobs = [job(cores: 0.5, deadline: 100), job(cores: 0.5, deadline: 100)]
  let memory = tinyInstance(cores: 10, memoryGB: 0.6, replicaGB: 0.6, requests: jobs)
  #expect(abs(try EpisodeBound.solve(memory, options: options(bucketMs: 50)).bound - 0.5) < 1e-6)
  var fixed = tinyInstance(cores: 10, requests: jobs)
  fixed.groups[0].fixedReplicas = [1]
  let r = try EpisodeBound.solve(fixed, options: options(bucketMs: 50))
  #expect(abs(r.bound - 0.5) < 1e-6)
  #expect(r.binding.contains { $0.resource == "replicas" && $0.binding > 0 })
}

@Test func illFormedInstancesGiveClearErrors() throws {
  var negative = tinyInstance(requests: [job(deadline: 100)])
  negative.groups[0].cpuCores = -1
  #expect(throws: EpisodeBoundError.self) { try EpisodeBound.solve(negative) }
  var nan = tinyInstance(requests: [job(deadline: 100)])
  nan.requests[0].executionMs = .nan
  #expect(throws: EpisodeBoundError.self) { try EpisodeBound.solve(nan) }
  var unknownEAP = tinyInstance(requests: [job(deadline: 100)])
  unknownEAP.requests[0].eap = 3
  #expect(throws: EpisodeBoundError.self) { try EpisodeBound.solve(unknownEAP) }
  let inst = tinyInstance(requests: [job(deadline: 100)])
  #expect(throws: EpisodeBoundError.self) {
    try EpisodeBound.solve(inst, options: options(bucketMs: 0))
  }
  do {
    _ = try EpisodeBound.solve(negative)
  } catch {
    #expect("\(error)".contains("cpuCores"))
  }
  // GLPK itself: an infeasible program and crossed bounds are errors, not crashes.
  var lp = LinearProgram()
  let row = lp.addRow(lower: 2, upper: .infinity)
  lp.addColumn(upper: 1, objective: 1, entries: [(row, 1)])
  #expect(throws: LinearProgramError.self) { try lp.solve() }
  var crossed = LinearProgram()
  crossed.addColumn(lower: 1, upper: 0, objective: 1, entries: [])
  #expect(throws: LinearProgramError.self) { try crossed.solve() }
}

// MARK: - Real episodes

private var tracePath: String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(
      "data/traces/alibaba-v2018-batch-task-sample.csv"
    ).path
}

private let sharedTrace: AlibabaTrace? = try? AlibabaTrace.load(path: tracePath)

/// A short, loaded episode: fig7's system at `rate` req/s with frequent bursts.
private func episodeConfig(rate: Double, slots: Int) -> (EdgeCloudConfig, WorkloadConfig) {
  var c = EdgeCloudConfig()
  c.workload.tracePath = tracePath
  c.timing.episodeSlots = slots
  var w = c.workload
  w.meanRequestsPerSecond = rate
  w.profile = .bursts
  w.burstMeanIntervalS = 8
  return (c, w)
}

@Test func theInstanceSeesExactlyTheSimulatorsArrivals() throws {
  let trace = try #require(sharedTrace)
  let (config, workload) = episodeConfig(rate: 300, slots: 24)
  var sim = try EdgeCloudSimulator(config: config, trace: trace, seed: 5)
  sim.reset(seed: 9, workload: workload)
  var seen: [Double] = []
  var cloud = ClosureDispatchPolicy { d, sim in
    seen.append(d.decision.deadlineMs)
    return sim.topology.cloudTarget
  }
  sim.run(dispatch: &cloud)
  let inst = try BoundInstance.episode(
    config: config, trace: trace, seed: 9, workload: workload)
  #expect(inst.requests.count == sim.metrics.arrived)
  #expect(inst.requests.contains { $0.emergency })
  // Every request still alive at its entry slot is dispatched then (the budget suffices).
  let expected = inst.requests.filter { $0.deadlineMs > $0.entryMs }.map(\.deadlineMs)
  #expect(seen.sorted() == expected.sorted())
}

@Test(arguments: [(rate: 400.0, seed: UInt64(3)), (rate: 700.0, seed: UInt64(4))])
func theBoundIsAboveWhatHeuristicsReach(rate: Double, seed: UInt64) throws {
  let trace = try #require(sharedTrace)
  let (config, workload) = episodeConfig(rate: rate, slots: 40)
  let inst = try BoundInstance.episode(
    config: config, trace: trace, seed: seed, workload: workload)
  let bound = try EpisodeBound.solve(inst)
  #expect(bound.bound <= bound.fluidBound + 1e-9)
  #expect(bound.fluidBound <= bound.feasibleShare + 1e-9)
  #expect(bound.feasibleShare <= 1)
  #expect(try EpisodeBound.fluidBound(inst) == bound.fluidBound)
  func run<D: DispatchPolicy>(_ policy: D, hpa: Bool) throws -> Double {
    var sim = try EdgeCloudSimulator(config: config, trace: trace, seed: seed)
    sim.reset(seed: seed, workload: workload)
    var p = policy
    if hpa {
      var orchestration = HPAController(config: config.hpa)
      sim.run(dispatch: &p, orchestration: &orchestration)
    } else {
      sim.run(dispatch: &p)
    }
    #expect(sim.metrics.arrived == bound.arrived)
    return sim.metrics.throughput
  }
  var best = 0.0
  for hpa in [false, true] {
    let reached = [
      try run(RandomValidPolicy(seed: seed), hpa: hpa),
      try run(LeastUtilizedPolicy(allowCrossCluster: true), hpa: hpa),
      try run(QueueAwarePolicy(), hpa: hpa),
    ]
    for t in reached { #expect(t <= bound.bound + 1e-9, "policy reached \(t) > \(bound.bound)") }
    best = max(best, reached.max()!)
  }
  #expect(best > 0.1)  // the episode is not trivially empty
}

@Test func theFixedPlacementBoundCoversRunsWithoutOrchestration() throws {
  // The sparse default placement binds hard: few replicas per service and cluster.
  let trace = try #require(sharedTrace)
  var (config, workload) = episodeConfig(rate: 300, slots: 16)
  // The authors' mapping (service 0 carries 89% of the rows), so one service's replicas bind.
  config.services.mapping = .taskType
  var inst = try BoundInstance.episode(
    config: config, trace: trace, seed: 6, workload: workload)
  let any = try EpisodeBound.solve(inst).bound
  let topology = EdgeCloudTopology(config.topology)
  let placement = EdgeCloudSimulator.initialPlacement(config: config, topology: topology)
  inst.groups = BoundInstance.groups(
    config: config, topology: topology, fixedPlacement: placement)
  let fixed = try EpisodeBound.solve(inst)
  #expect(fixed.bound <= any + 1e-9)
  #expect(fixed.binding.contains { $0.resource == "replicas" && $0.binding > 0 })
  for policy in [
    QueueAwarePolicy() as any DispatchPolicy, LeastUtilizedPolicy(allowCrossCluster: true),
  ] {
    var sim = try EdgeCloudSimulator(config: config, trace: trace, seed: 6)
    sim.reset(seed: 6, workload: workload)
    var p = policy
    sim.run(dispatch: &p)
    #expect(sim.metrics.throughput <= fixed.bound + 1e-9)
  }
}

@Test func theCertificateAgreesWithTheLP() throws {
  let trace = try #require(sharedTrace)
  let (config, workload) = episodeConfig(rate: 300, slots: 24)
  let inst = try BoundInstance.episode(config: config, trace: trace, seed: 2, workload: workload)
  var lpOnly = EpisodeBoundOptions()
  lpOnly.tryCertificate = false
  let lp = try EpisodeBound.solve(inst, options: lpOnly)
  #expect(!lp.certified && lp.columns > 0)
  #expect(lp.bound <= lp.fluidBound + 1e-9 && lp.fluidBound <= lp.feasibleShare + 1e-9)
  let quick = try EpisodeBound.solve(inst)
  #expect(abs(quick.bound - lp.bound) < 1e-6)
  // An eighth of every capacity makes the LP bind below the feasible share; the bound only drops.
  var tight = inst
  for g in tight.groups.indices {
    tight.groups[g].cpuCores /= 8
    tight.groups[g].memoryGB /= 8
  }
  let squeezed = try EpisodeBound.solve(tight)
  #expect(!squeezed.certified)
  #expect(squeezed.bound < squeezed.feasibleShare - 0.01)
  #expect(squeezed.bound <= lp.bound)
  #expect(squeezed.binding.contains { $0.binding > 0 })
}

@Test func theDispatchBudgetDelaysTheSecondRequest() throws {
  // Budget 1 per 250-ms slot: the second request leaves at 250 ms, after its deadline.
  var inst = tinyInstance(cores: 8, requests: [job(deadline: 150), job(deadline: 150)])
  inst.dispatchBudgetPerSlot = 1
  var lpOnly = options(bucketMs: 50)
  lpOnly.tryCertificate = false
  let r = try EpisodeBound.solve(inst, options: lpOnly)
  #expect(abs(r.bound - 0.5) < 1e-6)
  #expect(r.binding.contains { $0.resource == "dispatch" && $0.group == "eAP 0" && $0.binding > 0 })
  #expect(abs(try EpisodeBound.solve(inst, options: options(bucketMs: 50)).bound - 0.5) < 1e-6)
  // A later deadline lets it go in the next slot; a budget of 2 sends both at once.
  inst.requests[1].deadlineMs = 400
  #expect(abs(try EpisodeBound.solve(inst, options: lpOnly).bound - 1) < 1e-6)
  #expect(try EpisodeBound.solve(inst, options: options(bucketMs: 50)).certified)
  inst.requests[1].deadlineMs = 150
  inst.dispatchBudgetPerSlot = 2
  #expect(abs(try EpisodeBound.solve(inst, options: lpOnly).bound - 1) < 1e-6)
  // Without the budget rows the LP ignores it.
  inst.dispatchBudgetPerSlot = 1
  var noBudget = lpOnly
  noBudget.dispatchBudgetRows = false
  #expect(abs(try EpisodeBound.solve(inst, options: noBudget).bound - 1) < 1e-6)
}
