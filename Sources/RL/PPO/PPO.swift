import Envs
import Foundation
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

  /// Zeroed statistics.
  public init() {}
}

/// One rollout + update of `PPO.train`.
public struct PPOIterationLog: Sendable {
  /// 1-based iteration number.
  public var iteration: Int
  /// Environment steps so far (all environments).
  public var globalStep: Int
  /// The update's statistics.
  public var stats: PPOUpdateStats
  /// Episodes that ended during this iteration's rollout.
  public var episodes: [EpisodeStatistics]
  /// Environment steps per second since training started (rollout and update).
  public var stepsPerSecond: Double
}

/// Proximal Policy Optimization for discrete actions with CleanRL `ppo.py` semantics.
///
/// Per iteration: anneal the learning rate, collect `numSteps` steps of `numEnvs` environments
/// (same-step autoreset; truncated episodes bootstrap from the value of their final
/// observation), compute GAE with terminated and truncated kept apart, then run `updateEpochs`
/// epochs of `numMinibatches` shuffled minibatches of the clipped-surrogate loss with value
/// clipping, an entropy bonus, advantage normalization and global-norm gradient clipping.
public struct PPO<E: Environment>: Sendable
where E.Observation == [Float], E.Action == Int, E.ActionSpace == Discrete {
  /// The hyperparameters.
  public let config: PPOConfig
  /// The trained actor and critic.
  public var agent: ActorCritic
  /// Adam over `agent` (ε from `config.adamEpsilon`).
  public var optimizer: Adam
  /// The vector environment.
  public private(set) var envs: SyncVectorEnv<E>
  /// The current rollout.
  public private(set) var buffer: RolloutBuffer
  /// Environment steps so far.
  public private(set) var globalStep = 0
  /// Iterations completed.
  public private(set) var iteration = 0
  /// Every finished episode, in order.
  public private(set) var episodes: [EpisodeStatistics] = []
  private var rng: Xoshiro256
  private var nextObservations: [Float]
  private let observationDim: Int
  private let actionCount: Int
  private var startTime: ContinuousClock.Instant?

  /// Creates the learner: the agent is initialized from `seed`, and the environments are reset
  /// with `seed` (environment `i` gets `seed + i`).
  ///
  /// - Throws: `RLInputError` for an invalid config or mismatched `numEnvs`.
  public init(config: PPOConfig, envs: SyncVectorEnv<E>, seed: UInt64) throws {
    try config.validate()
    guard envs.numEnvs == config.numEnvs else {
      throw RLInputError(
        component: "PPO.init", field: "envs",
        reason: "has \(envs.numEnvs) environments, config.numEnvs is \(config.numEnvs)")
    }
    self.config = config
    self.envs = envs
    observationDim = envs.observationDim
    actionCount = envs.singleActionSpace.n
    var rng = Xoshiro256(seed: seed)
    var initRNG = rng.split()
    agent = ActorCritic(
      observationDim: observationDim, actionCount: actionCount, hiddenSizes: config.hiddenSizes,
      rng: &initRNG)
    optimizer = Adam(learningRate: config.learningRate, epsilon: config.adamEpsilon)
    buffer = try RolloutBuffer(
      numSteps: config.numSteps, numEnvs: config.numEnvs, observationDim: observationDim)
    self.rng = rng
    nextObservations = self.envs.reset(seed: seed).observations
  }

  /// The learning rate of 1-based `iteration`: CleanRL's `(1 − (iteration − 1) / numIterations)
  /// · learningRate` when annealing, else constant.
  public func learningRate(iteration: Int) -> Float {
    guard config.annealLR else { return config.learningRate }
    let fraction = 1 - Float(iteration - 1) / Float(config.numIterations)
    return fraction * config.learningRate
  }

  /// Fills `buffer` with one rollout of the current policy and computes advantages.
  ///
  /// - Returns: the episodes that ended during the rollout.
  @discardableResult
  public mutating func collectRollout() throws -> [EpisodeStatistics] {
    let policy = agent.detached()  // acting builds no graph
    let numEnvs = config.numEnvs
    var finished: [EpisodeStatistics] = []
    buffer.reset()
    for _ in 0..<config.numSteps {
      let observations = Tensor(shape: [numEnvs, observationDim], scalars: nextObservations)
      let distribution = MaskedCategorical(logits: policy.logits(observations))
      let actions = distribution.sample(using: &rng)
      let logProbs = distribution.logProbability(of: actions).scalars
      let values = policy.value(observations).scalars
      let step = envs.step(actions)
      var truncationValues = [Float](repeating: 0, count: numEnvs)
      for i in 0..<numEnvs where step.truncated[i] && !step.terminated[i] {
        guard let final = step.finalObservations[i] else { continue }
        let finalObservation = Tensor(shape: [1, observationDim], scalars: final)
        truncationValues[i] = policy.value(finalObservation).scalars[0]
      }
      try buffer.add(
        observations: nextObservations, actions: actions, logProbs: logProbs,
        rewards: step.rewards.map { Float($0) }, terminated: step.terminated,
        truncated: step.truncated, values: values, truncationValues: truncationValues)
      nextObservations = step.observations
      globalStep += numEnvs
      finished.append(contentsOf: step.finishedEpisodes)
    }
    let last = Tensor(shape: [numEnvs, observationDim], scalars: nextObservations)
    try buffer.computeAdvantages(
      lastValues: policy.value(last).scalars, gamma: config.gamma, lambda: config.gaeLambda)
    episodes.append(contentsOf: finished)
    return finished
  }

  /// One PPO update over the stored rollout: `updateEpochs` epochs of shuffled minibatches
  /// (stopping early when `targetKL` is exceeded).
  public mutating func update() -> PPOUpdateStats {
    var stats = PPOUpdateStats()
    stats.learningRate = optimizer.learningRate
    var clippedSamples: Float = 0
    var seenSamples: Float = 0
    epochs: for _ in 0..<config.updateEpochs {
      let minibatches = buffer.minibatchIndices(
        numMinibatches: config.numMinibatches, rng: &rng)
      for indices in minibatches {
        var (grads, step) = minibatchGradients(indices)
        stats.gradNorm = grads.clip(globalNorm: config.maxGradNorm)
        optimizer.update(&agent, along: grads)
        if stats.minibatchesRun == 0 { stats.firstMinibatchRatios = step.ratios }
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
      predicted: buffer.values, target: buffer.returns)
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
  private func minibatchGradients(_ indices: [Int]) -> (Gradients, MinibatchStep) {
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

    let distribution = MaskedCategorical(logits: agent.logits(observations))
    let newLogProbs = distribution.logProbability(of: actions)
    let logRatio = newLogProbs - oldLogProbs
    let ratio = logRatio.exp()
    let policyLoss = PPOLoss.clippedSurrogate(
      ratio: ratio, advantages: advantages, clipCoef: config.clipCoef)
    let newValues = agent.value(observations)
    let valueLoss =
      config.clipVloss
      ? PPOLoss.clippedValueLoss(
        values: newValues, oldValues: oldValues, returns: returns, clipCoef: config.clipCoef)
      : PPOLoss.unclippedValueLoss(values: newValues, returns: returns)
    let entropyBonus = PPOLoss.entropyBonus(entropy: distribution.entropy())
    let loss = policyLoss - config.entCoef * entropyBonus + config.vfCoef * valueLoss
    let grads = loss.backward()

    let step = MinibatchStep(
      policyLoss: policyLoss.scalar, valueLoss: valueLoss.scalar, entropy: entropyBonus.scalar,
      logRatios: logRatio.scalars, ratios: ratio.scalars)
    return (grads, step)
  }

  /// One iteration: set the (annealed) learning rate, collect a rollout, update.
  public mutating func iterate() throws -> PPOIterationLog {
    if startTime == nil { startTime = .now }
    iteration += 1
    optimizer.learningRate = learningRate(iteration: iteration)
    let finished = try collectRollout()
    let stats = update()
    let elapsed = (ContinuousClock.now - startTime!).components
    let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    return PPOIterationLog(
      iteration: iteration, globalStep: globalStep, stats: stats, episodes: finished,
      stepsPerSecond: seconds > 0 ? Double(globalStep) / seconds : 0)
  }

  /// Runs the remaining iterations of `config.numIterations`, calling `onIteration` after each.
  public mutating func train(onIteration: (PPOIterationLog) throws -> Void = { _ in }) throws {
    while iteration < config.numIterations {
      try onIteration(try iterate())
    }
  }

  /// Mean return of the last `count` finished episodes (nil before any episode ended).
  public func meanReturn(lastEpisodes count: Int) -> Double? {
    guard !episodes.isEmpty else { return nil }
    let tail = episodes.suffix(count)
    return tail.reduce(0) { $0 + $1.episodeReturn } / Double(tail.count)
  }
}
