import SeededRandom
import TensorModule

/// Sizes shared by every benchmark workload and by the Python references
/// (`reference/workloads.py` mirrors these numbers; change both together).
public enum BenchShapes {
  /// Features of one eAP observation (and, for now, of the critic's global state).
  public static let observationFeatures = 175
  /// Dispatch targets of one eAP (actor outputs).
  public static let actionCount = 13
  /// MAPPO actor: 175 → 256 → 128 → 32 → 13, ReLU hidden, ReLU + 1 output head.
  public static let actorSizes = [observationFeatures, 256, 128, 32, actionCount]
  /// MAPPO critic: 175 → 256 → 128 → 64 → 32 → 1, ReLU hidden, linear output.
  public static let criticSizes = [observationFeatures, 256, 128, 64, 32, 1]
  /// Rows of the PPO training batch (one epoch passes over all of them once).
  public static let ppoRows = 3200
  /// Minibatch rows: CleanRL's default `numMinibatches = 4` → 3200 / 4 = 800.
  public static let ppoMinibatchRows = 800
  /// Decisions in the "consecutive decisions" workload (Fig. 8 measures 20).
  public static let consecutiveDecisions = 20
  /// Inferences in the "consecutive GPO inferences" workload (Fig. 17 measures 50).
  public static let consecutiveGPOInferences = 50
}

/// One sampled MAPPO dispatch decision.
public struct MAPPODecision: Sendable, Equatable {
  /// The sampled target index in `0..<BenchShapes.actionCount`.
  public var action: Int
  /// Its probability under the filtered policy (Eq. 2).
  public var probability: Float
  /// The critic's value of the global state.
  public var value: Float
}

/// The batch-1 MAPPO decision path on detached weights: actor → Eq. 2 filter → sample → critic.
///
/// Parameters are detached snapshots (as the learner publishes them to eAPs), so no autograd
/// graph is built; each `Linear` runs one fused bias-prefilled `sgemv` with the activation in
/// place.
public struct MAPPODecisionWorkload: Sendable {
  /// The published actor, detached.
  public let actor: MLP
  /// The published critic, detached.
  public let critic: MLP
  /// Observations, one `[observationFeatures]` array per decision.
  public let observations: [[Float]]
  /// Global states for the critic, one `[observationFeatures]` array per decision.
  public let globalStates: [[Float]]
  /// Validity masks `F`, one `[actionCount]` 0/1 array per decision (at least one 1).
  public let masks: [[Float]]

  /// Builds networks and `count` random inputs from `seed`.
  public init(seed: UInt64 = 7, count: Int = BenchShapes.consecutiveDecisions) {
    var rng = Xoshiro256(seed: seed)
    actor = MLP(
      sizes: BenchShapes.actorSizes, outputActivation: .positivePlusOne, rng: &rng
    ).detached()
    critic = MLP(sizes: BenchShapes.criticSizes, rng: &rng).detached()
    let features = BenchShapes.observationFeatures
    observations = (0..<count).map { _ in
      Tensor.uniform(shape: [features], low: -1, high: 1, rng: &rng).scalars
    }
    globalStates = (0..<count).map { _ in
      Tensor.uniform(shape: [features], low: -1, high: 1, rng: &rng).scalars
    }
    masks = (0..<count).map { _ in
      var mask = (0..<BenchShapes.actionCount).map { _ in rng.nextFloat() < 0.7 ? Float(1) : 0 }
      mask[Int(rng.next() % UInt64(BenchShapes.actionCount))] = 1
      return mask
    }
  }

  /// One decision for input `index`: actor scores `p` (ReLU + 1 head), probabilities
  /// `p ⊙ F / ‖p ⊙ F‖₁`, an inverse-CDF sample, and the critic's value.
  public func decide(_ index: Int, rng: inout Xoshiro256) -> MAPPODecision {
    let features = BenchShapes.observationFeatures
    let scores = actor(Tensor(shape: [1, features], scalars: observations[index]))
    let (action, probability) = MAPPODecisionWorkload.sampleFiltered(
      scores: scores.scalars, mask: masks[index], rng: &rng)
    let value = critic(Tensor(shape: [1, features], scalars: globalStates[index])).scalars[0]
    return MAPPODecision(action: action, probability: probability, value: value)
  }

  /// The critic alone on global state `index`.
  public func value(_ index: Int) -> Float {
    let features = BenchShapes.observationFeatures
    return critic(Tensor(shape: [1, features], scalars: globalStates[index])).scalars[0]
  }

  /// Samples from `p ⊙ F / ‖p ⊙ F‖₁` (Eq. 2) without allocating: the probabilities live in a
  /// stack buffer.
  ///
  /// - Parameters:
  ///   - scores: positive actor outputs `[actionCount]`.
  ///   - mask: 0/1 validity `[actionCount]` with at least one 1.
  /// - Returns: the sampled index and its probability.
  @inlinable
  public static func sampleFiltered(
    scores: [Float], mask: [Float], rng: inout Xoshiro256
  ) -> (Int, Float) {
    let count = scores.count
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { probs in
      var total: Float = 0
      for i in 0..<count {
        probs[i] = scores[i] * mask[i]
        total += probs[i]
      }
      let inverse = 1 / total
      for i in 0..<count { probs[i] *= inverse }
      let u = rng.nextFloat()
      var cumulative: Float = 0
      var chosen = -1
      for i in 0..<count where probs[i] > 0 {
        chosen = i
        cumulative += probs[i]
        if u < cumulative { break }
      }
      return (chosen, probs[chosen])
    }
  }
}
