import Envs
import Foundation
import RL
import SeededRandom

/// Who decides: many eAP agents sharing an actor, or one agent deciding for all eAPs.
public enum AgentKind: String, Codable, Sendable, Equatable {
  /// MAPPO: one shared actor run by every eAP, a centralized critic on the global state, one
  /// trajectory per eAP.
  case multiAgent
  /// Traditional single-agent PPO: one agent takes every decision (one trajectory), its critic
  /// sees only the decision's observation.
  ///
  /// It runs as `MAPPO` with one agent, no agent id and a critic on the local observation,
  /// which *is* PPO's update: `SingleAgentPPOTests` (RLTests) shows that with PPO's settings
  /// one such update and one `PPO.update` on the same rollout leave bit-identical weights. What
  /// differs from CleanRL's `ppo.py` are settings every Fig. 7 series shares
  /// (`DispatchTrainingConfig.mappo`): the paper's Eq. 2 context filter on a ReLU + 1 head
  /// instead of logit masking, a Huber critic loss without value clipping instead of the
  /// clipped ½ MSE, targets from a frozen critic refreshed every cycle (the live critic at
  /// update time, as in PPO, with the default interval of 1), and staircase learning-rate
  /// decay per optimizer step instead of linear annealing per iteration.
  case singleAgent
}

/// The architecture of a learned dispatcher's actor.
public enum DispatchActor: String, Codable, Sendable, Equatable {
  /// The paper's actor: an MLP over the whole local observation, one output per target.
  case mlp
  /// One MLP shared by all targets scores each target from the request's features, that
  /// target's features and a one-hot of the target (`ActorInputLayout.perTarget`).
  case perTarget
}

/// One learned dispatch scheme of Fig. 7.
public struct DispatchSeries: Codable, Sendable, Equatable {
  /// Legend name.
  public var name: String
  /// Dual-buffer asynchronous or single-buffer synchronous training.
  public var learner: LearnerMode
  /// gRPC cross-cluster routing to neighbouring clusters' nodes.
  public var crossCluster: Bool
  /// Multi-agent (MAPPO) or single-agent (PPO).
  public var agents: AgentKind
  /// Distributed decisions at each eAP, or centralized ones (SPEC §3.8: global state gathered
  /// over the links, one central decision-maker).
  public var decisionMode: DecisionMode

  /// KMPS: dual buffer, cross-cluster, MAPPO, distributed.
  public static let kmps = DispatchSeries(
    name: "KMPS", learner: .asynchronous, crossCluster: true, agents: .multiAgent,
    decisionMode: .distributed)
  /// Baseline 1: dual buffer, no cross-cluster.
  public static let b1 = DispatchSeries(
    name: "B1 no cross-cluster", learner: .asynchronous, crossCluster: false,
    agents: .multiAgent, decisionMode: .distributed)
  /// Baseline 2: single-buffer synchronous training, cross-cluster.
  public static let b2 = DispatchSeries(
    name: "B2 synchronous", learner: .synchronous, crossCluster: true, agents: .multiAgent,
    decisionMode: .distributed)
  /// Baseline 3: traditional single-agent PPO, synchronous, no cross-cluster (a centralized
  /// single agent, SPEC §4).
  public static let b3 = DispatchSeries(
    name: "B3 single-agent PPO", learner: .synchronous, crossCluster: false,
    agents: .singleAgent, decisionMode: .centralized)

  /// Creates a value from all its fields.
  public init(
    name: String,
    learner: LearnerMode,
    crossCluster: Bool,
    agents: AgentKind,
    decisionMode: DecisionMode
  ) {
    self.name = name
    self.learner = learner
    self.crossCluster = crossCluster
    self.agents = agents
    self.decisionMode = decisionMode
  }
}

/// One stage of the progressive curriculum (paper Sec. IV-A 4: "simple, short sequences
/// (low-load, low-latency tasks), gradually introducing complex sequences").
public struct CurriculumStage: Codable, Sendable, Equatable {
  /// Episodes in this stage.
  public var episodes: Int
  /// Episode length, slots.
  public var episodeSlots: Int
  /// Arrival rate as a fraction of the experiment's target load.
  public var loadFraction: Double
  /// Load profile (steady, ramp, bursts of emergency requests).
  public var profile: LoadProfileKind

  /// Creates a value from all its fields.
  public init(
    episodes: Int,
    episodeSlots: Int,
    loadFraction: Double,
    profile: LoadProfileKind
  ) {
    self.episodes = episodes
    self.episodeSlots = episodeSlots
    self.loadFraction = loadFraction
    self.profile = profile
  }
}

/// Everything one dispatch-training run needs (part of fig7's recorded config).
public struct DispatchTrainingConfig: Codable, Sendable, Equatable {
  /// The simulated system (KMPS settings: hybrid dequeue, urgent rescheduling); each series
  /// overrides the cross-cluster switch and the decision mode.
  public var environment: EdgeCloudConfig
  /// MAPPO hyperparameters (SPEC §4 defaults).
  public var mappo: MAPPOConfig
  /// Pre-training curriculum, run before the recorded episodes (low → high load).
  public var curriculum: [CurriculumStage]
  /// Recorded training episodes.
  public var episodes: Int
  /// Length of a recorded episode, slots.
  public var episodeSlots: Int
  /// Target mean arrival rate of the recorded episodes, req/s.
  public var loadRequestsPerSecond: Double
  /// Load profile of the recorded episodes.
  public var profile: LoadProfileKind
  /// How dispatch decisions are rewarded (the paper's per-slot u_{b,t}, or per-request credit
  /// with the same weights).
  public var reward: DispatchRewardKind
  /// Slots between two weight pickups by the eAPs during an episode (asynchronous training).
  public var weightSyncEverySlots: Int
  /// When no explicit `environment.services.placement` is given: slots of Greedy_Native + HPA
  /// at the target load whose final replica placement becomes every episode's initial one
  /// (0 = start from the default placement). Episodes are short, so without it they would
  /// measure HPA's scale-up from the sparse testbed placement rather than dispatch.
  public var warmupPlacementSlots: Int
  /// What the centralized critic of the multi-agent series sees (single-agent series always
  /// use their local observation).
  public var centralizedCritic: CriticView = .globalStateWithAgentID
  /// The shared actor's architecture: the paper's MLP over the whole observation, or one
  /// scorer shared by all targets (`ActorInputLayout.perTarget`).
  public var actor: DispatchActor = .mlp
  /// Rollouts of every episode's arrival sequence with the same actor (1 = one, advantages from
  /// the critic by GAE). With K ≥ 2, each decision's advantage is its discounted return (γ of
  /// `mappo`) minus the mean return of the same request in the other K − 1 rollouts: the
  /// input-dependent baseline of Mao et al. (ICLR 2019, `InputDependentBaseline`). All K
  /// rollouts train as one batch; the episode's record holds the means over them
  /// (`EpisodeRecord`); the actor is picked up once per episode, before its first rollout.
  public var rolloutsPerEpisode: Int = 1
  /// Counterfactual rollout advantages for every n-th recorded decision (off by default;
  /// `CounterfactualAdvantageConfig`).
  public var counterfactualAdvantage = CounterfactualAdvantageConfig()
  /// The GPO orchestrator every learned series trains alongside its dispatcher when
  /// `environment.orchestration.orchestrator` is `agent` (`"gpo"`); unused otherwise.
  public var gpo: GPOOrchestrationConfig = .kmps(
    actionsPerFrame: OrchestrationConfig().actionsPerFrame)

  /// Throws `KMPSConfigError` naming the first impossible field.
  public func validate() throws {
    try environment.validate()
    try mappo.validate()
    do {
      try gpo.validate()
    } catch let error as RLInputError {
      let path = error.component == "GPOOrchestrationConfig" ? "gpo" : "gpo.agent"
      throw KMPSConfigError(field: "\(path).\(error.field)", reason: error.reason)
    }
    if environment.orchestration.orchestrator == .agent,
      gpo.agent.selectedNodes > environment.orchestration.actionsPerFrame
    {
      // Not an impossibility for GPO, but then GPO would act more per frame than the
      // heuristics it is compared with.
      throw KMPSConfigError(
        field: "gpo.agent.selectedNodes",
        reason: "must be ≤ environment.orchestration.actionsPerFrame "
          + "(\(environment.orchestration.actionsPerFrame)), got \(gpo.agent.selectedNodes)")
    }
    func positive(_ value: Int, _ field: String) throws {
      guard value >= 1 else { throw KMPSConfigError(field: field, reason: "must be ≥ 1") }
    }
    try positive(episodes, "episodes")
    try positive(episodeSlots, "episodeSlots")
    try positive(weightSyncEverySlots, "weightSyncEverySlots")
    try positive(rolloutsPerEpisode, "rolloutsPerEpisode")
    try counterfactualAdvantage.validate()
    guard warmupPlacementSlots >= 0 else {
      throw KMPSConfigError(field: "warmupPlacementSlots", reason: "must be ≥ 0")
    }
    guard loadRequestsPerSecond.isFinite, loadRequestsPerSecond > 0 else {
      throw KMPSConfigError(field: "loadRequestsPerSecond", reason: "must be > 0")
    }
    for (i, stage) in curriculum.enumerated() {
      try positive(stage.episodes, "curriculum[\(i)].episodes")
      try positive(stage.episodeSlots, "curriculum[\(i)].episodeSlots")
      guard stage.loadFraction.isFinite, stage.loadFraction > 0 else {
        throw KMPSConfigError(field: "curriculum[\(i)].loadFraction", reason: "must be > 0")
      }
    }
  }

  /// The critic input of a series: `centralizedCritic` for multi-agent series, the local
  /// observation for a single agent.
  public func criticView(for series: DispatchSeries) -> CriticView {
    series.agents == .multiAgent ? centralizedCritic : .localObservation
  }

  /// The environment a series runs in.
  public func environment(for series: DispatchSeries) -> EdgeCloudConfig {
    var env = environment
    env.dispatch.crossCluster = series.crossCluster
    env.dispatch.decisionMode = series.decisionMode
    if series.decisionMode == .centralized {
      // The central agent's own inference is as fast as an eAP's; what it adds is the global
      // state round trip and the queueing of one central decision-maker.
      env.dispatch.centralSolverLatencyMs = env.dispatch.inferenceLatencyMs
    }
    return env
  }

  /// A simulator for one episode of `slots` slots in `env`, reset with `seed` and the workload
  /// at `loadFraction` of the target load with `profile`. Every episode gets a fresh one: its
  /// length may change (curriculum), and a fresh simulator restores the initial placement.
  public func episodeSimulator(
    _ env: EdgeCloudConfig, slots: Int, loadFraction: Double, profile: LoadProfileKind,
    seed: UInt64, trace: AlibabaTrace?
  ) throws -> EdgeCloudSimulator {
    var timing = env.timing
    timing.episodeSlots = slots
    var sim = try EdgeCloudSimulator(config: env.with(timing: timing), trace: trace, seed: seed)
    sim.reset(seed: seed, workload: workload(loadFraction: loadFraction, profile: profile))
    sim.logsRequestOutcomes = reward == .request
    return sim
  }

  /// The workload of an episode at `loadFraction` of the target with `profile`.
  public func workload(loadFraction: Double, profile: LoadProfileKind) -> WorkloadConfig {
    var w = environment.workload
    w.meanRequestsPerSecond = loadRequestsPerSecond * loadFraction
    w.profile = profile
    return w
  }

  /// Creates a value from all its fields.
  public init(
    environment: EdgeCloudConfig,
    mappo: MAPPOConfig,
    curriculum: [CurriculumStage],
    episodes: Int,
    episodeSlots: Int,
    loadRequestsPerSecond: Double,
    profile: LoadProfileKind,
    reward: DispatchRewardKind,
    weightSyncEverySlots: Int,
    warmupPlacementSlots: Int,
    centralizedCritic: CriticView = .globalStateWithAgentID,
    actor: DispatchActor = .mlp,
    gpo: GPOOrchestrationConfig = .kmps(actionsPerFrame: OrchestrationConfig().actionsPerFrame)
  ) {
    self.centralizedCritic = centralizedCritic
    self.actor = actor
    self.gpo = gpo
    self.environment = environment
    self.mappo = mappo
    self.curriculum = curriculum
    self.episodes = episodes
    self.episodeSlots = episodeSlots
    self.loadRequestsPerSecond = loadRequestsPerSecond
    self.profile = profile
    self.reward = reward
    self.weightSyncEverySlots = weightSyncEverySlots
    self.warmupPlacementSlots = warmupPlacementSlots
  }
}

extension DispatchTrainingConfig {
  /// The KMPS training setup of the paper's Fig. 7: the KMPS environment (hybrid dequeue on eAPs
  /// and nodes, urgent rescheduling), MAPPO with the settings that make it learn (see the
  /// comments inside and the README's deviations), a low-to-high-load curriculum, 50 recorded
  /// 200-slot episodes at 600 req/s with bursts, HPA orchestration (or, with the orchestrator
  /// set to `agent`, GPO as configured in `gpo`) and per-request reward credit with a critic
  /// that sees the request; `quick` is the smoke-test budget.
  public static func kmps(quick: Bool = false) -> DispatchTrainingConfig {
    var env = EdgeCloudConfig()
    env.dispatch.eapDequeue = .hybrid
    env.dispatch.nodeDequeue = .hybrid
    env.dispatch.urgentRescheduling = true
    // Fig. 7 compares dispatch schemes: every series runs the same orchestrator, so the curves
    // differ by dispatch alone (fig7's `orchestration` sets this: hpa or gpo; see `gpo` below).
    env.orchestration.orchestrator = .hpa
    // GPO as in fig16 (one setup for both figures), but fig7's 200-slot episodes hold one
    // frame each, against fig16's 32: transitions are kept across episodes and every update
    // trains on as many as one fig16 episode gives.
    var gpo = GPOOrchestrationConfig.kmps(actionsPerFrame: env.orchestration.actionsPerFrame)
    gpo.updateAtEpisodeEnd = false
    gpo.updateEveryFrames = EdgeCloudConfig().timing.framesPerEpisode
    var mappo = MAPPOConfig()
    // What makes the dispatcher learn (issue 14's ablations; README "Deviations"):
    // - per-request credit judged on its own (γ = λ = 0): a decision's reward is its request's
    //   outcome, and with γ 0.99 that signal drowns in the next thousands of decisions' rewards;
    // - a standard logit mask instead of Eq. 2's ReLU + 1 filter, which needs scores of ~160
    //   to put 0.9 on one of 19 targets;
    // - one small scorer shared by all targets (`.perTarget` actor below);
    // - ten times the optimizer steps per episode: 4 epochs × 80 minibatches of 128 drawn from
    //   10,240 of the ~30k decisions (320 steps, against 32 before), at lr 1e-3;
    // - a small entropy bonus (0.001): the bandit-like signal is weak, and 0.01 holds the
    //   policy near uniform.
    mappo.maskMode = .logits
    mappo.gamma = 0
    mappo.gaeLambda = 0
    mappo.learningRate = 1e-3
    mappo.entCoef = 0.001
    mappo.actorHiddenSizes = [64, 32]
    // A 128-64 critic instead of the paper's 256-128-64-32: with γ = 0 it only predicts each
    // request's own outcome, the paper's critic is about two thirds of an optimizer step's
    // arithmetic, and on the same episodes the smaller one learned as well at 40% less CPU
    // (README, "Why KMPS stops about half a point above queue-aware").
    mappo.criticHiddenSizes = [128, 64]
    // (--quick, a smoke test that runs in the debug test suite: a quarter of the steps.)
    mappo.samplesPerEpoch = quick ? 2560 : 10_240
    mappo.numMinibatches = quick ? 20 : 80
    mappo.updateEpochs = 4
    return DispatchTrainingConfig(
      environment: env, mappo: mappo,
      curriculum: quick
        ? [CurriculumStage(episodes: 1, episodeSlots: 40, loadFraction: 0.5, profile: .steady)]
        : [
          CurriculumStage(episodes: 1, episodeSlots: 120, loadFraction: 0.4, profile: .steady),
          CurriculumStage(episodes: 1, episodeSlots: 120, loadFraction: 0.7, profile: .steady),
          CurriculumStage(episodes: 1, episodeSlots: 200, loadFraction: 1.0, profile: .steady),
        ],
      episodes: quick ? 10 : 50, episodeSlots: quick ? 60 : 200,
      loadRequestsPerSecond: 600, profile: .bursts,
      reward: .request,
      weightSyncEverySlots: 20, warmupPlacementSlots: quick ? 400 : 1200,
      centralizedCritic: .globalStateWithObservation, actor: .perTarget, gpo: gpo)
  }
}

extension DispatchTrainingConfig {
  /// Sets `environment.services.placement` to `hpaWarmupPlacement(trace:)` unless a placement
  /// is given or `warmupPlacementSlots` is 0 (what fig7 and every study of its episodes do
  /// before their first episode); `trace` is read only when the placement is computed.
  public mutating func applyWarmupPlacement(
    trace: @autoclosure () throws -> AlibabaTrace?
  ) throws {
    guard environment.services.placement == nil, warmupPlacementSlots > 0 else { return }
    environment.services.placement = try hpaWarmupPlacement(trace: trace())
  }

  /// The replica placement `d[w][n]` Kubernetes' HPA reaches with Greedy_Native dispatch after
  /// `warmupPlacementSlots` slots at the target load (steady profile, seed 0), with replicas
  /// pending removal already gone: the initial placement of fig7's episodes.
  public func hpaWarmupPlacement(trace: AlibabaTrace?) throws -> [[Int]] {
    var env = environment
    env.dispatch.crossCluster = false
    var sim = try episodeSimulator(
      env, slots: warmupPlacementSlots, loadFraction: 1, profile: .steady, seed: 0,
      trace: trace)
    var policy = LeastUtilizedPolicy(allowCrossCluster: false)
    var hpa = HPAController(config: env.hpa)
    sim.run(dispatch: &policy, orchestration: &hpa)
    let nodes = sim.topology.nodeCount
    return (0..<sim.serviceCount).map { w in
      (0..<nodes).map { n in sim.activeReplicas(service: w, node: n) }
    }
  }
}

/// Where an episode's requests that did not complete on time ended, as shares of its arrivals:
/// what tells a dispatcher's losses (at the nodes) from those no dispatch could prevent (expired
/// in the eAP queue before a decision).
public struct FailureShares: Sendable, Equatable {
  /// Expired in an eAP queue, never dispatched.
  public var atEAP: Double
  /// Expired in a node or cloud queue (or in transit).
  public var inQueue: Double
  /// Started, but finished past the deadline.
  public var running: Double
  /// Still in the system when the episode ended.
  public var unfinished: Double

  /// Shares given as fractions of the arrivals.
  public init(atEAP: Double, inQueue: Double, running: Double, unfinished: Double) {
    self.atEAP = atEAP
    self.inQueue = inQueue
    self.running = running
    self.unfinished = unfinished
  }

  /// The shares of `metrics` (all 0 when nothing arrived).
  public init(_ metrics: EdgeCloudMetrics) {
    let n = Double(max(1, metrics.arrived))
    atEAP = Double(metrics.failedAtEAP) / n
    inQueue = Double(metrics.failedInQueue) / n
    running = Double(metrics.failedRunning) / n
    unfinished = Double(max(0, metrics.arrived - metrics.completedOnTime - metrics.failed)) / n
  }
}

/// What one recorded episode measured.
///
/// With several rollouts of the episode's arrival sequence (`rolloutsPerEpisode` = K ≥ 2),
/// every measured quantity of the simulator (throughput, counts, shares, latencies) is the mean
/// over the K rollouts of its value in each rollout, so the columns of one record describe the
/// same episodes and keep their identities (throughput plus the failure shares is 1; the
/// latency parts sum to the mean latency). What is not per rollout says so below.
public struct EpisodeRecord: Sendable, Equatable {
  /// 1-based episode index (curriculum episodes are not counted).
  public var episode: Int
  /// Long-term throughput Φ' of the episode (on-time completions / arrivals).
  public var throughput: Double
  /// Wall-clock seconds of the episode, all its rollouts: acting plus (synchronous) training
  /// or (asynchronous) waiting for the learner.
  public var wallSeconds: Double
  /// Requests that arrived in a rollout (with several, the mean, like every count here).
  public var arrived: Double
  /// Dispatch decisions taken in a rollout.
  public var decisions: Double
  /// Shares of decisions sent across clusters and to the cloud.
  public var crossClusterShare: Double
  public var cloudShare: Double
  /// Mean end-to-end latency of completed requests, ms.
  public var meanLatencyMs: Double
  /// Its parts (`EdgeCloudMetrics.meanLatencyMs`), ms; they sum to `meanLatencyMs`.
  public var latencyParts: LatencyParts
  /// Mean dispatch reward per decision, over the decisions of all the rollouts (the batch the
  /// learner was handed).
  public var meanReward: Double
  /// Statistics of the most recent finished MAPPO update (asynchronous: possibly an older one).
  public var update: MAPPOUpdateStats
  /// Newer actors the eAPs picked up during the episode (all its rollouts).
  public var weightPickups: Int
  /// Where the requests not completed on time ended.
  public var failures: FailureShares
  /// Rollouts of the episode's arrival sequence that the measured quantities are means over.
  public var rollouts: Int

  /// Creates a value from all its fields.
  public init(
    episode: Int,
    throughput: Double,
    wallSeconds: Double,
    arrived: Double,
    decisions: Double,
    crossClusterShare: Double,
    cloudShare: Double,
    meanLatencyMs: Double,
    latencyParts: LatencyParts,
    meanReward: Double,
    update: MAPPOUpdateStats,
    weightPickups: Int,
    failures: FailureShares,
    rollouts: Int = 1
  ) {
    self.episode = episode
    self.throughput = throughput
    self.wallSeconds = wallSeconds
    self.arrived = arrived
    self.decisions = decisions
    self.crossClusterShare = crossClusterShare
    self.cloudShare = cloudShare
    self.meanLatencyMs = meanLatencyMs
    self.latencyParts = latencyParts
    self.meanReward = meanReward
    self.update = update
    self.weightPickups = weightPickups
    self.failures = failures
    self.rollouts = rollouts
  }

  /// The record of an episode acted out in the rollouts whose end-of-episode metrics are
  /// `rollouts` (one or more runs of its arrival sequence): each measured quantity is the mean
  /// of its per-rollout values; the other fields are as given.
  public init(
    episode: Int, rollouts: [EdgeCloudMetrics], wallSeconds: Double, meanReward: Double,
    update: MAPPOUpdateStats, weightPickups: Int
  ) {
    precondition(!rollouts.isEmpty, "an episode has at least one rollout")
    func mean<T>(_ values: [T], _ value: (T) -> Double) -> Double {
      values.reduce(0) { $0 + value($1) } / Double(values.count)
    }
    let parts = rollouts.map(LatencyParts.init)
    let failures = rollouts.map(FailureShares.init)
    self.init(
      episode: episode, throughput: mean(rollouts) { $0.throughput }, wallSeconds: wallSeconds,
      arrived: mean(rollouts) { Double($0.arrived) },
      decisions: mean(rollouts) { Double($0.decisions) },
      crossClusterShare: mean(rollouts) {
        Double($0.dispatchedCrossCluster) / Double(max($0.decisions, 1))
      },
      cloudShare: mean(rollouts) { Double($0.dispatchedCloud) / Double(max($0.decisions, 1)) },
      meanLatencyMs: mean(rollouts) { $0.meanLatencyMs.total },
      latencyParts: LatencyParts(
        decisionMs: mean(parts) { $0.decisionMs },
        transmissionMs: mean(parts) { $0.transmissionMs },
        queueingMs: mean(parts) { $0.queueingMs }, executionMs: mean(parts) { $0.executionMs }),
      meanReward: meanReward, update: update, weightPickups: weightPickups,
      failures: FailureShares(
        atEAP: mean(failures) { $0.atEAP }, inQueue: mean(failures) { $0.inQueue },
        running: mean(failures) { $0.running }, unfinished: mean(failures) { $0.unfinished }),
      rollouts: rollouts.count)
  }
}

/// The mean parts of the end-to-end latency of an episode's on-time completions, ms.
public struct LatencyParts: Sendable, Equatable {
  /// Arrival at the eAP until the dispatch decision is available.
  public var decisionMs: Double
  /// Network transfer to the chosen node.
  public var transmissionMs: Double
  /// Waiting in the node's queue.
  public var queueingMs: Double
  /// Running on the node.
  public var executionMs: Double

  /// Parts given in ms.
  public init(
    decisionMs: Double, transmissionMs: Double, queueingMs: Double, executionMs: Double
  ) {
    self.decisionMs = decisionMs
    self.transmissionMs = transmissionMs
    self.queueingMs = queueingMs
    self.executionMs = executionMs
  }

  /// The parts of `metrics.meanLatencyMs`.
  public init(_ metrics: EdgeCloudMetrics) {
    let parts = metrics.meanLatencyMs
    decisionMs = parts.decision
    transmissionMs = parts.transmission
    queueingMs = parts.queueing
    executionMs = parts.execution
  }

  /// The parts by name, as data.csv columns and TensorBoard tags (`latency/<name>`) use them.
  public var named: [(name: String, ms: Double)] {
    [
      ("decision_ms", decisionMs), ("transmission_ms", transmissionMs),
      ("queueing_ms", queueingMs), ("execution_ms", executionMs),
    ]
  }
}

/// The outcome of training one series with one seed.
public struct DispatchRunResult: Sendable {
  /// The series.
  public var series: DispatchSeries
  /// The seed.
  public var seed: UInt64
  /// Every recorded episode, in order.
  public var episodes: [EpisodeRecord]
  /// Wall-clock seconds of the curriculum pre-training.
  public var curriculumSeconds: Double
  /// Learner counters (batches trained, collector waits).
  public var learnerStatistics: LearnerStatistics
  /// The trained learner (for checkpoints).
  public var trainer: MAPPOTrainer
  /// The trained GPO orchestrator, when the series orchestrates with GPO (for checkpoints).
  public var orchestrator: GPOOrchestration?

  /// Creates a value from all its fields.
  public init(
    series: DispatchSeries,
    seed: UInt64,
    episodes: [EpisodeRecord],
    curriculumSeconds: Double,
    learnerStatistics: LearnerStatistics,
    trainer: MAPPOTrainer,
    orchestrator: GPOOrchestration?
  ) {
    self.series = series
    self.seed = seed
    self.episodes = episodes
    self.curriculumSeconds = curriculumSeconds
    self.learnerStatistics = learnerStatistics
    self.trainer = trainer
    self.orchestrator = orchestrator
  }
}

/// Trains the learned dispatch series of Fig. 7 (and any other dispatch study).
public enum DispatchTraining {
  /// The seed of episode `episode` of run seed `seed`: every series sees the same workloads.
  public static func episodeSeed(_ seed: UInt64, phase: UInt64, episode: Int) -> UInt64 {
    var mixer = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ (phase << 32) ^ UInt64(episode))
    return mixer.next()
  }

  /// A MAPPO learner shaped for `series` in `env`.
  public static func makeLearner(
    series: DispatchSeries, config: DispatchTrainingConfig, simulator: borrowing EdgeCloudSimulator,
    seed: UInt64
  ) throws -> MAPPO {
    let view = config.criticView(for: series)
    let dims = LearnedDispatcher.dimensions(for: simulator, criticView: view)
    var mappo = config.mappo
    mappo.appendAgentID = false
    if config.actor == .perTarget {
      mappo.actorLayout = .perTarget(
        sharedFeatures: dims.observation - dims.actions * EdgeCloudSimulator.targetFeatureCount,
        targetFeatures: EdgeCloudSimulator.targetFeatureCount, targets: dims.actions,
        targetOneHot: true)
    }
    // `.singleAgent`: one stream and a critic on the local observation, i.e. PPO (see
    // `AgentKind.singleAgent`).
    return try MAPPO(
      config: mappo, numAgents: series.agents == .multiAgent ? simulator.eapCount : 1,
      observationDim: dims.observation, stateDim: dims.state, actionCount: dims.actions,
      seed: seed)
  }


  /// Trains `series` with `seed`: the curriculum, then `config.episodes` recorded episodes,
  /// each followed by a hand-off to the learner. `onEpisode` is called after every recorded
  /// episode (progress reporting).
  public static func run(
    series: DispatchSeries, seed: UInt64, config: DispatchTrainingConfig, trace: AlibabaTrace?,
    onEpisode: (EpisodeRecord) -> Void = { _ in }
  ) throws -> DispatchRunResult {
    let env = config.environment(for: series)
    var sim = try EdgeCloudSimulator(config: env, trace: trace, seed: seed)
    let mappo = try makeLearner(series: series, config: config, simulator: sim, seed: seed)
    let trainer = MAPPOTrainer(mappo)
    let mode = series.learner
    let learner = trainer.makeDualBufferLearner(mode: mode)
    defer { learner.shutdown(drain: false) }
    var dispatcher = try LearnedDispatcher(
      policy: trainer.policy, simulator: sim, criticView: config.criticView(for: series),
      streamPerEAP: series.agents == .multiAgent, acting: .sample, record: true,
      seed: episodeSeed(seed, phase: 7, episode: 0), rewardKind: config.reward)
    dispatcher.recordsRequestKeys = config.rolloutsPerEpisode > 1
    dispatcher.counterfactual = config.counterfactualAdvantage
    var subscription: WeightSubscription<MAPPOPolicy>? =
      mode == .asynchronous ? WeightSubscription(store: learner.weights) : nil
    let coordinator = KMPSCoordinator(
      weightSyncEverySlots: mode == .asynchronous ? config.weightSyncEverySlots : 0)
    var recycled: MAPPOBatch? = nil
    let orchestration = env.orchestration.orchestrator
    var gpo: GPOOrchestration? =
      orchestration == .agent
      ? try GPOOrchestration(
        config: config.gpo, simulator: sim, seed: episodeSeed(seed, phase: 8, episode: 0))
      : nil

    /// One episode: act (picking up weights), hand the batch over, measure: the metrics of
    /// each rollout (one unless `rolloutsPerEpisode` > 1), the pickups, and the mean reward per
    /// decision of the batch handed over (all the rollouts').
    func episode(
      slots: Int, loadFraction: Double, profile: LoadProfileKind, episodeSeed: UInt64
    ) throws -> (rollouts: [EdgeCloudMetrics], pickups: Int, meanReward: Double) {
      // Every episode starts from the newest published actor (synchronous: the one trained
      // on the previous episode).
      if let latest = subscription?.poll() {
        dispatcher.policy = latest
      } else if mode == .synchronous {
        dispatcher.policy = learner.weights.latest().weights
      }
      let rollouts = config.rolloutsPerEpisode
      var batches: [MAPPOBatch] = []
      var keys: [[[RequestKey]]] = []
      var measured: [EdgeCloudMetrics] = []
      var pickups = 0
      for _ in 0..<rollouts {
        sim = try config.episodeSimulator(
          env, slots: slots, loadFraction: loadFraction, profile: profile, seed: episodeSeed,
          trace: trace)
        if rollouts == 1 {
          pickups += try coordinator.runEpisode(
            simulator: &sim, dispatcher: &dispatcher, gpo: &gpo, heuristic: orchestration,
            subscription: &subscription)
        } else {
          // Several rollouts compare one actor on one input: no pickups inside the group.
          var none: WeightSubscription<MAPPOPolicy>? = nil
          pickups += try coordinator.runEpisode(
            simulator: &sim, dispatcher: &dispatcher, gpo: &gpo, heuristic: orchestration,
            subscription: &none)
        }
        guard let batch = dispatcher.takeBatch(replacingWith: rollouts == 1 ? recycled : nil)
        else { preconditionFailure("a training dispatcher records") }
        batches.append(batch)
        keys.append(dispatcher.takeRequestKeys())
        measured.append(sim.metrics)
      }
      var batch = batches[0]
      if rollouts > 1 {
        try applyInputDependentBaseline(&batches, keys: keys, gamma: config.mappo.gamma)
        batch = batches[0]
        for other in batches.dropFirst() { try batch.appendStreams(of: other) }
      }
      let meanReward = Double(batch.meanReward)
      if batch.count > 0 { recycled = try learner.submit(batch) }
      return (measured, pickups, meanReward)
    }

    let curriculumStart = ContinuousClock.now
    var curriculumEpisode = 0
    for stage in config.curriculum {
      for _ in 0..<stage.episodes {
        curriculumEpisode += 1
        _ = try episode(
          slots: stage.episodeSlots, loadFraction: stage.loadFraction, profile: stage.profile,
          episodeSeed: episodeSeed(seed, phase: 1, episode: curriculumEpisode))
      }
    }
    let curriculumSeconds = (ContinuousClock.now - curriculumStart).seconds

    var records: [EpisodeRecord] = []
    for index in 1...config.episodes {
      let start = ContinuousClock.now
      let (rollouts, pickups, meanReward) = try episode(
        slots: config.episodeSlots, loadFraction: 1, profile: config.profile,
        episodeSeed: episodeSeed(seed, phase: 2, episode: index))
      let record = EpisodeRecord(
        episode: index, rollouts: rollouts, wallSeconds: (ContinuousClock.now - start).seconds,
        meanReward: meanReward, update: trainer.lastStats, weightPickups: pickups)
      records.append(record)
      onEpisode(record)
    }
    learner.waitUntilIdle()
    let statistics = learner.statistics()
    learner.shutdown()
    return DispatchRunResult(
      series: series, seed: seed, episodes: records, curriculumSeconds: curriculumSeconds,
      learnerStatistics: statistics, trainer: trainer, orchestrator: gpo)
  }
}

extension DispatchTraining {
  /// Replaces the advantages of every stream of `rollouts` (K ≥ 2 rollouts of one arrival
  /// sequence; `keys[k][stream]` names each decision's request) by the input-dependent ones:
  /// the decision's discounted return along its stream minus the mean return of the same
  /// request in the other rollouts. A request only one rollout decided on gets advantage 0.
  public static func applyInputDependentBaseline(
    _ rollouts: inout [MAPPOBatch], keys: [[[RequestKey]]], gamma: Float
  ) throws {
    var returns: [[Float]] = []
    var flatKeys: [[RequestKey]] = []
    for (k, batch) in rollouts.enumerated() {
      var g: [Float] = []
      var key: [RequestKey] = []
      for (s, stream) in batch.streams.enumerated() {
        let streamKeys = s < keys[k].count ? keys[k][s] : []
        guard streamKeys.count == stream.count else {
          throw KMPSConfigError(
            field: "rolloutsPerEpisode",
            reason: "rollout \(k) stream \(s) has \(stream.count) decisions but "
              + "\(streamKeys.count) request keys (record with recordsRequestKeys)")
        }
        g.append(contentsOf: InputDependentBaseline.discountedReturns(stream.rewards, gamma: gamma))
        key.append(contentsOf: streamKeys)
      }
      returns.append(g)
      flatKeys.append(key)
    }
    let baselines = try InputDependentBaseline.leaveOneOut(returns: returns, keys: flatKeys)
    for k in rollouts.indices {
      var offset = 0
      for s in rollouts[k].streams.indices {
        let n = rollouts[k].streams[s].count
        let advantages = (0..<n).map { i in
          baselines[k][offset + i].map { returns[k][offset + i] - $0 } ?? 0
        }
        try rollouts[k].setAdvantages(advantages, stream: s)
        offset += n
      }
    }
  }
}

extension EdgeCloudConfig {
  /// A copy with other time scales.
  public func with(timing: TimeScaleConfig) -> EdgeCloudConfig {
    var copy = self
    copy.timing = timing
    return copy
  }
}

extension Duration {
  /// The duration in seconds.
  public var seconds: Double {
    let c = components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
  }
}

extension DispatchTraining {
  /// Scores a trained actor on `episodes` episodes of seed stream `phase` (seeds the training
  /// never saw when `phase` differs from the training phases 1 and 2), without recording or
  /// learning: sampled or greedy (`acting`) decisions, the series' environment, and its
  /// orchestration. Where the series learned GPO, `orchestrator` (the trained one) acts with
  /// deterministic actions and does not learn, as fig16 scores it; without one, HPA.
  ///
  /// - Returns: the throughput of every episode, in order.
  public static func evaluate(
    policy: MAPPOPolicy, series: DispatchSeries, seed: UInt64, config: DispatchTrainingConfig,
    trace: AlibabaTrace?, episodes: Int, phase: UInt64, acting: ActingMode,
    orchestrator: GPOOrchestration? = nil
  ) throws -> [Double] {
    var env = config.environment(for: series)
    var frozen: GPOOrchestration? = nil
    if env.orchestration.orchestrator == .agent {
      if var trained = orchestrator {
        trained.mode = .evaluation(deterministic: true)
        frozen = trained
      } else {
        env.orchestration.orchestrator = .hpa
      }
    }
    var sim = try EdgeCloudSimulator(config: env, trace: trace, seed: seed)
    var dispatcher = try LearnedDispatcher(
      policy: policy, simulator: sim, criticView: config.criticView(for: series),
      streamPerEAP: series.agents == .multiAgent, acting: acting, record: false,
      seed: episodeSeed(seed, phase: phase + 10, episode: 0))
    var throughputs: [Double] = []
    for index in 1...max(1, episodes) {
      sim = try config.episodeSimulator(
        env, slots: config.episodeSlots, loadFraction: 1, profile: config.profile,
        seed: episodeSeed(seed, phase: phase, episode: index), trace: trace)
      var none: WeightSubscription<MAPPOPolicy>? = nil
      var gpo = frozen
      try KMPSCoordinator(weightSyncEverySlots: 0).runEpisode(
        simulator: &sim, dispatcher: &dispatcher, gpo: &gpo,
        heuristic: env.orchestration.orchestrator, subscription: &none)
      throughputs.append(sim.metrics.throughput)
    }
    return throughputs
  }
}
