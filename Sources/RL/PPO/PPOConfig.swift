import TensorModule

/// Hyperparameters of PPO with CleanRL's `ppo.py` names and defaults (CartPole-v1).
public struct PPOConfig: Codable, Sendable, Equatable {
  /// Adam learning rate (initial value when annealed).
  public var learningRate: Float = 2.5e-4
  /// Parallel environments in the vector env.
  public var numEnvs: Int = 4
  /// Steps per environment per rollout.
  public var numSteps: Int = 128
  /// Linearly anneal the learning rate to 0 over the run.
  public var annealLR: Bool = true
  /// Discount factor γ.
  public var gamma: Float = 0.99
  /// GAE λ.
  public var gaeLambda: Float = 0.95
  /// Minibatches per epoch.
  public var numMinibatches: Int = 4
  /// Epochs over each rollout.
  public var updateEpochs: Int = 4
  /// Normalize advantages per minibatch.
  public var normAdv: Bool = true
  /// Surrogate clipping coefficient ε (also the value clipping range).
  public var clipCoef: Float = 0.2
  /// Clip the value loss around the collection-time values.
  public var clipVloss: Bool = true
  /// Entropy bonus coefficient.
  public var entCoef: Float = 0.01
  /// Value loss coefficient.
  public var vfCoef: Float = 0.5
  /// Global gradient-norm clipping threshold.
  public var maxGradNorm: Float = 0.5
  /// Stop the epochs of an update early when approx KL exceeds this (nil: never).
  public var targetKL: Float? = nil
  /// Environment steps of the whole run (over all environments).
  public var totalTimesteps: Int = 500_000
  /// Adam ε.
  public var adamEpsilon: Float = 1e-5
  /// Hidden layer widths of the actor and of the critic.
  public var hiddenSizes: [Int] = [64, 64]
  /// Hidden-layer activation of both networks (CleanRL: tanh; `.relu` is the common other).
  public var activation: Activation = .tanh

  /// CleanRL's defaults.
  public init() {}

  /// Samples per rollout: `numEnvs * numSteps`.
  public var batchSize: Int { numEnvs * numSteps }
  /// Samples per minibatch: `batchSize / numMinibatches`.
  public var minibatchSize: Int { batchSize / numMinibatches }
  /// Rollout + update iterations of the run: `totalTimesteps / batchSize`.
  public var numIterations: Int { totalTimesteps / batchSize }

  /// Throws an `RLInputError` naming the first invalid field.
  public func validate() throws {
    let component = "PPOConfig"
    let positives: [(String, Int)] = [
      ("numEnvs", numEnvs), ("numSteps", numSteps), ("numMinibatches", numMinibatches),
      ("updateEpochs", updateEpochs), ("totalTimesteps", totalTimesteps),
    ]
    for (name, value) in positives where value < 1 {
      throw RLInputError(component: component, field: name, reason: "must be ≥ 1, got \(value)")
    }
    guard numMinibatches <= batchSize else {
      throw RLInputError(
        component: component, field: "numMinibatches",
        reason: "\(numMinibatches) exceeds the batch size \(batchSize)")
    }
    guard totalTimesteps >= batchSize else {
      throw RLInputError(
        component: component, field: "totalTimesteps",
        reason: "\(totalTimesteps) is less than one rollout (\(batchSize) steps)")
    }
    try validatePPOHyperparameters(
      component: component, learningRate: learningRate, gamma: gamma, gaeLambda: gaeLambda,
      clipCoef: clipCoef, maxGradNorm: maxGradNorm)
    guard !hiddenSizes.isEmpty, hiddenSizes.allSatisfy({ $0 > 0 }) else {
      throw RLInputError(
        component: component, field: "hiddenSizes", reason: "needs positive widths")
    }
    if let targetKL, !(targetKL > 0) {
      throw RLInputError(component: component, field: "targetKL", reason: "must be > 0 or nil")
    }
  }
}

/// The range checks every PPO-family config shares; throws `RLInputError` naming the field.
func validatePPOHyperparameters(
  component: String, learningRate: Float, gamma: Float, gaeLambda: Float, clipCoef: Float,
  maxGradNorm: Float
) throws {
    guard learningRate > 0, learningRate.isFinite else {
      throw RLInputError(component: component, field: "learningRate", reason: "must be > 0")
    }
    guard (0...1).contains(gamma) else {
      throw RLInputError(component: component, field: "gamma", reason: "must be in [0, 1]")
    }
    guard (0...1).contains(gaeLambda) else {
      throw RLInputError(component: component, field: "gaeLambda", reason: "must be in [0, 1]")
    }
    guard clipCoef > 0 else {
      throw RLInputError(component: component, field: "clipCoef", reason: "must be > 0")
    }
    guard maxGradNorm > 0 else {
      throw RLInputError(component: component, field: "maxGradNorm", reason: "must be > 0")
    }
}
