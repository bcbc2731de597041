import SeededRandom
import TensorModule

/// What one DDPG update measured (CleanRL logs these every 100 steps).
public struct DDPGUpdateStats: UpdateStatistics, Equatable {
  /// Mean Q(s, a) of the minibatch's stored actions, before the step.
  public var qValues: Float = 0
  /// `mean((Q(s, a) − y)²)` with `y = r + γ (1 − terminated) Q'(s', μ'(s'))`.
  public var qLoss: Float = 0
  /// `−mean(Q(s, μ(s)))` of the most recent actor update (CleanRL logs the last one).
  public var actorLoss: Float = 0
  /// Whether this update also stepped the actor and the target networks.
  public var actorUpdated = false

  /// Zeroed statistics.
  public init() {}

  /// The statistics under CleanRL's names, for loggers.
  public var scalars: [(name: String, value: Double)] {
    [
      ("qf_values", Double(qValues)), ("qf_loss", Double(qLoss)),
      ("actor_loss", Double(actorLoss)),
    ]
  }
}

/// Deep Deterministic Policy Gradient (Lillicrap et al. 2016) as in CleanRL's
/// `ddpg_continuous_action.py`: a deterministic tanh actor, a Q network on (state, action),
/// detached target copies of both moved by Polyak averaging, Gaussian exploration noise, and
/// one Q step per update with an actor step every `policyFrequency` updates.
///
/// Collection lives outside: see `DDPGTrainer`, or fill a `ReplayBuffer` with `act`'s actions.
public struct DDPG: LearningAgent, Sendable {
  /// The hyperparameters.
  public let config: DDPGConfig
  /// The policy μ.
  public var actor: DeterministicActor
  /// The Q network (CleanRL's `qf1`).
  public var critic: QNetwork
  /// Detached snapshot of the actor, moved toward it by `tau` after each actor step.
  public private(set) var targetActor: DeterministicActor
  /// Detached snapshot of the Q network, moved toward it by `tau` after each actor step.
  public private(set) var targetCritic: QNetwork
  /// Adam over the actor.
  public var actorOptimizer: Adam
  /// Adam over the Q network.
  public var qOptimizer: Adam
  /// Floats per observation.
  public let observationDim: Int
  /// Lower action bounds `[actionDim]`.
  public let actionLow: [Float]
  /// Upper action bounds `[actionDim]`.
  public let actionHigh: [Float]
  /// Updates done so far (drives `policyFrequency`).
  public private(set) var updateCount = 0
  private var lastActorLoss: Float = 0
  private var rng: Xoshiro256

  /// A learner with networks initialized from `seed` (targets start as copies).
  ///
  /// - Throws: `RLInputError` for an invalid config, a non-positive observation size or bad
  ///   action bounds.
  public init(
    config: DDPGConfig, observationDim: Int, actionLow: [Float], actionHigh: [Float],
    seed: UInt64
  ) throws {
    try config.validate()
    guard observationDim >= 1 else {
      throw RLInputError(component: "DDPG.init", field: "observationDim", reason: "must be ≥ 1")
    }
    guard
      !actionLow.isEmpty, actionLow.count == actionHigh.count,
      zip(actionLow, actionHigh).allSatisfy({ $0.isFinite && $1.isFinite && $0 < $1 })
    else {
      throw RLInputError(
        component: "DDPG.init", field: "actionLow",
        reason: "bounds \(actionLow) … \(actionHigh) must be finite with low < high")
    }
    self.config = config
    self.observationDim = observationDim
    self.actionLow = actionLow
    self.actionHigh = actionHigh
    var rng = Xoshiro256(seed: seed)
    var initRNG = rng.split()
    actor = DeterministicActor(
      observationDim: observationDim, actionLow: actionLow, actionHigh: actionHigh,
      hiddenSizes: config.hiddenSizes, rng: &initRNG)
    critic = QNetwork(
      observationDim: observationDim, actionDim: actionLow.count,
      hiddenSizes: config.hiddenSizes, rng: &initRNG)
    targetActor = actor.detached()
    targetCritic = critic.detached()
    actorOptimizer = Adam(learningRate: config.learningRate)
    qOptimizer = Adam(learningRate: config.learningRate)
    self.rng = rng
  }

  /// Floats per action.
  public var actionDim: Int { actionLow.count }

  /// Makes the target networks detached copies of the online ones (CleanRL's
  /// `load_state_dict` at the start; also after loading or setting weights by hand).
  public mutating func resetTargetNetworks() {
    targetActor = actor.detached()
    targetCritic = critic.detached()
  }

  /// μ(s) for a batch of observations, plus `N(0, (actionScale · explorationNoise)²)` noise
  /// when exploring, clipped to the action bounds (no graph).
  ///
  /// - Parameter observations: `[rows * observationDim]`, row-major.
  /// - Returns: `[rows * actionDim]`, row-major.
  public func act(observations: [Float], explore: Bool, using rng: inout Xoshiro256) -> [Float] {
    let rows = observations.count / observationDim
    let x = Tensor(shape: [rows, observationDim], scalars: observations)
    var actions = actor.detached()(x).scalars
    let scale = actor.actionScale.scalars
    for i in actions.indices {
      let d = i % actionDim
      let noise = explore ? Float(rng.nextNormal()) * scale[d] * config.explorationNoise : 0
      actions[i] = Swift.min(Swift.max(actions[i] + noise, actionLow[d]), actionHigh[d])
    }
    return actions
  }

  /// One update on `config.batchSize` transitions drawn uniformly from `batch` with the
  /// learner's own seeded stream.
  ///
  /// - Throws: `RLInputError` when the buffer is empty or its sizes do not fit.
  public mutating func update(_ batch: inout ReplayBuffer) throws -> DDPGUpdateStats {
    guard batch.count > 0, batch.observationDim == observationDim, batch.actionDim == actionDim
    else {
      throw RLInputError(
        component: "DDPG.update", field: "batch",
        reason: "holds \(batch.count) transitions of \(batch.observationDim) + "
          + "\(batch.actionDim) floats; needs ≥ 1 of \(observationDim) + \(actionDim)")
    }
    let data = batch.sample(batchSize: config.batchSize, using: &rng)
    return update(on: data)
  }

  /// One update on a given minibatch: a Q step toward the target networks' bootstrapped values,
  /// then, every `policyFrequency` updates, an actor step and the soft target updates.
  public mutating func update(on data: ReplayBuffer.Sample) -> DDPGUpdateStats {
    updateCount += 1
    var stats = DDPGUpdateStats()
    let nextQValue = targetQValues(data)
    let (qGrads, qValues, qLoss) = qGradients(data, targets: nextQValue)
    qOptimizer.update(&critic, along: qGrads)
    if updateCount % config.policyFrequency == 0 {
      let (actorGrads, actorLoss) = actorGradients(data)
      actorOptimizer.update(&actor, along: actorGrads)
      targetActor.polyakUpdate(toward: actor, tau: config.tau)
      targetCritic.polyakUpdate(toward: critic, tau: config.tau)
      lastActorLoss = actorLoss
      stats.actorUpdated = true
    }
    stats.qValues = qValues
    stats.qLoss = qLoss
    stats.actorLoss = lastActorLoss
    return stats
  }

  /// `y = r + γ (1 − terminated) Q'(s', μ'(s'))` from the target networks, `[count]`, no graph.
  func targetQValues(_ data: ReplayBuffer.Sample) -> Tensor {
    let nextObservations = Tensor(
      shape: [data.count, observationDim], scalars: data.nextObservations)
    let nextStateActions = targetActor(nextObservations)
    let qNextTarget = targetCritic(nextObservations, nextStateActions)
    let notTerminated = Tensor(data.terminated.map { $0 ? Float(0) : 1 })
    let rewards = Tensor(data.rewards)
    return rewards + notTerminated * config.gamma * qNextTarget
  }

  /// The Q loss and its gradients (a separate function so that the graph is gone before the
  /// optimizer step). Returns the gradients, mean Q and the loss.
  func qGradients(_ data: ReplayBuffer.Sample, targets nextQValue: Tensor)
    -> (Gradients, Float, Float)
  {
    let observations = Tensor(shape: [data.count, observationDim], scalars: data.observations)
    let actions = Tensor(shape: [data.count, actionDim], scalars: data.actions)
    let qValues = critic(observations, actions)
    let qLoss = (qValues - nextQValue).squared().mean()
    let grads = qLoss.backward()
    return (grads, qValues.mean().scalar, qLoss.scalar)
  }

  /// The actor loss `−mean(Q(s, μ(s)))` through a detached Q network, so only the actor gets
  /// gradients. Returns the gradients and the loss.
  func actorGradients(_ data: ReplayBuffer.Sample) -> (Gradients, Float) {
    let observations = Tensor(shape: [data.count, observationDim], scalars: data.observations)
    let frozenCritic = critic.detached()
    let actorLoss = -frozenCritic(observations, actor(observations)).mean()
    let grads = actorLoss.backward()
    return (grads, actorLoss.scalar)
  }
}
