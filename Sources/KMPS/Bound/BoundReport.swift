import Envs
import Foundation
import RL

/// Why requests of an episode cannot finish on time under any policy.
public struct InfeasibilityBreakdown: Sendable, Equatable {
  /// Requests that arrived.
  public var arrived = 0
  /// Execution time alone exceeds the latency budget.
  public var executionOverBudget = 0
  /// Execution fits the budget, but not after the wait for the next slot start, the decision
  /// and the shortest transfer.
  public var slotWaitAndTransfer = 0
  /// Would be feasible but the episode ends first.
  public var episodeEnd = 0
  /// Infeasible requests per service.
  public var perService: [Int] = []
  /// Arrivals per service.
  public var arrivedPerService: [Int] = []
  /// Infeasible emergency (burst) requests, and all emergency requests.
  public var emergencyInfeasible = 0
  /// All emergency requests.
  public var emergencyArrived = 0
  /// Σ over slots of the requests an eAP cannot dispatch in their slot because its per-slot
  /// budget is used up (a lower bound on request-slots of extra waiting for any policy,
  /// ignoring expiries).
  public var dispatchBacklogRequestSlots = 0
  /// Largest such backlog of one eAP.
  public var maxDispatchBacklog = 0

  /// All deadline-infeasible requests.
  public var infeasible: Int { executionOverBudget + slotWaitAndTransfer + episodeEnd }

  /// Classifies every request of `instance`.
  public init(_ instance: BoundInstance) {
    let services = instance.replicaMemoryGB.count
    perService = [Int](repeating: 0, count: services)
    arrivedPerService = perService
    arrived = instance.requests.count
    let groups = instance.groups.indices
    for r in instance.requests {
      arrivedPerService[r.service] += 1
      if r.emergency { emergencyArrived += 1 }
      guard !groups.contains(where: { instance.isFeasible(r, group: $0) }) else { continue }
      perService[r.service] += 1
      if r.emergency { emergencyInfeasible += 1 }
      let bestStart = groups.map { instance.earliestStartMs(r, group: $0) }.min() ?? .infinity
      if r.executionMs > r.deadlineMs - r.arrivalMs {
        executionOverBudget += 1
      } else if bestStart + r.executionMs > r.deadlineMs {
        slotWaitAndTransfer += 1
      } else {
        episodeEnd += 1
      }
    }
    // Dispatch budget: queue recursion per eAP over the slots.
    let eaps = instance.minDelayMs.count
    let slots = Int((instance.horizonMs / instance.slotMs).rounded(.up)) + 1
    var perSlot = [Int](repeating: 0, count: eaps * slots)
    for r in instance.requests {
      let s = min(slots - 1, Int((r.entryMs / instance.slotMs).rounded()))
      perSlot[r.eap * slots + s] += 1
    }
    let budget = instance.dispatchBudgetPerSlot
    for b in 0..<eaps {
      var backlog = 0
      for s in 0..<slots {
        backlog = max(0, backlog + perSlot[b * slots + s] - budget)
        dispatchBacklogRequestSlots += backlog
        maxDispatchBacklog = max(maxDispatchBacklog, backlog)
      }
    }
  }
}

/// What one heuristic reached on an episode, and where its failures happened.
public struct HeuristicOutcome: Sendable, Equatable {
  /// Display name.
  public var name: String
  /// On-time completions / arrivals.
  public var throughput: Double
  /// Shares of the arrivals that expired in an eAP queue, in a node or cloud queue, while
  /// running, or were still in the system at the end.
  public var failedAtEAP: Double
  /// See `failedAtEAP`.
  public var failedInQueue: Double
  /// See `failedAtEAP`.
  public var failedRunning: Double
  /// See `failedAtEAP`.
  public var leftInSystem: Double

  /// Reads the outcome of a finished episode.
  public init(name: String, metrics m: EdgeCloudMetrics, inSystem: Int) {
    let n = Double(max(m.arrived, 1))
    self.name = name
    throughput = m.throughput
    failedAtEAP = Double(m.failedAtEAP) / n
    failedInQueue = Double(m.failedInQueue) / n
    failedRunning = Double(m.failedRunning) / n
    leftInSystem = Double(inSystem) / n
  }
}

/// One episode of the bound probe: the bounds and the heuristics' throughput.
public struct BoundProbeRow: Sendable {
  /// Target load, req/s.
  public var loadRequestsPerSecond: Double
  /// Load profile.
  public var profile: LoadProfileKind
  /// Run seed.
  public var seed: UInt64
  /// Episode index (phase-2 episode seeds, as fig7's recorded episodes).
  public var episode: Int
  /// The LP bound in the KMPS environment (any orchestration).
  public var bound: EpisodeBoundResult
  /// The LP bound with the initial (warm-up) placement fixed (valid without orchestration).
  public var fixedPlacementBound: Double?
  /// The bound in the environments of the other series: B1 and Greedy_Native (no
  /// cross-cluster), B3 (no cross-cluster, centralized decisions).
  public var seriesBounds: [(name: String, bound: Double)]
  /// Why requests are infeasible.
  public var infeasibility: InfeasibilityBreakdown
  /// The heuristics on the same episode.
  public var heuristics: [HeuristicOutcome]
  /// Wall-clock seconds: both bounds, and all simulations.
  public var boundSeconds: Double
  /// See `boundSeconds`.
  public var simulationSeconds: Double
}

/// The release-mode measurement behind the "KMPS must learn" diagnosis: fig7's episodes,
/// their upper bound, and the heuristic references on the same episodes.
public enum BoundReport {
  /// Fig. 7's training setup (`DispatchTrainingConfig.kmps()`, the defaults of `experiment
  /// fig7`) at another load or profile; the MAPPO details are unused here.
  public static func fig7Training(
    loadRequestsPerSecond: Double = 600, profile: LoadProfileKind = .bursts
  ) -> DispatchTrainingConfig {
    var config = DispatchTrainingConfig.kmps()
    config.loadRequestsPerSecond = loadRequestsPerSecond
    config.profile = profile
    return config
  }

  /// Fig. 7's warm-up placement: Greedy_Native + HPA for `warmupPlacementSlots` slots at the
  /// target load (steady, seed 0), replicas pending removal dropped.
  public static func warmupPlacement(
    _ config: DispatchTrainingConfig, trace: AlibabaTrace?
  ) throws -> [[Int]] {
    try config.hpaWarmupPlacement(trace: trace)
  }

  /// Runs the probe for `config` (its load and profile): per seed and episode, the LP bound of
  /// the KMPS environment, the fixed-placement bound, the infeasibility breakdown and random
  /// valid (cross-cluster), least-utilized (cross-cluster), queue-aware (all with HPA, KMPS
  /// environment), queue-aware without orchestration, and Greedy_Native (own cluster, FIFO, no
  /// rescheduling, HPA). With `warmup`, episodes start from fig7's warm-up placement; without
  /// `extraBounds`, only the KMPS environment's bound is solved (no fixed-placement or
  /// per-series bounds: quicker calibration probes).
  public static func run(
    config base: DispatchTrainingConfig, trace: AlibabaTrace?, seeds: [UInt64], episodes: Int,
    warmup: Bool = true, extraBounds: Bool = true,
    options: EpisodeBoundOptions = EpisodeBoundOptions(),
    progress: (BoundProbeRow) -> Void = { _ in }
  ) throws -> [BoundProbeRow] {
    var config = base
    if warmup && config.environment.services.placement == nil && config.warmupPlacementSlots > 0 {
      config.environment.services.placement = try warmupPlacement(config, trace: trace)
    }
    let env = config.environment(for: .kmps)
    var greedyEnv = env
    greedyEnv.dispatch.crossCluster = false
    greedyEnv.dispatch.urgentRescheduling = false
    greedyEnv.dispatch.eapDequeue = .fifo
    greedyEnv.dispatch.nodeDequeue = .fifo
    var timing = env.timing
    timing.episodeSlots = config.episodeSlots
    let placement = EdgeCloudSimulator.initialPlacement(
      config: env, topology: EdgeCloudTopology(env.topology))
    let workload = config.workload(loadFraction: 1, profile: config.profile)
    var rows: [BoundProbeRow] = []
    for seed in seeds {
      for episode in 1...max(1, episodes) {
        let episodeSeed = DispatchTraining.episodeSeed(seed, phase: 2, episode: episode)
        func simulate<D: DispatchPolicy>(
          _ name: String, _ e: EdgeCloudConfig, _ policy: D, orchestrate: Bool = true
        ) throws -> HeuristicOutcome {
          var sim = try config.episodeSimulator(
            e, slots: config.episodeSlots, loadFraction: 1, profile: config.profile,
            seed: episodeSeed, trace: trace)
          var p = policy
          if orchestrate {
            var hpa = HPAController(config: e.hpa)
            sim.run(dispatch: &p, orchestration: &hpa)
          } else {
            sim.run(dispatch: &p)
          }
          return HeuristicOutcome(name: name, metrics: sim.metrics, inSystem: sim.liveRequests)
        }
        let boundStart = ContinuousClock.now
        let instance = try BoundInstance.episode(
          config: env.with(timing: timing), trace: trace, seed: episodeSeed, workload: workload)
        let bound = try EpisodeBound.solve(instance, options: options)
        var fixedBound: Double? = nil
        var seriesBounds: [(name: String, bound: Double)] = []
        if extraBounds {
          var fixed = instance
          fixed.groups = BoundInstance.groups(
            config: env, topology: EdgeCloudTopology(env.topology), fixedPlacement: placement)
          fixedBound = try EpisodeBound.solve(fixed, options: options).bound
          for series in [DispatchSeries.b1, .b3] {
            let e = config.environment(for: series)
            let inst = try BoundInstance.episode(
              config: e.with(timing: timing), trace: trace, seed: episodeSeed, workload: workload)
            let name = series == .b1 ? "B1/GN bound" : "B3 bound"
            seriesBounds.append((name, try EpisodeBound.solve(inst, options: options).bound))
          }
        }
        let simulationStart = ContinuousClock.now
        var edfEnv = env
        edfEnv.dispatch.eapDequeue = .edf
        edfEnv.dispatch.nodeDequeue = .edf
        let heuristics = [
          try simulate("random", env, RandomValidPolicy(seed: episodeSeed ^ 0x5EED)),
          try simulate("LU cross", env, LeastUtilizedPolicy(allowCrossCluster: true)),
          try simulate("queue-aware", env, QueueAwarePolicy()),
          try simulate("QA no orch.", env, QueueAwarePolicy(), orchestrate: false),
          try simulate("QA EDF", edfEnv, QueueAwarePolicy()),
          try simulate(
            "Greedy_Native", greedyEnv, LeastUtilizedPolicy(allowCrossCluster: false)),
        ]
        let row = BoundProbeRow(
          loadRequestsPerSecond: config.loadRequestsPerSecond, profile: config.profile,
          seed: seed, episode: episode, bound: bound, fixedPlacementBound: fixedBound,
          seriesBounds: seriesBounds,
          infeasibility: InfeasibilityBreakdown(instance), heuristics: heuristics,
          boundSeconds: (simulationStart - boundStart).seconds,
          simulationSeconds: (ContinuousClock.now - simulationStart).seconds)
        rows.append(row)
        progress(row)
      }
    }
    return rows
  }

  /// A Markdown table of `rows`, percentages with one decimal.
  public static func table(_ rows: [BoundProbeRow]) -> String {
    func pct(_ x: Double) -> String { String(format: "%.1f", 100 * x) }
    let names = rows.first?.heuristics.map(\.name) ?? []
    let boundNames = rows.first?.seriesBounds.map(\.name) ?? []
    var out =
      "| load | profile | seed | ep | arrived | LP bound | fixed-pl. bound | "
      + boundNames.map { $0 + " | " }.joined() + "fluid | feasible | "
      + names.joined(separator: " | ") + " | LP s |\n"
    out += "|" + String(repeating: "---|", count: 10 + boundNames.count + names.count) + "\n"
    for r in rows {
      let b = r.bound
      let cells =
        [
          String(Int(r.loadRequestsPerSecond)), r.profile.rawValue, String(r.seed),
          String(r.episode), String(b.arrived), pct(b.bound),
          r.fixedPlacementBound.map(pct) ?? "-",
        ] + r.seriesBounds.map { pct($0.bound) } + [pct(b.fluidBound), pct(b.feasibleShare)]
      let h = r.heuristics.map { pct($0.throughput) }
      out +=
        "| " + (cells + h + [String(format: "%.1f", b.solveSeconds)]).joined(separator: " | ")
        + " |\n"
    }
    return out
  }
}
