import SeededRandom
import TensorModule

/// What one PPO update (all epochs over one rollout) measured; losses and KL are those of the
/// last minibatch trained, as CleanRL logs them.
public struct PPOUpdateStats: Sendable, Equatable {
  /// The learning rate used.
  public var learningRate: Float = 0
  /// Clipped surrogate loss.
  public var policyLoss: Float = 0
  /// Value loss (clipped or not, per config; includes the ½).
  public var valueLoss: Float = 0
  /// Mean policy entropy.
  public var entropy: Float = 0
  /// `mean(−log r)`.
  public var oldApproxKL: Float = 0
  /// `mean((r − 1) − log r)`.
  public var approxKL: Float = 0
  /// Fraction of samples with `|r − 1| > clipCoef`, over every minibatch of the update.
  public var clipFraction: Float = 0
  /// `1 − Var(R − V) / Var(R)` over the rollout (NaN when the returns are constant).
  public var explainedVariance: Float = 0
  /// Global gradient norm before clipping (last minibatch).
  public var gradNorm: Float = 0
  /// Epochs actually run (fewer than `updateEpochs` after a target-KL stop).
  public var epochsRun: Int = 0
  /// Optimizer steps taken.
  public var minibatchesRun: Int = 0
  /// The ratios `π_new / π_old` of the first minibatch of the update (all exactly 1 when the
  /// rollout's log-probabilities are reproduced by the training forward pass).
  public var firstMinibatchRatios: [Float] = []
  /// The clipped surrogate loss of the first minibatch. Its ratios are 1, so it equals
  /// `−mean(A)` over that minibatch: 0 with `normAdv`, the raw advantages' negated mean without.
  public var firstMinibatchPolicyLoss: Float = 0

  /// Zeroed statistics.
  public init() {}
}

extension PPOUpdateStats: UpdateStatistics {
  /// The statistics under CleanRL's log names, plus `grad_norm`, `epochs` and `minibatches`.
  public var scalars: [(name: String, value: Double)] {
    [
      ("learning_rate", Double(learningRate)), ("policy_loss", Double(policyLoss)),
      ("value_loss", Double(valueLoss)), ("entropy", Double(entropy)),
      ("old_approx_kl", Double(oldApproxKL)), ("approx_kl", Double(approxKL)),
      ("clipfrac", Double(clipFraction)), ("explained_variance", Double(explainedVariance)),
      ("grad_norm", Double(gradNorm)), ("epochs", Double(epochsRun)),
      ("minibatches", Double(minibatchesRun)),
    ]
  }
}

/// The result of `PPO.act` for a batch of observations.
public struct PPOAction: Sendable, Equatable {
  /// Sampled actions `[batch]`.
  public var actions: [Int]
  /// `log π(a | s)` of the sampled actions `[batch]`.
  public var logProbs: [Float]
  /// Critic values `V(s)` `[batch]`.
  public var values: [Float]
}

/// The PPO agent for discrete actions with CleanRL `ppo.py` semantics: networks, optimizer,
/// config, `act` and `update`. Collection lives outside (`PPOTrainer` runs CleanRL's loop over
/// a vector environment).
///
/// `update` runs `updateEpochs` epochs of `numMinibatches` shuffled minibatches of the
/// clipped-surrogate loss with value clipping, an entropy bonus, per-minibatch advantage
/// normalization and global-norm gradient clipping, on a `RolloutBuffer` whose advantages are
/// computed. The learning rate is `optimizer.learningRate` (the trainer anneals it). The hidden
/// activation is `config.activation`. Action masks are optional: `act(_:masks:using:)` samples
/// only valid actions, and `update` applies the masks a buffer stores.
public struct PPO: LearningAgent, Sendable {
  /// The hyperparameters.
  public let config: PPOConfig
  /// The trained actor and critic.
  public var agent: ActorCritic
  /// Adam over `agent` (ε from `config.adamEpsilon`).
  public var optimizer: Adam
  /// Floats per observation.
  public let observationDim: Int
  /// Discrete actions.
  public let actionCount: Int
  /// Updates completed.
  public private(set) var updateCount = 0
  /// The minibatch shuffles' stream.
  private var rng: Xoshiro256

  /// An agent with networks initialized from `seed` (which also seeds the minibatch shuffles).
  ///
  /// - Throws: `RLInputError` for an invalid config or non-positive sizes.
  public init(config: PPOConfig, observationDim: Int, actionCount: Int, seed: UInt64) throws {
    try config.validate()
    for (name, value) in [("observationDim", observationDim), ("actionCount", actionCount)]
    where value < 1 {
      throw RLInputError(component: "PPO.init", field: name, reason: "must be ≥ 1")
    }
    self.config = config
    self.observationDim = observationDim
    self.actionCount = actionCount
    var rng = Xoshiro256(seed: seed)
    var initRNG = rng.split()
    agent = ActorCritic(
      observationDim: observationDim, actionCount: actionCount, hiddenSizes: config.hiddenSizes,
      activation: config.activation, rng: &initRNG)
    optimizer = Adam(learningRate: config.learningRate, epsilon: config.adamEpsilon)
    self.rng = rng
  }

  /// The learning rate of 1-based `iteration`: CleanRL's `(1 − (iteration − 1) / numIterations)
  /// · learningRate` when annealing, else constant.
  public func learningRate(iteration: Int) -> Float {
    guard config.annealLR else { return config.learningRate }
    let fraction = 1 - Float(iteration - 1) / Float(config.numIterations)
    return fraction * config.learningRate
  }

  /// Samples actions for `observations` `[batch, observationDim]` with a detached snapshot of
  /// the networks (no graph), returning the actions, their log-probabilities and the values.
  public func act(_ observations: Tensor, using rng: inout Xoshiro256) -> PPOAction {
    let policy = agent.detached()
    let distribution = MaskedCategorical(logits: policy.logits(observations))
    let actions = distribution.sample(using: &rng)
    let logProbs = distribution.logProbability(of: actions).scalars
    return PPOAction(
      actions: actions, logProbs: logProbs, values: policy.value(observations).scalars)
  }

  /// Samples only valid actions: `act(_:using:)` with the logits of masked actions replaced by
  /// `MaskedCategorical.maskedLogit` (−10⁹, so their probability is exactly 0). Log-probabilities
  /// are over the valid actions; `update` trains on the same masks when the buffer stores them.
  ///
  /// - Parameters:
  ///   - observations: `[batch, observationDim]`.
  ///   - masks: `[batch * actionCount]`, row-major, true = valid; nil = every action valid.
  /// - Throws: `RLInputError` when `masks` has the wrong length or a row has no valid action.
  public func act(_ observations: Tensor, masks: [Bool]?, using rng: inout Xoshiro256) throws
    -> PPOAction
  {
    guard let masks else { return act(observations, using: &rng) }
    try MaskedCategorical.validate(
      mask: masks, outputsShape: [observations.shape.first ?? 0, actionCount],
      component: "PPO.act", field: "masks")
    let policy = agent.detached()
    let distribution = MaskedCategorical(logits: policy.logits(observations), mask: masks)
    let actions = distribution.sample(using: &rng)
    let logProbs = distribution.logProbability(of: actions).scalars
    return PPOAction(
      actions: actions, logProbs: logProbs, values: policy.value(observations).scalars)
  }

  /// Critic values `[batch]` of `observations` `[batch, observationDim]` (no graph).
  public func values(_ observations: Tensor) -> [Float] {
    agent.critic.detached()(observations).scalars
  }

  /// One PPO update over the rollout in `buffer` (advantages computed): `updateEpochs` epochs
  /// of shuffled minibatches, stopping early when `targetKL` is exceeded. When the buffer stores
  /// action masks, the new log-probabilities and the entropy are those of the masked policy
  /// (the one that acted). The buffer is read only; the collector resets it.
  ///
  /// - Throws: `RLInputError` when the buffer's observations or masks do not fit the agent or
  ///   it holds fewer samples than `numMinibatches`.
  @discardableResult
  public mutating func update(_ buffer: inout RolloutBuffer) throws -> PPOUpdateStats {
    guard buffer.observationDim == observationDim else {
      throw RLInputError(
        component: "PPO.update", field: "buffer.observationDim",
        reason: "is \(buffer.observationDim), the agent's is \(observationDim)")
    }
    guard buffer.actionMaskSize == 0 || buffer.actionMaskSize == actionCount else {
      throw RLInputError(
        component: "PPO.update", field: "buffer.actionMaskSize",
        reason: "is \(buffer.actionMaskSize), the agent has \(actionCount) actions")
    }
    guard buffer.count >= config.numMinibatches else {
      throw RLInputError(
        component: "PPO.update", field: "buffer",
        reason: "holds \(buffer.count) samples, fewer than \(config.numMinibatches) minibatches")
    }
    var stats = PPOUpdateStats()
    stats.learningRate = optimizer.learningRate
    var clippedSamples: Float = 0
    var seenSamples: Float = 0
    epochs: for _ in 0..<config.updateEpochs {
      let minibatches = buffer.minibatchIndices(
        numMinibatches: config.numMinibatches, rng: &rng)
      for indices in minibatches {
        var (grads, step) = minibatchGradients(buffer, indices)
        stats.gradNorm = grads.clip(globalNorm: config.maxGradNorm)
        optimizer.update(&agent, along: grads)
        if stats.minibatchesRun == 0 {
          stats.firstMinibatchRatios = step.ratios
          stats.firstMinibatchPolicyLoss = step.policyLoss
        }
        stats.minibatchesRun += 1
        stats.policyLoss = step.policyLoss
        stats.valueLoss = step.valueLoss
        stats.entropy = step.entropy
        stats.oldApproxKL = PPODiagnostics.oldApproxKL(logRatios: step.logRatios)
        stats.approxKL = PPODiagnostics.approxKL(logRatios: step.logRatios)
        let fraction = PPODiagnostics.clipFraction(
          logRatios: step.logRatios, clipCoef: config.clipCoef)
        clippedSamples += fraction * Float(indices.count)
        seenSamples += Float(indices.count)
      }
      stats.epochsRun += 1
      if let targetKL = config.targetKL, stats.approxKL > targetKL { break epochs }
    }
    stats.clipFraction = seenSamples > 0 ? clippedSamples / seenSamples : 0
    stats.explainedVariance = PPODiagnostics.explainedVariance(
      predicted: Array(buffer.values.prefix(buffer.count)),
      target: Array(buffer.returns.prefix(buffer.count)))
    updateCount += 1
    return stats
  }

  /// The loss terms of one minibatch, as read in CleanRL's inner loop.
  private struct MinibatchStep {
    var policyLoss: Float
    var valueLoss: Float
    var entropy: Float
    var logRatios: [Float]
    var ratios: [Float]
  }

  /// Forward and backward on one minibatch. A separate function so that the loss graph (which
  /// shares the parameters' storage) is gone before the optimizer mutates the parameters.
  private func minibatchGradients(_ buffer: RolloutBuffer, _ indices: [Int]) -> (
    Gradients, MinibatchStep
  ) {
    let count = indices.count
    let observations = Tensor(
      shape: [count, observationDim], scalars: buffer.gatherObservations(indices))
    let actions = RolloutBuffer.gather(buffer.actions, indices)
    let oldLogProbs = Tensor(RolloutBuffer.gather(buffer.logProbs, indices))
    let oldValues = Tensor(RolloutBuffer.gather(buffer.values, indices))
    let returns = Tensor(RolloutBuffer.gather(buffer.returns, indices))
    let rawAdvantages = RolloutBuffer.gather(buffer.advantages, indices)
    let advantages = Tensor(
      config.normAdv ? PPODiagnostics.normalized(rawAdvantages) : rawAdvantages)

    let masks = buffer.actionMaskSize > 0 ? buffer.gatherActionMasks(indices) : nil
    let distribution = MaskedCategorical(logits: agent.logits(observations), mask: masks)
    let newLogProbs = distribution.logProbability(of: actions)
    let logRatio = newLogProbs - oldLogProbs
    let ratio = logRatio.exp()
    let policyLoss = PPOLoss.clippedSurrogate(
      ratio: ratio, advantages: advantages, clipCoef: config.clipCoef)
    let newValues = agent.value(observations)
    let valueLoss = PPOLoss.valueLoss(
      .mse, clipped: config.clipVloss, values: newValues, oldValues: oldValues,
      returns: returns, clipCoef: config.clipCoef)
    let entropyBonus = PPOLoss.entropyBonus(entropy: distribution.entropy())
    let loss = policyLoss - config.entCoef * entropyBonus + config.vfCoef * valueLoss
    let grads = loss.backward()

    let step = MinibatchStep(
      policyLoss: policyLoss.scalar, valueLoss: valueLoss.scalar, entropy: entropyBonus.scalar,
      logRatios: logRatio.scalars, ratios: ratio.scalars)
    return (grads, step)
  }
}
