import TensorModule

/// How the policy update estimates its gradient.
public enum GPOAlgorithm: String, Codable, Sendable, Equatable {
  /// PPO: clipped surrogate, several epochs of minibatches, GAE(λ).
  case ppo
  /// Advantage actor-critic: one full-batch gradient step per update on the one-step TD error
  /// `r + γV(s') − V(s)` (GAE with λ = 0), no ratio, no clipping.
  case advantageActorCritic
  /// REINFORCE with a time baseline (KaiS' GPG): Monte-Carlo discounted returns of the summed
  /// reward `u_node + u_service` (an episode's end is not bootstrapped), minus the mean return
  /// earlier episodes had at the same step index; one full-batch step; the critics are not
  /// trained (their loss is left out).
  case reinforceTimeBaseline
}

/// The orchestration agents of Fig. 16 and Fig. 17 as one switch.
///
/// | variant | state encoder | actors | critics | algorithm |
/// |---|---|---|---|---|
/// | `gpo` | hierarchical GNN | NodeActor + ServiceActor | node + service | PPO |
/// | `dualActorDualCriticNoGNN` | flat MLP | NodeActor + ServiceActor | node + service | PPO |
/// | `singleActorCriticGNN` | hierarchical GNN | one joint actor over N×(2W+1) | one | PPO |
/// | `ppoNoGNN` | flat MLP | NodeActor + ServiceActor | one | PPO |
/// | `actorCriticNoGNN` | flat MLP | NodeActor + ServiceActor | one | A2C (one-step TD) |
///
/// Single-critic variants learn from the summed reward `u_node + u_service`.
public enum GPOVariant: String, Codable, Sendable, Equatable, CaseIterable {
  /// Full GPO (Fig. 16 experimental group, Fig. 17 "GPO").
  case gpo
  /// Fig. 16 baseline 1: dual actor, dual critic, no GNN (MLP over flattened node features).
  case dualActorDualCriticNoGNN
  /// Fig. 16 baseline 2: single actor, single critic, with GNN.
  case singleActorCriticGNN
  /// Fig. 17 "PPO": PPO orchestrator without GNN and with one critic.
  case ppoNoGNN
  /// Fig. 17 "AC": advantage actor-critic orchestrator without GNN.
  case actorCriticNoGNN

  /// True when the state goes through the hierarchical GNN encoder.
  public var usesGNN: Bool { self == .gpo || self == .singleActorCriticGNN }
  /// True when one actor scores every (node, action) pair jointly.
  public var usesJointActor: Bool { self == .singleActorCriticGNN }
  /// True for separate node and service critics.
  public var usesDualCritic: Bool { self == .gpo || self == .dualActorDualCriticNoGNN }
  /// The update rule.
  public var algorithm: GPOAlgorithm { self == .actorCriticNoGNN ? .advantageActorCritic : .ppo }
}

/// Hyperparameters of GPO and its ablations (paper values are defaults).
public struct GPOConfig: Codable, Sendable, Equatable {
  /// Which agent of Fig. 16/17.
  public var variant: GPOVariant = .gpo
  /// Sizes of the hierarchical GNN (24-d, hidden 64/32, 3 hops).
  public var encoder = HierarchicalEncoderConfig()
  /// Hidden layers of the flat state MLP of the no-GNN variants (its output is 24-d too).
  public var flatHiddenSizes: [Int] = [64, 32]
  /// Hidden layers of NodeActor, ServiceActor and the joint actor.
  public var actorHiddenSizes: [Int] = [128, 64, 32]
  /// Hidden layers of the critics.
  public var criticHiddenSizes: [Int] = [128, 64, 32]
  /// `H`, nodes selected per decision.
  public var selectedNodes: Int = 2
  /// Critics also see the policy's action probabilities (paper: NodeActor probabilities into
  /// the node critic, ServiceActor probabilities into the service critic).
  public var criticUsesPolicyProbabilities: Bool = true
  /// Initial learning rate of the encoder and actors.
  public var learningRate: Float = 1e-3
  /// Initial learning rate of the critics (half the actor's).
  public var criticLearningRate: Float = 5e-4
  /// Factor applied to both learning rates every `lrDecaySteps` optimizer steps.
  public var lrDecayRate: Float = 0.96
  /// Optimizer steps between learning-rate decays.
  public var lrDecaySteps: Int = 1000
  /// Discount `γ`.
  public var gamma: Float = 0.99
  /// GAE `λ` (PPO only; A2C uses 0).
  public var gaeLambda: Float = 0.95
  /// PPO clip `ε`.
  public var clipCoef: Float = 0.2
  /// Entropy bonus coefficient `β` of Eq. 7.
  public var entCoef: Float = 0.01
  /// Weight of the critic loss (Eq. 6) in the total loss.
  public var vfCoef: Float = 0.5
  /// Global gradient-norm clip, applied separately to actor and critic gradients.
  public var maxGradNorm: Float = 0.5
  /// PPO epochs per update.
  public var updateEpochs: Int = 4
  /// PPO minibatches per epoch.
  public var numMinibatches: Int = 4
  /// Normalize each stream's advantages over the rollout.
  public var normAdv: Bool = true

  /// The update rule when not the variant's own (`reinforceTimeBaseline` for KaiS' GPG on the
  /// GPO networks); nil = `variant.algorithm`.
  public var algorithmOverride: GPOAlgorithm? = nil
  /// Episodes averaged by the REINFORCE time baseline (a running mean over at most this many
  /// recent episodes per step index).
  public var timeBaselineEpisodes: Int = 20

  /// Paper defaults for `variant`.
  public init(variant: GPOVariant = .gpo) { self.variant = variant }

  /// The update rule in use.
  public var algorithm: GPOAlgorithm { algorithmOverride ?? variant.algorithm }

  /// The actor learning-rate schedule.
  public var actorSchedule: LearningRateSchedule {
    .exponentialStaircase(initial: learningRate, decayRate: lrDecayRate, decaySteps: lrDecaySteps)
  }

  /// The critic learning-rate schedule.
  public var criticSchedule: LearningRateSchedule {
    .exponentialStaircase(
      initial: criticLearningRate, decayRate: lrDecayRate, decaySteps: lrDecaySteps)
  }

  /// Checks ranges.
  ///
  /// - Throws: `RLInputError` naming the first bad field.
  public func validate() throws {
    func fail(_ field: String, _ reason: String) -> RLInputError {
      RLInputError(component: "GPOConfig", field: field, reason: reason)
    }
    if selectedNodes < 1 { throw fail("selectedNodes", "must be ≥ 1, got \(selectedNodes)") }
    if encoder.embeddingDim < 1 || encoder.hops < 1 {
      throw fail("encoder", "embeddingDim and hops must be ≥ 1")
    }
    if !(0...1).contains(gamma) { throw fail("gamma", "must be in [0, 1], got \(gamma)") }
    if !(0...1).contains(gaeLambda) {
      throw fail("gaeLambda", "must be in [0, 1], got \(gaeLambda)")
    }
    if !(learningRate > 0) || !(criticLearningRate > 0) {
      throw fail("learningRate", "learning rates must be positive")
    }
    if timeBaselineEpisodes < 1 {
      throw fail("timeBaselineEpisodes", "must be ≥ 1, got \(timeBaselineEpisodes)")
    }
    if lrDecaySteps < 1 { throw fail("lrDecaySteps", "must be ≥ 1, got \(lrDecaySteps)") }
    if updateEpochs < 1 { throw fail("updateEpochs", "must be ≥ 1, got \(updateEpochs)") }
    if numMinibatches < 1 { throw fail("numMinibatches", "must be ≥ 1, got \(numMinibatches)") }
    if !(clipCoef > 0) { throw fail("clipCoef", "must be positive, got \(clipCoef)") }
    if !(maxGradNorm > 0) { throw fail("maxGradNorm", "must be positive, got \(maxGradNorm)") }
  }
}

/// The fixed sizes an orchestration agent is built for.
public struct GPOTopology: Codable, Sendable, Equatable {
  /// Edge nodes `N` (the actors choose among them).
  public var nodeCount: Int
  /// eAPs (used by the flat encoder's input size).
  public var eapCount: Int
  /// Raw features per node.
  public var nodeFeatureDim: Int
  /// Raw features per eAP (0 for none).
  public var eapFeatureDim: Int
  /// Service types `W`; ServiceActor has `2W + 1` actions.
  public var serviceCount: Int

  /// Sizes of a topology.
  public init(
    nodeCount: Int, eapCount: Int, nodeFeatureDim: Int, eapFeatureDim: Int = 0,
    serviceCount: Int
  ) {
    self.nodeCount = nodeCount
    self.eapCount = eapCount
    self.nodeFeatureDim = nodeFeatureDim
    self.eapFeatureDim = eapFeatureDim
    self.serviceCount = serviceCount
  }

  /// `2W + 1`: nothing, add one replica of `w`, remove one replica of `w`.
  public var actionCount: Int { 2 * serviceCount + 1 }

  /// The sizes of `graph`, with `serviceCount` services.
  public init(graph: GraphInput, serviceCount: Int) {
    self.init(
      nodeCount: graph.nodeCount, eapCount: graph.eapCount, nodeFeatureDim: graph.featureDim,
      eapFeatureDim: graph.eapFeatureDim, serviceCount: serviceCount)
  }
}

/// A decoded ServiceActor action.
public enum ServiceAdjustment: Sendable, Hashable, Codable {
  /// Index 0: leave the node as it is.
  case nothing
  /// Index `1 + w`: add one replica of service `w` (0-based).
  case add(service: Int)
  /// Index `1 + W + w`: remove one replica of service `w` (0-based).
  case remove(service: Int)

  /// Decodes an action index in `0..<2W+1`.
  ///
  /// - Throws: `RLInputError` for an index outside that range.
  public init(action: Int, serviceCount: Int) throws {
    guard action >= 0, action <= 2 * serviceCount else {
      throw RLInputError(
        component: "ServiceAdjustment", field: "action",
        reason: "\(action) outside 0...\(2 * serviceCount)")
    }
    if action == 0 {
      self = .nothing
    } else if action <= serviceCount {
      self = .add(service: action - 1)
    } else {
      self = .remove(service: action - 1 - serviceCount)
    }
  }

  /// The action index of this adjustment among `2W + 1`.
  public func action(serviceCount: Int) -> Int {
    switch self {
    case .nothing: return 0
    case .add(let w): return 1 + w
    case .remove(let w): return 1 + serviceCount + w
    }
  }
}
