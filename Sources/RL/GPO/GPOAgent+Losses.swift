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
}
