import Envs
import SeededRandom
import TensorModule

/// One rollout + update of `PPOTrainer.train`.
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

/// CleanRL's `ppo.py` loop around a `PPO` agent: owns the vector environment, the rollout
/// buffer and the action-sampling stream.
///
/// Per iteration: anneal the learning rate, collect `numSteps` steps of `numEnvs` environments
/// (same-step autoreset; truncated episodes bootstrap from the value of their final
/// observation), compute GAE with terminated and truncated kept apart, then `learner.update`.
///
/// When `E` is an `ActionMaskedEnvironment`, every step reads the environments' masks, samples
/// only valid actions, and stores the masks in the buffer so the update trains the same masked
/// policy (SB3-contrib's MaskablePPO).
public struct PPOTrainer<E: Environment>: Sendable
where E.Observation == [Float], E.Action == Int, E.ActionSpace == Discrete {
  /// The agent: networks, optimizer, config.
  public var learner: PPO
  /// The vector environment (`config.numEnvs` environments).
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
  private var startTime: ContinuousClock.Instant?

  /// Creates the agent and the loop over `config.numEnvs` environments made by `makeEnv(index)`
  /// (the number of environments is given only in `config`). The agent and the action-sampling
  /// stream get independent seeds drawn from `seed`, and the environments are reset with `seed`
  /// (environment `i` gets `seed + i`).
  ///
  /// - Throws: `RLInputError` for an invalid config, `VectorEnvError` when the environments
  ///   disagree on their observation size, or what `makeEnv` throws.
  public init(config: PPOConfig, seed: UInt64, makeEnv: (Int) throws -> E) throws {
    try config.validate()
    let envs = try SyncVectorEnv(envs: (0..<config.numEnvs).map(makeEnv))
    var seeds = SplitMix64(seed: seed)
    learner = try PPO(
      config: config, observationDim: envs.observationDim,
      actionCount: envs.singleActionSpace.n, seed: seeds.next())
    rng = Xoshiro256(seed: seeds.next())
    self.envs = envs
    buffer = try RolloutBuffer(
      numSteps: config.numSteps, numEnvs: config.numEnvs, observationDim: envs.observationDim,
      actionMaskSize: envs.reportsActionMasks ? envs.singleActionSpace.n : 0)
    nextObservations = self.envs.reset(seed: seed).observations
  }

  /// The hyperparameters.
  public var config: PPOConfig { learner.config }

  /// Fills `buffer` with one rollout of the current policy and computes advantages.
  ///
  /// - Returns: the episodes that ended during the rollout.
  @discardableResult
  public mutating func collectRollout() throws -> [EpisodeStatistics] {
    let numEnvs = config.numEnvs
    let observationDim = learner.observationDim
    var finished: [EpisodeStatistics] = []
    buffer.reset()
    for _ in 0..<config.numSteps {
      let observations = Tensor(shape: [numEnvs, observationDim], scalars: nextObservations)
      let masks = try envs.actionMasks()  // nil unless E reports masks
      let acted = try learner.act(observations, masks: masks, using: &rng)
      let step = envs.step(acted.actions)
      var truncationValues = [Float](repeating: 0, count: numEnvs)
      for i in 0..<numEnvs where step.truncated[i] && !step.terminated[i] {
        guard let final = step.finalObservations[i] else { continue }
        let finalObservation = Tensor(shape: [1, observationDim], scalars: final)
        truncationValues[i] = learner.values(finalObservation)[0]
      }
      try buffer.add(
        observations: nextObservations, actions: acted.actions, logProbs: acted.logProbs,
        rewards: step.rewards.map { Float($0) }, terminated: step.terminated,
        truncated: step.truncated, values: acted.values, actionMasks: masks,
        truncationValues: truncationValues)
      nextObservations = step.observations
      globalStep += numEnvs
      finished.append(contentsOf: step.finishedEpisodes)
    }
    let last = Tensor(shape: [numEnvs, observationDim], scalars: nextObservations)
    try buffer.computeAdvantages(
      lastValues: learner.values(last), gamma: config.gamma, lambda: config.gaeLambda)
    episodes.append(contentsOf: finished)
    return finished
  }

  /// `learner.update` on the stored rollout.
  @discardableResult
  public mutating func update() throws -> PPOUpdateStats {
    try learner.update(&buffer)
  }

  /// One iteration: set the (annealed) learning rate, collect a rollout, update.
  public mutating func iterate() throws -> PPOIterationLog {
    if startTime == nil { startTime = .now }
    iteration += 1
    learner.optimizer.learningRate = learner.learningRate(iteration: iteration)
    let finished = try collectRollout()
    let stats = try update()
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
    episodes.meanReturn(last: count)
  }
}
