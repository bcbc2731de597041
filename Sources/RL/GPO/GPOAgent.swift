import Foundation
import SeededRandom
import TensorModule

/// Advantages and critic targets of the stored rollout, per stream.
///
/// Single-critic variants use the summed reward and put the same advantages and returns in both
/// streams.
public struct GPORolloutTargets: Sendable {
  /// Advantages for NodeActor (or the joint actor), `[T]`, normalized if `normAdv`.
  public var nodeAdvantages: [Float]
  /// Advantages for ServiceActor, `[T]`, normalized if `normAdv`.
  public var serviceAdvantages: [Float]
  /// Targets of the node critic (or the single critic), `[T]`.
  public var nodeReturns: [Float]
  /// Targets of the service critic, `[T]`.
  public var serviceReturns: [Float]
  /// `V_node(s_t)` at collection, `[T]`.
  public var nodeValues: [Float]
  /// `V_service(s_t)` at collection, `[T]`.
  public var serviceValues: [Float]
}

/// The named loss terms of one minibatch (Eq. 6 and Eq. 7) and their diagnostics.
public struct GPOLossTerms: Sendable {
  /// Clipped surrogate (or A2C) loss of NodeActor / the joint actor.
  public var nodePolicyLoss: Tensor
  /// Clipped surrogate (or A2C) loss of ServiceActor (0 for the joint actor).
  public var servicePolicyLoss: Tensor
  /// Mean entropy of the node selection plus that of the service actions.
  public var entropy: Tensor
  /// Eq. 6 (with CleanRL's ½): ½ MSE of the node critic plus ½ MSE of the service critic (or
  /// of the single critic).
  public var valueLoss: Tensor
  /// `nodePolicyLoss + servicePolicyLoss − entCoef · entropy + vfCoef · valueLoss`.
  public var total: Tensor
  /// `π_node/π_node,old` per transition.
  public var nodeRatios: [Float]
  /// `π_service/π_service,old` per transition.
  public var serviceRatios: [Float]
  /// Mean of `(r − 1) − log r` over both heads (Schulman's k3 KL estimator).
  public var approxKL: Float
  /// Fraction of ratios outside `[1 − ε, 1 + ε]` over both heads.
  public var clipFraction: Float
}

/// What one `update` did, for logs.
public struct GPOUpdateStats: Sendable, Equatable {
  /// Transitions trained on.
  public var transitions: Int
  /// Mean node policy loss over minibatches.
  public var nodePolicyLoss: Float
  /// Mean service policy loss over minibatches.
  public var servicePolicyLoss: Float
  /// Mean critic loss over minibatches.
  public var valueLoss: Float
  /// Mean entropy over minibatches.
  public var entropy: Float
  /// Mean approximate KL over minibatches.
  public var approxKL: Float
  /// Mean clip fraction over minibatches.
  public var clipFraction: Float
  /// Actor gradient norm before clipping (mean over minibatches).
  public var actorGradNorm: Float
  /// Actor learning rate used at the last step.
  public var learningRate: Float
  /// Critic learning rate used at the last step.
  public var criticLearningRate: Float
  /// Explained variance of the node critic's values on the rollout.
  public var explainedVariance: Float
  /// Optimizer steps taken by this update.
  public var minibatchesRun: Int
  /// The node (or joint) policy loss of the first minibatch. Its ratios are 1, so for PPO it
  /// equals `−mean(A_node)` over that minibatch (0 with `normAdv` and one minibatch).
  public var firstMinibatchNodePolicyLoss: Float
  /// The service policy loss of the first minibatch (0 for the joint actor).
  public var firstMinibatchServicePolicyLoss: Float
}

extension GPOUpdateStats: UpdateStatistics {
  /// The statistics under CleanRL's log names where one exists (`policy_loss` is the sum of the
  /// node and service terms; losses, KL and clip fraction are means over the minibatches).
  public var scalars: [(name: String, value: Double)] {
    [
      ("transitions", Double(transitions)),
      ("policy_loss", Double(nodePolicyLoss + servicePolicyLoss)),
      ("node_policy_loss", Double(nodePolicyLoss)),
      ("service_policy_loss", Double(servicePolicyLoss)), ("value_loss", Double(valueLoss)),
      ("entropy", Double(entropy)), ("approx_kl", Double(approxKL)),
      ("clipfrac", Double(clipFraction)), ("grad_norm", Double(actorGradNorm)),
      ("learning_rate", Double(learningRate)),
      ("critic_learning_rate", Double(criticLearningRate)),
      ("explained_variance", Double(explainedVariance)), ("minibatches", Double(minibatchesRun)),
    ]
  }
}

/// The GPO service orchestrator and its ablations (`GPOConfig.variant`).
///
/// The agent acts (`act`) and trains (`update`); its transitions are collected outside, in a
/// `GPOBatch` (see there for the loop; `GPOOrchestration` in `KMPS` is the collector).
///
/// Values are computed at `update` time from the stored states: the weights do not change
/// between acting and updating, so this equals computing them while acting, and keeps `act`
/// down to the encoder and the actors.
public struct GPOAgent: LearningAgent, Sendable {
  /// Hyperparameters.
  public let config: GPOConfig
  /// Sizes.
  public let topology: GPOTopology
  /// Encoder + actors (trainable).
  public private(set) var policy: GPOPolicy
  /// Critics (trainable).
  public private(set) var critics: GPOCritics
  /// A detached snapshot of `policy` used by `act` (refreshed after each update).
  public private(set) var inferencePolicy: GPOPolicy
  /// Optimizer steps taken (drives the learning-rate schedules).
  public private(set) var optimizerSteps: Int = 0
  /// REINFORCE's time baseline: the running mean return at each step index of an episode.
  public private(set) var timeBaseline: [Float] = []
  /// Episodes averaged into each entry of `timeBaseline` (capped at
  /// `config.timeBaselineEpisodes`).
  public private(set) var timeBaselineCounts: [Int] = []
  private var actorOptimizer: Adam
  private var criticOptimizer: Adam
  /// The minibatch shuffles' stream (`update(_:)`).
  private var rng: Xoshiro256

  /// A new agent with parameters drawn from `seed`.
  ///
  /// - Throws: `RLInputError` for an invalid config or topology.
  public init(config: GPOConfig, topology: GPOTopology, seed: UInt64) throws {
    try config.validate()
    guard topology.nodeCount >= 1, topology.nodeFeatureDim >= 1, topology.serviceCount >= 1,
      topology.eapCount >= 1, topology.eapFeatureDim >= 0
    else {
      throw RLInputError(
        component: "GPOAgent", field: "topology", reason: "sizes must be positive: \(topology)")
    }
    guard config.selectedNodes <= topology.nodeCount else {
      throw RLInputError(
        component: "GPOAgent", field: "selectedNodes",
        reason: "H = \(config.selectedNodes) exceeds \(topology.nodeCount) nodes")
    }
    var rng = Xoshiro256(seed: seed)
    self.config = config
    self.topology = topology
    policy = GPOPolicy(config: config, topology: topology, rng: &rng)
    critics = GPOCritics(config: config, topology: topology, rng: &rng)
    inferencePolicy = policy.detached()
    actorOptimizer = Adam(learningRate: config.learningRate)
    criticOptimizer = Adam(learningRate: config.criticLearningRate)
    self.rng = rng.split()
  }

  /// Chooses `H` (node, action) pairs for `graph` with the detached inference policy.
  ///
  /// - Parameters:
  ///   - serviceMask: optional `[N · (2W+1)]` action validity per node.
  ///   - deterministic: arg-max instead of sampling.
  public func act(
    _ graph: GraphInput, serviceMask: [Bool]? = nil, deterministic: Bool = false,
    rng: inout Xoshiro256
  ) throws -> GPODecision {
    try inferencePolicy.act(
      graph, serviceMask: serviceMask, deterministic: deterministic, rng: &rng)
  }

  /// `act` with the inference intermediates in `scratch` (see `GPOPolicy.act`); keep one
  /// scratch per acting loop.
  public func act(
    _ graph: GraphInput, serviceMask: [Bool]? = nil, deterministic: Bool = false,
    scratch: inout InferenceScratch, rng: inout Xoshiro256
  ) throws -> GPODecision {
    try inferencePolicy.act(
      graph, serviceMask: serviceMask, deterministic: deterministic, scratch: &scratch,
      rng: &rng)
  }

  /// Trains on `batch`: PPO epochs over shuffled minibatches, or one full-batch A2C step. The
  /// actor (encoder + actors) and critic optimizers step on their own gradients, each clipped
  /// to `maxGradNorm`, with staircase-decayed learning rates. The batch is read only; the
  /// collector empties it.
  ///
  /// - Throws: `RLInputError` (see `prepareTargets`).
  @discardableResult
  public mutating func update(_ batch: inout GPOBatch) throws -> GPOUpdateStats {
    let targets = try prepareTargets(batch)
    let count = batch.count
    let ppo = config.algorithm == .ppo
    let epochs = ppo ? config.updateEpochs : 1
    var policyIDs = Set<ParameterID>()
    policy.visitParameters { _, p in if let id = p.parameterID { policyIDs.insert(id) } }
    var sums = GPOStatSums()
    for _ in 0..<epochs {
      let minibatches =
        ppo
        ? Minibatches.shuffled(
          count: count, numMinibatches: Swift.min(config.numMinibatches, count), rng: &rng)
        : [Array(0..<count)]
      for indices in minibatches {
        let terms = try losses(batch, indices: indices, targets: targets)
        let grads = terms.total.backward()
        var actorGrads = Gradients()
        var criticGrads = Gradients()
        for id in grads.parameterIDs {
          if policyIDs.contains(id) {
            actorGrads[id: id] = grads[id: id]
          } else {
            criticGrads[id: id] = grads[id: id]
          }
        }
        let actorNorm = actorGrads.clip(globalNorm: config.maxGradNorm)
        criticGrads.clip(globalNorm: config.maxGradNorm)
        actorOptimizer.learningRate = config.actorSchedule.rate(atStep: optimizerSteps)
        criticOptimizer.learningRate = config.criticSchedule.rate(atStep: optimizerSteps)
        sums.add(terms, actorGradNorm: actorNorm)
        actorOptimizer.update(&policy, along: actorGrads)
        criticOptimizer.update(&critics, along: criticGrads)
        optimizerSteps += 1
      }
    }
    inferencePolicy = policy.detached()
    if config.algorithm == .reinforceTimeBaseline { updateTimeBaseline(batch) }
    let returns = targets.nodeReturns
    let explained = PPODiagnostics.explainedVariance(
      predicted: targets.nodeValues, target: returns)
    return GPOUpdateStats(
      transitions: count, nodePolicyLoss: sums.mean(\.nodePolicyLoss),
      servicePolicyLoss: sums.mean(\.servicePolicyLoss), valueLoss: sums.mean(\.valueLoss),
      entropy: sums.mean(\.entropy), approxKL: sums.mean(\.approxKL),
      clipFraction: sums.mean(\.clipFraction), actorGradNorm: sums.mean(\.actorGradNorm),
      learningRate: actorOptimizer.learningRate,
      criticLearningRate: criticOptimizer.learningRate, explainedVariance: explained,
      minibatchesRun: sums.rounds, firstMinibatchNodePolicyLoss: sums.firstNodePolicyLoss,
      firstMinibatchServicePolicyLoss: sums.firstServicePolicyLoss)
  }
}

/// The per-minibatch statistics of one `GPOAgent.update`, summed by name and averaged at the
/// end.
struct GPOStatSums {
  var nodePolicyLoss = 0.0
  var servicePolicyLoss = 0.0
  var valueLoss = 0.0
  var entropy = 0.0
  var approxKL = 0.0
  var clipFraction = 0.0
  var actorGradNorm = 0.0
  /// Minibatches added.
  var rounds = 0
  var firstNodePolicyLoss: Float = 0
  var firstServicePolicyLoss: Float = 0

  /// Adds one minibatch's terms.
  mutating func add(_ terms: GPOLossTerms, actorGradNorm norm: Float) {
    let nodeLoss = terms.nodePolicyLoss.scalar
    let serviceLoss = terms.servicePolicyLoss.scalar
    if rounds == 0 {
      firstNodePolicyLoss = nodeLoss
      firstServicePolicyLoss = serviceLoss
    }
    nodePolicyLoss += Double(nodeLoss)
    servicePolicyLoss += Double(serviceLoss)
    valueLoss += Double(terms.valueLoss.scalar)
    entropy += Double(terms.entropy.scalar)
    approxKL += Double(terms.approxKL)
    clipFraction += Double(terms.clipFraction)
    actorGradNorm += Double(norm)
    rounds += 1
  }

  /// The mean over the minibatches of the sum at `field`.
  func mean(_ field: KeyPath<GPOStatSums, Double>) -> Float {
    Float(self[keyPath: field] / Double(rounds))
  }
}

/// The trainable parts of a GPO agent as one parameter tree (`"policy.*"`, `"critics.*"`), for
/// checkpoints.
struct GPOCheckpointModel: ParameterVisitable {
  var policy: GPOPolicy
  var critics: GPOCritics

  func visitParameters(_ body: (String, Tensor) -> Void) {
    policy.visitParameters { body("policy.\($0)", $1) }
    critics.visitParameters { body("critics.\($0)", $1) }
  }

  mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    policy.updateParameters { body("policy.\($0)", &$1) }
    critics.updateParameters { body("critics.\($0)", &$1) }
  }
}

extension GPOAgent {
  /// Saves the encoder, actors and critics as safetensors (atomically), with the optimizer
  /// step count in the metadata. The optimizer moments are not saved.
  public func saveCheckpoint(to url: URL) throws {
    try Checkpoint.save(
      GPOCheckpointModel(policy: policy, critics: critics), to: url,
      metadata: [
        "algorithm": "GPO", "variant": "\(config.variant)",
        "optimizerSteps": "\(optimizerSteps)",
      ])
  }

  /// Loads weights saved by `saveCheckpoint` into this agent (same config and topology) and
  /// refreshes the inference snapshot.
  ///
  /// - Throws: `CheckpointError` naming the file and every missing or mismatched tensor.
  public mutating func loadCheckpoint(from url: URL) throws {
    var model = GPOCheckpointModel(policy: policy, critics: critics)
    try Checkpoint.load(into: &model, from: url)
    policy = model.policy
    critics = model.critics
    inferencePolicy = policy.detached()
  }
}

extension GPOAgent {
  /// Folds `batch`'s returns into the time baseline: at each step index, a running mean over at
  /// most `config.timeBaselineEpisodes` episodes.
  mutating func updateTimeBaseline(_ batch: GPOBatch) {
    let transitions = batch.transitions
    let r = Self.reinforceTargets(
      rewards: transitions.map { $0.nodeReward + $0.serviceReward },
      episodeEnds: transitions.map { $0.terminated || $0.truncated }, gamma: config.gamma,
      baseline: [])
    for (t, k) in r.stepIndex.enumerated() {
      while timeBaseline.count <= k {
        timeBaseline.append(0)
        timeBaselineCounts.append(0)
      }
      timeBaselineCounts[k] = min(timeBaselineCounts[k] + 1, config.timeBaselineEpisodes)
      timeBaseline[k] += (r.returns[t] - timeBaseline[k]) / Float(timeBaselineCounts[k])
    }
  }
}
