import SeededRandom

/// Cuts episodes of the wrapped environment after `maxEpisodeSteps` steps (Gymnasium's
/// `TimeLimit`).
///
/// The step that reaches the limit reports `truncated == true`. As in Gymnasium, a step that is
/// both terminal and at the limit reports both flags; consumers must let `terminated` win (no
/// bootstrap), which `GAE` in module RL does.
public struct TimeLimit<Base: Environment>: Environment {
  /// The wrapped environment.
  public var base: Base
  /// The number of steps after which an episode is truncated.
  public let maxEpisodeSteps: Int
  /// Steps taken in the current episode.
  public private(set) var elapsedSteps: Int = 0

  /// Wraps `base`; `maxEpisodeSteps` must be positive.
  public init(_ base: Base, maxEpisodeSteps: Int) {
    precondition(maxEpisodeSteps > 0, "TimeLimit: maxEpisodeSteps must be positive")
    self.base = base
    self.maxEpisodeSteps = maxEpisodeSteps
  }

  /// The wrapped environment's observation space.
  public var observationSpace: Box { base.observationSpace }
  /// The wrapped environment's action space.
  public var actionSpace: Base.ActionSpace { base.actionSpace }

  /// Resets the wrapped environment and the step counter.
  public mutating func reset(seed: UInt64?) -> (observation: Base.Observation, info: Info) {
    elapsedSteps = 0
    return base.reset(seed: seed)
  }

  /// Steps the wrapped environment; sets `truncated` when the limit is reached.
  public mutating func step(_ action: Base.Action) -> Step<Base.Observation> {
    var result = base.step(action)
    elapsedSteps += 1
    if elapsedSteps >= maxEpisodeSteps { result.truncated = true }
    return result
  }
}
