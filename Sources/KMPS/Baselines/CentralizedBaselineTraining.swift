import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

/// The centralized single-agent dispatch baselines of the paper's Figs. 8–11 (SPEC §4).
public enum CentralizedAgentKind: String, Codable, Sendable, CaseIterable {
  /// Advantage actor-critic (`RL.A2C`), softmax over the valid targets (logit mask), no Eq. 2
  /// context filter.
  case ac = "AC"
  /// DDPG (`RL.DDPG`): scores every target, argmax over the valid ones.
  case ddpg = "DDPG"

  /// How the baseline runs: one central agent (single trajectory, its own critic), no
  /// cross-cluster routing, centralized decisions (SPEC §3.8: global state gathered over the
  /// links, one central decision-maker serving decisions one at a time), synchronous training.
  public var series: DispatchSeries {
    DispatchSeries(
      name: rawValue, learner: .synchronous, crossCluster: false, agents: .singleAgent,
      decisionMode: .centralized)
  }
}

/// The learners of the centralized baselines.
public struct CentralizedBaselineConfig: Codable, Sendable, Equatable {
  /// A2C: `numEnvs` must be 1 (one agent, one trajectory); `numSteps` consecutive decisions
  /// make one gradient step.
  public var a2c: A2CConfig
  /// DDPG (`numEnvs` is ignored); `learningStarts` counts recorded decisions.
  public var ddpg: DDPGConfig
  /// Recorded decisions per DDPG update (CleanRL: 1; dispatch episodes have ~10⁴ decisions).
  public var ddpgDecisionsPerUpdate: Int
  /// Most A2C gradient steps per episode: when the episode has more `numSteps` chunks, this
  /// many evenly spaced ones are trained on (MAPPO likewise trains on a sample of each
  /// episode's decisions, `samplesPerEpoch`).
  public var acMaxUpdatesPerEpisode: Int

  /// Actor and critics of the MAPPO actor's shape (256-128-32, ReLU) so that the inference
  /// comparison of Fig. 8 compares like with like; A2C with 256-decision rollouts and
  /// normalized advantages; DDPG with batch 64, a 100k replay buffer, 2,000 random-score
  /// decisions first and one update per 100 decisions (a dispatch episode has ~3·10⁴ decisions;
  /// more updates made DDPG the slowest part of the figures' budget).
  public static func standard() -> CentralizedBaselineConfig {
    var a2c = A2CConfig()
    a2c.numEnvs = 1
    a2c.numSteps = 256
    a2c.hiddenSizes = [256, 128, 32]
    a2c.activation = .relu
    a2c.normAdv = true
    a2c.learningRate = 5e-4
    // Consecutive decisions of the central agent are different requests: with γ near 1 a
    // decision's return is mostly other requests' outcomes, noise that swamped the learning
    // signal in the tiny-system test (γ 0.99: no better than random after 6k decisions).
    a2c.gamma = 0.5
    var ddpg = DDPGConfig()
    ddpg.hiddenSizes = [256, 128, 32]
    ddpg.batchSize = 64
    ddpg.bufferSize = 100_000
    ddpg.learningStarts = 2000
    ddpg.learningRate = 5e-4
    ddpg.gamma = 0.5  // as A2C's
    return CentralizedBaselineConfig(
      a2c: a2c, ddpg: ddpg, ddpgDecisionsPerUpdate: 100, acMaxUpdatesPerEpisode: 24)
  }

  /// Creates a value from all its fields.
  public init(
    a2c: A2CConfig, ddpg: DDPGConfig, ddpgDecisionsPerUpdate: Int, acMaxUpdatesPerEpisode: Int
  ) {
    self.a2c = a2c
    self.ddpg = ddpg
    self.ddpgDecisionsPerUpdate = ddpgDecisionsPerUpdate
    self.acMaxUpdatesPerEpisode = acMaxUpdatesPerEpisode
  }

  /// Throws an error naming the first impossible field.
  public func validate() throws {
    try a2c.validate()
    try ddpg.validate()
    guard a2c.numEnvs == 1 else {
      throw KMPSConfigError(field: "a2c.numEnvs", reason: "must be 1 (one central agent)")
    }
    guard ddpgDecisionsPerUpdate >= 1 else {
      throw KMPSConfigError(field: "ddpgDecisionsPerUpdate", reason: "must be ≥ 1")
    }
    guard acMaxUpdatesPerEpisode >= 1 else {
      throw KMPSConfigError(field: "acMaxUpdatesPerEpisode", reason: "must be ≥ 1")
    }
  }
}

/// What one recorded training episode of a centralized baseline measured.
public struct CentralizedEpisodeRecord: Sendable, Equatable {
  /// 1-based episode index (curriculum episodes are not counted).
  public var episode: Int
  /// Long-term throughput Φ' of the episode.
  public var throughput: Double
  /// Decisions taken.
  public var decisions: Int
  /// Share of decisions outside the mask (redirected to the cloud).
  public var invalidShare: Double
  /// Mean per-request reward per decision.
  public var meanReward: Double
  /// Wall-clock seconds (acting + training).
  public var wallSeconds: Double
  /// The learner's statistics of the episode's last update (CleanRL names).
  public var stats: [String: Double]
}

/// A trained centralized baseline.
public struct CentralizedRunResult: Sendable {
  /// The agent.
  public var kind: CentralizedAgentKind
  /// The seed.
  public var seed: UInt64
  /// Every recorded episode.
  public var episodes: [CentralizedEpisodeRecord]
  /// The acting network: A2C's actor (logits) or DDPG's actor network (tanh scores).
  public var actor: MLP
}

/// Trains the AC and DDPG dispatch baselines on the same episodes (seeds, curriculum, load,
/// environment) as `DispatchTraining` trains the MAPPO series, synchronously.
public enum CentralizedBaselineTraining {
  /// A dispatcher for `kind` acting with `actor` in evaluation mode (AC samples; DDPG takes
  /// the argmax of its noiseless scores).
  public static func evaluationDispatcher(
    kind: CentralizedAgentKind, actor: MLP, actionCount: Int, rewards: RewardConfig,
    seed: UInt64
  ) -> any DispatchPolicy {
    switch kind {
    case .ac:
      return ACDispatcher(
        actor: actor, actionCount: actionCount, acting: .sample, record: false,
        rewards: rewards, seed: seed)
    case .ddpg:
      return DDPGDispatcher(
        actor: actor, actionCount: actionCount, explorationNoise: 0, record: false,
        rewards: rewards, seed: seed)
    }
  }

  /// Trains `kind` with `seed`: the curriculum, then `training.episodes` recorded episodes of
  /// `training.episodeSlots` slots at `training.loadRequestsPerSecond`. The environment is
  /// `training.environment(for: kind.series)`; its orchestrator must be a heuristic.
  public static func run(
    kind: CentralizedAgentKind, seed: UInt64, training: DispatchTrainingConfig,
    baseline: CentralizedBaselineConfig, trace: AlibabaTrace?,
    onEpisode: (CentralizedEpisodeRecord) -> Void = { _ in }
  ) throws -> CentralizedRunResult {
    try training.validate()
    try baseline.validate()
    let env = training.environment(for: kind.series)
    guard env.orchestration.orchestrator != .agent else {
      throw KMPSConfigError(
        field: "environment.orchestration.orchestrator",
        reason: "the centralized baselines run with a heuristic orchestrator (hpa, greedy, none)")
    }
    let probe = try EdgeCloudSimulator(config: env, trace: trace, seed: seed)
    let observationDim = probe.observationSize
    let actionCount = probe.targetCount
    var learner = try Learner(
      kind: kind, baseline: baseline, observationDim: observationDim, actionCount: actionCount,
      rewards: env.rewards, seed: seed)

    func episode(slots: Int, loadFraction: Double, profile: LoadProfileKind, episodeSeed: UInt64)
      throws -> (EdgeCloudMetrics, Double, [String: Double])
    {
      var sim = try training.episodeSimulator(
        env, slots: slots, loadFraction: loadFraction, profile: profile, seed: episodeSeed,
        trace: trace)
      sim.logsRequestOutcomes = true
      guard var orchestrator = env.orchestration.orchestrator.makeHeuristic(sim.config) else {
        preconditionFailure("checked above: a heuristic orchestrator")
      }
      let meanReward = try learner.runEpisode(&sim, orchestrator: &orchestrator)
      let stats = try learner.train()
      return (sim.metrics, meanReward, stats)
    }

    var curriculumEpisode = 0
    for stage in training.curriculum {
      for _ in 0..<stage.episodes {
        curriculumEpisode += 1
        _ = try episode(
          slots: stage.episodeSlots, loadFraction: stage.loadFraction, profile: stage.profile,
          episodeSeed: DispatchTraining.episodeSeed(seed, phase: 1, episode: curriculumEpisode))
      }
    }
    var records: [CentralizedEpisodeRecord] = []
    for index in 1...training.episodes {
      let start = ContinuousClock.now
      let (m, meanReward, stats) = try episode(
        slots: training.episodeSlots, loadFraction: 1, profile: training.profile,
        episodeSeed: DispatchTraining.episodeSeed(seed, phase: 2, episode: index))
      let record = CentralizedEpisodeRecord(
        episode: index, throughput: m.throughput, decisions: m.decisions,
        invalidShare: Double(m.invalidActions) / Double(max(1, m.decisions)),
        meanReward: meanReward, wallSeconds: (ContinuousClock.now - start).seconds,
        stats: stats)
      records.append(record)
      onEpisode(record)
    }
    return CentralizedRunResult(
      kind: kind, seed: seed, episodes: records, actor: learner.actingNetwork)
  }
}

/// One baseline's learner, dispatcher and per-episode training step.
struct Learner {
  enum Agent {
    case ac(A2C, ACDispatcher)
    case ddpg(DDPG, DDPGDispatcher, ReplayBuffer)
  }
  var agent: Agent
  let baseline: CentralizedBaselineConfig
  var decisionsSeen = 0

  init(
    kind: CentralizedAgentKind, baseline: CentralizedBaselineConfig, observationDim: Int,
    actionCount: Int, rewards: RewardConfig, seed: UInt64
  ) throws {
    self.baseline = baseline
    var rng = Xoshiro256(seed: seed &* 0x2545_F491_4F6C_DD1D ^ 0xAC)
    switch kind {
    case .ac:
      let a2c = try A2C(
        config: baseline.a2c, observationDim: observationDim, actionCount: actionCount,
        seed: rng.next())
      let dispatcher = ACDispatcher(
        actor: a2c.networks.actor, actionCount: actionCount, acting: .sample, record: true,
        rewards: rewards, seed: rng.next())
      agent = .ac(a2c, dispatcher)
    case .ddpg:
      let ddpg = try DDPG(
        config: baseline.ddpg, observationDim: observationDim,
        actionLow: [Float](repeating: -1, count: actionCount),
        actionHigh: [Float](repeating: 1, count: actionCount), seed: rng.next())
      var dispatcher = DDPGDispatcher(
        actor: ddpg.actor.network, actionCount: actionCount,
        explorationNoise: baseline.ddpg.explorationNoise, record: true, rewards: rewards,
        seed: rng.next())
      dispatcher.randomScores = baseline.ddpg.learningStarts > 0
      let buffer = try ReplayBuffer(
        capacity: baseline.ddpg.bufferSize, observationDim: observationDim,
        actionDim: actionCount)
      agent = .ddpg(ddpg, dispatcher, buffer)
    }
  }

  /// The network that acts.
  var actingNetwork: MLP {
    switch agent {
    case .ac(let a2c, _): return a2c.networks.actor.detached()
    case .ddpg(let ddpg, _, _): return ddpg.actor.network.detached()
    }
  }

  /// Runs the episode in `sim`, recording; returns the mean reward per decision.
  mutating func runEpisode<O: OrchestrationPolicy>(
    _ sim: inout EdgeCloudSimulator, orchestrator: inout O
  ) throws -> Double {
    func mean(_ log: CentralizedDecisionLog?) -> Double {
      guard let log, log.count > 0 else { return 0 }
      return Double(log.rewards.reduce(0, +)) / Double(log.count)
    }
    switch agent {
    case .ac(let a2c, var dispatcher):
      agent = .ac(a2c, dispatcher)  // keep a valid state while the dispatcher is out
      dispatcher.log?.removeAll()
      sim.run(dispatch: &dispatcher, orchestration: &orchestrator)
      agent = .ac(a2c, dispatcher)
      return mean(dispatcher.log)
    case .ddpg(let ddpg, var dispatcher, let buffer):
      dispatcher.log?.removeAll()
      sim.run(dispatch: &dispatcher, orchestration: &orchestrator)
      agent = .ddpg(ddpg, dispatcher, buffer)
      return mean(dispatcher.log)
    }
  }

  /// Trains on the episode just recorded and hands the new actor to the dispatcher.
  mutating func train() throws -> [String: Double] {
    switch agent {
    case .ac(var a2c, var dispatcher):
      let stats = try Self.trainA2C(
        &a2c, log: dispatcher.log!, maxUpdates: baseline.acMaxUpdatesPerEpisode)
      dispatcher.actor = a2c.networks.actor.detached()
      agent = .ac(a2c, dispatcher)
      return stats
    case .ddpg(var ddpg, var dispatcher, var buffer):
      let log = dispatcher.log!
      let n = log.count
      for i in 0..<n {
        // The single agent's next observation is its next decision's; the episode's last
        // decision bootstraps from its own observation (a time limit, not a terminal state).
        try buffer.add(
          observation: Array(log.observation(i)), action: Array(log.actionVector(i)),
          reward: log.rewards[i], nextObservation: Array(log.observation(min(i + 1, n - 1))),
          terminated: false)
      }
      decisionsSeen += n
      var stats: [String: Double] = [:]
      if decisionsSeen >= baseline.ddpg.learningStarts && buffer.count > 0 {
        let updates = max(1, n / baseline.ddpgDecisionsPerUpdate)
        var last = DDPGUpdateStats()
        for _ in 0..<updates { last = try ddpg.update(&buffer) }
        for (name, value) in last.scalars { stats[name] = value }
        dispatcher.randomScores = false
      }
      dispatcher.actor = ddpg.actor.network.detached()
      agent = .ddpg(ddpg, dispatcher, buffer)
      return stats
    }
  }

  /// A2C on the episode's single trajectory: consecutive chunks of `numSteps` decisions, one
  /// gradient step each (at most `maxUpdates` evenly spaced chunks), values from the critic
  /// just before its step (the first `count % numSteps` decisions are left out). A chunk
  /// bootstraps from the decision after it; the last one from its own last observation (a time
  /// limit).
  static func trainA2C(_ a2c: inout A2C, log: CentralizedDecisionLog, maxUpdates: Int) throws
    -> [String: Double]
  {
    let steps = a2c.config.numSteps
    let count = log.count
    guard count >= steps else { return [:] }
    var batch = try A2CBatch(
      config: a2c.config, observationDim: log.observationDim,
      actionMaskSize: log.actionMaskSize)
    var last: A2CUpdateStats?
    let chunks = count / steps
    let first = count % steps
    let picked =
      chunks <= maxUpdates ? Array(0..<chunks) : (0..<maxUpdates).map { $0 * chunks / maxUpdates }
    for chunk in picked {
      let start = first + chunk * steps
      batch.rollout.reset()
      let dim = log.observationDim
      let chunk = Array(log.observations[(start * dim)..<((start + steps) * dim)])
      let values = a2c.values(observations: chunk)
      for i in 0..<steps {
        let k = start + i
        try batch.rollout.add(
          observations: Array(log.observation(k)), actions: [log.actions[k]], logProbs: [0],
          rewards: [log.rewards[k]], terminated: [false], truncated: [false],
          values: [values[i]],
          actionMasks: log.actionMaskSize > 0 ? log.actionMask(k) : nil)
      }
      let next = min(start + steps, count - 1)
      batch.lastObservations = Array(log.observation(next))
      last = try a2c.update(&batch)
    }
    var stats: [String: Double] = [:]
    for (name, value) in last?.scalars ?? [] { stats[name] = value }
    return stats
  }
}
