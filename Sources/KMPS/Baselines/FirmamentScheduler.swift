import Envs
import Foundation

/// Settings of Firmament_Native's flow network (costs in milliseconds of equivalent delay;
/// GLPK needs integers, so costs are rounded to `costUnitsPerMs` units per millisecond).
public struct FirmamentConfig: Codable, Sendable, Equatable {
  /// Cost of a placement per millisecond of eAP → target latency.
  public var latencyCostPerMs: Double = 1
  /// Cost of a placement per unit of the target's CPU load (in use + bound but not started,
  /// over capacity, capped at 2), in ms: a fully loaded node costs like 100 ms more latency.
  public var loadCostMs: Double = 100
  /// Cost of leaving a request unscheduled for this round, ms: one slot (0.25 s), what waiting
  /// for the next round delays it by at least.
  public var unscheduledBaseMs: Double = 250
  /// Growth of the unscheduled cost per millisecond the request has already waited.
  public var unscheduledCostPerWaitMs: Double = 1
  /// Requests each active replica may hold at once (running + queued at its node): the
  /// "slots" a target offers per service.
  public var slotsPerReplica: Int = 2
  /// Build the "unscheduled" arcs. Without them a round whose requests exceed the free slots
  /// has no feasible flow (an ablation, and the failure path's test).
  public var unscheduledArcs: Bool = true
  /// Cost resolution: integer cost units per millisecond.
  public var costUnitsPerMs: Double = 10

  /// The defaults.
  public init() {}

  /// Throws `KMPSConfigError` naming the first impossible field.
  public func validate() throws {
    func nonNegative(_ x: Double, _ field: String) throws {
      guard x.isFinite, x >= 0 else {
        throw KMPSConfigError(field: "firmament.\(field)", reason: "must be finite and ≥ 0")
      }
    }
    try nonNegative(latencyCostPerMs, "latencyCostPerMs")
    try nonNegative(loadCostMs, "loadCostMs")
    try nonNegative(unscheduledBaseMs, "unscheduledBaseMs")
    try nonNegative(unscheduledCostPerWaitMs, "unscheduledCostPerWaitMs")
    guard slotsPerReplica >= 1 else {
      throw KMPSConfigError(field: "firmament.slotsPerReplica", reason: "must be ≥ 1")
    }
    guard costUnitsPerMs.isFinite, costUnitsPerMs > 0, costUnitsPerMs <= 1000 else {
      throw KMPSConfigError(field: "firmament.costUnitsPerMs", reason: "must be in (0, 1000]")
    }
  }
}

/// What Firmament_Native did so far.
public struct FirmamentStats: Sendable, Equatable {
  /// Rounds solved (one per slot with pending requests).
  public var solves = 0
  /// Rounds whose solve failed (every request of the round stayed in its queue).
  public var failedSolves = 0
  /// Requests the solver placed.
  public var placed = 0
  /// Requests the solver left unscheduled.
  public var unscheduled = 0
  /// Placed requests whose target was no longer valid when dispatched (kept in the queue).
  public var maskFallbacks = 0
  /// Wall-clock seconds spent building and solving the networks.
  public var solveSeconds = 0.0
  /// The slowest round, seconds.
  public var maxSolveSeconds = 0.0
  /// Requests (network supply) summed over rounds.
  public var tasks = 0
  /// The first solver error met, in words.
  public var firstError: String?

  /// Zero counters.
  public init() {}

  /// Mean wall-clock seconds per solved round.
  public var meanSolveSeconds: Double { solves > 0 ? solveSeconds / Double(solves) : 0 }
}

/// Firmament_Native (SPEC §4): a centralized scheduler that, at every slot start, solves one
/// min-cost flow (`FirmamentGraph`, GLPK's out-of-kilter algorithm) over all requests waiting
/// in every eAP queue, then dispatches each placed request to its target and leaves the others
/// in their queues (`EdgeCloudSimulator.deferTarget`) for the next round.
///
/// Wire `solveRound` into the run loop's `atSlotStart` hook (`run(_:orchestration:)` does);
/// the decision latency is the simulator's centralized model (SPEC §3.8: a round trip to the
/// cloud plus the central solver's time per decision, which `FirmamentCalibration` measures).
///
/// When a round's solve fails (no feasible flow without unscheduled arcs, or a GLPK error),
/// the round's requests all stay in their queues, the failure is counted, and the next slot
/// tries again: no request is lost and nothing crashes.
public struct FirmamentScheduler: DispatchPolicy, Sendable {
  /// The network's settings.
  public let config: FirmamentConfig
  /// Counters.
  public private(set) var stats = FirmamentStats()
  /// Target per request id of the current round.
  private var assignment: [Int32: Int] = [:]
  private var tasks: [FirmamentTask] = []
  private var ids: [Int32] = []

  /// A scheduler with `config`.
  ///
  /// - Throws: `KMPSConfigError` for an invalid config.
  public init(config: FirmamentConfig = FirmamentConfig()) throws {
    try config.validate()
    self.config = config
  }

  /// Free slots of `service` at `target` (the cloud pools its nodes' replicas).
  public func slots(service w: Int, target a: Int, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let topo = sim.topology
    let nodes = a == topo.cloudTarget ? topo.edgeNodeCount..<topo.nodeCount : a..<(a + 1)
    var free = 0
    for n in nodes {
      free +=
        sim.activeReplicas(service: w, node: n) * config.slotsPerReplica
        - sim.busyReplicas(service: w, node: n)
    }
    return free - sim.queueLength(target: a, service: w)
  }

  /// CPU load of `target`: cores in use plus cores bound but not started, over capacity.
  public func load(target a: Int, _ sim: borrowing EdgeCloudSimulator) -> Double {
    let topo = sim.topology
    let nodes = a == topo.cloudTarget ? topo.edgeNodeCount..<topo.nodeCount : a..<(a + 1)
    var used = sim.pendingCPUCores(target: a)
    var capacity = 0.0
    for n in nodes {
      used += sim.cpuUsedCores(node: n)
      capacity += topo.nodeCPUCores[n]
    }
    return capacity > 0 ? used / capacity : 0
  }

  /// The placement cost of a request of `service` from `eap` at `target`, or nil when the
  /// target is unreachable from the eAP or hosts no active replica of the service.
  public func placementCost(
    eap b: Int, service w: Int, target a: Int, loads: [Double],
    _ sim: borrowing EdgeCloudSimulator
  ) -> Int? {
    let topo = sim.topology
    guard topo.reachable(eap: b, target: a, crossCluster: sim.config.dispatch.crossCluster)
    else { return nil }
    let nodes = a == topo.cloudTarget ? topo.edgeNodeCount..<topo.nodeCount : a..<(a + 1)
    var hosted = false
    for n in nodes where sim.activeReplicas(service: w, node: n) > 0 { hosted = true }
    guard hosted else { return nil }
    let ms =
      config.latencyCostPerMs * topo.latencyMs(eap: b, target: a)
      + config.loadCostMs * min(loads[a], 2)
    return Int((ms * config.costUnitsPerMs).rounded())
  }

  /// The cost of leaving a request that arrived at `arrivalMs` unscheduled at `nowMs`.
  public func unscheduledCost(arrivalMs: Double, nowMs: Double) -> Int {
    let ms = config.unscheduledBaseMs + config.unscheduledCostPerWaitMs * max(0, nowMs - arrivalMs)
    return Int((ms * config.costUnitsPerMs).rounded())
  }

  /// The current round's network over every request waiting in the eAP queues.
  public func network(_ sim: borrowing EdgeCloudSimulator) -> (
    graph: FirmamentGraph, ids: [Int32]
  ) {
    var tasks: [FirmamentTask] = []
    var ids: [Int32] = []
    let now = sim.nowMs
    let unscheduled = config.unscheduledArcs
    for b in 0..<sim.eapCount {
      sim.forEachPendingRequest(eap: b) { r in
        tasks.append(
          FirmamentTask(
            eap: b, service: r.service,
            unscheduledCost: unscheduled
              ? unscheduledCost(arrivalMs: r.arrivalMs, nowMs: now) : nil))
        ids.append(r.id)
      }
    }
    let loads = (0..<sim.targetCount).map { load(target: $0, sim) }
    let graph = FirmamentGraph(
      tasks: tasks, targetCount: sim.targetCount,
      slots: { w, a in slots(service: w, target: a, sim) },
      cost: { b, w, a in placementCost(eap: b, service: w, target: a, loads: loads, sim) })
    return (graph, ids)
  }

  /// Solves this slot's round (call at the slot start, before the decision rounds). A failed
  /// solve leaves every request of the round unscheduled.
  public mutating func solveRound(_ sim: borrowing EdgeCloudSimulator) {
    assignment.removeAll(keepingCapacity: true)
    let start = ContinuousClock.now
    let (graph, ids) = network(sim)
    guard !ids.isEmpty else { return }
    do {
      let (targets, _) = try graph.solve()
      for (i, id) in ids.enumerated() where targets[i] >= 0 {
        assignment[id] = targets[i]
      }
      stats.placed += assignment.count
      stats.unscheduled += ids.count - assignment.count
    } catch {
      stats.failedSolves += 1
      stats.unscheduled += ids.count
      if stats.firstError == nil { stats.firstError = error.description }
    }
    let seconds = (ContinuousClock.now - start).seconds
    stats.solves += 1
    stats.tasks += ids.count
    stats.solveSeconds += seconds
    stats.maxSolveSeconds = max(stats.maxSolveSeconds, seconds)
  }

  /// The target the round gave the request, or `deferTarget` (unscheduled, not in the round,
  /// or its target no longer valid).
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    guard let target = assignment[view.decision.requestID] else {
      return EdgeCloudSimulator.deferTarget
    }
    guard view.isValid(target) else {
      stats.maskFallbacks += 1
      return EdgeCloudSimulator.deferTarget
    }
    return target
  }

  /// Runs the rest of `sim`'s episode with this scheduler (a round at every slot start) and
  /// `orchestration`.
  public mutating func run<O: OrchestrationPolicy>(
    _ sim: inout EdgeCloudSimulator, orchestration: inout O
  ) {
    sim.run(dispatch: &self, orchestration: &orchestration) { policy, sim in
      policy.solveRound(sim)
    }
  }
}

/// Measures Firmament's solver time at a load, for the centralized decision latency.
public enum FirmamentCalibration {
  /// What a calibration run measured.
  public struct Result: Sendable, Equatable {
    /// Mean wall-clock seconds per round (build + solve).
    public var secondsPerRound: Double
    /// Mean dispatch decisions per round.
    public var decisionsPerRound: Double
    /// Mean requests per round (network supply).
    public var tasksPerRound: Double
    /// Slowest round, seconds.
    public var maxSecondsPerRound: Double
    /// Creates a value from all its fields.
    public init(
      secondsPerRound: Double, decisionsPerRound: Double, tasksPerRound: Double,
      maxSecondsPerRound: Double
    ) {
      self.secondsPerRound = secondsPerRound
      self.decisionsPerRound = decisionsPerRound
      self.tasksPerRound = tasksPerRound
      self.maxSecondsPerRound = maxSecondsPerRound
    }

    /// The per-decision solver time, ms: `secondsPerRound · 1000 / decisionsPerRound`.
    public var solverMsPerDecision: Double {
      decisionsPerRound > 0 ? secondsPerRound * 1000 / decisionsPerRound : 0
    }
  }

  /// Runs Firmament in `simulator` (reset and loaded by the caller) with `orchestration`
  /// for its remaining slots and reports the solver's time per round.
  public static func measure<O: OrchestrationPolicy>(
    simulator sim: inout EdgeCloudSimulator, orchestration: inout O,
    config: FirmamentConfig = FirmamentConfig()
  ) throws -> Result {
    var scheduler = try FirmamentScheduler(config: config)
    scheduler.run(&sim, orchestration: &orchestration)
    let s = scheduler.stats
    let rounds = Double(max(1, s.solves))
    return Result(
      secondsPerRound: s.meanSolveSeconds,
      decisionsPerRound: Double(sim.metrics.decisions) / rounds,
      tasksPerRound: Double(s.tasks) / rounds, maxSecondsPerRound: s.maxSolveSeconds)
  }
}
