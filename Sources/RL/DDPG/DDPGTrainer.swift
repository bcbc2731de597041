import Envs
import SeededRandom
import TensorModule

/// Runs DDPG on a vector of continuous-action environments as CleanRL's loop does: uniformly
/// random actions for the first `learningStarts` steps, then the actor's actions with Gaussian
/// noise; every transition goes to the replay buffer (with the episode's final observation as
/// the next observation when it ended), and after `learningStarts` each vector step is
/// followed by one `DDPG.update`.
public struct DDPGTrainer<E: Environment>: Sendable
where E.Observation == [Float], E.Action == [Float], E.ActionSpace == Box {
  /// The learner.
  public var agent: DDPG
  /// The vector environment.
  public private(set) var envs: SyncVectorEnv<E>
  /// The transitions collected so far (the most recent `bufferSize`).
  public private(set) var replayBuffer: ReplayBuffer
  /// Environment steps so far (all environments).
  public private(set) var globalStep = 0
  /// Every finished episode, in order.
  public private(set) var episodes: [EpisodeStatistics] = []
  private var nextObservations: [Float]
  private var rng: Xoshiro256

  /// A trainer whose agent is initialized from `seed`, with bounds from the environments'
  /// action space, and whose environments are reset with `seed` (environment `i` gets
  /// `seed + i`).
  ///
  /// - Throws: `RLInputError` for an invalid config, mismatched `numEnvs` or unbounded actions.
  public init(config: DDPGConfig, envs: SyncVectorEnv<E>, seed: UInt64) throws {
    guard envs.numEnvs == config.numEnvs else {
      throw RLInputError(
        component: "DDPGTrainer.init", field: "envs",
        reason: "has \(envs.numEnvs) environments, config.numEnvs is \(config.numEnvs)")
    }
    var rng = Xoshiro256(seed: seed)
    let space = envs.singleActionSpace
    agent = try DDPG(
      config: config, observationDim: envs.observationDim, actionLow: space.low,
      actionHigh: space.high, seed: rng.next())
    replayBuffer = try ReplayBuffer(
      capacity: config.bufferSize, observationDim: envs.observationDim, actionDim: space.count)
    self.envs = envs
    self.rng = rng.split()
    nextObservations = self.envs.reset(seed: seed).observations
  }

  /// One vector step, its transitions stored, then one update once `learningStarts` steps are
  /// done.
  ///
  /// - Returns: the update's statistics (nil before learning starts) and the episodes that
  ///   ended in this step.
  @discardableResult
  public mutating func step() throws -> (stats: DDPGUpdateStats?, episodes: [EpisodeStatistics]) {
    let (numEnvs, observationDim, actionDim) =
      (envs.numEnvs, envs.observationDim, agent.actionDim)
    let flatActions =
      globalStep < agent.config.learningStarts
      ? (0..<numEnvs).flatMap { _ in envs.singleActionSpace.sample(using: &rng) }
      : agent.act(observations: nextObservations, explore: true, using: &rng)
    let actions = (0..<numEnvs).map {
      Array(flatActions[($0 * actionDim)..<(($0 + 1) * actionDim)])
    }
    let result = envs.step(actions)
    for i in 0..<numEnvs {
      let rows = (i * observationDim)..<((i + 1) * observationDim)
      let nextObservation = result.finalObservations[i] ?? Array(result.observations[rows])
      try replayBuffer.add(
        observation: Array(nextObservations[rows]), action: actions[i],
        reward: Float(result.rewards[i]), nextObservation: nextObservation,
        terminated: result.terminated[i])
    }
    nextObservations = result.observations
    globalStep += numEnvs
    episodes.append(contentsOf: result.finishedEpisodes)
    guard globalStep > agent.config.learningStarts else { return (nil, result.finishedEpisodes) }
    return (try agent.update(&replayBuffer), result.finishedEpisodes)
  }

  /// Steps until `config.totalTimesteps` steps are done or `stop` returns true (checked after
  /// every step that ended an episode).
  public mutating func train(until stop: (_ trainer: Self) -> Bool = { _ in false }) throws {
    while globalStep + envs.numEnvs <= agent.config.totalTimesteps {
      let (_, finished) = try step()
      if !finished.isEmpty && stop(self) { break }
    }
  }

  /// Mean return of the last `count` finished episodes (nil before any episode ended).
  public func meanReturn(lastEpisodes count: Int) -> Double? {
    episodes.meanReturn(last: count)
  }
}
