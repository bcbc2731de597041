import Envs
import Foundation
import KMPS

/// Dispatch references run on exactly the learned series' episode workloads.
///
/// Greedy_Native is the paper's baseline in its own environment (no cross-cluster, FIFO queues,
/// no rescheduling, HPA). The other three run in the learned series' environment (cross-cluster
/// routing, hybrid dequeue, urgent rescheduling, the same orchestration): random valid dispatch
/// is where an untrained policy starts, least-utilized and queue-aware are the heuristics a
/// learned dispatcher has to beat.
enum HeuristicReference: CaseIterable {
  case greedyNative, random, leastUtilized, queueAware

  /// Legend name (a series of data.csv).
  var name: String {
    switch self {
    case .greedyNative: Fig7Experiment.greedyNativeName
    case .random: "Random dispatch"
    case .leastUtilized: "Least-utilized (cross-cluster)"
    case .queueAware: "Queue-aware"
    }
  }

  /// The references that run in the learned series' environment (dashed in the plot).
  static let inLearnedEnvironment: [HeuristicReference] = [.random, .leastUtilized, .queueAware]

  /// The environment this reference runs in, given the learned series' one (`base`).
  func environment(_ base: EdgeCloudConfig) -> EdgeCloudConfig {
    var env = base
    switch self {
    case .greedyNative:
      env.dispatch.crossCluster = false
      env.dispatch.urgentRescheduling = false
      env.dispatch.eapDequeue = .fifo
      env.dispatch.nodeDequeue = .fifo
      env.orchestration.orchestrator = .hpa
    case .random, .leastUtilized, .queueAware:
      env.dispatch.crossCluster = true
      env.dispatch.decisionMode = .distributed
    }
    // A reference cannot use a learned GPO agent: it runs with HPA instead.
    if env.orchestration.orchestrator == .agent { env.orchestration.orchestrator = .hpa }
    return env
  }

  /// Per seed, the throughput of every recorded episode (episode seeds of `phase`).
  func run(
    seeds: [UInt64], config: DispatchTrainingConfig, trace: AlibabaTrace,
    phase: UInt64 = 2, episodes: Int? = nil
  ) throws -> [(seed: UInt64, throughputs: [Double])] {
    try runEpisodes(seeds: seeds, config: config, trace: trace, phase: phase, episodes: episodes)
      .map { ($0.seed, $0.metrics.map(\.throughput)) }
  }

  /// Per seed, the metrics of every recorded episode (episode seeds of `phase`).
  func runEpisodes(
    seeds: [UInt64], config: DispatchTrainingConfig, trace: AlibabaTrace,
    phase: UInt64 = 2, episodes: Int? = nil
  ) throws -> [(seed: UInt64, metrics: [EdgeCloudMetrics])] {
    var out: [(UInt64, [EdgeCloudMetrics])] = []
    for seed in seeds {
      var curve: [EdgeCloudMetrics] = []
      for index in 1...(episodes ?? config.episodes) {
        var (sim, orchestrator, episodeSeed) = try episode(
          seed: seed, index: index, config: config, trace: trace, phase: phase)
        switch self {
        case .greedyNative:
          var policy = LeastUtilizedPolicy(allowCrossCluster: false)
          sim.run(dispatch: &policy, orchestration: &orchestrator)
        case .random:
          var policy = RandomValidPolicy(seed: episodeSeed ^ 0x5EED, allowCrossCluster: true)
          sim.run(dispatch: &policy, orchestration: &orchestrator)
        case .leastUtilized:
          var policy = LeastUtilizedPolicy(allowCrossCluster: true)
          sim.run(dispatch: &policy, orchestration: &orchestrator)
        case .queueAware:
          var policy = QueueAwarePolicy()
          sim.run(dispatch: &policy, orchestration: &orchestrator)
        }
        curve.append(sim.metrics)
      }
      out.append((seed, curve))
    }
    return out
  }

  /// Recorded episode `index` of `seed` (episode seeds of `phase`) in this reference's
  /// environment: a fresh simulator, its heuristic orchestrator, and the episode's seed.
  func episode(
    seed: UInt64, index: Int, config: DispatchTrainingConfig, trace: AlibabaTrace,
    phase: UInt64 = 2
  ) throws -> (simulator: EdgeCloudSimulator, orchestrator: AnyOrchestrator, seed: UInt64) {
    let env = environment(config.environment)
    let episodeSeed = DispatchTraining.episodeSeed(seed, phase: phase, episode: index)
    let simulator = try config.episodeSimulator(
      env, slots: config.episodeSlots, loadFraction: 1, profile: config.profile,
      seed: episodeSeed, trace: trace)
    return (simulator, env.orchestration.orchestrator.makeHeuristic(env)!, episodeSeed)
  }
}

/// The per-episode upper bound of fig7: the LP relaxation of `EpisodeBound` over each recorded
/// episode's actual arrivals, in the learned series' environment. Fig. 18 reuses it on its
/// held-out episodes (`phase`, `episodes`, `slots`).
enum Fig7UpperBound {
  /// Legend name.
  static let name = "Upper bound (LP relaxation)"

  /// Per seed, the bound of every recorded episode, and how many episodes needed the fluid
  /// bound (looser, still valid) because the LP's cheap certificate did not apply and
  /// `solveLP` is off. `episodes` and `slots` default to the recorded episodes'.
  static func run(
    seeds: [UInt64], config: DispatchTrainingConfig, trace: AlibabaTrace?, solveLP: Bool,
    phase: UInt64 = 2, episodes: Int? = nil, slots: Int? = nil
  ) throws -> (curves: [(seed: UInt64, bounds: [Double])], fluidOnly: Int) {
    var env = config.environment
    env.dispatch.crossCluster = true
    var timing = env.timing
    timing.episodeSlots = slots ?? config.episodeSlots
    env = env.with(timing: timing)
    var options = EpisodeBoundOptions()
    options.timeLimitSeconds = 120
    var fluidOnly = 0
    var out: [(UInt64, [Double])] = []
    for seed in seeds {
      var curve: [Double] = []
      for index in 1...(episodes ?? config.episodes) {
        let episodeSeed = DispatchTraining.episodeSeed(seed, phase: phase, episode: index)
        let instance = try BoundInstance.episode(
          config: env, trace: trace, seed: episodeSeed,
          workload: config.workload(loadFraction: 1, profile: config.profile))
        options.solveLP = solveLP
        let result = try EpisodeBound.solve(instance, options: options)
        if !result.certified && !solveLP { fluidOnly += 1 }
        curve.append(result.bound)
      }
      out.append((seed, curve))
    }
    return (out, fluidOnly)
  }
}
