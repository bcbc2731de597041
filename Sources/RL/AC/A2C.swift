import SeededRandom
import TensorModule

/// One on-policy rollout for `A2C.update`: the stored steps and the observations that followed
/// the last one (whose values bootstrap the returns).
public struct A2CBatch: Sendable {
  /// The steps (time-major, `numSteps × numEnvs`); the update fills its advantages and returns.
  public var rollout: RolloutBuffer
  /// Observations after the last stored step, `[numEnvs * observationDim]`.
  public var lastObservations: [Float]

  /// An empty rollout of `config.numSteps` steps of `config.numEnvs` environments.
  ///
  /// - Parameter actionMaskSize: entries per action mask (the action count), 0 without masks.
  public init(config: A2CConfig, observationDim: Int, actionMaskSize: Int = 0) throws {
    rollout = try RolloutBuffer(
      numSteps: config.numSteps, numEnvs: config.numEnvs, observationDim: observationDim,
      actionMaskSize: actionMaskSize)
    lastObservations = []
  }
}

/// What one A2C update measured.
public struct A2CUpdateStats: UpdateStatistics, Equatable {
  /// `−mean(log π(a|s) · A)`.
  public var policyLoss: Float = 0
  /// `½ · mean((V(s) − R)²)`.
  public var valueLoss: Float = 0
  /// Mean policy entropy (over valid actions).
  public var entropy: Float = 0
  /// `1 − Var(R − V) / Var(R)` over the rollout (NaN when the returns are constant).
  public var explainedVariance: Float = 0
  /// Global gradient norm before clipping.
  public var gradNorm: Float = 0
  /// Samples in the rollout.
  public var samples: Int = 0

  /// Zeroed statistics.
  public init() {}

  /// The statistics under CleanRL's names, for loggers.
  public var scalars: [(name: String, value: Double)] {
    [
      ("policy_loss", Double(policyLoss)), ("value_loss", Double(valueLoss)),
      ("entropy", Double(entropy)), ("explained_variance", Double(explainedVariance)),
      ("grad_norm", Double(gradNorm)),
    ]
  }
}

/// Synchronous advantage actor-critic (A2C, Mnih et al. 2016) for discrete actions with
/// optional action masks: one gradient step per rollout on
/// `−mean(log π(a|s) · A) − entCoef · mean(H) + vfCoef · ½ mean((V − R)²)`, advantages by GAE
/// (`gaeLambda` 1: n-step returns), global-norm clipping, Adam.
///
/// Collection lives outside: see `A2CTrainer`, or fill an `A2CBatch` with `act`'s outputs.
public struct A2C: LearningAgent, Sendable {
  /// The hyperparameters.
  public let config: A2CConfig
  /// The trained networks.
  public var networks: A2CNetworks
  /// Adam over `networks`.
  public var optimizer: Adam
  /// Floats per observation.
  public let observationDim: Int
  /// Actions per decision.
  public let actionCount: Int
  /// Updates done so far.
  public private(set) var updateCount = 0

  /// A learner with networks initialized from `seed`.
  ///
  /// - Throws: `RLInputError` for an invalid config or non-positive sizes.
  public init(config: A2CConfig, observationDim: Int, actionCount: Int, seed: UInt64) throws {
    try config.validate()
    for (name, value) in [("observationDim", observationDim), ("actionCount", actionCount)]
    where value < 1 {
      throw RLInputError(component: "A2C.init", field: name, reason: "must be ≥ 1")
    }
    self.config = config
    self.observationDim = observationDim
    self.actionCount = actionCount
    var rng = Xoshiro256(seed: seed)
    networks = A2CNetworks(
      observationDim: observationDim, actionCount: actionCount,
      hiddenSizes: config.hiddenSizes, shared: config.sharedNetwork,
      activation: config.activation, rng: &rng)
    optimizer = Adam(learningRate: config.learningRate, epsilon: config.adamEpsilon)
  }

  /// Chooses actions for a batch of observations with the current policy (no graph).
  ///
  /// - Parameters:
  ///   - observations: `[rows * observationDim]`, row-major.
  ///   - masks: `[rows * actionCount]`, true = valid; nil = all valid.
  ///   - deterministic: take the most probable valid action instead of sampling.
  /// - Returns: per row the action, its log-probability and the critic's value.
  public func act(
    observations: [Float], masks: [Bool]? = nil, deterministic: Bool = false,
    using rng: inout Xoshiro256
  ) -> (actions: [Int], logProbs: [Float], values: [Float]) {
    let rows = observations.count / observationDim
    let (logits, values) = networks.detached()(
      Tensor(shape: [rows, observationDim], scalars: observations))
    let distribution = MaskedCategorical(logits: logits, mask: masks)
    let actions = deterministic ? distribution.mode() : distribution.sample(using: &rng)
    let logProbs = distribution.logProbability(of: actions).scalars
    return (actions, logProbs, values.scalars)
  }

  /// Critic values of observations `[rows * observationDim]`, `[rows]` (no graph).
  public func values(observations: [Float]) -> [Float] {
    let rows = observations.count / observationDim
    guard rows > 0 else { return [] }
    let x = Tensor(shape: [rows, observationDim], scalars: observations)
    return networks.detached().values(x).scalars
  }

  /// One A2C update on a full rollout: bootstrap values, GAE, one clipped Adam step.
  ///
  /// The rollout's stored values must be the current critic's (as `act` returns them), and its
  /// truncation values the critic's values of the truncated episodes' final observations.
  ///
  /// - Throws: `RLInputError` when the rollout is not full or sizes disagree.
  public mutating func update(_ batch: inout A2CBatch) throws -> A2CUpdateStats {
    let numEnvs = batch.rollout.numEnvs
    guard batch.lastObservations.count == numEnvs * observationDim else {
      throw RLInputError(
        component: "A2C.update", field: "lastObservations",
        reason: "has \(batch.lastObservations.count) floats, expected \(numEnvs * observationDim)")
    }
    let lastValues = values(observations: batch.lastObservations)
    try batch.rollout.computeAdvantages(
      lastValues: lastValues, gamma: config.gamma, lambda: config.gaeLambda)
    var (grads, stats) = lossGradients(batch.rollout)
    stats.gradNorm = grads.clip(globalNorm: config.maxGradNorm)
    optimizer.update(&networks, along: grads)
    stats.explainedVariance = PPODiagnostics.explainedVariance(
      predicted: batch.rollout.values, target: batch.rollout.returns)
    updateCount += 1
    return stats
  }

  /// The A2C loss of a rollout whose advantages are computed, and its gradients. A separate
  /// function so that the loss graph (sharing the parameters' storage) is gone before the
  /// optimizer step.
  func lossGradients(_ rollout: RolloutBuffer) -> (Gradients, A2CUpdateStats) {
    let count = rollout.count
    let observations = Tensor(shape: [count, observationDim], scalars: rollout.observations)
    let masks = rollout.actionMaskSize > 0 ? rollout.actionMasks : nil
    let rawAdvantages = rollout.advantages
    let advantages = Tensor(
      config.normAdv ? PPODiagnostics.normalized(rawAdvantages) : rawAdvantages)
    let returns = Tensor(rollout.returns)

    let (logits, newValues) = networks(observations)
    let distribution = MaskedCategorical(logits: logits, mask: masks)
    let logProbs = distribution.logProbability(of: rollout.actions)
    let policyLoss = -(logProbs * advantages).mean()
    let valueLoss = 0.5 * (newValues - returns).squared().mean()
    let entropy = distribution.entropy().mean()
    let loss = policyLoss - config.entCoef * entropy + config.vfCoef * valueLoss
    let grads = loss.backward()

    var stats = A2CUpdateStats()
    stats.policyLoss = policyLoss.scalar
    stats.valueLoss = valueLoss.scalar
    stats.entropy = entropy.scalar
    stats.samples = count
    return (grads, stats)
  }
}
