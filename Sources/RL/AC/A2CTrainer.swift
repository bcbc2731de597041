import Envs
import SeededRandom
import TensorModule

/// Runs A2C on a vector of discrete-action environments: collect `numSteps` steps of `numEnvs`
/// environments (same-step autoreset; truncated episodes bootstrap from the value of their final
/// observation), then one `A2C.update`.
public struct A2CTrainer<E: Environment>: Sendable
where E.Observation == [Float], E.Action == Int, E.ActionSpace == Discrete {
  /// The learner.
  public var agent: A2C
  /// The vector environment.
  public private(set) var envs: SyncVectorEnv<E>
  /// Environment steps so far (all environments).
  public private(set) var globalStep = 0
  /// Every finished episode, in order.
  public private(set) var episodes: [EpisodeStatistics] = []
  private var batch: A2CBatch
  private var nextObservations: [Float]
  private var rng: Xoshiro256

  /// A trainer whose agent is initialized from `seed` and whose environments are reset with
  /// `seed` (environment `i` gets `seed + i`).
  ///
  /// - Throws: `RLInputError` for an invalid config or mismatched `numEnvs`.
  public init(config: A2CConfig, envs: SyncVectorEnv<E>, seed: UInt64) throws {
    guard envs.numEnvs == config.numEnvs else {
      throw RLInputError(
        component: "A2CTrainer.init", field: "envs",
        reason: "has \(envs.numEnvs) environments, config.numEnvs is \(config.numEnvs)")
    }
    var rng = Xoshiro256(seed: seed)
    agent = try A2C(
      config: config, observationDim: envs.observationDim,
      actionCount: envs.singleActionSpace.n, seed: rng.next())
    batch = try A2CBatch(config: config, observationDim: envs.observationDim)
    self.envs = envs
    self.rng = rng.split()
    nextObservations = self.envs.reset(seed: seed).observations
  }

  /// Collects one rollout with the current policy.
  ///
  /// - Returns: the rollout, ready for `A2C.update`, and the episodes that ended in it.
  public mutating func collect() throws -> (batch: A2CBatch, episodes: [EpisodeStatistics]) {
    let numEnvs = envs.numEnvs
    var finished: [EpisodeStatistics] = []
    batch.rollout.reset()
    for _ in 0..<agent.config.numSteps {
      let (actions, logProbs, values) = agent.act(observations: nextObservations, using: &rng)
      let step = envs.step(actions)
      var truncationValues = [Float](repeating: 0, count: numEnvs)
      for i in 0..<numEnvs where step.truncated[i] && !step.terminated[i] {
        guard let final = step.finalObservations[i] else { continue }
        truncationValues[i] = agent.values(observations: final)[0]
      }
      try batch.rollout.add(
        observations: nextObservations, actions: actions, logProbs: logProbs,
        rewards: step.rewards.map { Float($0) }, terminated: step.terminated,
        truncated: step.truncated, values: values, truncationValues: truncationValues)
      nextObservations = step.observations
      globalStep += numEnvs
      finished.append(contentsOf: step.finishedEpisodes)
    }
    batch.lastObservations = nextObservations
    episodes.append(contentsOf: finished)
    return (batch, finished)
  }

  /// One A2C iteration: collect a rollout, update once.
  public mutating func iterate() throws -> A2CUpdateStats {
    var (rollout, _) = try collect()
    return try agent.update(&rollout)
  }

  /// Iterates until `config.totalTimesteps` steps are done or `stop` returns true (checked after
  /// every update).
  ///
  /// - Returns: the statistics of the last update (nil when none ran).
  @discardableResult
  public mutating func train(
    until stop: (_ trainer: Self, _ stats: A2CUpdateStats) -> Bool = { _, _ in false }
  ) throws -> A2CUpdateStats? {
    var last: A2CUpdateStats?
    while globalStep + agent.config.batchSize <= agent.config.totalTimesteps {
      let stats = try iterate()
      last = stats
      if stop(self, stats) { break }
    }
    return last
  }

  /// Mean return of the last `count` finished episodes (nil before any episode ended).
  public func meanReturn(lastEpisodes count: Int) -> Double? {
    episodes.meanReturn(last: count)
  }
}
