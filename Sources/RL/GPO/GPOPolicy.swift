import SeededRandom
import TensorModule

/// What the actors and critics see of a batch of states.
public struct StateEncoding: Sendable {
  /// One actor input row per node, `[totalNodes, rowDim]`: `[x_n, y_b(n), z_c(n)]` with the GNN,
  /// `[p(s_n), g]` without.
  public var nodeRows: Tensor
  /// Mean node embedding per graph, `[graphs, D]` (the node critic's "global node features").
  public var nodeSummary: Tensor
  /// Global (cluster-level) embedding per graph, `[graphs, D]`.
  public var globalSummary: Tensor
}

/// The no-GNN state encoder of the ablations: each node's raw features projected to `D`
/// (`p(s_n)`, no neighbour information), and one MLP over all node (and eAP) features
/// flattened into a single vector, giving a `D`-dimensional global state `g`.
public struct FlatStateEncoder: ParameterVisitable {
  /// Raw node features → `D`.
  public var nodeProjection: Linear
  /// `[N·F + B·F_e] → hidden… → D`.
  public var global: MLP
  /// Nodes per graph (fixed by the flattened input size).
  public let nodeCount: Int

  /// An encoder for `topology` with fresh parameters.
  public init(
    topology: GPOTopology, embeddingDim: Int, hiddenSizes: [Int], rng: inout Xoshiro256
  ) {
    nodeProjection = Linear(
      inFeatures: topology.nodeFeatureDim, outFeatures: embeddingDim, rng: &rng)
    let flatSize =
      topology.nodeCount * topology.nodeFeatureDim + topology.eapCount * topology.eapFeatureDim
    global = MLP(sizes: [flatSize] + hiddenSizes + [embeddingDim], rng: &rng)
    nodeCount = topology.nodeCount
  }

  /// Encodes a batch whose graphs all have `nodeCount` nodes.
  public func callAsFunction(_ batch: GraphBatch) -> StateEncoding {
    let g = batch.graphCount
    let projected = nodeProjection(batch.nodeFeatures)
    var flat = batch.nodeFeatures.reshaped(to: [g, -1])
    if let eapFeatures = batch.eapFeatures {
      flat = Tensor(concatenating: [flat, eapFeatures.reshaped(to: [g, -1])], alongAxis: 1)
    }
    let globalState = global(flat)
    let rows = Tensor(
      concatenating: [projected, globalState.gathering(rows: batch.nodeGraph)], alongAxis: 1)
    let summary = projected.reshaped(to: [g, nodeCount, -1]).mean(alongAxes: [1])
    return StateEncoding(nodeRows: rows, nodeSummary: summary, globalSummary: globalState)
  }

  /// Visits `"nodeProjection.*"` then `"global.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    nodeProjection.visitParameters { body("nodeProjection.\($0)", $1) }
    global.visitParameters { body("global.\($0)", $1) }
  }

  /// Updates in the order of `visitParameters`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    nodeProjection.updateParameters { body("nodeProjection.\($0)", &$1) }
    global.updateParameters { body("global.\($0)", &$1) }
  }
}

/// One orchestration decision: `H` (node, action) pairs and their log-probabilities.
public struct GPODecision: Sendable, Equatable {
  /// The chosen nodes with their ServiceActor actions, in draw order.
  public var choices: [OrchestrationChoice]
  /// `log π_node(ordered node choice)`; for the joint-actor variant, the joint log-probability.
  public var nodeLogProb: Float
  /// `Σ_j log π_service(action_j | node_j)`; 0 for the joint-actor variant.
  public var serviceLogProb: Float

  /// Creates a decision.
  public init(choices: [OrchestrationChoice], nodeLogProb: Float, serviceLogProb: Float) {
    self.choices = choices
    self.nodeLogProb = nodeLogProb
    self.serviceLogProb = serviceLogProb
  }
}

/// A node and the action chosen for it (`0` = nothing, `1…W` add, `W+1…2W` remove; see
/// `ServiceAdjustment`).
public struct OrchestrationChoice: Sendable, Hashable, Codable {
  /// Node index in `0..<N`.
  public var node: Int
  /// Action index in `0..<2W+1`.
  public var action: Int

  /// Creates a choice.
  public init(node: Int, action: Int) {
    self.node = node
    self.action = action
  }
}

/// The acting part of an orchestration agent: state encoder and actors.
///
/// A `detached()` copy records no graph and is the fast batch-1 inference path (`act`), safe
/// to hand to another thread.
public struct GPOPolicy: ParameterVisitable {
  /// The variant this policy implements.
  public let variant: GPOVariant
  /// The sizes it was built for.
  public let topology: GPOTopology
  /// `H`.
  public let selectedNodes: Int
  /// The hierarchical GNN (GNN variants).
  public var gnn: HierarchicalEncoder?
  /// The flat encoder (no-GNN variants).
  public var flat: FlatStateEncoder?
  /// NodeActor, `[rows, rowDim] → [rows, 1]` (dual-actor variants).
  public var nodeActor: MLP?
  /// ServiceActor, `[rows, rowDim] → [rows, 2W+1]` (dual-actor variants).
  public var serviceActor: MLP?
  /// The joint actor, `[rows, rowDim] → [rows, 2W+1]` scored over all N×(2W+1) pairs.
  public var jointActor: MLP?

  /// A policy with fresh parameters.
  public init(config: GPOConfig, topology: GPOTopology, rng: inout Xoshiro256) {
    variant = config.variant
    self.topology = topology
    selectedNodes = config.selectedNodes
    let d = config.encoder.embeddingDim
    let rowDim: Int
    if config.variant.usesGNN {
      gnn = HierarchicalEncoder(
        nodeFeatureDim: topology.nodeFeatureDim, eapFeatureDim: topology.eapFeatureDim,
        config: config.encoder, rng: &rng)
      rowDim = 3 * d
    } else {
      flat = FlatStateEncoder(
        topology: topology, embeddingDim: d, hiddenSizes: config.flatHiddenSizes, rng: &rng)
      rowDim = 2 * d
    }
    let hidden = config.actorHiddenSizes
    // Small output weights start every head near the uniform distribution.
    let head = Initializer.orthogonal(gain: 0.01)
    if config.variant.usesJointActor {
      jointActor = MLP(
        sizes: [rowDim] + hidden + [topology.actionCount], outputInitializer: head, rng: &rng)
    } else {
      nodeActor = MLP(sizes: [rowDim] + hidden + [1], outputInitializer: head, rng: &rng)
      serviceActor = MLP(
        sizes: [rowDim] + hidden + [topology.actionCount], outputInitializer: head, rng: &rng)
    }
  }

  /// Encodes a batch of states.
  public func encode(_ batch: GraphBatch) -> StateEncoding {
    if let flat { return flat(batch) }
    let embedding = gnn!(batch)
    let rows = Tensor(
      concatenating: [
        embedding.nodes, embedding.eaps.gathering(rows: batch.nodeEAP),
        embedding.clusters.gathering(rows: batch.nodeCluster),
      ], alongAxis: 1)
    let g = batch.graphCount
    let nodeSummary = embedding.nodes.reshaped(to: [g, topology.nodeCount, -1])
      .mean(alongAxes: [1])
    var clustersPerGraph = [Float](repeating: 0, count: g)
    for graph in batch.clusterGraph { clustersPerGraph[graph] += 1 }
    let clusterSum = embedding.clusters.scatterAdding(rows: batch.clusterGraph, count: g)
    let globalSummary = clusterSum / Tensor(shape: [g, 1], scalars: clustersPerGraph)
    return StateEncoding(nodeRows: rows, nodeSummary: nodeSummary, globalSummary: globalSummary)
  }

  /// What a graph and a service mask must satisfy to fit this policy.
  var inputCheck: GPOInputCheck {
    GPOInputCheck(
      topology: topology, selectedNodes: selectedNodes, checksEAPCount: flat != nil,
      allowsNodesWithoutActions: jointActor != nil)
  }

  /// Checks that `graph` and `serviceMask` fit this policy.
  func validate(_ graph: GraphInput, serviceMask: [Bool]?, component: String) throws {
    try inputCheck.validate(graph, serviceMask: serviceMask, component: component)
  }

  /// Chooses `H` nodes and an action for each.
  ///
  /// Call on a `detached()` policy for the fast path (no graph is recorded either way if the
  /// parameters are detached). For the GNN dual-actor variant (`gpo`) this runs the one-graph
  /// inference path: the encoder straight from `graph` (no `GraphBatch`), NodeActor's first
  /// layer split by input block (`[x_n, y_b, z_c]·W = x_n·W_x + y_b·W_y + z_c·W_z`, so the
  /// eAP and cluster parts are computed once per eAP / cluster instead of once per node), and
  /// ServiceActor on the `H` chosen rows only. Its values equal `actReference`'s up to float
  /// summation order.
  ///
  /// - Parameters:
  ///   - graph: the current state.
  ///   - serviceMask: optional `[N · (2W+1)]` validity of each node's actions, row-major.
  ///   - deterministic: take arg-maxes instead of sampling (evaluation).
  /// - Throws: `RLInputError` if the graph or mask does not fit the policy.
  public func act(
    _ graph: GraphInput, serviceMask: [Bool]? = nil, deterministic: Bool = false,
    rng: inout Xoshiro256
  ) throws -> GPODecision {
    var scratch = InferenceScratch()
    return try act(
      graph, serviceMask: serviceMask, deterministic: deterministic, scratch: &scratch, rng: &rng)
  }

  /// `act` with every intermediate of the fast path in `scratch`: the encoder and both actors
  /// allocate nothing once it has grown (the sampled choices still do). Keep one scratch per
  /// acting loop.
  public func act(
    _ graph: GraphInput, serviceMask: [Bool]? = nil, deterministic: Bool = false,
    scratch: inout InferenceScratch, rng: inout Xoshiro256
  ) throws -> GPODecision {
    guard let gnn, let nodeActor, let serviceActor, nodeActor.layers.count >= 2 else {
      return try actReference(
        graph, serviceMask: serviceMask, deterministic: deterministic, rng: &rng)
    }
    try validate(graph, serviceMask: serviceMask, component: "GPOPolicy.act")
    let d = gnn.embeddingDim
    let (n, b, c, h) = (graph.nodeCount, graph.eapCount, graph.clusterCount, selectedNodes)
    let a = topology.actionCount
    let first = nodeActor.layers[0]
    let width = first.outFeatures
    // Buffer layout: encoder | NodeActor layer-0 blocks x, y, z | scores | H service rows |
    // service logits | the actors' hidden scratch.
    let encoderCount = gnn.inferenceBufferCount(for: graph)
    let actorHidden = Swift.max(
      nodeActor.inferenceScratchCount(rows: n, fromLayer: 1),
      serviceActor.inferenceScratchCount(rows: h))
    let total = encoderCount + (n + b + c) * width + n + h * (3 * d + a) + actorHidden
    return try scratch.withBuffer(count: total) { buffer in
      let embedding = gnn.inferenceEmbedding(
        graph, in: UnsafeMutableBufferPointer(rebasing: buffer[0..<encoderCount]))
      let xPart = buffer.baseAddress! + encoderCount
      let yPart = xPart + n * width
      let zPart = yPart + b * width
      let scores = zPart + c * width
      let rows = scores + n
      let logits = rows + h * 3 * d
      let hidden = UnsafeMutableBufferPointer(rebasing: buffer[(total - actorHidden)...])
      // NodeActor layer 0 by input block: [x_n, y_b, z_c]·W = x_n·W_x + y_b·W_y + z_c·W_z, the
      // eAP and cluster parts once per eAP / cluster instead of once per node.
      first.inferBlock(embedding.nodes, rows: n, weightRows: 0..<d, addingBias: true, into: xPart)
      first.inferBlock(
        embedding.eaps, rows: b, weightRows: d..<(2 * d), addingBias: false, into: yPart)
      first.inferBlock(
        embedding.clusters, rows: c, weightRows: (2 * d)..<(3 * d), addingBias: false,
        into: zPart)
      graph.nodeEAP.withUnsafeBufferPointer { nodeEAP in
        graph.eapCluster.withUnsafeBufferPointer { eapCluster in
          for r in 0..<n {
            let row = xPart + r * width
            let yRow = yPart + nodeEAP[r] * width
            let zRow = zPart + eapCluster[nodeEAP[r]] * width
            for j in 0..<width { row[j] = row[j] + yRow[j] + zRow[j] }
          }
        }
      }
      nodeActor.activations[0].apply(
        inPlace: UnsafeMutableBufferPointer(start: xPart, count: n * width))
      nodeActor.infer(xPart, rows: n, into: scores, hidden: hidden, fromLayer: 1)
      // `validate` guarantees every node has a valid action, so all nodes are selectable.
      let (nodes, nodeLogProb) = try SequentialSelection.sample(
        logits: UnsafeBufferPointer(start: scores, count: n), count: h, valid: nil,
        deterministic: deterministic, rng: &rng)
      // ServiceActor rows [x_n, y_b(n), z_c(n)] of the chosen nodes only.
      for (j, node) in nodes.enumerated() {
        let eap = graph.nodeEAP[node]
        let row = rows + j * 3 * d
        row.update(from: embedding.nodes + node * d, count: d)
        (row + d).update(from: embedding.eaps + eap * d, count: d)
        (row + 2 * d).update(from: embedding.clusters + graph.eapCluster[eap] * d, count: d)
      }
      serviceActor.infer(rows, rows: nodes.count, into: logits, hidden: hidden)
      return try sampleServices(
        nodes: nodes, nodeLogProb: nodeLogProb,
        serviceLogits: UnsafeBufferPointer(start: logits, count: nodes.count * a),
        serviceMask: serviceMask, deterministic: deterministic, rng: &rng)
    }
  }

  /// `act` through the general path: `encode(GraphBatch([graph]))` and the actors on all node
  /// rows. Kept as the reference the fast path is tested against.
  func actReference(
    _ graph: GraphInput, serviceMask: [Bool]? = nil, deterministic: Bool = false,
    rng: inout Xoshiro256
  ) throws -> GPODecision {
    try validate(graph, serviceMask: serviceMask, component: "GPOPolicy.act")
    let encoding = encode(try GraphBatch([graph]))
    let a = topology.actionCount
    if let jointActor {
      let logits = jointActor(encoding.nodeRows).scalars
      let (items, logProb) = try SequentialSelection.sample(
        logits: logits, groupSize: a, count: selectedNodes, valid: serviceMask,
        deterministic: deterministic, rng: &rng)
      let choices = items.map { OrchestrationChoice(node: $0 / a, action: $0 % a) }
      return GPODecision(choices: choices, nodeLogProb: logProb, serviceLogProb: 0)
    }
    let scores = nodeActor!(encoding.nodeRows).scalars
    // `validate` guarantees every node has a valid action, so all nodes are selectable.
    let (nodes, nodeLogProb) = try SequentialSelection.sample(
      logits: scores, count: selectedNodes, deterministic: deterministic, rng: &rng)
    let serviceLogits = serviceActor!(encoding.nodeRows.gathering(rows: nodes)).scalars
    return try serviceLogits.withUnsafeBufferPointer {
      try sampleServices(
        nodes: nodes, nodeLogProb: nodeLogProb, serviceLogits: $0, serviceMask: serviceMask,
        deterministic: deterministic, rng: &rng)
    }
  }

  /// One ServiceActor action per chosen node from its logits (`[H, 2W+1]` row-major).
  func sampleServices(
    nodes: [Int], nodeLogProb: Float, serviceLogits: UnsafeBufferPointer<Float>,
    serviceMask: [Bool]?, deterministic: Bool, rng: inout Xoshiro256
  ) throws -> GPODecision {
    let a = topology.actionCount
    var choices: [OrchestrationChoice] = []
    choices.reserveCapacity(nodes.count)
    var serviceLogProb: Float = 0
    for (j, node) in nodes.enumerated() {
      let logits = UnsafeBufferPointer(rebasing: serviceLogits[(j * a)..<((j + 1) * a)])
      let (action, logProb) = try withNodeMask(serviceMask, node: node, actions: a) { valid in
        try SequentialSelection.sample(
          logits: logits, count: 1, valid: valid, deterministic: deterministic, rng: &rng)
      }
      choices.append(OrchestrationChoice(node: node, action: action[0]))
      serviceLogProb += logProb
    }
    return GPODecision(
      choices: choices, nodeLogProb: nodeLogProb, serviceLogProb: serviceLogProb)
  }

  /// Calls `body` with node `node`'s `actions` flags of `mask` (nil when there is no mask).
  private func withNodeMask<R>(
    _ mask: [Bool]?, node: Int, actions: Int, _ body: (UnsafeBufferPointer<Bool>?) throws -> R
  ) rethrows -> R {
    guard let mask else { return try body(nil) }
    return try mask.withUnsafeBufferPointer {
      try body(UnsafeBufferPointer(rebasing: $0[(node * actions)..<((node + 1) * actions)]))
    }
  }

  /// Visits `"gnn.*"` or `"flat.*"`, then the actors (`"nodeActor.*"`, `"serviceActor.*"` or
  /// `"jointActor.*"`).
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    gnn?.visitParameters { body("gnn.\($0)", $1) }
    flat?.visitParameters { body("flat.\($0)", $1) }
    nodeActor?.visitParameters { body("nodeActor.\($0)", $1) }
    serviceActor?.visitParameters { body("serviceActor.\($0)", $1) }
    jointActor?.visitParameters { body("jointActor.\($0)", $1) }
  }

  /// Updates in the order of `visitParameters`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    gnn?.updateParameters { body("gnn.\($0)", &$1) }
    flat?.updateParameters { body("flat.\($0)", &$1) }
    nodeActor?.updateParameters { body("nodeActor.\($0)", &$1) }
    serviceActor?.updateParameters { body("serviceActor.\($0)", &$1) }
    jointActor?.updateParameters { body("jointActor.\($0)", &$1) }
  }
}

/// The value networks: node and service critics, or one critic.
///
/// Inputs are the state encoding's summaries, detached (the paper's gradient blocking: critic
/// gradients never reach the encoder), optionally concatenated with the policy's (detached)
/// action probabilities: the node marginal `σ` `[N]` and the service marginal
/// `Σ_n σ_n π_service(·|n)` `[2W+1]` (for the joint actor, the marginals of the joint
/// distribution).
public struct GPOCritics: ParameterVisitable {
  /// `V_node` (dual-critic variants).
  public var nodeCritic: MLP?
  /// `V_service` (dual-critic variants).
  public var serviceCritic: MLP?
  /// `V` (single-critic variants).
  public var critic: MLP?
  /// Whether the action probabilities are inputs.
  public let usesPolicyProbabilities: Bool

  /// Critics with fresh parameters.
  public init(config: GPOConfig, topology: GPOTopology, rng: inout Xoshiro256) {
    let d = config.encoder.embeddingDim
    let probs = config.criticUsesPolicyProbabilities
    usesPolicyProbabilities = probs
    let hidden = config.criticHiddenSizes
    let nodeIn = d + (probs ? topology.nodeCount : 0)
    let serviceIn = d + (probs ? topology.actionCount : 0)
    if config.variant.usesDualCritic {
      nodeCritic = MLP(sizes: [nodeIn] + hidden + [1], rng: &rng)
      serviceCritic = MLP(sizes: [serviceIn] + hidden + [1], rng: &rng)
    } else {
      critic = MLP(sizes: [nodeIn + serviceIn] + hidden + [1], rng: &rng)
    }
  }

  /// Values `[graphs]` for the node and service streams (equal for a single critic).
  ///
  /// - Parameters:
  ///   - encoding: the state encoding (its summaries are detached here).
  ///   - nodeMarginal: `[graphs, N]`, no graph.
  ///   - serviceMarginal: `[graphs, 2W+1]`, no graph.
  public func values(
    _ encoding: StateEncoding, nodeMarginal: Tensor, serviceMarginal: Tensor
  ) -> (node: Tensor, service: Tensor) {
    let g = encoding.nodeSummary.shape[0]
    var nodeInputs = [encoding.nodeSummary.detached()]
    var serviceInputs = [encoding.globalSummary.detached()]
    if usesPolicyProbabilities {
      nodeInputs.append(nodeMarginal.detached())
      serviceInputs.append(serviceMarginal.detached())
    }
    let nodeInput = Tensor(concatenating: nodeInputs, alongAxis: 1)
    let serviceInput = Tensor(concatenating: serviceInputs, alongAxis: 1)
    if let critic {
      let v = critic(Tensor(concatenating: [nodeInput, serviceInput], alongAxis: 1))
        .reshaped(to: [g])
      return (v, v)
    }
    let vNode = nodeCritic!(nodeInput).reshaped(to: [g])
    let vService = serviceCritic!(serviceInput).reshaped(to: [g])
    return (vNode, vService)
  }

  /// Visits `"nodeCritic.*"`, `"serviceCritic.*"` or `"critic.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    nodeCritic?.visitParameters { body("nodeCritic.\($0)", $1) }
    serviceCritic?.visitParameters { body("serviceCritic.\($0)", $1) }
    critic?.visitParameters { body("critic.\($0)", $1) }
  }

  /// Updates in the order of `visitParameters`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    nodeCritic?.updateParameters { body("nodeCritic.\($0)", &$1) }
    serviceCritic?.updateParameters { body("serviceCritic.\($0)", &$1) }
    critic?.updateParameters { body("critic.\($0)", &$1) }
  }
}

/// What a graph and a service mask must satisfy to fit an orchestration policy: the sizes it
/// was built for, `H`, and enough nodes with a valid action. Shared by `GPOPolicy.act` and
/// `GPOBatch.append`, so a stored transition is checked exactly as an acted one.
struct GPOInputCheck: Sendable, Equatable {
  /// The sizes the policy was built for.
  var topology: GPOTopology
  /// `H`.
  var selectedNodes: Int
  /// The flat encoder's input size fixes the eAP count too.
  var checksEAPCount: Bool
  /// The joint actor accepts nodes without a valid action (it selects among pairs).
  var allowsNodesWithoutActions: Bool

  /// Throws `RLInputError` (attributed to `component`) unless `graph` and `serviceMask` fit.
  func validate(_ graph: GraphInput, serviceMask: [Bool]?, component: String) throws {
    func fail(_ field: String, _ reason: String) -> RLInputError {
      RLInputError(component: component, field: field, reason: reason)
    }
    if graph.nodeCount != topology.nodeCount || graph.featureDim != topology.nodeFeatureDim
      || graph.eapFeatureDim != topology.eapFeatureDim
    {
      throw fail(
        "graph",
        "\(graph.nodeCount) nodes × \(graph.featureDim) features (eAP \(graph.eapFeatureDim)) "
          + "do not match the agent's \(topology.nodeCount) × \(topology.nodeFeatureDim) "
          + "(eAP \(topology.eapFeatureDim))")
    }
    if checksEAPCount && graph.eapCount != topology.eapCount {
      throw fail("graph", "\(graph.eapCount) eAPs, the flat encoder expects \(topology.eapCount)")
    }
    if selectedNodes > graph.nodeCount {
      throw fail("selectedNodes", "H = \(selectedNodes) exceeds \(graph.nodeCount) nodes")
    }
    guard let serviceMask else { return }
    let a = topology.actionCount
    guard serviceMask.count == graph.nodeCount * a else {
      throw fail(
        "serviceMask", "\(serviceMask.count) flags for \(graph.nodeCount) nodes × \(a) actions")
    }
    var usableNodes = 0
    for n in 0..<graph.nodeCount {
      let row = serviceMask[(n * a)..<((n + 1) * a)]
      if row.contains(true) {
        usableNodes += 1
      } else if !allowsNodesWithoutActions {
        throw fail("serviceMask", "node \(n) has no valid action (index 0 = nothing is typical)")
      }
    }
    if usableNodes < selectedNodes {
      throw fail(
        "serviceMask", "only \(usableNodes) nodes have a valid action, H = \(selectedNodes)")
    }
  }
}
