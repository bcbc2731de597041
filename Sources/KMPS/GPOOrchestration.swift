import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

/// Settings of the GPO orchestration adapter (`GPOOrchestration`): the agent's hyperparameters
/// plus how the simulator's state and actions are mapped onto it.
public struct GPOOrchestrationConfig: Codable, Sendable, Equatable {
  /// The agent (variant, network sizes, PPO/A2C settings). `agent.selectedNodes` is `H`.
  public var agent: GPOConfig
  /// Mask ServiceActor actions that cannot be applied (adds that do not fit the node, removals
  /// of services without an active replica there). Without the mask, the paper's rule applies
  /// literally: an infeasible action is sent to the simulator, which turns it into a no-op and
  /// counts it in `metrics.orchestrationNoOps`.
  public var maskInfeasibleActions: Bool = true
  /// Let the agent add/remove replicas on cloud nodes too. Off (paper: "H nodes from all edge
  /// nodes"): cloud nodes stay in the graph as state, but their only action is "nothing".
  public var orchestrateCloudNodes: Bool = false
  /// Put every eAP (and the cloud master) in one cluster, so the cluster embedding is the
  /// paper's global embedding `z_τ`. Off: the simulator's hierarchy (one cluster per eAP).
  public var singleGlobalCluster: Bool = true
  /// Divide each reward stream by the running standard deviation of its discounted return
  /// (CleanRL's `NormalizeReward`): `u_node` is dominated by `Δcompleted/100`, hundreds per
  /// 25 s frame at the testbed's loads, and would otherwise swamp the critics. The statistics
  /// start from the references' prior (variance 1) and scaled rewards are clipped to ±10
  /// (`ReturnScaler`).
  public var normalizeRewards: Bool = true
  /// Update the agent every this many stored transitions within an episode (0 = only at the
  /// end of the episode, in `finishEpisode`).
  public var updateEveryFrames: Int = 0
  /// What `u_node`'s completion term counts (SPEC §3.6 `β1·Δcompleted`): the on-time
  /// completions of the frame per 100 (`completedPer100`, the paper's literal term, which
  /// mostly tracks the load), or their share of the requests that finished (on time or failed)
  /// during the frame (`onTimeShare`, in [0, 1]: the load cancels, the effect of the replicas
  /// remains).
  public var nodeReward: GPONodeRewardKind = .completedPer100
  /// Update at the end of every episode on what is stored (fig16: its 3300-slot episodes hold
  /// 32 frames). Off: stored transitions are kept across episodes and the agent updates exactly
  /// when `updateEveryFrames` of them are stored, mid-episode or at an episode's end (fig7,
  /// whose 200-slot episodes hold one frame each). Each episode's last step is stored as
  /// truncated and bootstrapped from its final state, so returns never run into the next
  /// episode.
  public var updateAtEpisodeEnd: Bool = true

  /// Paper defaults for `variant`.
  public init(variant: GPOVariant = .gpo) { agent = GPOConfig(variant: variant) }

  /// The GPO setup fig16 and fig7 share: full GPO with the paper's defaults, `H =
  /// actionsPerFrame` and the `onTimeShare` node reward (the load cancels, the effect of the
  /// replicas remains), updated at the end of every episode.
  public static func kmps(actionsPerFrame: Int) -> GPOOrchestrationConfig {
    var config = GPOOrchestrationConfig(variant: .gpo)
    config.agent.selectedNodes = actionsPerFrame
    config.nodeReward = .onTimeShare
    return config
  }

  /// Checks ranges (delegates to `GPOConfig.validate`).
  ///
  /// - Throws: `RLInputError` naming the first bad field.
  public func validate() throws {
    try agent.validate()
    if updateEveryFrames < 0 {
      throw RLInputError(
        component: "GPOOrchestrationConfig", field: "updateEveryFrames",
        reason: "must be ≥ 0 (0 = at episode end), got \(updateEveryFrames)")
    }
    if !updateAtEpisodeEnd && updateEveryFrames < 1 {
      throw RLInputError(
        component: "GPOOrchestrationConfig", field: "updateEveryFrames",
        reason: "must be ≥ 1 when updateAtEpisodeEnd is false (the agent would never update), "
          + "got \(updateEveryFrames)")
    }
  }
}

/// The completion term of `u_node` (`GPOOrchestrationConfig.nodeReward`).
public enum GPONodeRewardKind: String, Codable, Sendable, CaseIterable {
  /// On-time completions during the frame / 100.
  case completedPer100
  /// On-time completions / (on-time completions + failures) during the frame (0 when none).
  case onTimeShare
}

/// Whether the adapter trains or only acts.
public enum GPOOrchestrationMode: Sendable, Equatable {
  /// Sample actions, store transitions with their rewards, update the agent.
  case learning
  /// Act only (no storage, no update): arg-max actions when `deterministic`, else sampled.
  case evaluation(deterministic: Bool)
}

/// What the adapter did since it was created (all episodes).
public struct GPOOrchestrationStats: Sendable, Equatable {
  /// Frame decisions taken (each picks `H` nodes).
  public var decisions = 0
  /// Chosen "add one replica" actions passed to the simulator.
  public var addsProposed = 0
  /// Chosen "remove one replica" actions passed to the simulator.
  public var removalsProposed = 0
  /// Chosen "nothing" actions (including those forced on cloud nodes).
  public var nothing = 0
  /// Transitions stored.
  public var storedTransitions = 0
  /// Agent updates run.
  public var updates = 0
  /// Wall-clock seconds spent in `orchestrate` decisions (observation + encoder + actors).
  public var decisionSeconds = 0.0
}

/// The two orchestration rewards of one frame decision (SPEC §3.6), before any scaling.
public struct GPOFrameReward: Sendable, Equatable {
  /// `u_node`.
  public var node: Double
  /// `u_service`.
  public var service: Double

  /// Creates a reward pair.
  public init(node: Double, service: Double) {
    self.node = node
    self.service = service
  }
}

/// Running variance of a discounted return, used to scale rewards (CleanRL `NormalizeReward`,
/// SB3 `VecNormalize`).
///
/// The statistics start from a prior of `priorCount` pseudo-observations with mean 0 and
/// variance 1 (`RunningMeanStd(epsilon: 1e-4)` in both references), and each new return is
/// merged with the parallel-variance formula (batch of one, batch variance 0):
/// `t = count + 1`, `δ = G − mean`, `mean += δ / t`, `var = (var·count + δ²·count/t) / t`.
/// The scaled reward is `r / √(var + 1e-8)`, clipped to `±clip` (both references clip at 10).
/// Starting the variance at 0 instead would divide the first reward by `√1e-8`, i.e. multiply it
/// by 10⁴.
public struct ReturnScaler: Sendable, Equatable {
  public var discountedReturn = 0.0
  /// Observations merged so far, including the prior's `priorCount`.
  public var count: Double
  public var mean = 0.0
  public var variance = 1.0
  public let gamma: Double
  /// Scaled rewards are clipped to `[-clip, clip]` (`.infinity`: no clipping).
  public let clip: Double
  /// Added under the square root.
  public static let epsilon = 1e-8

  /// A scaler with the references' prior (`priorCount` = 1e-4 pseudo-observations of variance 1)
  /// and clip (10).
  public init(gamma: Double, priorCount: Double = 1e-4, clip: Double = 10) {
    self.gamma = gamma
    self.count = priorCount
    self.clip = clip
  }

  /// Folds `reward` into the running return and returns it divided by the return's std,
  /// clipped to `±clip`.
  public mutating func scale(_ reward: Double) -> Double {
    discountedReturn = discountedReturn * gamma + reward
    let total = count + 1
    let delta = discountedReturn - mean
    mean += delta / total
    variance = (variance * count + delta * delta * count / total) / total
    count = total
    let scaled = reward / (variance + Self.epsilon).squareRoot()
    return min(clip, max(-clip, scaled))
  }

  /// A new episode: the discounted return restarts (the statistics are kept).
  public mutating func endEpisode() { discountedReturn = 0 }
}

/// A GPO-family agent (any `GPOVariant`) as an `OrchestrationPolicy` for
/// `EdgeCloudSimulator.run(dispatch:orchestration:)`.
///
/// At every frame start (`sim.isFrameStart`) it builds the `GraphInput` from
/// `sim.graphObservation()`, asks the agent for `H` (node, ServiceActor action) pairs, and
/// appends the corresponding replica additions/removals (the simulator applies them right
/// after; infeasible ones become counted no-ops; removals of busy replicas wait until idle).
///
/// In `.learning` mode the decision of frame `f` is stored with the rewards of SPEC §3.6
/// observed at the next frame start (or at `finishEpisode` for the last frame):
/// - `u_node = β1·Δcompleted/100 − β2·(1 − Jain(edge CPU utilization))`, with Δcompleted the
///   on-time completions during the frame (`OrchestrationReward.nodeReward`);
/// - `u_service = μ1·(growth of high-demand services) − μ2·(growth of others)`, with growth the
///   change of active replicas (deployed minus pending removal) per service over the frame and
///   "high demand" judged on the queues at the decision (`OrchestrationReward.serviceReward`).
/// Weights come from `sim.config.rewards`. The agent is updated every `updateEveryFrames`
/// transitions and at `finishEpisode` (or, without `updateAtEpisodeEnd`, only when that many
/// are stored, across episodes).
///
/// `orchestrate` cannot throw (protocol); the first error stops the adapter from acting and is
/// rethrown by `finishEpisode`.
public struct GPOOrchestration: OrchestrationPolicy, Sendable {
  /// The adapter's settings.
  public let config: GPOOrchestrationConfig
  /// Learning or evaluation.
  public var mode: GPOOrchestrationMode
  /// The agent (read its weights and optimizer step count).
  public private(set) var agent: GPOAgent
  /// The transitions stored since the last update.
  public private(set) var batch: GPOBatch
  /// Counters over the adapter's life.
  public private(set) var stats = GPOOrchestrationStats()
  /// Updates run by `finishEpisode` or mid-episode, most recent last.
  public private(set) var updateHistory: [GPOUpdateStats] = []
  /// The rewards (unscaled) of the transitions stored in the current episode.
  public private(set) var episodeRewards: [GPOFrameReward] = []
  /// `episodeRewards` of the episode that `finishEpisode` ended last.
  public private(set) var lastEpisodeRewards: [GPOFrameReward] = []

  public let edgeNodeCount: Int
  public let serviceCount: Int
  public let edgeSources: [Int]
  public let edgeTargets: [Int]
  public let eapCluster: [Int]
  public let clusterCount: Int
  public var rng: Xoshiro256
  /// The acting path's inference memory (reused across decisions).
  public var scratch = InferenceScratch()
  public var nodeScaler: ReturnScaler
  public var serviceScaler: ReturnScaler
  /// The decision awaiting its reward: state, decision, mask, queues and active replicas then.
  public var pending: PendingDecision?
  /// The first error met inside `orchestrate`.
  public var failure: (any Error)?

  /// An orchestration decision kept until its frame's reward is known.
  public struct PendingDecision: Sendable {
    var slot: Int
    var graph: GraphInput
    var decision: GPODecision
    var mask: [Bool]?
    var queuedPerService: [Int]
    var activeReplicas: [Int]
    /// `metrics.completedOnTime` and `metrics.failed` at the decision.
    var onTime = 0
    var failed = 0
  }

  /// An adapter for `simulator`'s topology with a fresh agent drawn from `seed`.
  ///
  /// - Throws: `RLInputError` for an invalid config or `H` larger than the node count.
  public init(
    config: GPOOrchestrationConfig, simulator sim: borrowing EdgeCloudSimulator, seed: UInt64,
    mode: GPOOrchestrationMode = .learning
  ) throws {
    try config.validate()
    self.config = config
    self.mode = mode
    let topo = sim.topology
    edgeNodeCount = topo.edgeNodeCount
    serviceCount = sim.serviceCount
    var sources: [Int] = []
    var targets: [Int] = []
    for n in 0..<topo.nodeCount {
      for k in topo.adjacencyOffsets[n]..<topo.adjacencyOffsets[n + 1] {
        sources.append(topo.adjacencyIndices[k])  // message n' → n for n' ∈ ζ(n)
        targets.append(n)
      }
    }
    edgeSources = sources
    edgeTargets = targets
    let hierarchy = Array(0...sim.eapCount)
    eapCluster = config.singleGlobalCluster ? hierarchy.map { _ in 0 } : hierarchy
    clusterCount = (eapCluster.max() ?? 0) + 1
    var seeder = SplitMix64(seed: seed)
    rng = Xoshiro256(seed: seeder.next())
    let topology = GPOTopology(
      nodeCount: topo.nodeCount, eapCount: sim.eapCount + 1,
      nodeFeatureDim: sim.graphNodeFeatureCount, eapFeatureDim: sim.graphEAPFeatureCount,
      serviceCount: sim.serviceCount)
    agent = try GPOAgent(config: config.agent, topology: topology, seed: seeder.next())
    batch = GPOBatch(for: agent)
    nodeScaler = ReturnScaler(gamma: Double(config.agent.gamma))
    serviceScaler = ReturnScaler(gamma: Double(config.agent.gamma))
  }

  /// Convenience: paper defaults for `variant` with `H = sim.config.orchestration
  /// .actionsPerFrame` (the same number of actions per frame as the greedy orchestrator).
  public init(
    variant: GPOVariant, simulator sim: borrowing EdgeCloudSimulator, seed: UInt64,
    mode: GPOOrchestrationMode = .learning
  ) throws {
    var config = GPOOrchestrationConfig(variant: variant)
    config.agent.selectedNodes = sim.config.orchestration.actionsPerFrame
    try self.init(config: config, simulator: sim, seed: seed, mode: mode)
  }

  /// The agent's variant.
  public var variant: GPOVariant { config.agent.variant }

  /// The GNN input of the simulator's current state (the hierarchy per `singleGlobalCluster`).
  ///
  /// - Throws: `RLInputError` if the observation is malformed (non-finite features).
  public func graphInput(_ sim: borrowing EdgeCloudSimulator) throws -> GraphInput {
    let obs = sim.graphObservation()
    return try GraphInput(
      nodeFeatures: obs.nodeFeatures, featureDim: obs.nodeFeatureCount, edgeSources: edgeSources,
      edgeTargets: edgeTargets, nodeEAP: obs.nodeEAP, eapCluster: eapCluster,
      clusterCount: clusterCount, eapFeatures: obs.eapFeatures,
      eapFeatureDim: obs.eapFeatureCount)
  }

  /// The ServiceActor mask `[N · (2W+1)]` for the current state: "nothing" always valid; on
  /// cloud nodes only "nothing" unless `orchestrateCloudNodes`; with `maskInfeasibleActions`,
  /// adds only where `sim.canAddReplica` and removals only of services with an active replica.
  public func serviceMask(_ sim: borrowing EdgeCloudSimulator) -> [Bool] {
    let w = serviceCount
    let a = 2 * w + 1
    let n = sim.topology.nodeCount
    var mask = [Bool](repeating: !config.maskInfeasibleActions, count: n * a)
    for node in 0..<n {
      let row = node * a
      mask[row] = true
      if node >= edgeNodeCount && !config.orchestrateCloudNodes {
        for k in 1..<a { mask[row + k] = false }
        continue
      }
      guard config.maskInfeasibleActions else { continue }
      for s in 0..<w {
        mask[row + 1 + s] = sim.canAddReplica(service: s, node: node)
        let active =
          sim.replicaCount(service: s, node: node)
          - sim.pendingRemovals(service: s, node: node)
        mask[row + 1 + w + s] = active > 0
      }
    }
    return mask
  }

  /// Active replicas (deployed minus pending removal) per service over all nodes.
  public static func activeReplicas(_ sim: borrowing EdgeCloudSimulator) -> [Int] {
    (0..<sim.serviceCount).map { s in
      var total = 0
      for n in 0..<sim.topology.nodeCount {
        total += sim.replicaCount(service: s, node: n) - sim.pendingRemovals(service: s, node: n)
      }
      return total
    }
  }

  /// `(u_node, u_service)` of `pending`'s frame, observed now (`kind` picks the completion
  /// term of `u_node`; `completedDelta` is the frame's on-time completions).
  public static func rewards(
    for pending: PendingDecision, completedDelta: Int, sim: borrowing EdgeCloudSimulator,
    kind: GPONodeRewardKind = .completedPer100
  ) -> GPOFrameReward {
    let now = activeReplicas(sim)
    let growth = zip(now, pending.activeReplicas).map { $0 - $1 }
    var node = OrchestrationReward.nodeReward(completedDelta: completedDelta, sim: sim)
    if kind == .onTimeShare {
      // Replace β1·Δcompleted/100 by β1·(on-time share of the frame's finished requests).
      let onTime = sim.metrics.completedOnTime - pending.onTime
      let finished = onTime + sim.metrics.failed - pending.failed
      let share = finished > 0 ? Double(onTime) / Double(finished) : 0
      let weight = sim.config.rewards.nodeCompletedWeight
      node += weight * (share - Double(completedDelta) / 100)
    }
    let service = OrchestrationReward.serviceReward(
      growth: growth, queuedPerService: pending.queuedPerService, config: sim.config.rewards)
    return GPOFrameReward(node: node, service: service)
  }

  /// At a frame start: rewards the previous decision (learning), updates when due, then
  /// decides this frame's `H` actions and appends them.
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    guard sim.isFrameStart, failure == nil else { return }
    do {
      let start = ContinuousClock.now
      let graph = try graphInput(sim)
      let mask = serviceMask(sim)
      if let previous = pending, previous.slot >= sim.slot {
        // A new episode began without `finishEpisode`: the old decision cannot be rewarded.
        pending = nil
      }
      if mode == .learning, let previous = pending {
        let r = Self.rewards(
          for: previous, completedDelta: sim.onTimeAtFrameStart - sim.previousFrameOnTime,
          sim: sim, kind: config.nodeReward)
        try store(previous, rewards: r, truncatedWith: nil)
        if config.updateEveryFrames > 0, batch.count >= config.updateEveryFrames {
          try runUpdate(nextGraph: graph)
        }
      }
      let deterministic: Bool
      switch mode {
      case .learning: deterministic = false
      case .evaluation(let d): deterministic = d
      }
      let decision = try agent.act(
        graph, serviceMask: mask, deterministic: deterministic, scratch: &scratch, rng: &rng)
      append(decision, to: &actions)
      if mode == .learning {
        pending = PendingDecision(
          slot: sim.slot, graph: graph, decision: decision, mask: mask,
          queuedPerService: (0..<serviceCount).map { sim.queuedRequests(service: $0) },
          activeReplicas: Self.activeReplicas(sim), onTime: sim.metrics.completedOnTime,
          failed: sim.metrics.failed)
      }
      stats.decisions += 1
      let elapsed = (ContinuousClock.now - start).components
      stats.decisionSeconds += Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    } catch {
      failure = error
    }
  }

  /// Turns a decision into simulator actions ("nothing" and cloud nodes without cloud
  /// orchestration append nothing).
  public mutating func append(_ decision: GPODecision, to actions: inout [OrchestrationAction]) {
    for choice in decision.choices {
      let adjustment =
        (try? ServiceAdjustment(action: choice.action, serviceCount: serviceCount)) ?? .nothing
      let orchestratable = choice.node < edgeNodeCount || config.orchestrateCloudNodes
      switch adjustment {
      case .add(let s) where orchestratable:
        actions.append(OrchestrationAction(.add, service: s, node: choice.node))
        stats.addsProposed += 1
      case .remove(let s) where orchestratable:
        actions.append(OrchestrationAction(.remove, service: s, node: choice.node))
        stats.removalsProposed += 1
      default:
        stats.nothing += 1
      }
    }
  }

  public mutating func store(
    _ step: PendingDecision, rewards r: GPOFrameReward,
    truncatedWith finalGraph: GraphInput?
  ) throws {
    episodeRewards.append(r)
    var node = r.node
    var service = r.service
    if config.normalizeRewards {
      node = nodeScaler.scale(node)
      service = serviceScaler.scale(service)
    }
    try batch.append(
      step.graph, decision: step.decision, serviceMask: step.mask, nodeReward: Float(node),
      serviceReward: Float(service), terminated: false, truncated: finalGraph != nil,
      finalGraph: finalGraph)
    stats.storedTransitions += 1
  }

  /// Updates the agent on the stored transitions (bootstrapping the last one from `nextGraph`
  /// when given) and empties the batch.
  public mutating func runUpdate(nextGraph: GraphInput?) throws {
    if let nextGraph { try batch.setBootstrapGraph(nextGraph) }
    let result = try agent.update(&batch)
    batch.removeAll()
    updateHistory.append(result)
    stats.updates += 1
  }

  /// Ends the episode: in learning mode, stores the last decision with the rewards of the
  /// final (possibly partial) frame as a truncated step and updates on what is stored (without
  /// `updateAtEpisodeEnd`: only when `updateEveryFrames` are stored; else they wait). Resets
  /// the per-episode state; call once after `sim.run(...)`, before the next `sim.reset`.
  ///
  /// - Returns: the update's statistics, or nil when nothing was trained (evaluation, or no
  ///   frame started in the episode).
  /// - Throws: the first error met in `orchestrate`, or an agent error.
  @discardableResult
  public mutating func finishEpisode(_ sim: borrowing EdgeCloudSimulator) throws
    -> GPOUpdateStats?
  {
    defer {
      pending = nil
      lastEpisodeRewards = episodeRewards
      episodeRewards.removeAll()
      nodeScaler.endEpisode()
      serviceScaler.endEpisode()
    }
    if let failure {
      self.failure = nil
      throw failure
    }
    guard mode == .learning else { return nil }
    if let last = pending {
      let r = Self.rewards(
        for: last, completedDelta: sim.metrics.completedOnTime - sim.onTimeAtFrameStart,
        sim: sim, kind: config.nodeReward)
      try store(last, rewards: r, truncatedWith: try graphInput(sim))
    }
    let due =
      config.updateAtEpisodeEnd
      ? batch.count > 0 : config.updateEveryFrames > 0 && batch.count >= config.updateEveryFrames
    guard due else { return nil }
    try runUpdate(nextGraph: nil)
    return updateHistory.last
  }
}

extension GPOOrchestration {
  /// Saves the agent's encoder, actors and critics (see `GPOAgent.saveCheckpoint`).
  public func saveCheckpoint(to url: URL) throws { try agent.saveCheckpoint(to: url) }

  /// Loads weights saved by `saveCheckpoint` into the agent (same variant and topology).
  public mutating func loadCheckpoint(from url: URL) throws { try agent.loadCheckpoint(from: url) }
}
