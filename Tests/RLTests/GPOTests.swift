import Foundation
import RL
import SeededRandom
import TensorModule
import TestSupport
import Testing

/// A contextual-bandit orchestration task on a ring of `nodeCount` nodes. Node features are
/// `[value, demand_0 … demand_{W−1}]`, all uniform in [0, 1). The node reward is the share of
/// the `H` chosen nodes that are among the `H` highest-value nodes; the service reward is the
/// share of choices that add a replica of the chosen node's highest-demand service.
private struct SyntheticOrchestration {
  var nodeCount = 6
  let serviceCount = 3
  let selected = 2
  var featureDim: Int { 1 + serviceCount }

  var topology: GPOTopology {
    GPOTopology(
      nodeCount: nodeCount, eapCount: 2, nodeFeatureDim: featureDim,
      serviceCount: serviceCount)
  }

  func graph(rng: inout Xoshiro256) throws -> GraphInput {
    let features = (0..<(nodeCount * featureDim)).map { _ in rng.nextFloat() }
    let (sources, targets) = GraphInput.undirected(
      (0..<nodeCount).map { ($0, ($0 + 1) % nodeCount) })
    return try GraphInput(
      nodeFeatures: features, featureDim: featureDim, edgeSources: sources,
      edgeTargets: targets, nodeEAP: (0..<nodeCount).map { $0 < nodeCount / 2 ? 0 : 1 },
      eapCluster: [0, 0])
  }

  func rewards(_ decision: GPODecision, _ graph: GraphInput) -> (node: Float, service: Float) {
    let values = (0..<nodeCount).map { graph.nodeFeatures[$0 * featureDim] }
    let best = Set((0..<nodeCount).sorted { values[$0] > values[$1] }.prefix(selected))
    var node: Float = 0
    var service: Float = 0
    for choice in decision.choices {
      if best.contains(choice.node) { node += 1 }
      let base = choice.node * featureDim + 1
      let demands = Array(graph.nodeFeatures[base..<(base + serviceCount)])
      let top = demands.indices.max { demands[$0] < demands[$1] }!
      if choice.action == 1 + top { service += 1 }
    }
    return (node / Float(selected), service / Float(selected))
  }
}

/// Fills `batch` with `steps` bandit steps (each terminal) acted by `agent`.
private func collect(
  _ agent: GPOAgent, into batch: inout GPOBatch, task: SyntheticOrchestration, steps: Int,
  masks: Bool = false, rng: inout Xoshiro256
) throws {
  let a = task.topology.actionCount
  for t in 0..<steps {
    let graph = try task.graph(rng: &rng)
    // Optionally forbid removals on every other step (actions W+1…2W).
    let mask: [Bool]? =
      masks && t % 2 == 0
      ? (0..<(task.nodeCount * a)).map { $0 % a <= task.serviceCount } : nil
    let decision = try agent.act(graph, serviceMask: mask, rng: &rng)
    let (uNode, uService) = task.rewards(decision, graph)
    try batch.append(
      graph, decision: decision, serviceMask: mask, nodeReward: uNode, serviceReward: uService,
      terminated: true)
  }
}

@Suite struct GPOTests {
  @Test func sequentialSelectionLogProbabilityByHand() throws {
    let logits: [Float] = [0, Float(log(2.0)), Float(log(3.0))]  // p = 1/6, 2/6, 3/6
    // Choose 2 then 0: 3/6 · (1 / (1 + 2)) = 1/6.
    let scalar = SequentialSelection.logProbability(logits: logits, chosen: [2, 0])
    #expect(abs(scalar - log(1.0 / 6)) < 1e-6)
    // Batched: row 0 as above; row 1 with item 0 invalid chooses 1 then 2: 2/5 · 1.
    let batch = Tensor(shape: [2, 3], scalars: logits + logits)
    let (logProb, entropy) = SequentialSelection.logProbAndEntropy(
      logits: batch, chosen: [[2, 0], [1, 2]],
      valid: [true, true, true, false, true, true])
    #expect(abs(Double(logProb.scalars[0]) - log(1.0 / 6)) < 1e-5)
    #expect(abs(Double(logProb.scalars[1]) - log(2.0 / 5)) < 1e-5)
    func h(_ p: [Double]) -> Double { -p.reduce(0) { $0 + $1 * log($1) } }
    let entropy0 = h([1.0 / 6, 2.0 / 6, 3.0 / 6]) + h([1.0 / 3, 2.0 / 3])
    let entropy1 = h([2.0 / 5, 3.0 / 5]) + 0
    #expect(abs(Double(entropy.scalars[0]) - entropy0) < 1e-5)
    #expect(abs(Double(entropy.scalars[1]) - entropy1) < 1e-5)
    // Groups of two (joint node × action): item 3 (group 1) then item 1: 4/10 · 2/3.
    let grouped: [Float] = [0, Float(log(2.0)), Float(log(3.0)), Float(log(4.0))]
    let (groupedLogProb, _) = SequentialSelection.logProbAndEntropy(
      logits: Tensor(shape: [1, 4], scalars: grouped), chosen: [[3, 1]], groupSize: 2)
    #expect(abs(Double(groupedLogProb.scalar) - log(4.0 / 15)) < 1e-5)
    #expect(
      abs(
        SequentialSelection.logProbability(logits: grouped, chosen: [3, 1], groupSize: 2)
          - log(4.0 / 15)) < 1e-6)
  }

  @Test func sequentialSamplingMatchesItsProbabilities() throws {
    let logits: [Float] = [0, Float(log(2.0)), Float(log(3.0))]
    var rng = Xoshiro256(seed: 5)
    var counts: [[Int]: Int] = [:]
    let draws = 30_000
    for _ in 0..<draws {
      let (items, logProb) = try SequentialSelection.sample(logits: logits, count: 2, rng: &rng)
      #expect(items[0] != items[1])
      let expected = SequentialSelection.logProbability(logits: logits, chosen: items)
      #expect(abs(Double(logProb) - expected) < 1e-5)
      counts[items, default: 0] += 1
    }
    // P(2, 0) = 1/6, P(0, 1) = 1/6 · 2/5 = 1/15, P(1, 2) = 2/6 · 3/4 = 1/4.
    for (pair, p) in [([2, 0], 1.0 / 6), ([0, 1], 1.0 / 15), ([1, 2], 1.0 / 4)] {
      #expect(abs(Double(counts[pair, default: 0]) / Double(draws) - p) < 0.01, "\(pair)")
    }
    let (greedy, _) = try SequentialSelection.sample(
      logits: logits, count: 3, deterministic: true, rng: &rng)
    #expect(greedy == [2, 1, 0])
    #expect(throws: RLInputError.self) {
      try SequentialSelection.sample(
        logits: logits, count: 2, valid: [true, false, false], rng: &rng)
    }
  }

  @Test(arguments: GPOVariant.allCases)
  func ratioIsOneOnTheFirstMinibatch(variant: GPOVariant) throws {
    let task = SyntheticOrchestration()
    let agent = try GPOAgent(config: GPOConfig(variant: variant), topology: task.topology, seed: 3)
    var rng = Xoshiro256(seed: 17)
    var batch = GPOBatch(for: agent)
    try collect(agent, into: &batch, task: task, steps: 8, masks: true, rng: &rng)
    let targets = try agent.prepareTargets(batch)
    let terms = try agent.losses(batch, indices: [5, 0, 3, 6], targets: targets)
    let ratios = terms.nodeRatios + terms.serviceRatios
    #expect(ratios.count == (variant.usesJointActor ? 4 : 8))
    #expect(ratios.allSatisfy { abs($0 - 1) < 1e-4 }, "\(ratios)")
    #expect(terms.clipFraction == 0 && abs(terms.approxKL) < 1e-6)
    #expect(terms.total.scalar.isFinite)
  }

  /// On the first minibatch the ratios are 1, so each PPO policy loss is `−mean(A)` of its
  /// stream: 0 once the advantages are normalized, `−mean(r − V(s))` without (every step ends
  /// its episode; single-critic variants learn from `u_node + u_service`). One minibatch, so
  /// "the minibatch" is the whole batch whatever the shuffle. Fails when the advantage
  /// normalization is removed.
  @Test(arguments: [GPOVariant.gpo, .dualActorDualCriticNoGNN, .singleActorCriticGNN, .ppoNoGNN])
  func firstMinibatchPolicyLossIsMinusTheMeanAdvantage(variant: GPOVariant) throws {
    let task = SyntheticOrchestration()
    for normAdv in [true, false] {
      var config = GPOConfig(variant: variant)
      config.numMinibatches = 1
      config.updateEpochs = 1
      config.normAdv = normAdv
      var agent = try GPOAgent(config: config, topology: task.topology, seed: 9)
      var batch = GPOBatch(for: agent)
      var rng = Xoshiro256(seed: 23)
      try collect(agent, into: &batch, task: task, steps: 16, masks: true, rng: &rng)
      let targets = try agent.prepareTargets(batch)
      let dual = variant.usesDualCritic
      func rawMean(_ reward: (GPOTransition) -> Float, _ values: [Float]) -> Double {
        zip(batch.transitions, values).reduce(0.0) { $0 + Double(reward($1.0) - $1.1) } / 16
      }
      let nodeMean = rawMean(
        { dual ? $0.nodeReward : $0.nodeReward + $0.serviceReward }, targets.nodeValues)
      let serviceMean = rawMean(\.serviceReward, targets.serviceValues)
      #expect(abs(nodeMean) > 0.05 && (!dual || abs(serviceMean) > 0.01))
      let stats = try agent.update(&batch)
      let node = Double(stats.firstMinibatchNodePolicyLoss)
      let service = Double(stats.firstMinibatchServicePolicyLoss)
      // Ratios are 1 only up to the rounding of batched vs one-graph inference.
      let tolerance = 5e-4
      #expect(abs(node - (normAdv ? 0 : -nodeMean)) < tolerance, "node \(node), \(normAdv)")
      if variant.usesJointActor {
        #expect(service == 0)
      } else {
        let expected = normAdv ? 0 : -(dual ? serviceMean : nodeMean)
        #expect(abs(service - expected) < tolerance, "service \(service), \(normAdv)")
      }
    }
  }

  @Test(arguments: [GPOVariant.gpo, .singleActorCriticGNN, .dualActorDualCriticNoGNN])
  func criticLossSendsNoGradientIntoTheEncoder(variant: GPOVariant) throws {
    let task = SyntheticOrchestration()
    let agent = try GPOAgent(config: GPOConfig(variant: variant), topology: task.topology, seed: 4)
    var rng = Xoshiro256(seed: 18)
    var batch = GPOBatch(for: agent)
    try collect(agent, into: &batch, task: task, steps: 6, rng: &rng)
    let targets = try agent.prepareTargets(batch)
    let terms = try agent.losses(batch, indices: Array(0..<6), targets: targets)
    let encoder = (agent.policy.gnn?.namedParameters ?? agent.policy.flat!.namedParameters)
    let actorHeads = agent.policy.namedParameters.filter {
      $0.name.contains("Actor.")
    }
    #expect(encoder.count >= 4 && !actorHeads.isEmpty)

    let criticGrads = terms.valueLoss.backward()
    for (name, p) in encoder + actorHeads {
      #expect(criticGrads[p] == nil, "critic loss reached \(name)")
    }
    for (name, p) in agent.critics.namedParameters {
      #expect(criticGrads[p] != nil, "critic \(name) got no gradient")
    }
    // The actor loss does train the encoder (so the check above is not vacuous).
    let policyGrads = (terms.nodePolicyLoss + terms.servicePolicyLoss - terms.entropy)
      .backward()
    let encoderNorm = encoder.compactMap { policyGrads[$0.tensor] }
      .reduce(Float(0)) { $0 + $1.scalars.reduce(0) { $0 + $1 * $1 } }
    #expect(encoderNorm > 0)
    for (name, p) in agent.critics.namedParameters {
      #expect(policyGrads[p] == nil, "actor loss reached \(name)")
    }
  }

  @Test(arguments: GPOVariant.allCases)
  func updateTrainsEveryPartAndRespectsMasks(variant: GPOVariant) throws {
    let task = SyntheticOrchestration()
    var config = GPOConfig(variant: variant)
    config.lrDecaySteps = 2
    config.lrDecayRate = 0.5
    var agent = try GPOAgent(config: config, topology: task.topology, seed: 5)
    var rng = Xoshiro256(seed: 19)
    var batch = GPOBatch(for: agent)
    try collect(agent, into: &batch, task: task, steps: 12, masks: true, rng: &rng)
    for step in batch.transitions where step.serviceMask != nil {
      #expect(step.decision.choices.allSatisfy { $0.action <= task.serviceCount })
    }
    let before = agent.policy.namedParameters.map(\.tensor.scalars)
    let criticBefore = agent.critics.namedParameters.map(\.tensor.scalars)
    let stats = try agent.update(&batch)
    let ppo = variant.algorithm == .ppo
    #expect(agent.optimizerSteps == (ppo ? 16 : 1))
    #expect(stats.transitions == 12 && stats.minibatchesRun == agent.optimizerSteps)
    // Staircase: the last step (index 15 or 0) used 1e-3 · 0.5^⌊step / 2⌋.
    let lastStep = ppo ? 15 : 0
    let expected = 1e-3 * pow(0.5, Float(lastStep / 2))
    #expect(abs(stats.learningRate - expected) < 1e-9)
    #expect(abs(stats.criticLearningRate - expected / 2) < 1e-9)
    let after = agent.policy.namedParameters.map(\.tensor.scalars)
    let changed = zip(before, after).filter { $0 != $1 }.count
    #expect(changed == before.count, "only \(changed) of \(before.count) policy tensors moved")
    let criticAfter = agent.critics.namedParameters.map(\.tensor.scalars)
    #expect(zip(criticBefore, criticAfter).allSatisfy { $0 != $1 })
    // The inference snapshot follows the trained weights and records no graph.
    let snapshot = agent.inferencePolicy.namedParameters
    #expect(snapshot.map(\.tensor.scalars) == after)
    #expect(snapshot.allSatisfy { !$0.tensor.requiresGradient })
  }

  @Test func badDecisionsAndGraphsAreRejected() throws {
    let task = SyntheticOrchestration()
    var agent = try GPOAgent(config: GPOConfig(), topology: task.topology, seed: 6)
    var batch = GPOBatch(for: agent)
    var rng = Xoshiro256(seed: 20)
    let graph = try task.graph(rng: &rng)
    let duplicate = GPODecision(
      choices: [.init(node: 1, action: 0), .init(node: 1, action: 2)], nodeLogProb: 0,
      serviceLogProb: 0)
    #expect(throws: RLInputError.self) {
      try batch.append(graph, decision: duplicate, nodeReward: 0, serviceReward: 0)
    }
    let other = try GraphInput(
      nodeFeatures: [Float](repeating: 0, count: 12), featureDim: 4, edgeSources: [],
      edgeTargets: [], nodeEAP: [0, 0, 0], eapCluster: [0])
    #expect(throws: RLInputError.self) { try agent.act(other, rng: &rng) }
    #expect(throws: RLInputError.self) {
      try agent.act(graph, serviceMask: [Bool](repeating: false, count: 42), rng: &rng)
    }
    let decision = try agent.act(graph, rng: &rng)
    #expect(throws: RLInputError.self) { try batch.setBootstrapGraph(other) }
    try batch.append(graph, decision: decision, nodeReward: 1, serviceReward: 0)
    // The last step neither terminated nor was truncated: no bootstrap state, no update.
    #expect(throws: RLInputError.self) { try agent.update(&batch) }
    // A batch made for an agent of another topology is refused.
    let otherTask = SyntheticOrchestration(nodeCount: 5)
    var stranger = try GPOAgent(config: GPOConfig(), topology: otherTask.topology, seed: 6)
    try batch.setBootstrapGraph(graph)
    #expect(throws: RLInputError.self) { try stranger.update(&batch) }
    #expect(try ServiceAdjustment(action: 0, serviceCount: 3) == .nothing)
    #expect(try ServiceAdjustment(action: 3, serviceCount: 3) == .add(service: 2))
    #expect(try ServiceAdjustment(action: 4, serviceCount: 3) == .remove(service: 0))
    #expect(ServiceAdjustment.remove(service: 2).action(serviceCount: 3) == 6)
    #expect(throws: RLInputError.self) { try ServiceAdjustment(action: 7, serviceCount: 3) }
  }

  /// Accuracy of deterministic decisions on fresh graphs: (node share, service share).
  private func evaluate(_ agent: GPOAgent, task: SyntheticOrchestration, seed: UInt64) throws
    -> (node: Float, service: Float)
  {
    var rng = Xoshiro256(seed: seed)
    var node: Float = 0
    var service: Float = 0
    let episodes = 100
    for _ in 0..<episodes {
      let graph = try task.graph(rng: &rng)
      let decision = try agent.act(graph, deterministic: true, rng: &rng)
      let (u, v) = task.rewards(decision, graph)
      node += u
      service += v
    }
    return (node / Float(episodes), service / Float(episodes))
  }

  @Test func gpoLearnsToPickHighValueNodesAndHighDemandServices() throws {
    let task = SyntheticOrchestration()
    var config = GPOConfig()
    config.learningRate = 3e-3
    config.criticLearningRate = 1.5e-3
    var agent = try GPOAgent(config: config, topology: task.topology, seed: 8)
    let initial = try evaluate(agent, task: task, seed: 99)
    var rng = Xoshiro256(seed: 21)
    var batch = GPOBatch(for: agent)
    for _ in 0..<12 {
      try collect(agent, into: &batch, task: task, steps: 64, rng: &rng)
      try agent.update(&batch)
      batch.removeAll()
    }
    let trained = try evaluate(agent, task: task, seed: 99)
    print("GPO synthetic task: initial \(initial), trained \(trained)")
    // Chance: 1/3 of nodes are in the top two, 1/7 of actions is the right one.
    #expect(trained.node >= 0.8, "node accuracy \(trained.node)")
    #expect(trained.service >= 0.6, "service accuracy \(trained.service)")
  }
}
