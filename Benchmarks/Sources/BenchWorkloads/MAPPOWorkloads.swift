import RL
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
  /// Its log-probability under the filtered policy (Eq. 2).
  public var logProb: Float
  /// The critic's value of the global state.
  public var value: Float
}

/// The batch-1 MAPPO decision path on detached weights, as the KMPS dispatcher runs it:
/// `MAPPOPolicy.act` (actor → Eq. 2 filter → inverse-CDF sample) then the critic, every layer
/// through `MLP.infer` into an `InferenceScratch`, so a warm decision allocates nothing.
public struct MAPPODecisionWorkload: Sendable {
  /// The published actor snapshot with the Eq. 2 context filter.
  public let policy: MAPPOPolicy
  /// The published critic, detached.
  public let critic: MLP
  /// Observations, one `[observationFeatures]` array per decision.
  public let observations: [[Float]]
  /// Global states for the critic, one `[observationFeatures]` array per decision.
  public let globalStates: [[Float]]
  /// Validity masks `F`, one `[actionCount]` array per decision (at least one valid).
  public let masks: [[Bool]]

  /// Builds networks and `count` random inputs from `seed`.
  public init(seed: UInt64 = 7, count: Int = BenchShapes.consecutiveDecisions) {
    var rng = Xoshiro256(seed: seed)
    let actor = MLP(sizes: BenchShapes.actorSizes, outputActivation: .positivePlusOne, rng: &rng)
    policy = MAPPOPolicy(actor: actor, maskMode: .contextFilter, agentIDCount: nil)
    critic = MLP(sizes: BenchShapes.criticSizes, rng: &rng).detached()
    let features = BenchShapes.observationFeatures
    observations = (0..<count).map { _ in
      Tensor.uniform(shape: [features], low: -1, high: 1, rng: &rng).scalars
    }
    globalStates = (0..<count).map { _ in
      Tensor.uniform(shape: [features], low: -1, high: 1, rng: &rng).scalars
    }
    masks = (0..<count).map { _ in
      var mask = (0..<BenchShapes.actionCount).map { _ in rng.nextFloat() < 0.7 }
      mask[Int(rng.next() % UInt64(BenchShapes.actionCount))] = true
      return mask
    }
  }

  /// A scratch already large enough for `decide` and `value` (so the first timed call does not
  /// allocate either).
  public func makeScratch() -> InferenceScratch {
    warmedScratch { scratch, rng in _ = decide(0, scratch: &scratch, rng: &rng) }
  }

  /// One decision for input `index`: actor scores `p` (ReLU + 1 head), probabilities
  /// `p ⊙ F / ‖p ⊙ F‖₁`, an inverse-CDF sample, and the critic's value.
  public func decide(
    _ index: Int, scratch: inout InferenceScratch, rng: inout Xoshiro256
  ) -> MAPPODecision {
    let (action, logProb) = policy.act(
      observation: observations[index], mask: masks[index], agent: 0, scratch: &scratch,
      using: &rng)
    return MAPPODecision(
      action: action, logProb: logProb, value: value(index, scratch: &scratch))
  }

  /// The critic alone on global state `index`.
  public func value(_ index: Int, scratch: inout InferenceScratch) -> Float {
    var value: Float = 0
    globalStates[index].withUnsafeBufferPointer { state in
      withUnsafeMutablePointer(to: &value) { out in
        critic.infer(
          state, rows: 1, into: UnsafeMutableBufferPointer(start: out, count: 1),
          scratch: &scratch)
      }
    }
    return value
  }
}

/// A scratch grown by one untimed call of `body` (its sampling uses a throwaway RNG), so timed
/// calls find it at full size and allocate nothing for it.
func warmedScratch(
  _ body: (inout InferenceScratch, inout Xoshiro256) -> Void
) -> InferenceScratch {
  var scratch = InferenceScratch()
  var rng = Xoshiro256(seed: 0)
  body(&scratch, &rng)
  return scratch
}
