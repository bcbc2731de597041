import TensorModule

/// Hyperparameters of the synchronous advantage actor-critic (A2C), named like CleanRL's
/// `ppo.py` fields. Defaults are Stable-Baselines3's A2C (5-step returns, `gaeLambda` 1, value
/// coefficient 0.5, gradient norm 0.5) with Adam in place of RMSprop and the A3C paper's entropy
/// coefficient 0.01.
public struct A2CConfig: Codable, Sendable, Equatable {
  /// Adam learning rate.
  public var learningRate: Float = 7e-4
  /// Parallel environments in the vector env.
  public var numEnvs: Int = 8
  /// Steps per environment per rollout (one update per rollout).
  public var numSteps: Int = 5
  /// Discount factor γ.
  public var gamma: Float = 0.99
  /// GAE λ; 1 gives plain n-step returns (bootstrapped at the rollout's end).
  public var gaeLambda: Float = 1
  /// Normalize advantages over the rollout.
  public var normAdv: Bool = false
  /// Entropy bonus coefficient.
  public var entCoef: Float = 0.01
  /// Value loss coefficient.
  public var vfCoef: Float = 0.5
  /// Global gradient-norm clipping threshold.
  public var maxGradNorm: Float = 0.5
  /// Adam ε.
  public var adamEpsilon: Float = 1e-5
  /// One torso for actor and critic (true) or two separate networks (false).
  public var sharedNetwork: Bool = false
  /// Hidden layer widths (of the torso, or of each network when separate).
  public var hiddenSizes: [Int] = [64, 64]
  /// Hidden activation.
  public var activation: Activation = .tanh
  /// Environment steps of the whole run (over all environments).
  public var totalTimesteps: Int = 500_000

  /// Stable-Baselines3's A2C defaults (Adam, entropy coefficient 0.01).
  public init() {}

  /// Samples per rollout and per update: `numEnvs * numSteps`.
  public var batchSize: Int { numEnvs * numSteps }
  /// Rollout + update iterations of the run: `totalTimesteps / batchSize`.
  public var numIterations: Int { totalTimesteps / batchSize }

  /// Throws an `RLInputError` naming the first invalid field.
  public func validate() throws {
    let component = "A2CConfig"
    for (name, value) in [
      ("numEnvs", numEnvs), ("numSteps", numSteps), ("totalTimesteps", totalTimesteps),
    ] where value < 1 {
      throw RLInputError(component: component, field: name, reason: "must be ≥ 1, got \(value)")
    }
    let positives: [(String, Float)] = [
      ("learningRate", learningRate), ("maxGradNorm", maxGradNorm), ("adamEpsilon", adamEpsilon),
    ]
    for (name, value) in positives where !(value > 0 && value.isFinite) {
      throw RLInputError(component: component, field: name, reason: "must be > 0, got \(value)")
    }
    for (name, value) in [("gamma", gamma), ("gaeLambda", gaeLambda)]
    where !(0...1).contains(value) {
      throw RLInputError(component: component, field: name, reason: "must be in [0, 1]")
    }
    for (name, value) in [("entCoef", entCoef), ("vfCoef", vfCoef)] where !(value >= 0) {
      throw RLInputError(component: component, field: name, reason: "must be ≥ 0, got \(value)")
    }
    guard !hiddenSizes.isEmpty, hiddenSizes.allSatisfy({ $0 > 0 }) else {
      throw RLInputError(
        component: component, field: "hiddenSizes", reason: "needs positive widths")
    }
  }
}
