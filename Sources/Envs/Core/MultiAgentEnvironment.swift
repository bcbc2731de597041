import SeededRandom

/// One agent's view at a decision point: its local observation and its valid actions.
public struct AgentObservation: Sendable {
  /// The agent's local observation.
  public var observation: [Float]
  /// `actionMask[a]` is true when action `a` is valid now (the paper's context F).
  public var actionMask: [Bool]

  /// Creates an agent observation.
  public init(observation: [Float], actionMask: [Bool]) {
    self.observation = observation
    self.actionMask = actionMask
  }
}

/// What a multi-agent environment returns after a joint step.
///
/// Agents act on different time scales, so `agents` lists only the agents that must act at the
/// next call to `step`, with their observations in the same order (PettingZoo Parallel's
/// convention that only live, due agents appear). Rewards are reported for every agent that
/// acted in the step just taken, as `rewards[i]` for `actedAgents[i]`.
public struct MultiAgentStep: Sendable {
  /// The agents due to act next, by index into `possibleAgents` (empty once the episode is
  /// over).
  public var agents: [Int]
  /// Their observations and masks, parallel to `agents`.
  public var observations: [AgentObservation]
  /// The agents whose actions were applied in this step.
  public var actedAgents: [Int]
  /// Rewards for `actedAgents`, in the same order.
  public var rewards: [Double]
  /// The episode ended in a terminal state (all agents).
  public var terminated: Bool
  /// The episode was cut short by a time limit (all agents); bootstrap.
  public var truncated: Bool
  /// Diagnostics.
  public var info: Info

  /// Creates a joint step result.
  public init(
    agents: [Int], observations: [AgentObservation], actedAgents: [Int] = [],
    rewards: [Double] = [], terminated: Bool = false, truncated: Bool = false, info: Info = [:]
  ) {
    self.agents = agents
    self.observations = observations
    self.actedAgents = actedAgents
    self.rewards = rewards
    self.terminated = terminated
    self.truncated = truncated
    self.info = info
  }

  /// The episode is over, for either reason.
  public var done: Bool { terminated || truncated }
}

/// A cooperative multi-agent environment with decentralized observations, action masks and a
/// global state for centralized critics (the MAPPO setting).
public protocol MultiAgentEnvironment: Sendable {
  /// Names of all agents that can ever act; agents are addressed by index into this array.
  var possibleAgents: [String] { get }
  /// Observation space of agent `agent`.
  func observationSpace(agent: Int) -> Box
  /// Action space of agent `agent`.
  func actionSpace(agent: Int) -> Discrete
  /// The global state space, for centralized critics.
  var stateSpace: Box { get }

  /// Starts a new episode; the result lists the agents due to act first.
  mutating func reset(seed: UInt64?) -> MultiAgentStep
  /// Applies one action for each agent in the previous result's `agents`, in that order.
  mutating func step(_ actions: [Int]) -> MultiAgentStep
  /// The global state now (all agents' information), for the centralized critic.
  func state() -> [Float]
}
