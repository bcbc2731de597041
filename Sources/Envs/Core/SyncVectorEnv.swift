import SeededRandom

/// When a vector environment resets a sub-environment whose episode ended (Gymnasium 1.0's
/// `AutoresetMode`).
public enum AutoresetMode: String, Sendable, Codable, CaseIterable {
  /// The finished environment is reset inside the step that ended it: the returned observation
  /// is the first observation of the next episode and the last observation of the finished
  /// episode is in `VectorStep.finalObservations` (what PPO with truncation bootstrapping wants).
  case sameStep
  /// The finished environment is reset on the following `step` call, whose action for that
  /// environment is ignored and which returns the reset observation with reward 0 and both flags
  /// false.
  case nextStep
}

/// Return and length of one finished episode of a sub-environment (Gymnasium's
/// `RecordEpisodeStatistics`).
public struct EpisodeStatistics: Sendable, Hashable, Codable {
  /// Index of the sub-environment.
  public var envIndex: Int
  /// Undiscounted sum of the episode's rewards.
  public var episodeReturn: Double
  /// Number of steps in the episode.
  public var length: Int
  /// Whether the episode ended by termination (false: truncation).
  public var terminated: Bool

  /// Creates episode statistics.
  public init(envIndex: Int, episodeReturn: Double, length: Int, terminated: Bool) {
    self.envIndex = envIndex
    self.episodeReturn = episodeReturn
    self.length = length
    self.terminated = terminated
  }
}

extension Collection where Element == EpisodeStatistics {
  /// Mean return of the last `count` episodes (all of them if fewer), or nil when there are none.
  public func meanReturn(last count: Int) -> Double? {
    guard !isEmpty else { return nil }
    let tail = suffix(count)
    return tail.reduce(0) { $0 + $1.episodeReturn } / Double(tail.count)
  }
}

/// The batched result of `SyncVectorEnv.step`.
public struct VectorStep: Sendable {
  /// Observations after the step, flat `[numEnvs * observationDim]`, env-major.
  public var observations: [Float]
  /// Rewards, `[numEnvs]`.
  public var rewards: [Double]
  /// Termination flags, `[numEnvs]`.
  public var terminated: [Bool]
  /// Truncation flags, `[numEnvs]`.
  public var truncated: [Bool]
  /// In `.sameStep` mode, the last observation of each episode that ended in this step
  /// (`[observationDim]`), nil for environments still running. Always nil in `.nextStep` mode,
  /// where `observations` itself holds the last observation.
  public var finalObservations: [[Float]?]
  /// The step's diagnostics per environment (the ended episode's last info in `.sameStep` mode).
  public var infos: [Info]
  /// Statistics of the episodes that ended in this step, in environment order.
  public var finishedEpisodes: [EpisodeStatistics]

  /// Whether environment `i` finished an episode in this step.
  public func done(_ i: Int) -> Bool { terminated[i] || truncated[i] }
}

/// Errors in configuring a vector environment.
public struct VectorEnvError: Error, CustomStringConvertible, Sendable {
  /// What is wrong.
  public var description: String
}

/// Steps `numEnvs` copies of an environment in lockstep on the calling thread, with autoreset
/// and episode statistics (Gymnasium's `SyncVectorEnv` + `RecordEpisodeStatistics`).
///
/// Observations are batched into one flat `[Float]` of `numEnvs * observationDim` values, env
/// `i` at `[i * observationDim ..< (i + 1) * observationDim]`.
public struct SyncVectorEnv<E: Environment>: Sendable where E.Observation == [Float] {
  /// The sub-environments.
  public private(set) var envs: [E]
  /// The autoreset semantics.
  public let autoresetMode: AutoresetMode
  /// The number of floats in one sub-environment's observation.
  public let observationDim: Int
  /// Running return of each environment's current episode.
  public private(set) var episodeReturns: [Double]
  /// Running length of each environment's current episode.
  public private(set) var episodeLengths: [Int]
  /// `.nextStep` mode: environments whose episode ended in the previous step.
  private var needsReset: [Bool]

  /// The number of sub-environments.
  public var numEnvs: Int { envs.count }
  /// The single environment's observation space.
  public var singleObservationSpace: Box { envs[0].observationSpace }
  /// The single environment's action space.
  public var singleActionSpace: E.ActionSpace { envs[0].actionSpace }

  /// Wraps `envs`, which must be non-empty and agree on the observation size.
  public init(envs: [E], autoresetMode: AutoresetMode = .sameStep) throws {
    guard let first = envs.first else {
      throw VectorEnvError(description: "SyncVectorEnv.init: envs is empty")
    }
    let dim = first.observationSpace.count
    for (i, env) in envs.enumerated() where env.observationSpace.count != dim {
      throw VectorEnvError(
        description: "SyncVectorEnv.init: envs[\(i)] observes \(env.observationSpace.count) "
          + "floats, envs[0] observes \(dim)")
    }
    self.envs = envs
    self.autoresetMode = autoresetMode
    self.observationDim = dim
    self.episodeReturns = Array(repeating: 0, count: envs.count)
    self.episodeLengths = Array(repeating: 0, count: envs.count)
    self.needsReset = Array(repeating: false, count: envs.count)
  }

  /// Creates `count` environments with `make(index)`.
  public init(count: Int, autoresetMode: AutoresetMode = .sameStep, make: (Int) -> E) throws {
    guard count > 0 else {
      throw VectorEnvError(description: "SyncVectorEnv.init: count must be positive, got \(count)")
    }
    try self.init(envs: (0..<count).map(make), autoresetMode: autoresetMode)
  }

  /// Resets every environment; with a seed, environment `i` is seeded with `seed + i`
  /// (Gymnasium's convention). Returns the flat `[numEnvs * observationDim]` observations.
  public mutating func reset(seed: UInt64?) -> (observations: [Float], infos: [Info]) {
    var observations = [Float]()
    observations.reserveCapacity(numEnvs * observationDim)
    var infos = [Info]()
    infos.reserveCapacity(numEnvs)
    for i in envs.indices {
      let (obs, info) = envs[i].reset(seed: seed.map { $0 &+ UInt64(i) })
      precondition(obs.count == observationDim, "SyncVectorEnv.reset: env \(i) bad observation")
      observations.append(contentsOf: obs)
      infos.append(info)
      episodeReturns[i] = 0
      episodeLengths[i] = 0
      needsReset[i] = false
    }
    return (observations, infos)
  }

  /// Steps every environment with its action (`actions.count == numEnvs`), autoresetting
  /// finished environments according to `autoresetMode`.
  public mutating func step(_ actions: [E.Action]) -> VectorStep {
    precondition(
      actions.count == numEnvs,
      "SyncVectorEnv.step: got \(actions.count) actions for \(numEnvs) environments")
    var result = VectorStep(
      observations: [], rewards: Array(repeating: 0, count: numEnvs),
      terminated: Array(repeating: false, count: numEnvs),
      truncated: Array(repeating: false, count: numEnvs),
      finalObservations: Array(repeating: nil, count: numEnvs),
      infos: Array(repeating: [:], count: numEnvs), finishedEpisodes: [])
    result.observations.reserveCapacity(numEnvs * observationDim)
    for i in envs.indices {
      if needsReset[i] {
        // `.nextStep` mode: this call only resets environment i.
        let (obs, info) = envs[i].reset(seed: nil)
        result.observations.append(contentsOf: obs)
        result.infos[i] = info
        needsReset[i] = false
        continue
      }
      let step = envs[i].step(actions[i])
      precondition(
        step.observation.count == observationDim, "SyncVectorEnv.step: env \(i) bad observation")
      result.rewards[i] = step.reward
      result.terminated[i] = step.terminated
      result.truncated[i] = step.truncated
      result.infos[i] = step.info
      episodeReturns[i] += step.reward
      episodeLengths[i] += 1
      guard step.done else {
        result.observations.append(contentsOf: step.observation)
        continue
      }
      result.finishedEpisodes.append(
        EpisodeStatistics(
          envIndex: i, episodeReturn: episodeReturns[i], length: episodeLengths[i],
          terminated: step.terminated))
      episodeReturns[i] = 0
      episodeLengths[i] = 0
      switch autoresetMode {
      case .sameStep:
        result.finalObservations[i] = step.observation
        let (obs, _) = envs[i].reset(seed: nil)
        result.observations.append(contentsOf: obs)
      case .nextStep:
        result.observations.append(contentsOf: step.observation)
        needsReset[i] = true
      }
    }
    return result
  }
}

extension SyncVectorEnv where E.ActionSpace == Discrete {
  /// Whether the sub-environments report action masks (`E` is an `ActionMaskedEnvironment`).
  public var reportsActionMasks: Bool { E.self is any ActionMaskedEnvironment.Type }

  /// Every environment's valid actions for the observations of the latest `reset` or `step`,
  /// flat `[numEnvs * n]`, env-major; nil when `E` reports no masks. In `.nextStep` mode an
  /// environment waiting for its reset has every action valid (its next action is ignored).
  ///
  /// - Throws: `VectorEnvError` naming the environment whose mask does not have `n` entries or
  ///   has no valid action.
  public func actionMasks() throws -> [Bool]? {
    guard reportsActionMasks else { return nil }
    let n = singleActionSpace.n
    var masks = [Bool]()
    masks.reserveCapacity(numEnvs * n)
    for i in envs.indices {
      if needsReset[i] {
        masks.append(contentsOf: repeatElement(true, count: n))
        continue
      }
      // `E` conforms (checked above); the cast opens it to call `actionMask()`.
      let mask = (envs[i] as! any ActionMaskedEnvironment).actionMask()
      guard mask.count == n else {
        throw VectorEnvError(
          description: "SyncVectorEnv.actionMasks: env \(i) returned \(mask.count) mask "
            + "entries for \(n) actions")
      }
      guard mask.contains(true) else {
        throw VectorEnvError(
          description: "SyncVectorEnv.actionMasks: env \(i) masks every action")
      }
      masks.append(contentsOf: mask)
    }
    return masks
  }
}
