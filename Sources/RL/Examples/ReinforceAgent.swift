import SeededRandom
import TensorModule

/// Hyperparameters of `ReinforceAgent` (CleanRL names).
public struct ReinforceConfig: Codable, Sendable, Equatable {
  /// Adam learning rate.
  public var learningRate: Float = 1e-2
  /// Discount factor γ.
  public var gamma: Float = 0.99
  /// Normalize the returns over the batch (a mean baseline).
  public var normAdv: Bool = true
  /// Hidden layer widths of the policy.
  public var hiddenSizes: [Int] = [32]
  /// Defaults.
  public init() {}
}

/// Complete episodes, in order: what `ReinforceAgent.update` trains on (the last step ends one).
public struct ReinforceBatch: Sendable {
  /// Observations `[count * observationDim]` and actions `[count]`.
  public private(set) var observations: [Float] = [], actions: [Int] = []
  /// Rewards and episode ends `[count]`.
  public private(set) var rewards: [Float] = [], dones: [Bool] = []
  /// An empty batch.
  public init() {}
  /// Appends one step.
  public mutating func append(observation: [Float], action: Int, reward: Float, done: Bool) {
    observations.append(contentsOf: observation)
    actions.append(action)
    rewards.append(reward)
    dones.append(done)
  }
}

/// What one `ReinforceAgent.update` measured.
public struct ReinforceStats: UpdateStatistics, Equatable {
  /// `−mean(A · log π)`, the mean discounted return-to-go.
  public var policyLoss: Float, meanReturn: Float
  /// `("policy_loss", …), ("mean_return", …)`.
  public var scalars: [(name: String, value: Double)] {
    [("policy_loss", Double(policyLoss)), ("mean_return", Double(meanReturn))]
  }
}

/// REINFORCE (Williams 1992) in the `LearningAgent` shape, the smallest complete agent and a
/// template for new ones: `act` samples, the caller collects a `ReinforceBatch`, `update`
/// takes one policy-gradient step on the discounted returns-to-go.
public struct ReinforceAgent: LearningAgent, Sendable {
  /// The hyperparameters.
  public let config: ReinforceConfig
  /// Observation → action logits.
  public var policy: MLP
  /// Adam over `policy`.
  public var optimizer: Adam
  /// An agent whose policy is initialized from `seed`.
  public init(config: ReinforceConfig, observationDim: Int, actionCount: Int, seed: UInt64) {
    var rng = Xoshiro256(seed: seed)
    self.config = config
    policy = MLP(sizes: [observationDim] + config.hiddenSizes + [actionCount], rng: &rng)
    optimizer = Adam(learningRate: config.learningRate)
  }
  /// Samples an action for one observation (a detached policy: no graph).
  public func act(_ observation: [Float], rng: inout Xoshiro256) -> Int {
    let logits = policy.detached()(Tensor(shape: [1, observation.count], scalars: observation))
    return MaskedCategorical(logits: logits).sample(using: &rng)[0]
  }
  /// One gradient step on `batch` (read only; the caller starts the next one).
  public mutating func update(_ batch: inout ReinforceBatch) throws -> ReinforceStats {
    let n = batch.actions.count
    guard n > 0 else { throw RLInputError(component: "Reinforce", field: "batch", reason: "empty") }
    var returns = [Float](repeating: 0, count: n)
    var following: Float = 0  // the return from the next step of the same episode
    for t in stride(from: n - 1, through: 0, by: -1) {
      following = batch.rewards[t] + (batch.dones[t] ? 0 : config.gamma * following)
      returns[t] = following
    }
    let advantages = Tensor(config.normAdv ? PPODiagnostics.normalized(returns) : returns)
    let inputs = Tensor(shape: [n, policy.layers[0].inFeatures], scalars: batch.observations)
    let logProbs = MaskedCategorical(logits: policy(inputs)).logProbability(of: batch.actions)
    let policyLoss = PPOLoss.policyGradient(logProbs: logProbs, advantages: advantages)
    let stats = ReinforceStats(
      policyLoss: policyLoss.scalar, meanReturn: returns.reduce(0, +) / Float(n))
    optimizer.update(&policy, along: policyLoss.backward())
    return stats
  }
}
