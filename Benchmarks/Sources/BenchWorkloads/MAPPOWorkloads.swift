import Envs
import KMPS
import RL
import SeededRandom
import TensorModule

/// Sizes shared by every benchmark workload and by the Python references
/// (`reference/workloads.py` mirrors these numbers; change both together).
public enum BenchShapes {
  /// Features of one row of the PPO epoch and matmul workloads.
  public static let observationFeatures = 175
  /// Outputs of the PPO epoch workload's actor.
  public static let actionCount = 13
  /// PPO epoch actor: 175 → 256 → 128 → 32 → 13, ReLU hidden, ReLU + 1 output head.
  public static let actorSizes = [observationFeatures, 256, 128, 32, actionCount]
  /// PPO epoch critic: 175 → 256 → 128 → 64 → 32 → 1, ReLU hidden, linear output.
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

/// The network shapes of the paper's KMPS dispatcher in the fig7 environment, built by the
/// `KMPS` library itself (`DispatchTraining.makeLearner` for the KMPS series): the paper's
/// flat actor 256-128-32 and its centralized critic on the global state + eAP one-hot, which
/// the PyTorch/numpy references mirror. (fig7's default actor is now the per-target scorer,
/// `DispatchActor.perTarget`; its references are not written yet.)
public enum DispatchShapes {
  /// The MAPPO learner with the paper's networks for KMPS in the fig7 environment (seed 1).
  public static func fig7Learner(seed: UInt64 = 1) throws -> MAPPO {
    var config = DispatchTrainingConfig.kmps()
    config.actor = .mlp
    config.mappo.actorHiddenSizes = [256, 128, 32]
    config.centralizedCritic = .globalStateWithAgentID
    config.environment.workload.tracePath = BenchPaths.tracePath
    let env = config.environment(for: .kmps)
    let sim = try EdgeCloudSimulator(config: env, seed: seed)
    return try DispatchTraining.makeLearner(
      series: .kmps, config: config, simulator: sim, seed: seed)
  }

  /// Actor layer sizes, input first (observation → hidden → targets).
  public static var actorSizes: [Int] {
    (try? fig7Learner()).map {
      [$0.observationDim] + $0.config.actorHiddenSizes + [$0.actionCount]
    } ?? []
  }

  /// Critic layer sizes, input first (global state + eAP one-hot → hidden → 1).
  public static var criticSizes: [Int] {
    (try? fig7Learner()).map { [$0.stateDim] + $0.config.criticHiddenSizes + [1] } ?? []
  }
}

/// One sampled MAPPO dispatch decision.
public struct MAPPODecision: Sendable, Equatable {
  /// The sampled target index (edge nodes, then the cloud).
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
  /// Observations, one `[observationDim]` array per decision.
  public let observations: [[Float]]
  /// Critic inputs (global state + eAP one-hot), one `[stateDim]` array per decision.
  public let globalStates: [[Float]]
  /// Validity masks `F`, one `[targets]` array per decision (at least one valid).
  public let masks: [[Bool]]

  /// Builds the fig7 KMPS networks (`DispatchShapes.fig7Learner`) and `count` random inputs of
  /// their sizes from `seed`.
  public init(seed: UInt64 = 7, count: Int = BenchShapes.consecutiveDecisions) throws {
    let learner = try DispatchShapes.fig7Learner(seed: seed)
    policy = learner.policy
    critic = learner.agent.critic.detached()
    var rng = Xoshiro256(seed: seed)
    let features = learner.observationDim
    let stateFeatures = learner.stateDim
    let actions = learner.actionCount
    observations = (0..<count).map { _ in
      Tensor.uniform(shape: [features], low: -1, high: 1, rng: &rng).scalars
    }
    globalStates = (0..<count).map { _ in
      Tensor.uniform(shape: [stateFeatures], low: -1, high: 1, rng: &rng).scalars
    }
    masks = (0..<count).map { _ in
      var mask = (0..<actions).map { _ in rng.nextFloat() < 0.7 }
      mask[Int(rng.next() % UInt64(actions))] = true
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
