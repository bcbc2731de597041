import Foundation
import RL
import SeededRandom
import TensorModule

/// Hyperparameters of KaiS (Han et al., "Tailored learning-based scheduling for Kubernetes-
/// oriented edge-cloud system", INFOCOM 2021) as SPEC §4 sets them: cMMAC dispatch and GPG
/// orchestration.
public struct KaiSConfig: Codable, Sendable, Equatable {
  /// Hidden layers of each eAP's actor (ReLU), followed by a ReLU + 1 score per target.
  public var actorHiddenSizes: [Int] = [128, 64, 32]
  /// Hidden layers of the centralized critic.
  public var criticHiddenSizes: [Int] = [128, 64, 32]
  /// Initial bias of the actors' score head (KMPS' `scoreHeadBias`: starts every ReLU + 1
  /// unit in its active region).
  public var scoreHeadBias: Float = 1
  /// Discount γ of the slot-level TD target.
  public var gamma: Float = 0.9
  /// Adam learning rate of the actors.
  public var learningRate: Float = 1e-3
  /// Adam learning rate of the critic.
  public var criticLearningRate: Float = 1e-3
  /// Entropy bonus coefficient (keeps the Eq. 2 filter from collapsing early; KaiS does not
  /// state one, KMPS uses the same 0.01).
  public var entCoef: Float = 0.01
  /// Global gradient-norm clip of each network's gradients.
  public var maxGradNorm: Float = 0.5
  /// Decisions per eAP an update trains the actor on (a uniform sample when there are more;
  /// the critic always trains on every slot transition).
  public var samplesPerUpdate: Int = 2048
  /// Gradient steps per update: the critic's transitions and each actor's sampled decisions
  /// are split into this many minibatches (one pass; KMPS' MAPPO takes 4 epochs × 8).
  public var numMinibatches: Int = 8
  /// Normalize the advantages of each update's decisions.
  public var normAdv: Bool = true
  /// GPG: nodes picked per frame decision (H).
  public var selectedNodes: Int = 2

  /// The defaults.
  public init() {}

  /// Throws `KMPSConfigError` naming the first impossible field.
  public func validate() throws {
    func fail(_ field: String, _ reason: String) -> KMPSConfigError {
      KMPSConfigError(field: "kais.\(field)", reason: reason)
    }
    guard !actorHiddenSizes.isEmpty, actorHiddenSizes.allSatisfy({ $0 >= 1 }) else {
      throw fail("actorHiddenSizes", "needs at least one layer, every width ≥ 1")
    }
    guard !criticHiddenSizes.isEmpty, criticHiddenSizes.allSatisfy({ $0 >= 1 }) else {
      throw fail("criticHiddenSizes", "needs at least one layer, every width ≥ 1")
    }
    guard gamma >= 0, gamma <= 1 else { throw fail("gamma", "must be in [0, 1]") }
    guard learningRate > 0, learningRate.isFinite else {
      throw fail("learningRate", "must be > 0")
    }
    guard criticLearningRate > 0, criticLearningRate.isFinite else {
      throw fail("criticLearningRate", "must be > 0")
    }
    guard entCoef >= 0, entCoef.isFinite else { throw fail("entCoef", "must be ≥ 0") }
    guard maxGradNorm > 0 else { throw fail("maxGradNorm", "must be > 0") }
    guard samplesPerUpdate >= 1 else { throw fail("samplesPerUpdate", "must be ≥ 1") }
    guard numMinibatches >= 1 else { throw fail("numMinibatches", "must be ≥ 1") }
    guard selectedNodes >= 1 else { throw fail("selectedNodes", "must be ≥ 1") }
  }
}

/// KaiS' dispatch reward of one eAP in one slot: `exp(−fail) + exp(−σ_u)`, with `fail` the
/// share of the eAP's requests resolved in the slot that failed and `σ_u` the standard deviation
/// of the CPU utilization of the nodes it dispatches to (its cluster's edge nodes): 2 when
/// nothing fails and the load is perfectly balanced.
public enum KaiSReward {
  /// `exp(−failShare) + exp(−utilizationStd)`.
  public static func value(failShare: Double, utilizationStd: Double) -> Double {
    exp(-failShare) + exp(-utilizationStd)
  }

  /// The population standard deviation of `values` (0 for fewer than two).
  public static func standardDeviation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return variance.squareRoot()
  }
}

/// What cMMAC learns from: every eAP's decisions and its slot transitions.
///
/// Transition `t` of eAP `b` is one slot in which `b` dispatched: the critic input at the
/// slot's first decision (global state + one-hot of `b`), the slot's reward, and whether the
/// episode ended after it (then `finalStates[b]` bootstraps it). Each decision points at its
/// transition; its advantage is that transition's TD error.
public struct KaiSBatch: Sendable {
  /// Critic inputs per eAP, `[transitions_b × stateDim]` each.
  public internal(set) var states: [[Float]]
  /// Rewards per eAP, `[transitions_b]`.
  public internal(set) var rewards: [[Float]]
  /// Whether the episode was cut after the transition (a time limit).
  public internal(set) var truncated: [[Bool]]
  /// The critic input at the end of the episode, per eAP (bootstraps a truncated transition).
  public internal(set) var finalStates: [[Float]?]
  /// Decisions per eAP: observation rows `[decisions_b × observationDim]`.
  public internal(set) var observations: [[Float]]
  /// Decisions per eAP: masks `[decisions_b × actionCount]`.
  public internal(set) var masks: [[Bool]]
  /// Decisions per eAP: the chosen target.
  public internal(set) var actions: [[Int]]
  /// Decisions per eAP: the transition each belongs to.
  public internal(set) var transitionOf: [[Int]]
  /// The critic input width.
  public let stateDim: Int
  /// The observation width.
  public let observationDim: Int
  /// Targets per decision.
  public let actionCount: Int

  /// An empty batch for `eapCount` eAPs.
  public init(eapCount: Int, stateDim: Int, observationDim: Int, actionCount: Int) {
    states = Array(repeating: [], count: eapCount)
    rewards = Array(repeating: [], count: eapCount)
    truncated = Array(repeating: [], count: eapCount)
    finalStates = Array(repeating: nil, count: eapCount)
    observations = Array(repeating: [], count: eapCount)
    masks = Array(repeating: [], count: eapCount)
    actions = Array(repeating: [], count: eapCount)
    transitionOf = Array(repeating: [], count: eapCount)
    self.stateDim = stateDim
    self.observationDim = observationDim
    self.actionCount = actionCount
  }

  /// eAPs.
  public var eapCount: Int { states.count }
  /// Decisions over all eAPs.
  public var decisionCount: Int { actions.reduce(0) { $0 + $1.count } }
  /// Transitions over all eAPs.
  public var transitionCount: Int { rewards.reduce(0) { $0 + $1.count } }

  /// Opens transition of eAP `b` with critic input `state`; returns its index.
  @discardableResult
  public mutating func beginTransition(eap b: Int, state: UnsafeBufferPointer<Float>) -> Int {
    precondition(state.count == stateDim, "KaiSBatch: state of \(state.count), not \(stateDim)")
    states[b].append(contentsOf: state)
    rewards[b].append(0)
    truncated[b].append(false)
    return rewards[b].count - 1
  }

  /// Sets the reward of eAP `b`'s transition `t`.
  public mutating func setReward(_ r: Float, eap b: Int, transition t: Int) { rewards[b][t] = r }

  /// Marks eAP `b`'s last transition truncated, bootstrapped from `finalState`.
  public mutating func truncateLast(eap b: Int, finalState: [Float]) {
    guard !truncated[b].isEmpty else { return }
    truncated[b][truncated[b].count - 1] = true
    finalStates[b] = finalState
  }

  /// Appends one decision of eAP `b` in its transition `t`.
  public mutating func appendDecision(
    eap b: Int, transition t: Int, observation: UnsafeBufferPointer<Float>,
    mask: UnsafeBufferPointer<Bool>, action: Int
  ) {
    precondition(observation.count == observationDim && mask.count == actionCount)
    observations[b].append(contentsOf: observation)
    masks[b].append(contentsOf: mask)
    actions[b].append(action)
    transitionOf[b].append(t)
  }
}

/// What one cMMAC update measured.
public struct KaiSUpdateStats: UpdateStatistics, Equatable {
  /// `−mean(A · log π)` summed over eAPs.
  public var policyLoss: Float = 0
  /// `½ · mean((V − y)²)` of the critic.
  public var valueLoss: Float = 0
  /// Mean entropy of the trained decisions' policies.
  public var entropy: Float = 0
  /// Mean slot reward of the batch.
  public var meanReward: Float = 0
  /// Decisions trained on.
  public var decisions = 0
  /// Named scalars.
  public var scalars: [(name: String, value: Double)] {
    [
      ("policy_loss", Double(policyLoss)), ("value_loss", Double(valueLoss)),
      ("entropy", Double(entropy)), ("mean_reward", Double(meanReward)),
      ("decisions", Double(decisions)),
    ]
  }
}

/// KaiS' cMMAC dispatch learner: one actor per eAP (MLP with a ReLU + 1 score per target,
/// the Eq. 2 filter over the action mask) and one centralized critic on the global state plus
/// the eAP's one-hot, trained by one-step actor-critic at the slot time scale: the advantage
/// of every decision eAP `b` took in slot `t` is `δ = r_{b,t} + γ·V(s_{b,t+1}) − V(s_{b,t})`.
public struct KaiSDispatchAgent: Sendable {
  /// Hyperparameters.
  public let config: KaiSConfig
  /// One actor per eAP.
  public private(set) var actors: [MLP]
  /// The centralized critic.
  public private(set) var critic: MLP
  private var actorOptimizers: [Adam]
  private var criticOptimizer: Adam
  private var rng: Xoshiro256
  /// Observation width.
  public let observationDim: Int
  /// Critic input width (global state + eAP one-hot).
  public let stateDim: Int
  /// Targets.
  public let actionCount: Int

  /// A fresh agent drawn from `seed`.
  ///
  /// - Throws: `KMPSConfigError` for an invalid config or sizes.
  public init(
    config: KaiSConfig, eapCount: Int, observationDim: Int, stateDim: Int, actionCount: Int,
    seed: UInt64
  ) throws {
    try config.validate()
    guard eapCount >= 1, observationDim >= 1, stateDim >= 1, actionCount >= 1 else {
      throw KMPSConfigError(field: "kais", reason: "sizes must be ≥ 1")
    }
    var rng = Xoshiro256(seed: seed)
    self.config = config
    let sizes = [observationDim] + config.actorHiddenSizes + [actionCount]
    let hiddenInit = Initializer.orthogonal(gain: Float(2).squareRoot())
    actors = (0..<eapCount).map { _ in
      // As KMPS' actor: a ReLU + 1 unit whose pre-activation is ≤ 0 for every input is dead
      // for good (score stuck at 1), so the head starts with a positive bias, small weights.
      var layers: [Linear] = []
      for i in 0..<(sizes.count - 1) {
        let isHead = i == sizes.count - 2
        layers.append(
          Linear(
            inFeatures: sizes[i], outFeatures: sizes[i + 1],
            initializer: isHead ? .orthogonal(gain: 0.01) : hiddenInit,
            biasInitializer: isHead ? .constant(config.scoreHeadBias) : .zeros, rng: &rng))
      }
      return MLP(
        layers: layers,
        activations: Array(repeating: .relu, count: layers.count - 1) + [.positivePlusOne])
    }
    critic = MLP(sizes: [stateDim] + config.criticHiddenSizes + [1], rng: &rng)
    actorOptimizers = (0..<eapCount).map { _ in Adam(learningRate: config.learningRate) }
    criticOptimizer = Adam(learningRate: config.criticLearningRate)
    self.rng = rng.split()
    self.observationDim = observationDim
    self.stateDim = stateDim
    self.actionCount = actionCount
  }

  /// eAPs.
  public var eapCount: Int { actors.count }

  /// One-step TD targets and advantages: `y_t = r_t + γ·V_next_t` and `δ_t = y_t − V_t`.
  public static func tdTargets(
    rewards: [Float], values: [Float], nextValues: [Float], gamma: Float
  ) -> (targets: [Float], advantages: [Float]) {
    let targets = (0..<rewards.count).map { rewards[$0] + gamma * nextValues[$0] }
    let advantages = (0..<rewards.count).map { targets[$0] - values[$0] }
    return (targets, advantages)
  }

  /// `V(s)` of rows of critic inputs (detached).
  public func values(_ states: [Float]) -> [Float] {
    let rows = states.count / stateDim
    guard rows > 0 else { return [] }
    return critic.detached()(Tensor(shape: [rows, stateDim], scalars: states)).scalars
  }

  /// Per eAP, the TD targets and advantages of its transitions: the next state of transition
  /// `t` is transition `t+1`'s, or the final state when `t` was truncated (0 when missing).
  public func targets(_ batch: KaiSBatch) -> [(targets: [Float], advantages: [Float])] {
    (0..<batch.eapCount).map { b in
      let v = values(batch.states[b])
      let n = v.count
      var next = [Float](repeating: 0, count: n)
      let final = batch.finalStates[b].map { values($0).first ?? 0 } ?? 0
      for t in 0..<n {
        next[t] = batch.truncated[b][t] ? final : (t + 1 < n ? v[t + 1] : 0)
      }
      return Self.tdTargets(
        rewards: batch.rewards[b], values: v, nextValues: next, gamma: config.gamma)
    }
  }

  /// One pass of actor-critic steps over `batch`: the TD targets and advantages are computed
  /// once with the current critic, then `numMinibatches` steps each train the critic on a
  /// share of the transitions and every eAP's actor on a share of (a sample of at most
  /// `samplesPerUpdate` of) its decisions. Every sample is used once.
  ///
  /// - Throws: `RLInputError` for a batch without transitions or made for other sizes.
  @discardableResult
  public mutating func update(_ batch: KaiSBatch) throws -> KaiSUpdateStats {
    guard batch.eapCount == eapCount, batch.stateDim == stateDim,
      batch.observationDim == observationDim, batch.actionCount == actionCount
    else {
      throw RLInputError(component: "KaiSDispatchAgent", field: "batch", reason: "other sizes")
    }
    guard batch.transitionCount > 0 else {
      throw RLInputError(component: "KaiSDispatchAgent", field: "batch", reason: "empty")
    }
    let td = targets(batch)
    var stats = KaiSUpdateStats()
    stats.meanReward =
      batch.rewards.reduce(0) { $0 + $1.reduce(0, +) } / Float(batch.transitionCount)
    let k = config.numMinibatches

    // Critic: ½ MSE to the fixed TD targets, transitions shuffled into k minibatches.
    let allStates = batch.states.flatMap { $0 }
    let allTargets = td.flatMap(\.targets)
    let criticParts = Minibatches.shuffled(
      count: allTargets.count, numMinibatches: min(k, allTargets.count), rng: &rng)
    for rows in criticParts {
      var x = [Float](repeating: 0, count: rows.count * stateDim)
      for (r, i) in rows.enumerated() {
        for j in 0..<stateDim { x[r * stateDim + j] = allStates[i * stateDim + j] }
      }
      let v = critic(Tensor(shape: [rows.count, stateDim], scalars: x)).reshaped(to: [rows.count])
      let valueLoss = PPOLoss.unclippedValueLoss(
        values: v, returns: Tensor(rows.map { allTargets[$0] }))
      stats.valueLoss += valueLoss.scalar / Float(criticParts.count)
      var grads = valueLoss.backward()
      grads.clip(globalNorm: config.maxGradNorm)
      criticOptimizer.update(&critic, along: grads)
    }

    // Actors: −mean(A · log π) − β·H on each eAP's sampled decisions, k minibatches each.
    let o = observationDim
    let t = actionCount
    for b in 0..<eapCount where !batch.actions[b].isEmpty {
      let all = batch.actions[b].count
      var rows = Array(0..<all)
      for i in 0..<min(config.samplesPerUpdate, all - 1) {
        rows.swapAt(i, i + Int(rng.next() % UInt64(all - i)))
      }
      rows = Array(rows[0..<min(config.samplesPerUpdate, all)])
      var advantages = rows.map { td[b].advantages[batch.transitionOf[b][$0]] }
      if config.normAdv && rows.count > 1 { advantages = PPODiagnostics.normalized(advantages) }
      let parts = Minibatches.shuffled(
        count: rows.count, numMinibatches: min(k, rows.count), rng: &rng)
      for part in parts {
        var obs = [Float](repeating: 0, count: part.count * o)
        var mask = [Bool](repeating: false, count: part.count * t)
        var actions = [Int](repeating: 0, count: part.count)
        for (r, p) in part.enumerated() {
          let i = rows[p]
          for j in 0..<o { obs[r * o + j] = batch.observations[b][i * o + j] }
          for j in 0..<t { mask[r * t + j] = batch.masks[b][i * t + j] }
          actions[r] = batch.actions[b][i]
        }
        let scores = actors[b](Tensor(shape: [part.count, o], scalars: obs))
        let pi = MaskedCategorical(.contextFilter, outputs: scores, mask: mask)
        let logProbs = pi.logProbability(of: actions)
        let policyLoss = PPOLoss.policyGradient(
          logProbs: logProbs, advantages: Tensor(part.map { advantages[$0] }))
        let entropy = pi.entropy().mean()
        let loss = policyLoss - entropy * config.entCoef
        stats.policyLoss += policyLoss.scalar / Float(parts.count)
        stats.entropy += entropy.scalar * Float(part.count)
        stats.decisions += part.count
        var grads = loss.backward()
        grads.clip(globalNorm: config.maxGradNorm)
        actorOptimizers[b].update(&actors[b], along: grads)
      }
    }
    if stats.decisions > 0 { stats.entropy /= Float(stats.decisions) }
    return stats
  }
}
