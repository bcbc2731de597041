import Foundation
import SeededRandom
import TensorModule

/// One stored orchestration step.
public struct GPOTransition: Sendable {
  /// The state the decision was made in.
  public var graph: GraphInput
  /// The decision taken (with its behaviour log-probabilities).
  public var decision: GPODecision
  /// The action mask used, `[N · (2W+1)]`, or nil.
  public var serviceMask: [Bool]?
  /// `u_node` for this step.
  public var nodeReward: Float
  /// `u_service` for this step.
  public var serviceReward: Float
  /// The next state is terminal (value 0).
  public var terminated: Bool
  /// The episode was cut after this step; `finalGraph` is bootstrapped.
  public var truncated: Bool
  /// The state after a truncated step.
  public var finalGraph: GraphInput?
}

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
  /// Eq. 6: MSE of the node critic plus MSE of the service critic (or the single critic).
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
}

/// The GPO service orchestrator and its ablations (`GPOConfig.variant`).
///
/// Use from a coordinator, once per frame:
///
///     let decision = try agent.act(graph, serviceMask: mask, rng: &rng)
///     // apply decision.choices to the environment, observe u_node and u_service
///     try agent.store(graph, decision: decision, serviceMask: mask,
///                     nodeReward: uNode, serviceReward: uService,
///                     terminated: false, truncated: false)
///     if agent.storedTransitions == 32 { try agent.update(nextGraph: nextGraph, rng: &rng) }
///
/// Values are computed at `update` time from the stored states: the weights do not change
/// between acting and updating, so this equals computing them while acting, and keeps `act`
/// down to the encoder and the actors.
public struct GPOAgent: Sendable {
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
  /// The rollout collected since the last update.
  public private(set) var transitions: [GPOTransition] = []
  /// Optimizer steps taken (drives the learning-rate schedules).
  public private(set) var optimizerSteps: Int = 0
  private var actorOptimizer: Adam
  private var criticOptimizer: Adam

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
  }

  /// Transitions stored since the last update.
  public var storedTransitions: Int { transitions.count }

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

  /// Records one step.
  ///
  /// - Parameters:
  ///   - finalGraph: the state after a truncated step (required when `truncated`).
  /// - Throws: `RLInputError` if the decision or mask does not fit the agent.
  public mutating func store(
    _ graph: GraphInput, decision: GPODecision, serviceMask: [Bool]? = nil, nodeReward: Float,
    serviceReward: Float, terminated: Bool = false, truncated: Bool = false,
    finalGraph: GraphInput? = nil
  ) throws {
    try policy.validate(graph, serviceMask: serviceMask, component: "GPOAgent.store")
    func fail(_ field: String, _ reason: String) -> RLInputError {
      RLInputError(component: "GPOAgent.store", field: field, reason: reason)
    }
    guard decision.choices.count == config.selectedNodes else {
      throw fail("decision", "\(decision.choices.count) choices, H = \(config.selectedNodes)")
    }
    let nodes = decision.choices.map(\.node)
    guard Set(nodes).count == nodes.count,
      nodes.allSatisfy({ $0 >= 0 && $0 < topology.nodeCount }),
      decision.choices.allSatisfy({ $0.action >= 0 && $0.action < topology.actionCount })
    else {
      throw fail("decision", "nodes must be distinct and in range, actions in range: \(decision)")
    }
    guard nodeReward.isFinite, serviceReward.isFinite else {
      throw fail("reward", "rewards must be finite, got \(nodeReward), \(serviceReward)")
    }
    if truncated && !terminated {
      guard let finalGraph else { throw fail("finalGraph", "required when truncated") }
      try policy.validate(finalGraph, serviceMask: nil, component: "GPOAgent.store.finalGraph")
    }
    transitions.append(
      GPOTransition(
        graph: graph, decision: decision, serviceMask: serviceMask, nodeReward: nodeReward,
        serviceReward: serviceReward, terminated: terminated, truncated: truncated,
        finalGraph: finalGraph))
  }

  /// Drops the stored rollout without training.
  public mutating func clearTransitions() { transitions.removeAll() }

  // MARK: forward pass shared by values and losses

  /// Policy heads and values over a batch.
  struct Forward {
    var encoding: StateEncoding
    /// `[G, N]` (dual) or `[G, N·A]` (joint), unmasked.
    var selectionLogits: Tensor
    /// `[G·N, A]`, masked (dual only).
    var serviceLogits: Tensor?
    var nodeValue: Tensor
    var serviceValue: Tensor
  }

  func forward(_ graphs: [GraphInput], masks: [[Bool]?]) throws -> Forward {
    let batch = try GraphBatch(graphs)
    let g = graphs.count
    let n = topology.nodeCount
    let a = topology.actionCount
    let encoding = policy.encode(batch)
    let mask = Self.flatMask(masks, width: n * a)
    if let jointActor = policy.jointActor {
      let logits = jointActor(encoding.nodeRows).reshaped(to: [g, n * a])
      let probs = MaskedLogits.apply(logits.detached(), valid: mask).softmax(alongAxis: -1)
        .reshaped(to: [g, n, a])
      let (vNode, vService) = critics.values(
        encoding, nodeMarginal: probs.sum(alongAxes: [2]),
        serviceMarginal: probs.sum(alongAxes: [1]))
      return Forward(
        encoding: encoding, selectionLogits: logits, serviceLogits: nil, nodeValue: vNode,
        serviceValue: vService)
    }
    let nodeLogits = policy.nodeActor!(encoding.nodeRows).reshaped(to: [g, n])
    let serviceLogits = MaskedLogits.apply(
      policy.serviceActor!(encoding.nodeRows), valid: mask)
    let sigma = nodeLogits.detached().softmax(alongAxis: -1)
    let perNode = serviceLogits.detached().softmax(alongAxis: -1).reshaped(to: [g, n, a])
    let serviceMarginal = (sigma.reshaped(to: [g, n, 1]) * perNode).sum(alongAxes: [1])
    let (vNode, vService) = critics.values(
      encoding, nodeMarginal: sigma, serviceMarginal: serviceMarginal)
    return Forward(
      encoding: encoding, selectionLogits: nodeLogits, serviceLogits: serviceLogits,
      nodeValue: vNode, serviceValue: vService)
  }

  /// Concatenated masks, all-true where a graph has none; nil when no graph has one.
  static func flatMask(_ masks: [[Bool]?], width: Int) -> [Bool]? {
    guard masks.contains(where: { $0 != nil }) else { return nil }
    var flat: [Bool] = []
    flat.reserveCapacity(masks.count * width)
    for mask in masks {
      flat.append(contentsOf: mask ?? [Bool](repeating: true, count: width))
    }
    return flat
  }

  /// `(V_node, V_service)` of `graphs` under the current networks, in chunks.
  func values(_ graphs: [GraphInput], masks: [[Bool]?]) throws -> (
    node: [Float], service: [Float]
  ) {
    var node: [Float] = []
    var service: [Float] = []
    let chunk = 256
    var start = 0
    while start < graphs.count {
      let end = Swift.min(start + chunk, graphs.count)
      let out = try forward(Array(graphs[start..<end]), masks: Array(masks[start..<end]))
      node += out.nodeValue.scalars
      service += out.serviceValue.scalars
      start = end
    }
    return (node, service)
  }

  // MARK: update

  /// GAE per stream over the stored rollout.
  ///
  /// - Parameter nextGraph: the state after the last stored step; required unless that step
  ///   terminated or was truncated.
  /// - Throws: `RLInputError` with no stored steps or a missing bootstrap state.
  public func prepareTargets(nextGraph: GraphInput?) throws -> GPORolloutTargets {
    let count = transitions.count
    guard count > 0 else {
      throw RLInputError(component: "GPOAgent.update", field: "transitions", reason: "empty")
    }
    let last = transitions[count - 1]
    if !last.terminated && !last.truncated {
      guard let nextGraph else {
        throw RLInputError(
          component: "GPOAgent.update", field: "nextGraph",
          reason: "needed to bootstrap the last step (neither terminated nor truncated)")
      }
      try policy.validate(nextGraph, serviceMask: nil, component: "GPOAgent.update.nextGraph")
    }
    // States whose values are needed: every s_t, then the bootstrap states.
    var graphs = transitions.map(\.graph)
    var masks = transitions.map(\.serviceMask)
    var bootstrapIndex = [Int?](repeating: nil, count: count)
    for (t, step) in transitions.enumerated() where !step.terminated {
      if step.truncated, let final = step.finalGraph {
        bootstrapIndex[t] = graphs.count
        graphs.append(final)
        masks.append(nil)
      } else if t == count - 1, let nextGraph {
        bootstrapIndex[t] = graphs.count
        graphs.append(nextGraph)
        masks.append(nil)
      } else {
        bootstrapIndex[t] = t + 1
      }
    }
    let (nodeAll, serviceAll) = try values(graphs, masks: masks)
    let nextNode = bootstrapIndex.map { $0.map { nodeAll[$0] } ?? 0 }
    let nextService = bootstrapIndex.map { $0.map { serviceAll[$0] } ?? 0 }
    let nodeValues = Array(nodeAll[0..<count])
    let serviceValues = Array(serviceAll[0..<count])
    let terminated = transitions.map(\.terminated)
    let truncated = transitions.map(\.truncated)
    let lambda = config.variant.algorithm == .ppo ? config.gaeLambda : 0
    let dual = config.variant.usesDualCritic
    let nodeRewards = transitions.map { dual ? $0.nodeReward : $0.nodeReward + $0.serviceReward }
    let nodeGAE = try GAE.compute(
      rewards: nodeRewards, values: nodeValues, nextValues: nextNode, terminated: terminated,
      truncated: truncated, numEnvs: 1, gamma: config.gamma, lambda: lambda)
    var serviceGAE = nodeGAE
    if dual {
      serviceGAE = try GAE.compute(
        rewards: transitions.map(\.serviceReward), values: serviceValues,
        nextValues: nextService, terminated: terminated, truncated: truncated, numEnvs: 1,
        gamma: config.gamma, lambda: lambda)
    }
    let normalize = config.normAdv && count > 1
    return GPORolloutTargets(
      nodeAdvantages: normalize ? Self.normalized(nodeGAE.advantages) : nodeGAE.advantages,
      serviceAdvantages: normalize
        ? Self.normalized(serviceGAE.advantages) : serviceGAE.advantages,
      nodeReturns: nodeGAE.returns, serviceReturns: serviceGAE.returns,
      nodeValues: nodeValues, serviceValues: serviceValues)
  }

  static func normalized(_ x: [Float]) -> [Float] {
    let n = Double(x.count)
    let mean = x.reduce(0.0) { $0 + Double($1) } / n
    let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    let scale = 1 / (variance.squareRoot() + 1e-8)
    return x.map { Float((Double($0) - mean) * scale) }
  }

  /// The loss terms on the stored transitions `indices` with the current networks.
  ///
  /// - Throws: `RLInputError` for an empty or out-of-range index list.
  public func losses(indices: [Int], targets: GPORolloutTargets) throws -> GPOLossTerms {
    guard !indices.isEmpty, indices.allSatisfy({ $0 >= 0 && $0 < transitions.count }) else {
      throw RLInputError(
        component: "GPOAgent.losses", field: "indices",
        reason: "must be non-empty and within 0..<\(transitions.count)")
    }
    let steps = indices.map { transitions[$0] }
    let g = steps.count
    let n = topology.nodeCount
    let a = topology.actionCount
    let h = config.selectedNodes
    let out = try forward(steps.map(\.graph), masks: steps.map(\.serviceMask))

    // Node selection (or joint selection) log-probabilities and entropy.
    let selectionLogProb: Tensor
    let selectionEntropy: Tensor
    var serviceLogProb: Tensor? = nil
    var serviceEntropy: Tensor? = nil
    if policy.jointActor != nil {
      let chosen = steps.map { $0.decision.choices.map { $0.node * a + $0.action } }
      let mask = Self.flatMask(steps.map(\.serviceMask), width: n * a)
      (selectionLogProb, selectionEntropy) = SequentialSelection.logProbAndEntropy(
        logits: out.selectionLogits, chosen: chosen, groupSize: a, valid: mask)
    } else {
      let chosen = steps.map { $0.decision.choices.map(\.node) }
      (selectionLogProb, selectionEntropy) = SequentialSelection.logProbAndEntropy(
        logits: out.selectionLogits, chosen: chosen)
      var rows: [Int] = []
      var actions: [Int] = []
      for (i, step) in steps.enumerated() {
        for choice in step.decision.choices {
          rows.append(i * n + choice.node)
          actions.append(choice.action)
        }
      }
      let picked = out.serviceLogits!.gathering(rows: rows)
      let (logProb, entropy) = MaskedLogits.logProbAndEntropy(picked, actions: actions)
      serviceLogProb = logProb.reshaped(to: [g, h]).sum(alongAxes: [1])
      serviceEntropy = entropy.reshaped(to: [g, h]).sum(alongAxes: [1])
    }

    let nodeOld = Tensor(steps.map(\.decision.nodeLogProb))
    let nodeAdv = Tensor(indices.map { targets.nodeAdvantages[$0] })
    let (nodeLoss, nodeRatio) = policyLoss(
      logProb: selectionLogProb, oldLogProb: nodeOld, advantages: nodeAdv)
    var serviceLoss = Tensor(0)
    var serviceRatio: Tensor? = nil
    if let serviceLogProb {
      let serviceOld = Tensor(steps.map(\.decision.serviceLogProb))
      let serviceAdv = Tensor(indices.map { targets.serviceAdvantages[$0] })
      (serviceLoss, serviceRatio) = policyLoss(
        logProb: serviceLogProb, oldLogProb: serviceOld, advantages: serviceAdv)
    }
    var entropy = selectionEntropy.mean()
    if let serviceEntropy { entropy = entropy + serviceEntropy.mean() }

    let nodeReturns = Tensor(indices.map { targets.nodeReturns[$0] })
    var valueLoss = mse(out.nodeValue, nodeReturns)
    if config.variant.usesDualCritic {
      let serviceReturns = Tensor(indices.map { targets.serviceReturns[$0] })
      valueLoss = valueLoss + mse(out.serviceValue, serviceReturns)
    }
    let policyTerm = nodeLoss + serviceLoss
    let entropyTerm = entropy * config.entCoef
    let valueTerm = valueLoss * config.vfCoef
    let total = policyTerm - entropyTerm + valueTerm

    let ratios = nodeRatio.scalars + (serviceRatio?.scalars ?? [])
    let kl = ratios.reduce(0.0) { $0 + Double($1 - 1) - log(Double(Swift.max($1, 1e-30))) }
    let clipped = ratios.filter { abs($0 - 1) > config.clipCoef }.count
    return GPOLossTerms(
      nodePolicyLoss: nodeLoss, servicePolicyLoss: serviceLoss, entropy: entropy,
      valueLoss: valueLoss, total: total, nodeRatios: nodeRatio.scalars,
      serviceRatios: serviceRatio?.scalars ?? [], approxKL: Float(kl / Double(ratios.count)),
      clipFraction: Float(clipped) / Float(ratios.count))
  }

  /// The PPO clipped surrogate `mean(max(−A·r, −A·clip(r, 1±ε)))`, or for A2C `−mean(A·log π)`.
  ///
  /// - Returns: the loss and the ratios (detached).
  func policyLoss(logProb: Tensor, oldLogProb: Tensor, advantages: Tensor) -> (Tensor, Tensor) {
    let ratio = (logProb - oldLogProb).exp()
    if config.variant.algorithm == .advantageActorCritic {
      return (-(logProb * advantages).mean(), ratio.detached())
    }
    let eps = config.clipCoef
    let unclipped = -advantages * ratio
    let clipped = -advantages * ratio.clamped(min: 1 - eps, max: 1 + eps)
    return (maximum(unclipped, clipped).mean(), ratio.detached())
  }

  /// Trains on the stored rollout and clears it: PPO epochs over shuffled minibatches, or one
  /// full-batch A2C step. The actor (encoder + actors) and critic optimizers step on their own
  /// gradients, each clipped to `maxGradNorm`, with staircase-decayed learning rates.
  ///
  /// - Parameter nextGraph: the state after the last stored step (see `prepareTargets`).
  @discardableResult
  public mutating func update(nextGraph: GraphInput?, rng: inout Xoshiro256) throws
    -> GPOUpdateStats
  {
    let targets = try prepareTargets(nextGraph: nextGraph)
    let count = transitions.count
    let ppo = config.variant.algorithm == .ppo
    let epochs = ppo ? config.updateEpochs : 1
    let minibatches = ppo ? Swift.min(config.numMinibatches, count) : 1
    var policyIDs = Set<ParameterID>()
    policy.visitParameters { _, p in if let id = p.parameterID { policyIDs.insert(id) } }
    var totals = [Double](repeating: 0, count: 7)
    var rounds = 0
    var order = Array(0..<count)
    for _ in 0..<epochs {
      if ppo { Self.shuffle(&order, rng: &rng) }
      for m in 0..<minibatches {
        let lower = m * count / minibatches
        let upper = (m + 1) * count / minibatches
        let terms = try losses(indices: Array(order[lower..<upper]), targets: targets)
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
        let stats: [Float] = [
          terms.nodePolicyLoss.scalar, terms.servicePolicyLoss.scalar, terms.valueLoss.scalar,
          terms.entropy.scalar, terms.approxKL, terms.clipFraction, actorNorm,
        ]
        for (i, value) in stats.enumerated() { totals[i] += Double(value) }
        rounds += 1
        actorOptimizer.update(&policy, along: actorGrads)
        criticOptimizer.update(&critics, along: criticGrads)
        optimizerSteps += 1
      }
    }
    inferencePolicy = policy.detached()
    let returns = targets.nodeReturns
    let explained = Self.explainedVariance(predicted: targets.nodeValues, target: returns)
    transitions.removeAll()
    let mean = totals.map { Float($0 / Double(rounds)) }
    return GPOUpdateStats(
      transitions: count, nodePolicyLoss: mean[0], servicePolicyLoss: mean[1],
      valueLoss: mean[2], entropy: mean[3], approxKL: mean[4], clipFraction: mean[5],
      actorGradNorm: mean[6], learningRate: actorOptimizer.learningRate,
      criticLearningRate: criticOptimizer.learningRate, explainedVariance: explained)
  }

  static func shuffle(_ x: inout [Int], rng: inout Xoshiro256) {
    guard x.count > 1 else { return }
    for i in stride(from: x.count - 1, to: 0, by: -1) {
      let j = Int(rng.next() % UInt64(i + 1))
      x.swapAt(i, j)
    }
  }

  /// `1 − Var(target − predicted) / Var(target)` (0 when the target is constant).
  static func explainedVariance(predicted: [Float], target: [Float]) -> Float {
    let n = Double(target.count)
    guard n > 1 else { return 0 }
    let meanT = target.reduce(0.0) { $0 + Double($1) } / n
    let varT = target.reduce(0.0) { $0 + (Double($1) - meanT) * (Double($1) - meanT) } / n
    guard varT > 0 else { return 0 }
    let diffs = zip(target, predicted).map { Double($0) - Double($1) }
    let meanD = diffs.reduce(0, +) / n
    let varD = diffs.reduce(0.0) { $0 + ($1 - meanD) * ($1 - meanD) } / n
    return Float(1 - varD / varT)
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
  /// step count in the metadata. The stored rollout and the optimizer moments are not saved.
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
