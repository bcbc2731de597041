import Envs
import Foundation
import RL
import SeededRandom

/// The outcome of training KaiS with one seed.
public struct KaiSRunResult: Sendable {
  /// The seed.
  public var seed: UInt64
  /// Throughput of every recorded training episode, in order.
  public var throughputs: [Double]
  /// Wall-clock seconds of the whole run (curriculum included).
  public var wallSeconds: Double
  /// The trained cMMAC dispatch agent.
  public var agent: KaiSDispatchAgent
  /// The trained GPG orchestrator (learning mode; switch `mode` to evaluate), nil when KaiS
  /// ran with a heuristic orchestrator (an ablation).
  public var orchestrator: GPOOrchestration?
  /// Statistics of the last cMMAC update.
  public var lastUpdate: KaiSUpdateStats
}

/// KaiS (SPEC §4) as one scheduler: cMMAC dispatch, EDF dequeue, own cluster + cloud, two time
/// scales (no urgent rescheduling), GPG orchestration at the frame time scale.
public enum KaiSTraining {
  /// KaiS' environment: `base` with EDF queues on eAPs and nodes, no cross-cluster routing,
  /// no urgent rescheduling, distributed decisions and a learning orchestrator.
  public static func environment(_ base: EdgeCloudConfig) -> EdgeCloudConfig {
    var env = base
    env.dispatch.eapDequeue = .edf
    env.dispatch.nodeDequeue = .edf
    env.dispatch.crossCluster = false
    env.dispatch.urgentRescheduling = false
    env.dispatch.decisionMode = .distributed
    env.orchestration.orchestrator = .agent
    return env
  }

  /// GPG on the GPO networks: the hierarchical GNN with one cluster per eAP (KaiS' hierarchy),
  /// NodeActor picking `H = kais.selectedNodes` nodes and ServiceActor's `2W+1` actions,
  /// trained by REINFORCE with a time baseline.
  public static func gpgConfig(_ kais: KaiSConfig) -> GPOOrchestrationConfig {
    var config = GPOOrchestrationConfig(variant: .gpo)
    config.agent.selectedNodes = kais.selectedNodes
    config.agent.algorithmOverride = .reinforceTimeBaseline
    config.singleGlobalCluster = false
    return config
  }

  /// A fresh cMMAC agent shaped for `sim`.
  public static func makeAgent(
    _ kais: KaiSConfig, simulator sim: borrowing EdgeCloudSimulator, seed: UInt64
  ) throws -> KaiSDispatchAgent {
    try KaiSDispatchAgent(
      config: kais, eapCount: sim.eapCount, observationDim: sim.observationSize,
      stateDim: sim.globalStateSize + sim.eapCount, actionCount: sim.targetCount, seed: seed)
  }

  /// Trains KaiS with `seed` on the same budget as KMPS: `config`'s curriculum, then
  /// `config.episodes` recorded episodes (same episode seeds as `DispatchTraining.run`), one
  /// cMMAC update and one GPG update after every episode. `orchestrator` other than `.agent`
  /// replaces GPG by that heuristic (an ablation). `onEpisode` gets each recorded episode's
  /// throughput.
  public static func run(
    seed: UInt64, config: DispatchTrainingConfig, kais: KaiSConfig, trace: AlibabaTrace?,
    orchestrator kind: OrchestratorKind = .agent, onEpisode: (Double) -> Void = { _ in }
  ) throws -> KaiSRunResult {
    let start = ContinuousClock.now
    var env = environment(config.environment)
    env.orchestration.orchestrator = kind
    var sim = try EdgeCloudSimulator(config: env, trace: trace, seed: seed)
    var agent = try makeAgent(
      kais, simulator: sim, seed: DispatchTraining.episodeSeed(seed, phase: 17, episode: 0))
    var gpg: GPOOrchestration? =
      kind == .agent
      ? try GPOOrchestration(
        config: gpgConfig(kais), simulator: sim,
        seed: DispatchTraining.episodeSeed(seed, phase: 18, episode: 0)) : nil
    var dispatcher = try KaiSDispatcher(
      agent: agent, simulator: sim, acting: .sample, record: true,
      seed: DispatchTraining.episodeSeed(seed, phase: 19, episode: 0))
    var last = KaiSUpdateStats()

    func episode(slots: Int, loadFraction: Double, profile: LoadProfileKind, seed: UInt64)
      throws -> Double
    {
      sim = try config.episodeSimulator(
        env, slots: slots, loadFraction: loadFraction, profile: profile, seed: seed,
        trace: trace)
      dispatcher.load(agent)
      if var orchestrator = gpg {
        gpg = nil  // moved out, so that it is mutated in place
        sim.run(dispatch: &dispatcher, orchestration: &orchestrator)
        try orchestrator.finishEpisode(sim)
        gpg = orchestrator
      } else {
        var heuristic = kind.makeHeuristic(env)!
        sim.run(dispatch: &dispatcher, orchestration: &heuristic)
      }
      if let batch = dispatcher.takeBatch(), batch.transitionCount > 0 {
        last = try agent.update(batch)
      }
      return sim.metrics.throughput
    }

    var curriculumEpisode = 0
    for stage in config.curriculum {
      for _ in 0..<stage.episodes {
        curriculumEpisode += 1
        _ = try episode(
          slots: stage.episodeSlots, loadFraction: stage.loadFraction, profile: stage.profile,
          seed: DispatchTraining.episodeSeed(seed, phase: 1, episode: curriculumEpisode))
      }
    }
    var throughputs: [Double] = []
    for index in 1...config.episodes {
      let y = try episode(
        slots: config.episodeSlots, loadFraction: 1, profile: config.profile,
        seed: DispatchTraining.episodeSeed(seed, phase: 2, episode: index))
      throughputs.append(y)
      onEpisode(y)
    }
    return KaiSRunResult(
      seed: seed, throughputs: throughputs, wallSeconds: (ContinuousClock.now - start).seconds,
      agent: agent, orchestrator: gpg, lastUpdate: last)
  }
}
