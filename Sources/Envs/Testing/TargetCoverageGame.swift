import SeededRandom

/// A small cooperative multi-agent game with action masks, for testing MAPPO-style learners.
///
/// Every step, the environment draws which of the `numAgents` (N) agents are due to act (each
/// with probability `actProbability`, at least one; all of them by default), say `D` agents;
/// how many of the `numTargets` (K) targets are valid, `V` uniform in `D...K`; which `V` targets
/// are valid (the action mask, shared by all agents); and which `D` of the valid targets are
/// *demanded* this step (the signal, observed by all). Each due agent picks a target. The team
/// reward, given to every agent that acted, is
///
///     (distinct demanded targets covered − invalidActionPenalty · invalid actions) / D
///
/// so agents must both follow the signal and coordinate to pick *distinct* demanded targets.
/// The optimum (the `j`-th due agent takes the `j`-th demanded target in index order, see
/// `conventionActions()`) earns 1 per step. A uniformly random masked policy covers each demanded
/// target with probability `1 − (1 − 1/V)^D`, so it earns `E[1 − (1 − 1/V)^D]` per step, about
/// 0.59 with the defaults (`randomMaskedPolicyStepReward`). Agent `i` observes
/// `[one-hot(i) (N), due (N), mask (K), demanded (K), step / episodeLength]`; the global state
/// is the same without the one-hot. An episode terminates after `episodeLength` steps, when
/// `agents` becomes empty. A shared MLP actor with the agent one-hot can reach the optimum.
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
    /// Probability that an agent is due to act in a step, in (0, 1] (at least one always is).
    public var actProbability: Double = 1

    /// Creates a configuration.
    public init(
      numAgents: Int = 3, numTargets: Int = 5, episodeLength: Int = 8,
      invalidActionPenalty: Double = 1, actProbability: Double = 1
    ) {
      self.numAgents = numAgents
      self.numTargets = numTargets
      self.episodeLength = episodeLength
      self.invalidActionPenalty = invalidActionPenalty
      self.actProbability = actProbability
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
  /// The agents due to act this step, in index order.
  public private(set) var dueAgents: [Int] = []
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
    guard config.actProbability > 0 && config.actProbability <= 1 else {
      throw ConfigError(
        description: "TargetCoverageGame.Config.actProbability (\(config.actProbability)) must "
          + "be in (0, 1]")
    }
    self.config = config
    self.rng = Xoshiro256(seed: seed)
    self.mask = Array(repeating: false, count: config.numTargets)
    self.demanded = Array(repeating: false, count: config.numTargets)
  }

  /// `agent_0`, `agent_1`, …
  public var possibleAgents: [String] { (0..<config.numAgents).map { "agent_\($0)" } }

  /// The length of an agent's observation: `2N + 2K + 1`.
  public var observationDim: Int { 2 * config.numAgents + 2 * config.numTargets + 1 }

  /// The length of the global state: `N + 2K + 1`.
  public var stateDim: Int { config.numAgents + 2 * config.numTargets + 1 }

  /// `2N + 2K + 1` values in `[0, 1]`.
  public func observationSpace(agent: Int) -> Box {
    Box(low: 0, high: 1, count: observationDim)
  }

  /// `K` targets.
  public func actionSpace(agent: Int) -> Discrete { Discrete(config.numTargets) }

  /// `N + 2K + 1` values in `[0, 1]`.
  public var stateSpace: Box { Box(low: 0, high: 1, count: stateDim) }

  /// The expected per-step team reward of a policy that picks uniformly among valid targets:
  /// `Σ_D P(D) · mean over V in D...K of 1 − (1 − 1/V)^D`, where `D ~ Binomial(N, p)` with
  /// `D = 0` moved to `D = 1`.
  public var randomMaskedPolicyStepReward: Double {
    let n = config.numAgents
    let p = config.actProbability
    var total = 0.0
    for d in 1...n {
      var probability = binomial(n, d) * pow(p, d) * pow(1 - p, n - d)
      if d == 1 { probability += pow(1 - p, n) }
      let values = (d...config.numTargets).map { v -> Double in
        1 - pow(1 - 1 / Double(v), d)
      }
      total += probability * values.reduce(0, +) / Double(values.count)
    }
    return total
  }

  /// Starts an episode; every agent is due to act.
  public mutating func reset(seed: UInt64?) -> MultiAgentStep {
    if let seed { rng = Xoshiro256(seed: seed) }
    stepIndex = 0
    drawSignal()
    return MultiAgentStep(agents: dueAgents, observations: observations())
  }

  /// Applies one target per due agent (`actions[j]` for `dueAgents[j]`).
  public mutating func step(_ actions: [Int]) -> MultiAgentStep {
    precondition(stepIndex < config.episodeLength, "TargetCoverageGame.step: episode over; reset")
    precondition(
      actions.count == dueAgents.count,
      "TargetCoverageGame.step: got \(actions.count) actions for \(dueAgents.count) due agents")
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
      / Double(dueAgents.count)
    stepIndex += 1
    let terminated = stepIndex == config.episodeLength
    let info: Info = ["covered": Double(coveredCount), "invalidActions": Double(invalid)]
    let acted = dueAgents
    let rewards = Array(repeating: teamReward, count: acted.count)
    if terminated {
      return MultiAgentStep(
        agents: [], observations: [], actedAgents: acted, rewards: rewards, terminated: true,
        info: info)
    }
    drawSignal()
    return MultiAgentStep(
      agents: dueAgents, observations: observations(), actedAgents: acted, rewards: rewards,
      info: info)
  }

  /// The global state `[due (N), mask (K), demanded (K), step / episodeLength]`.
  public func state() -> [Float] {
    var s = Array(repeating: Float(0), count: config.numAgents)
    s.reserveCapacity(stateDim)
    for agent in dueAgents { s[agent] = 1 }
    for valid in mask { s.append(valid ? 1 : 0) }
    for isDemanded in demanded { s.append(isDemanded ? 1 : 0) }
    s.append(Float(stepIndex) / Float(config.episodeLength))
    return s
  }

  /// The optimal joint action: the `j`-th due agent takes the `j`-th demanded target in index
  /// order.
  public func conventionActions() -> [Int] {
    demanded.indices.filter { demanded[$0] }
  }

  /// Draws the valid targets and the demanded subset for the coming step.
  private mutating func drawSignal() {
    dueAgents.removeAll(keepingCapacity: true)
    for agent in 0..<config.numAgents
    where config.actProbability >= 1 || rng.nextDouble() < config.actProbability {
      dueAgents.append(agent)
    }
    if dueAgents.isEmpty { dueAgents.append(Int.random(in: 0..<config.numAgents, using: &rng)) }
    let n = dueAgents.count
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
    return dueAgents.map { agent in
      var obs = Array(repeating: Float(0), count: config.numAgents)
      obs.reserveCapacity(observationDim)
      obs[agent] = 1
      obs.append(contentsOf: global)
      return AgentObservation(observation: obs, actionMask: mask)
    }
  }
}

/// `n choose k` as a `Double`.
private func binomial(_ n: Int, _ k: Int) -> Double {
  var result = 1.0
  for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
  return result
}

private func pow(_ base: Double, _ exponent: Int) -> Double {
  var result = 1.0
  for _ in 0..<exponent { result *= base }
  return result
}
