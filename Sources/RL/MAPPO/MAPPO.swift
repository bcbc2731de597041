import Foundation
import SeededRandom
import TensorModule

/// What one MAPPO update cycle measured (losses and KL of the last minibatch).
public struct MAPPOUpdateStats: Sendable, Equatable {
  /// Decisions in the batch (all get values and GAE).
  public var samples: Int = 0
  /// Decisions each epoch trained on (`samples`, or `MAPPOConfig.samplesPerEpoch` if smaller).
  public var samplesPerEpoch: Int = 0
  /// The learning rate of the last optimizer step.
  public var learningRate: Float = 0
  /// Clipped surrogate loss.
  public var policyLoss: Float = 0
  /// Critic loss (Huber or ½ MSE, on normalized targets when value normalization is on).
  public var valueLoss: Float = 0
  /// Mean entropy over valid actions.
  public var entropy: Float = 0
  /// `mean((r − 1) − log r)`.
  public var approxKL: Float = 0
  /// Fraction of samples with `|r − 1| > clipCoef` over the whole cycle.
  public var clipFraction: Float = 0
  /// `1 − Var(R − V) / Var(R)` of the values the targets were computed with.
  public var explainedVariance: Float = 0
  /// Global gradient norm before clipping (last minibatch).
  public var gradNorm: Float = 0
  /// Mean of the raw (unnormalized) advantages over the batch.
  public var advantageMean: Float = 0
  /// Standard deviation of the raw (unnormalized) advantages over the batch.
  public var advantageStd: Float = 0
  /// Mean over the batch of log(number of valid actions): the entropy of uniform play over
  /// the valid targets, the ceiling `entropy` starts near and falls from as the policy learns.
  public var meanLogValidActions: Float = 0
  /// Mean reward per decision in the batch.
  public var meanReward: Float = 0
  /// Optimizer steps in this cycle.
  public var minibatchesRun: Int = 0
  /// Epochs run in this cycle (fewer than configured when `targetKL` stopped it).
  public var epochsRun: Int = 0
  /// The clipped surrogate loss of the first minibatch of the cycle. Its ratios are 1 (the
  /// acting policy is the trained one), so it equals `−mean(A)` over that minibatch: 0 with
  /// `normAdv`, the raw advantages' negated mean without.
  public var firstMinibatchPolicyLoss: Float = 0

  /// Zeroed statistics.
  public init() {}
}

extension MAPPOUpdateStats: UpdateStatistics {
  /// The statistics under CleanRL's log names, plus `samples`, `samples_per_epoch`,
  /// `mean_reward` and `minibatches`.
  public var scalars: [(name: String, value: Double)] {
    [
      ("samples", Double(samples)), ("samples_per_epoch", Double(samplesPerEpoch)),
      ("learning_rate", Double(learningRate)), ("policy_loss", Double(policyLoss)),
      ("value_loss", Double(valueLoss)), ("entropy", Double(entropy)),
      ("approx_kl", Double(approxKL)), ("clipfrac", Double(clipFraction)),
      ("explained_variance", Double(explainedVariance)), ("grad_norm", Double(gradNorm)),
      ("advantage_mean", Double(advantageMean)), ("advantage_std", Double(advantageStd)),
      ("mean_log_valid_actions", Double(meanLogValidActions)),
      ("mean_reward", Double(meanReward)), ("minibatches", Double(minibatchesRun)),
    ]
  }
}

/// Multi-agent PPO with a shared, decentralized actor and a centralized critic on the global
/// state (the paper's request dispatcher).
///
/// `update(_:)` takes a `MAPPOBatch` of per-agent decision streams, evaluates the stored global
/// states with the (target) critic, computes GAE per stream, and runs clipped-surrogate epochs
/// with masked policies (logit mask or the Eq. 2 context filter), a Huber or MSE critic, an
/// entropy bonus and global-norm clipping. `policy` is the actor snapshot to publish.
///
/// With one agent, no agent id and a critic on the local observation (`stateDim ==
/// observationDim`, the state being the observation), this is single-agent PPO: given the same
/// weights, batch and settings (`maskMode: .logits`, `valueLoss: .mse`, `clipValueLoss: true`)
/// one update leaves the same parameters as `PPO.update` (see `MAPPOTests`).
public struct MAPPO: LearningAgent, Sendable {
  /// The hyperparameters.
  public let config: MAPPOConfig
  /// The trained networks.
  public var agent: MAPPOAgent
  /// The frozen critic that computes values for GAE and targets (when enabled).
  public internal(set) var targetCritic: MLP?
  /// Running statistics of the returns (when value normalization is on).
  public internal(set) var valueNormalizer: RunningMeanStd?
  /// Adam over `agent`.
  public var optimizer: Adam
  /// Number of agents (streams); the length of the appended agent id.
  public let numAgents: Int
  /// Floats per local observation (without agent id).
  public let observationDim: Int
  /// Floats per global state.
  public let stateDim: Int
  /// Actions per decision.
  public let actionCount: Int
  /// Update cycles completed.
  public private(set) var updateCount = 0
  /// Optimizer steps taken (drives the learning-rate schedule).
  public private(set) var optimizerSteps = 0
  private var rng: Xoshiro256

  /// A learner with networks initialized from `seed`.
  ///
  /// - Throws: `RLInputError` for an invalid config or non-positive sizes.
  public init(
    config: MAPPOConfig, numAgents: Int, observationDim: Int, stateDim: Int, actionCount: Int,
    seed: UInt64
  ) throws {
    try config.validate()
    try config.actorLayout.validate(observationDim: observationDim, actionCount: actionCount)
    for (name, value) in [
      ("numAgents", numAgents), ("observationDim", observationDim), ("stateDim", stateDim),
      ("actionCount", actionCount),
    ] where value < 1 {
      throw RLInputError(component: "MAPPO.init", field: name, reason: "must be ≥ 1")
    }
    self.config = config
    self.numAgents = numAgents
    self.observationDim = observationDim
    self.stateDim = stateDim
    self.actionCount = actionCount
    var rng = Xoshiro256(seed: seed)
    var initRNG = rng.split()
    let inputDim = observationDim + (config.appendAgentID ? numAgents : 0)
    agent = MAPPOAgent(
      actorInputDim: inputDim, stateDim: stateDim, actionCount: actionCount, config: config,
      rng: &initRNG)
    targetCritic = config.useTargetValueNetwork ? agent.critic.detached() : nil
    valueNormalizer = config.normalizeValues ? RunningMeanStd() : nil
    optimizer = Adam(learningRate: config.learningRate, epsilon: config.adamEpsilon)
    self.rng = rng
  }

  /// The current actor as a detached policy to publish to the acting agents.
  public var policy: MAPPOPolicy {
    MAPPOPolicy(
      actor: agent.actor, maskMode: config.maskMode,
      agentIDCount: config.appendAgentID ? numAgents : nil, layout: config.actorLayout)
  }

  /// Denormalized values of global states `[count * stateDim]` under the critic that computes
  /// targets (the target critic when enabled), `[count]`.
  public func values(states: [Float]) -> [Float] {
    let count = states.count / stateDim
    guard count > 0 else { return [] }
    let critic = targetCritic ?? agent.critic.detached()
    let raw = critic(Tensor(shape: [count, stateDim], scalars: states)).scalars
    guard let valueNormalizer else { return raw }
    return raw.map(valueNormalizer.denormalize)
  }

  /// Rows evaluated per critic call when computing values (bounds the activations' memory).
  static let valueChunkRows = 4096

  /// Values of `count` states stored contiguously in `states` from row 0, in chunks.
  private func values(states: [Float], count: Int) -> [Float] {
    var out = [Float]()
    out.reserveCapacity(count)
    var row = 0
    while row < count {
      let rows = Swift.min(Self.valueChunkRows, count - row)
      out.append(
        contentsOf: values(
          states: Array(states[(row * stateDim)..<((row + rows) * stateDim)])))
      row += rows
    }
    return out
  }

  /// One batch after GAE: per-decision scalars flattened over the streams, and the streams
  /// themselves (shared storage, not copied) for the observation, mask and state rows.
  private struct Samples {
    var streams: [MAPPOStream] = []
    /// Stream and row of each flattened decision.
    var streamOf: [Int32] = []
    var rowOf: [Int32] = []
    var actions: [Int] = []
    var logProbs: [Float] = []
    var values: [Float] = []
    var advantages: [Float] = []
    var returns: [Float] = []
    /// The batch stream index (agent id) of each entry of `streams`.
    var agentOfStream: [Int] = []
  }

  /// Evaluates values, runs GAE per stream and indexes the decisions. Writes the values into
  /// `batch`'s streams.
  private func prepare(_ batch: inout MAPPOBatch) throws -> Samples {
    let component = "MAPPO.update"
    guard batch.observationDim == observationDim, batch.stateDim == stateDim,
      batch.actionCount == actionCount
    else {
      throw RLInputError(
        component: component, field: "batch",
        reason: "dims (obs \(batch.observationDim), state \(batch.stateDim), actions "
          + "\(batch.actionCount)) differ from the learner's (\(observationDim), \(stateDim), "
          + "\(actionCount))")
    }
    if config.appendAgentID && batch.streams.count > numAgents {
      throw RLInputError(
        component: component, field: "batch.streams",
        reason: "\(batch.streams.count) streams but agent ids cover \(numAgents) agents")
    }
    var samples = Samples()
    for (agentIndex, stream) in batch.streams.enumerated() where stream.count > 0 {
      let n = stream.count
      let lastDone = stream.terminated[n - 1] || stream.truncated[n - 1]
      guard lastDone || stream.bootstrapState != nil else {
        throw RLInputError(
          component: component, field: "streams[\(agentIndex)].bootstrapState",
          reason: "the last decision did not end an episode; set the state it continues from")
      }
      // Critic passes over the decision states, then the truncation states and the bootstrap.
      let values = self.values(states: stream.states, count: n)
      var extra: [Float] = []
      let truncatedIndices = stream.finalStates.keys.sorted()
      for i in truncatedIndices { extra.append(contentsOf: stream.finalStates[i]!) }
      if let bootstrap = stream.bootstrapState { extra.append(contentsOf: bootstrap) }
      let extraValues = self.values(states: extra)
      var nextValues = [Float](repeating: 0, count: n)
      for i in 0..<(n - 1) { nextValues[i] = values[i + 1] }
      if stream.bootstrapState != nil { nextValues[n - 1] = extraValues[extraValues.count - 1] }
      for (k, i) in truncatedIndices.enumerated() { nextValues[i] = extraValues[k] }
      let gae = try GAE.compute(
        rewards: stream.rewards, values: values, nextValues: nextValues,
        terminated: stream.terminated, truncated: stream.truncated, numEnvs: 1,
        gamma: config.gamma, lambda: config.gaeLambda)
      var advantages = gae.advantages
      if !stream.advantageOverrides.isEmpty {
        guard stream.advantageOverrides.count == n else {
          throw RLInputError(
            component: component, field: "streams[\(agentIndex)].advantageOverrides",
            reason: "has \(stream.advantageOverrides.count) entries for \(n) decisions "
              + "(decisions were added after setAdvantages)")
        }
        advantages = stream.advantageOverrides
      }
      for (i, advantage) in stream.decisionAdvantages {
        guard i < n else {
          throw RLInputError(
            component: component, field: "streams[\(agentIndex)].decisionAdvantages",
            reason: "names decision \(i) of \(n)")
        }
        advantages[i] = advantage
      }
      batch.streams[agentIndex].values = values
      samples.streamOf.append(
        contentsOf: repeatElement(Int32(samples.streams.count), count: n))
      samples.rowOf.append(contentsOf: (0..<Int32(n)))
      samples.streams.append(batch.streams[agentIndex])
      samples.actions.append(contentsOf: stream.actions)
      samples.logProbs.append(contentsOf: stream.logProbs)
      samples.values.append(contentsOf: values)
      samples.advantages.append(contentsOf: advantages)
      samples.returns.append(contentsOf: gae.returns)
    }
    // Agent ids follow the batch's stream index, not the position among non-empty streams.
    samples.agentOfStream = batch.streams.indices.filter { batch.streams[$0].count > 0 }
    return samples
  }

  /// One update cycle on `batch` (which receives the critic values of its decisions).
  ///
  /// - Throws: `RLInputError` when the batch does not match the learner, a stream that does
  ///   not end an episode lacks its bootstrap state, or a training step is not finite (NaN/inf
  ///   losses or gradients; that step is not applied).
  @discardableResult
  public mutating func update(_ batch: inout MAPPOBatch) throws -> MAPPOUpdateStats {
    var stats = MAPPOUpdateStats()
    let samples = try prepare(&batch)
    let count = samples.actions.count
    stats.samples = count
    stats.meanReward = batch.meanReward
    guard count > 0 else { return stats }
    stats.explainedVariance = PPODiagnostics.explainedVariance(
      predicted: samples.values, target: samples.returns)
    (stats.advantageMean, stats.advantageStd) = Self.meanAndStd(samples.advantages)
    stats.meanLogValidActions = Self.meanLogValidActions(samples.streams, actionCount: actionCount)
    if config.normalizeValues { valueNormalizer!.update(samples.returns) }

    let perEpoch = Swift.min(count, config.samplesPerEpoch ?? count)
    stats.samplesPerEpoch = perEpoch
    let numMinibatches = Swift.min(config.numMinibatches, perEpoch)
    var clippedSamples: Float = 0
    var epochsRun = 0
    for _ in 0..<config.updateEpochs {
      var epochKL: Float = 0
      var epochSteps = 0
      for indices in Minibatches.shuffled(
        count: count, using: perEpoch, numMinibatches: numMinibatches, rng: &rng)
      {
        optimizer.learningRate = config.learningRateSchedule.rate(atStep: optimizerSteps)
        var (grads, step) = minibatchGradients(samples, indices)
        stats.gradNorm = grads.clip(globalNorm: config.maxGradNorm)
        // Never apply a non-finite step: the parameters stay as they were and the caller learns
        // where training diverged.
        guard step.policyLoss.isFinite, step.valueLoss.isFinite, stats.gradNorm.isFinite else {
          throw RLInputError(
            component: "MAPPO.update", field: "loss",
            reason: "non-finite training step at update \(updateCount + 1), minibatch "
              + "\(stats.minibatchesRun + 1) (policy loss \(step.policyLoss), value loss "
              + "\(step.valueLoss), gradient norm \(stats.gradNorm)); parameters left unchanged")
        }
        optimizer.update(&agent, along: grads)
        optimizerSteps += 1
        if stats.minibatchesRun == 0 { stats.firstMinibatchPolicyLoss = step.policyLoss }
        stats.minibatchesRun += 1
        stats.learningRate = optimizer.learningRate
        stats.policyLoss = step.policyLoss
        stats.valueLoss = step.valueLoss
        stats.entropy = step.entropy
        stats.approxKL = PPODiagnostics.approxKL(logRatios: step.logRatios)
        epochKL += stats.approxKL
        epochSteps += 1
        clippedSamples +=
          PPODiagnostics.clipFraction(logRatios: step.logRatios, clipCoef: config.clipCoef)
          * Float(indices.count)
      }
      epochsRun += 1
      if let targetKL = config.targetKL, epochKL / Float(Swift.max(epochSteps, 1)) > targetKL {
        break
      }
    }
    stats.epochsRun = epochsRun
    stats.clipFraction = clippedSamples / Float(perEpoch * epochsRun)
    updateCount += 1
    if config.useTargetValueNetwork && updateCount % config.targetUpdateInterval == 0 {
      targetCritic = agent.critic.detached()
    }
    return stats
  }

  /// Mean and (population) standard deviation of `values`, in Double.
  static func meanAndStd(_ values: [Float]) -> (Float, Float) {
    guard !values.isEmpty else { return (0, 0) }
    var sum = 0.0
    for v in values { sum += Double(v) }
    let mean = sum / Double(values.count)
    var squares = 0.0
    for v in values { squares += (Double(v) - mean) * (Double(v) - mean) }
    return (Float(mean), Float((squares / Double(values.count)).squareRoot()))
  }

  /// Mean of log(valid actions) over every decision of `streams`.
  static func meanLogValidActions(_ streams: [MAPPOStream], actionCount: Int) -> Float {
    var sum = 0.0
    var count = 0
    for stream in streams {
      for row in 0..<stream.count {
        var valid = 0
        for a in 0..<actionCount where stream.actionMasks[row * actionCount + a] { valid += 1 }
        sum += log(Double(Swift.max(valid, 1)))
        count += 1
      }
    }
    return count > 0 ? Float(sum / Double(count)) : 0
  }

  /// The terms of one minibatch.
  private struct MinibatchStep {
    var policyLoss: Float
    var valueLoss: Float
    var entropy: Float
    var logRatios: [Float]
  }

  /// Forward and backward on one minibatch; the loss graph dies with this call, before the
  /// optimizer mutates the parameters.
  private func minibatchGradients(_ samples: Samples, _ indices: [Int]) -> (
    Gradients, MinibatchStep
  ) {
    let n = indices.count
    let inputDim = agent.actor.layers[0].inFeatures
    let rowShape = config.actorLayout.rowShape(observationDim: observationDim)
    var inputScalars = [Float]()
    inputScalars.reserveCapacity(n * rowShape.rows * inputDim)
    var masks = [Bool]()
    masks.reserveCapacity(n * actionCount)
    var stateScalars = [Float]()
    stateScalars.reserveCapacity(n * stateDim)
    for i in indices {
      let s = Int(samples.streamOf[i])
      let r = Int(samples.rowOf[i])
      let stream = samples.streams[s]
      if config.actorLayout == .flat {
        inputScalars.append(
          contentsOf: stream.observations[(r * observationDim)..<((r + 1) * observationDim)])
      } else {
        let start = inputScalars.count
        inputScalars.append(
          contentsOf: repeatElement(0, count: rowShape.rows * rowShape.width))
        stream.observations.withUnsafeBufferPointer { all in
          inputScalars.withUnsafeMutableBufferPointer { out in
            config.actorLayout.writeRows(
              observation: UnsafeBufferPointer(
                rebasing: all[(r * observationDim)..<((r + 1) * observationDim)]),
              into: out.baseAddress! + start)
          }
        }
      }
      if config.appendAgentID {
        let agentID = samples.agentOfStream[s]
        for a in 0..<numAgents { inputScalars.append(a == agentID ? 1 : 0) }
      }
      masks.append(contentsOf: stream.actionMasks[(r * actionCount)..<((r + 1) * actionCount)])
      stateScalars.append(contentsOf: stream.states[(r * stateDim)..<((r + 1) * stateDim)])
    }
    let actorInputs = Tensor(shape: [n * rowShape.rows, inputDim], scalars: inputScalars)
    let states = Tensor(shape: [n, stateDim], scalars: stateScalars)
    let actions = indices.map { samples.actions[$0] }
    let oldLogProbs = Tensor(indices.map { samples.logProbs[$0] })
    let rawAdvantages = indices.map { samples.advantages[$0] }
    let advantages = Tensor(
      config.normAdv ? PPODiagnostics.normalized(rawAdvantages) : rawAdvantages)
    let normalize: (Float) -> Float = { [valueNormalizer] in valueNormalizer?.normalize($0) ?? $0 }
    let returns = Tensor(indices.map { normalize(samples.returns[$0]) })
    let oldValues = Tensor(indices.map { normalize(samples.values[$0]) })

    let outputs = agent.actor(actorInputs)
    let distribution = MaskedCategorical(
      config.maskMode,
      outputs: config.actorLayout == .flat ? outputs : outputs.reshaped(to: [n, actionCount]),
      mask: masks)
    let newLogProbs = distribution.logProbability(of: actions)
    let logRatio = newLogProbs - oldLogProbs
    let ratio = logRatio.exp()
    let policyLoss = PPOLoss.clippedSurrogate(
      ratio: ratio, advantages: advantages, clipCoef: config.clipCoef)
    let newValues = agent.critic(states).reshaped(to: [-1])
    let valueLoss = criticLoss(values: newValues, oldValues: oldValues, returns: returns)
    let entropyBonus = PPOLoss.entropyBonus(entropy: distribution.entropy())
    let loss = policyLoss - config.entCoef * entropyBonus + config.vfCoef * valueLoss
    let grads = loss.backward()

    let step = MinibatchStep(
      policyLoss: policyLoss.scalar, valueLoss: valueLoss.scalar, entropy: entropyBonus.scalar,
      logRatios: logRatio.scalars)
    return (grads, step)
  }

  /// The configured critic loss (Huber or ½ MSE, clipped or not).
  private func criticLoss(values: Tensor, oldValues: Tensor, returns: Tensor) -> Tensor {
    PPOLoss.valueLoss(
      config.valueLoss, clipped: config.clipValueLoss, values: values, oldValues: oldValues,
      returns: returns, clipCoef: config.clipCoef)
  }
}
