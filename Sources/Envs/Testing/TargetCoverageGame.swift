import SeededRandom

/// A small cooperative multi-agent game with action masks, for testing MAPPO-style learners.
///
/// Every step, each of `numAgents` agents picks one of `numTargets` targets. The environment
/// draws how many targets are valid, `V` uniform in `numAgents...numTargets`, which `V` targets
/// are valid (the action mask, shared by all agents), and which `numAgents` of the valid targets
/// are *demanded* this step (the signal, observed by all). The team reward, given to every agent
/// that acted, is
///
///     (distinct demanded targets covered − invalidActionPenalty · invalid actions) / numAgents
///
/// so agents must both follow the signal and coordinate to pick *distinct* demanded targets.
/// The optimum (agent `i` takes the `i`-th demanded target in index order, see
/// `conventionActions()`) earns 1 per step. A uniformly random masked policy covers each demanded
/// target with probability `1 − (1 − 1/V)^N`, so it earns `E_V[1 − (1 − 1/V)^N]` per step, about
/// 0.59 with the defaults (`randomMaskedPolicyStepReward`). Agent `i` observes
/// `[one-hot(i) (N), mask (K), demanded (K), step / episodeLength]`; the global state is
/// `[mask (K), demanded (K), step / episodeLength]`. All agents act every step; an episode
/// terminates after `episodeLength` steps, when `agents` becomes empty.
public struct TargetCoverageGame: MultiAgentEnvironment {
  /// The game's parameters.
  public struct Config: Sendable, Codable, Hashable {
    /// Number of agents N (≥ 1).
    public var numAgents: Int = 3
    /// Number of targets K (≥ numAgents).
    public var numTargets: Int = 5
    /// Steps per episode (≥ 1).
    public var episodeLength: Int = 8
    /// Reward units lost per agent that picks a masked (or out-of-range) target.
    public var invalidActionPenalty: Double = 1

    /// Creates a configuration.
    public init(
      numAgents: Int = 3, numTargets: Int = 5, episodeLength: Int = 8,
      invalidActionPenalty: Double = 1
    ) {
      self.numAgents = numAgents
      self.numTargets = numTargets
      self.episodeLength = episodeLength
      self.invalidActionPenalty = invalidActionPenalty
    }
  }

  /// Errors in the configuration.
  public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String
  }

  /// The parameters.
  public let config: Config
  /// The random stream that draws masks and signals.
  public var rng: Xoshiro256
  /// `mask[k]`: target `k` is valid this step.
  public private(set) var mask: [Bool]
  /// `demanded[k]`: target `k` is demanded this step (a subset of the valid targets).
  public private(set) var demanded: [Bool]
  /// Steps taken in the current episode.
  public private(set) var stepIndex: Int = 0

  /// Creates the game; throws when the configuration is inconsistent.
  public init(config: Config = Config(), seed: UInt64 = 0) throws {
    guard config.numAgents >= 1 else {
      throw ConfigError(description: "TargetCoverageGame.Config.numAgents must be ≥ 1")
    }
    guard config.numTargets >= config.numAgents else {
      throw ConfigError(
        description: "TargetCoverageGame.Config.numTargets (\(config.numTargets)) must be ≥ "
          + "numAgents (\(config.numAgents))")
    }
    guard config.episodeLength >= 1 else {
      throw ConfigError(description: "TargetCoverageGame.Config.episodeLength must be ≥ 1")
    }
    self.config = config
    self.rng = Xoshiro256(seed: seed)
    self.mask = Array(repeating: false, count: config.numTargets)
    self.demanded = Array(repeating: false, count: config.numTargets)
  }

  /// `agent_0`, `agent_1`, …
  public var possibleAgents: [String] { (0..<config.numAgents).map { "agent_\($0)" } }

  /// The length of an agent's observation: `N + 2K + 1`.
  public var observationDim: Int { config.numAgents + 2 * config.numTargets + 1 }

  /// `N + 2K + 1` values in `[0, 1]`.
  public func observationSpace(agent: Int) -> Box {
    Box(low: 0, high: 1, count: observationDim)
  }

  /// `K` targets.
  public func actionSpace(agent: Int) -> Discrete { Discrete(config.numTargets) }

  /// `2K + 1` values in `[0, 1]`.
  public var stateSpace: Box { Box(low: 0, high: 1, count: 2 * config.numTargets + 1) }

  /// The expected per-step team reward of a policy that picks uniformly among valid targets:
  /// `mean over V in N...K of 1 − (1 − 1/V)^N`.
  public var randomMaskedPolicyStepReward: Double {
    let n = config.numAgents
    let values = (n...config.numTargets).map { v -> Double in
      var miss = 1.0
      for _ in 0..<n { miss *= 1 - 1 / Double(v) }
      return 1 - miss
    }
    return values.reduce(0, +) / Double(values.count)
  }

  /// Starts an episode; every agent is due to act.
  public mutating func reset(seed: UInt64?) -> MultiAgentStep {
    if let seed { rng = Xoshiro256(seed: seed) }
    stepIndex = 0
    drawSignal()
    return MultiAgentStep(agents: Array(0..<config.numAgents), observations: observations())
  }

  /// Applies one target per agent (`actions.count == numAgents`, in agent order).
  public mutating func step(_ actions: [Int]) -> MultiAgentStep {
    precondition(stepIndex < config.episodeLength, "TargetCoverageGame.step: episode over; reset")
    precondition(
      actions.count == config.numAgents,
      "TargetCoverageGame.step: got \(actions.count) actions for \(config.numAgents) agents")
    var covered = Array(repeating: false, count: config.numTargets)
    var invalid = 0
    for action in actions {
      guard action >= 0 && action < config.numTargets && mask[action] else {
        invalid += 1
        continue
      }
      if demanded[action] { covered[action] = true }
    }
    let coveredCount = covered.lazy.filter { $0 }.count
    let teamReward =
      (Double(coveredCount) - config.invalidActionPenalty * Double(invalid))
      / Double(config.numAgents)
    stepIndex += 1
    let terminated = stepIndex == config.episodeLength
    let info: Info = ["covered": Double(coveredCount), "invalidActions": Double(invalid)]
    let acted = Array(0..<config.numAgents)
    let rewards = Array(repeating: teamReward, count: config.numAgents)
    if terminated {
      return MultiAgentStep(
        agents: [], observations: [], actedAgents: acted, rewards: rewards, terminated: true,
        info: info)
    }
    drawSignal()
    return MultiAgentStep(
      agents: acted, observations: observations(), actedAgents: acted, rewards: rewards,
      info: info)
  }

  /// The global state `[mask (K), demanded (K), step / episodeLength]`.
  public func state() -> [Float] {
    var s = [Float]()
    s.reserveCapacity(2 * config.numTargets + 1)
    for valid in mask { s.append(valid ? 1 : 0) }
    for isDemanded in demanded { s.append(isDemanded ? 1 : 0) }
    s.append(Float(stepIndex) / Float(config.episodeLength))
    return s
  }

  /// The optimal joint action: agent `i` takes the `i`-th demanded target in index order.
  public func conventionActions() -> [Int] {
    demanded.indices.filter { demanded[$0] }
  }

  /// Draws the valid targets and the demanded subset for the coming step.
  private mutating func drawSignal() {
    let n = config.numAgents
    let k = config.numTargets
    let validCount = Int.random(in: n...k, using: &rng)
    // Partial Fisher–Yates: the first `validCount` entries are a uniform random subset, in a
    // uniform random order, so their first `n` are a uniform subset of the valid ones.
    var order = Array(0..<k)
    for i in 0..<validCount {
      let j = Int.random(in: i..<k, using: &rng)
      order.swapAt(i, j)
    }
    for t in 0..<k {
      mask[t] = false
      demanded[t] = false
    }
    for i in 0..<validCount { mask[order[i]] = true }
    for i in 0..<n { demanded[order[i]] = true }
  }

  private func observations() -> [AgentObservation] {
    let global = state()
    let k = config.numTargets
    return (0..<config.numAgents).map { agent in
      var obs = Array(repeating: Float(0), count: config.numAgents)
      obs[agent] = 1
      obs.append(contentsOf: global[0..<(2 * k + 1)])
      return AgentObservation(observation: obs, actionMask: mask)
    }
  }
}
