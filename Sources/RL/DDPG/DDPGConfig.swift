/// Hyperparameters of DDPG with CleanRL's `ddpg_continuous_action.py` names and defaults.
public struct DDPGConfig: Codable, Sendable, Equatable {
  /// Adam learning rate of both the actor and the Q network.
  public var learningRate: Float = 3e-4
  /// Parallel environments in the vector env.
  public var numEnvs: Int = 1
  /// Replay buffer capacity (transitions).
  public var bufferSize: Int = 1_000_000
  /// Discount factor γ.
  public var gamma: Float = 0.99
  /// Target smoothing coefficient τ (Polyak averaging).
  public var tau: Float = 0.005
  /// Transitions per sampled minibatch.
  public var batchSize: Int = 256
  /// Standard deviation of the Gaussian exploration noise, in units of the action scale.
  public var explorationNoise: Float = 0.1
  /// Environment steps of uniformly random actions before learning starts.
  public var learningStarts: Int = 25_000
  /// Q-network updates per actor (and target) update.
  public var policyFrequency: Int = 2
  /// Hidden layer widths of the actor and of the Q network (ReLU).
  public var hiddenSizes: [Int] = [256, 256]
  /// Environment steps of the whole run (over all environments).
  public var totalTimesteps: Int = 1_000_000

  /// CleanRL's defaults.
  public init() {}

  /// Throws an `RLInputError` naming the first invalid field.
  public func validate() throws {
    let component = "DDPGConfig"
    for (name, value) in [
      ("numEnvs", numEnvs), ("bufferSize", bufferSize), ("batchSize", batchSize),
      ("policyFrequency", policyFrequency), ("totalTimesteps", totalTimesteps),
    ] where value < 1 {
      throw RLInputError(component: component, field: name, reason: "must be ≥ 1, got \(value)")
    }
    guard learningStarts >= 0 else {
      throw RLInputError(component: component, field: "learningStarts", reason: "must be ≥ 0")
    }
    guard learningRate > 0, learningRate.isFinite else {
      throw RLInputError(component: component, field: "learningRate", reason: "must be > 0")
    }
    for (name, value) in [("gamma", gamma), ("tau", tau)] where !(0...1).contains(value) {
      throw RLInputError(component: component, field: name, reason: "must be in [0, 1]")
    }
    guard explorationNoise >= 0 else {
      throw RLInputError(component: component, field: "explorationNoise", reason: "must be ≥ 0")
    }
    guard !hiddenSizes.isEmpty, hiddenSizes.allSatisfy({ $0 > 0 }) else {
      throw RLInputError(
        component: component, field: "hiddenSizes", reason: "needs positive widths")
    }
  }
}
