import Foundation
import SeededRandom
import TensorModule

// The forward pass, the rollout targets and the loss terms of `GPOAgent.update`.
extension GPOAgent {
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

  /// GAE per stream over the steps of `batch`, bootstrapped from `batch.bootstrapGraph` when
  /// the last step neither terminated nor was truncated.
  ///
  /// - Throws: `RLInputError` for an empty batch, a batch made for another agent, or a missing
  ///   bootstrap state.
  public func prepareTargets(_ batch: GPOBatch) throws -> GPORolloutTargets {
    let transitions = batch.transitions
    let nextGraph = batch.bootstrapGraph
    let count = transitions.count
    guard count > 0 else {
      throw RLInputError(component: "GPOAgent.update", field: "batch", reason: "empty")
    }
    guard batch.inputCheck == policy.inputCheck else {
      throw RLInputError(
        component: "GPOAgent.update", field: "batch",
        reason: "was made for another agent (topology \(batch.topology), H = "
          + "\(batch.selectedNodes))")
    }
    if config.algorithm == .reinforceTimeBaseline {
      let rewards = transitions.map { $0.nodeReward + $0.serviceReward }
      let ends = transitions.map { $0.terminated || $0.truncated }
      let r = Self.reinforceTargets(
        rewards: rewards, episodeEnds: ends, gamma: config.gamma, baseline: timeBaseline)
      let advantages = config.normAdv ? PPODiagnostics.normalized(r.advantages) : r.advantages
      let zeros = [Float](repeating: 0, count: count)
      return GPORolloutTargets(
        nodeAdvantages: advantages, serviceAdvantages: advantages, nodeReturns: r.returns,
        serviceReturns: r.returns, nodeValues: zeros, serviceValues: zeros)
    }
    let last = transitions[count - 1]
    if !last.terminated && !last.truncated && nextGraph == nil {
      throw RLInputError(
        component: "GPOAgent.update", field: "batch.bootstrapGraph",
        reason: "needed to bootstrap the last step (neither terminated nor truncated)")
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
    let lambda = config.algorithm == .ppo ? config.gaeLambda : 0
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
    // Each stream's advantages are normalized over the whole rollout (not per minibatch).
    func normalized(_ advantages: [Float]) -> [Float] {
      config.normAdv ? PPODiagnostics.normalized(advantages) : advantages
    }
    return GPORolloutTargets(
      nodeAdvantages: normalized(nodeGAE.advantages),
      serviceAdvantages: normalized(serviceGAE.advantages),
      nodeReturns: nodeGAE.returns, serviceReturns: serviceGAE.returns,
      nodeValues: nodeValues, serviceValues: serviceValues)
  }

  /// The loss terms on the steps `indices` of `batch` with the current networks.
  ///
  /// - Parameter targets: `prepareTargets(batch)`.
  /// - Throws: `RLInputError` for an empty or out-of-range index list.
  public func losses(_ batch: GPOBatch, indices: [Int], targets: GPORolloutTargets) throws
    -> GPOLossTerms
  {
    let transitions = batch.transitions
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
    let nodeLogRatio = selectionLogProb - nodeOld
    let nodeLoss = policyLoss(
      logProb: selectionLogProb, logRatio: nodeLogRatio, advantages: nodeAdv)
    var serviceLoss = Tensor(0)
    var serviceLogRatio: Tensor? = nil
    if let serviceLogProb {
      let serviceOld = Tensor(steps.map(\.decision.serviceLogProb))
      let serviceAdv = Tensor(indices.map { targets.serviceAdvantages[$0] })
      let logRatio = serviceLogProb - serviceOld
      serviceLoss = policyLoss(
        logProb: serviceLogProb, logRatio: logRatio, advantages: serviceAdv)
      serviceLogRatio = logRatio
    }
    var entropy = PPOLoss.entropyBonus(entropy: selectionEntropy)
    if let serviceEntropy { entropy = entropy + PPOLoss.entropyBonus(entropy: serviceEntropy) }

    // Eq. 6 with CleanRL's ½: ½ MSE of the node critic plus that of the service critic.
    let nodeReturns = Tensor(indices.map { targets.nodeReturns[$0] })
    var valueLoss = PPOLoss.unclippedValueLoss(values: out.nodeValue, returns: nodeReturns)
    if config.variant.usesDualCritic {
      let serviceReturns = Tensor(indices.map { targets.serviceReturns[$0] })
      valueLoss =
        valueLoss + PPOLoss.unclippedValueLoss(values: out.serviceValue, returns: serviceReturns)
    }
    let policyTerm = nodeLoss + serviceLoss
    let entropyTerm = entropy * config.entCoef
    // REINFORCE trains no critic.
    let valueTerm =
      config.algorithm == .reinforceTimeBaseline ? Tensor(0) : valueLoss * config.vfCoef
    let total = policyTerm - entropyTerm + valueTerm

    let logRatios = nodeLogRatio.scalars + (serviceLogRatio?.scalars ?? [])
    return GPOLossTerms(
      nodePolicyLoss: nodeLoss, servicePolicyLoss: serviceLoss, entropy: entropy,
      valueLoss: valueLoss, total: total, nodeRatios: nodeLogRatio.exp().scalars,
      serviceRatios: serviceLogRatio?.exp().scalars ?? [],
      approxKL: PPODiagnostics.approxKL(logRatios: logRatios),
      clipFraction: PPODiagnostics.clipFraction(logRatios: logRatios, clipCoef: config.clipCoef))
  }

  /// The PPO clipped surrogate (`PPOLoss.clippedSurrogate`), or for A2C and REINFORCE the
  /// vanilla policy gradient `−mean(A · log π)` (`PPOLoss.policyGradient`).
  ///
  /// - Parameters:
  ///   - logProb: `log π_new` `[batch]`, tracking gradients.
  ///   - logRatio: `log π_new − log π_old` `[batch]`.
  ///   - advantages: `[batch]`, detached.
  func policyLoss(logProb: Tensor, logRatio: Tensor, advantages: Tensor) -> Tensor {
    if config.algorithm != .ppo {
      return PPOLoss.policyGradient(logProbs: logProb, advantages: advantages)
    }
    return PPOLoss.clippedSurrogate(
      ratio: logRatio.exp(), advantages: advantages, clipCoef: config.clipCoef)
  }
}

extension GPOAgent {
  /// REINFORCE targets with a time baseline: per episode (a step with `episodeEnds[t]` ends
  /// one), the discounted return-to-go `G_t = r_t + γ·G_{t+1}` (0 after an episode's end: no
  /// bootstrap), the step's index within its episode, and `A_t = G_t − b[k_t]` with `b[k]` the
  /// baseline at step index `k` (0 where there is none yet).
  public static func reinforceTargets(
    rewards: [Float], episodeEnds: [Bool], gamma: Float, baseline: [Float]
  ) -> (returns: [Float], advantages: [Float], stepIndex: [Int]) {
    let n = rewards.count
    var returns = [Float](repeating: 0, count: n)
    var following: Float = 0
    for t in stride(from: n - 1, through: 0, by: -1) {
      if episodeEnds[t] { following = 0 }
      following = rewards[t] + gamma * following
      returns[t] = following
    }
    var stepIndex = [Int](repeating: 0, count: n)
    var k = 0
    for t in 0..<n {
      stepIndex[t] = k
      k = episodeEnds[t] ? 0 : k + 1
    }
    let advantages = (0..<n).map { t in
      returns[t] - (stepIndex[t] < baseline.count ? baseline[stepIndex[t]] : 0)
    }
    return (returns, advantages, stepIndex)
  }
}
