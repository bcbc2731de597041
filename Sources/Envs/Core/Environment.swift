import SeededRandom

/// Extra, per-step diagnostics an environment reports (Gymnasium's `info`), by name.
public typealias Info = [String: Double]

/// What one `step` returns (Gymnasium semantics).
///
/// `terminated` means the MDP reached a terminal state (no bootstrap); `truncated` means the
/// episode was cut short by a time limit or similar (bootstrap from `observation`). Keep them
/// apart all the way into GAE.
public struct Step<Observation: Sendable>: Sendable {
  /// The observation after the action.
  public var observation: Observation
  /// The scalar reward for the transition.
  public var reward: Double
  /// The episode ended in a terminal state of the MDP.
  public var terminated: Bool
  /// The episode was cut short (time limit); the state is not terminal.
  public var truncated: Bool
  /// Diagnostics.
  public var info: Info

  /// Creates a step result.
  public init(
    observation: Observation, reward: Double, terminated: Bool, truncated: Bool,
    info: Info = [:]
  ) {
    self.observation = observation
    self.reward = reward
    self.terminated = terminated
    self.truncated = truncated
    self.info = info
  }

  /// The episode is over, for either reason.
  public var done: Bool { terminated || truncated }
}

/// A single-agent environment with Gymnasium's `reset` / `step` contract.
///
/// Environments are value types that own their seeded RNG. `reset(seed:)` with a seed reseeds
/// the RNG; `reset(seed: nil)` continues the current stream.
public protocol Environment: Sendable {
  /// What the agent observes.
  associatedtype Observation: Sendable
  /// What the agent does.
  associatedtype Action: Sendable
  /// The type of the action space.
  associatedtype ActionSpace: Space where ActionSpace.Element == Action

  /// The observation space (a `Box` of floats for every environment in this package).
  var observationSpace: Box { get }
  /// The action space.
  var actionSpace: ActionSpace { get }

  /// Starts a new episode; returns the first observation and diagnostics.
  mutating func reset(seed: UInt64?) -> (observation: Observation, info: Info)
  /// Applies `action` and advances one step.
  mutating func step(_ action: Action) -> Step<Observation>
}

/// An environment whose valid actions depend on its state (SB3-contrib MaskablePPO's
/// `action_masks()`): `PPOTrainer` reads the mask before every action, samples only valid
/// actions and trains on the same masks.
public protocol ActionMaskedEnvironment: Environment where ActionSpace == Discrete {
  /// `[actionSpace.n]`, true = valid, for the state after the latest `reset` or `step`; at least
  /// one entry is true.
  func actionMask() -> [Bool]
}
