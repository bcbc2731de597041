import SeededRandom
import TensorModule

/// One PPO epoch over a 3200×175 batch: for each of 4 shuffled minibatches of 800 rows, the
/// MAPPO actor and critic forward, the clipped-surrogate + entropy + Huber value loss, one
/// `backward()`, global-norm clipping at 0.5 and an Adam step on actor and critic.
///
/// Hyperparameters follow SPEC §4 (clip ε 0.2, Huber δ 1.0, Adam 5e-4) and CleanRL's defaults
/// for the rest (`entCoef` 0.01, `vfCoef` 0.5, `maxGradNorm` 0.5, `numMinibatches` 4).
/// `reference/workloads.py` runs the identical computation in PyTorch.
public struct PPOEpochWorkload: Sendable {
  /// The trainable actor (ReLU + 1 head).
  public private(set) var actor: MLP
  /// The trainable critic.
  public private(set) var critic: MLP
  private var actorOptimizer = Adam(learningRate: 5e-4)
  private var criticOptimizer = Adam(learningRate: 5e-4)
  private var rng: Xoshiro256
  /// `[ppoRows, observationFeatures]` observations.
  let observations: Tensor
  /// `[ppoRows, observationFeatures]` global states for the critic.
  let globalStates: Tensor
  /// `[ppoRows, actionCount]` 0/1 validity masks.
  let masks: Tensor
  /// `[ppoRows, actionCount]` one-hot taken actions.
  let actionsOneHot: Tensor
  /// `[ppoRows, 1]` log-probabilities under the behaviour policy.
  let oldLogProbabilities: Tensor
  /// `[ppoRows, 1]` advantages.
  let advantages: Tensor
  /// `[ppoRows, 1]` value targets.
  let returns: Tensor

  /// Random networks and a random (valid) batch from `seed`.
  public init(seed: UInt64 = 11) {
    var rng = Xoshiro256(seed: seed)
    let (rows, features, actions) =
      (BenchShapes.ppoRows, BenchShapes.observationFeatures, BenchShapes.actionCount)
    actor = MLP(sizes: BenchShapes.actorSizes, outputActivation: .positivePlusOne, rng: &rng)
    critic = MLP(sizes: BenchShapes.criticSizes, rng: &rng)
    observations = .uniform(shape: [rows, features], low: -1, high: 1, rng: &rng)
    globalStates = .uniform(shape: [rows, features], low: -1, high: 1, rng: &rng)
    var maskValues = [Float](repeating: 0, count: rows * actions)
    var oneHot = [Float](repeating: 0, count: rows * actions)
    for r in 0..<rows {
      for a in 0..<actions where rng.nextFloat() < 0.7 { maskValues[r * actions + a] = 1 }
      let taken = Int(rng.next() % UInt64(actions))
      maskValues[r * actions + taken] = 1
      oneHot[r * actions + taken] = 1
    }
    masks = Tensor(shape: [rows, actions], scalars: maskValues)
    actionsOneHot = Tensor(shape: [rows, actions], scalars: oneHot)
    oldLogProbabilities = .uniform(shape: [rows, 1], low: -2.5, high: -1.5, rng: &rng)
    advantages = .normal(shape: [rows, 1], rng: &rng)
    returns = .normal(shape: [rows, 1], rng: &rng)
    self.rng = rng
  }

  /// Runs one epoch and returns the last minibatch's total loss.
  @discardableResult
  public mutating func runEpoch() -> Float {
    let rows = BenchShapes.ppoRows
    let minibatch = BenchShapes.ppoMinibatchRows
    var order = Array(0..<rows)
    order.shuffle(using: &rng)
    var lastLoss: Float = 0
    for start in stride(from: 0, to: rows, by: minibatch) {
      let indices = Array(order[start..<min(start + minibatch, rows)])
      // The loss graph lives only inside `gradients(for:)`, so Adam mutates unshared buffers.
      var (grads, loss) = gradients(for: indices)
      grads.clip(globalNorm: 0.5)
      actorOptimizer.update(&actor, along: grads)
      criticOptimizer.update(&critic, along: grads)
      lastLoss = loss
    }
    return lastLoss
  }

  /// The PPO loss on rows `indices` and its gradients for actor and critic parameters.
  private func gradients(for indices: [Int]) -> (Gradients, Float) {
    let observations = self.observations.gathering(rows: indices)
    let states = globalStates.gathering(rows: indices)
    let mask = masks.gathering(rows: indices)
    let oneHot = actionsOneHot.gathering(rows: indices)
    let oldLogProbabilities = self.oldLogProbabilities.gathering(rows: indices)
    let advantages = self.advantages.gathering(rows: indices)
    let returns = self.returns.gathering(rows: indices)

    let scores = actor(observations)
    let filtered = scores * mask
    let total = filtered.sum(alongAxes: [1], keepingDims: true)
    // log(p ⊙ F / ‖p ⊙ F‖₁), with invalid entries mapped to log 1 = 0 (their probability is 0).
    let logProbabilitiesAll = (filtered + (1 - mask)).log() - total.log()
    let probabilities = filtered / total
    let logProbabilities = (logProbabilitiesAll * oneHot).sum(alongAxes: [1], keepingDims: true)
    let ratio = (logProbabilities - oldLogProbabilities).exp()
    let surrogate = ratio * advantages
    let clippedSurrogate = ratio.clamped(min: 0.8, max: 1.2) * advantages
    let policyLoss = -minimum(surrogate, clippedSurrogate).mean()
    let entropy = -(probabilities * logProbabilitiesAll).sum(alongAxes: [1]).mean()
    let valueLoss = huber(critic(states), returns, delta: 1)
    let loss = policyLoss - 0.01 * entropy + 0.5 * valueLoss
    return (loss.backward(), loss.scalar)
  }
}
