import TensorModule

/// One graph observation for the GNN encoders, independent of any environment's types.
///
/// The hierarchy is node → eAP → cluster: every node belongs to one eAP (`nodeEAP`), every eAP
/// to one cluster (`eapCluster`). Node adjacency is a directed edge list: a message flows from
/// `edgeSources[e]` to `edgeTargets[e]`, so an undirected link needs both directions (see
/// `GraphInput.undirected(_:)`). Self-loops are allowed but not added implicitly: Eq. 4 already
/// adds the node's own state through the residual `+ s_n`.
public struct GraphInput: Sendable, Equatable {
  /// Number of nodes `N`.
  public let nodeCount: Int
  /// Features per node `F`.
  public let featureDim: Int
  /// Node features, row-major `[N, F]`.
  public let nodeFeatures: [Float]
  /// Message sources, one per edge, each in `0..<N`.
  public let edgeSources: [Int]
  /// Message targets, one per edge, each in `0..<N`.
  public let edgeTargets: [Int]
  /// The eAP of each node, `[N]`, each in `0..<eapCount`.
  public let nodeEAP: [Int]
  /// The cluster of each eAP, `[eapCount]`, each in `0..<clusterCount`.
  public let eapCluster: [Int]
  /// Number of clusters (the top level; 1 for a single global embedding).
  public let clusterCount: Int
  /// Features per eAP (0 when eAPs carry no features of their own).
  public let eapFeatureDim: Int
  /// eAP features, row-major `[eapCount, eapFeatureDim]` (empty when `eapFeatureDim == 0`).
  public let eapFeatures: [Float]

  /// Number of eAPs.
  public var eapCount: Int { eapCluster.count }
  /// Number of directed edges.
  public var edgeCount: Int { edgeSources.count }

  /// Creates and validates a graph observation.
  ///
  /// - Parameters:
  ///   - nodeFeatures: `[nodeCount, featureDim]` row-major; `nodeCount = nodeFeatures.count /
  ///     featureDim`.
  ///   - featureDim: features per node (≥ 1).
  ///   - edgeSources: message sources (`[E]`).
  ///   - edgeTargets: message targets (`[E]`).
  ///   - nodeEAP: the eAP of each node (`[N]`).
  ///   - eapCluster: the cluster of each eAP (`[B]`); every eAP must own at least one node.
  ///   - clusterCount: clusters; every cluster must own at least one eAP.
  ///   - eapFeatures: optional `[B, eapFeatureDim]` row-major.
  ///   - eapFeatureDim: 0 when `eapFeatures` is empty.
  /// - Throws: `RLInputError` naming the field and the reason.
  public init(
    nodeFeatures: [Float], featureDim: Int, edgeSources: [Int], edgeTargets: [Int],
    nodeEAP: [Int], eapCluster: [Int], clusterCount: Int = 1, eapFeatures: [Float] = [],
    eapFeatureDim: Int = 0
  ) throws {
    func fail(_ field: String, _ reason: String) -> RLInputError {
      RLInputError(component: "GraphInput", field: field, reason: reason)
    }
    guard featureDim >= 1 else { throw fail("featureDim", "must be ≥ 1, got \(featureDim)") }
    guard nodeFeatures.count % featureDim == 0, !nodeFeatures.isEmpty else {
      throw fail(
        "nodeFeatures",
        "\(nodeFeatures.count) values are not a positive multiple of featureDim \(featureDim)")
    }
    let nodeCount = nodeFeatures.count / featureDim
    if let bad = nodeFeatures.firstIndex(where: { !$0.isFinite }) {
      throw fail("nodeFeatures", "value \(nodeFeatures[bad]) at index \(bad) is not finite")
    }
    guard edgeSources.count == edgeTargets.count else {
      throw fail(
        "edgeTargets", "\(edgeTargets.count) targets for \(edgeSources.count) sources")
    }
    for (name, list) in [("edgeSources", edgeSources), ("edgeTargets", edgeTargets)] {
      if let bad = list.firstIndex(where: { $0 < 0 || $0 >= nodeCount }) {
        throw fail(name, "edge \(bad) names node \(list[bad]), outside 0..<\(nodeCount)")
      }
    }
    guard nodeEAP.count == nodeCount else {
      throw fail("nodeEAP", "\(nodeEAP.count) entries for \(nodeCount) nodes")
    }
    let eapCount = eapCluster.count
    guard eapCount >= 1 else { throw fail("eapCluster", "needs at least one eAP") }
    if let bad = nodeEAP.firstIndex(where: { $0 < 0 || $0 >= eapCount }) {
      throw fail("nodeEAP", "node \(bad) names eAP \(nodeEAP[bad]), outside 0..<\(eapCount)")
    }
    guard clusterCount >= 1 else {
      throw fail("clusterCount", "must be ≥ 1, got \(clusterCount)")
    }
    if let bad = eapCluster.firstIndex(where: { $0 < 0 || $0 >= clusterCount }) {
      throw fail(
        "eapCluster", "eAP \(bad) names cluster \(eapCluster[bad]), outside 0..<\(clusterCount)")
    }
    var ownsNode = [Bool](repeating: false, count: eapCount)
    for b in nodeEAP { ownsNode[b] = true }
    if let empty = ownsNode.firstIndex(of: false) {
      throw fail("nodeEAP", "eAP \(empty) owns no node")
    }
    var ownsEAP = [Bool](repeating: false, count: clusterCount)
    for c in eapCluster { ownsEAP[c] = true }
    if let empty = ownsEAP.firstIndex(of: false) {
      throw fail("eapCluster", "cluster \(empty) owns no eAP")
    }
    guard eapFeatureDim >= 0, eapFeatures.count == eapCount * eapFeatureDim else {
      throw fail(
        "eapFeatures",
        "\(eapFeatures.count) values for \(eapCount) eAPs × eapFeatureDim \(eapFeatureDim)")
    }
    if let bad = eapFeatures.firstIndex(where: { !$0.isFinite }) {
      throw fail("eapFeatures", "value \(eapFeatures[bad]) at index \(bad) is not finite")
    }
    self.nodeCount = nodeCount
    self.featureDim = featureDim
    self.nodeFeatures = nodeFeatures
    self.edgeSources = edgeSources
    self.edgeTargets = edgeTargets
    self.nodeEAP = nodeEAP
    self.eapCluster = eapCluster
    self.clusterCount = clusterCount
    self.eapFeatureDim = eapFeatureDim
    self.eapFeatures = eapFeatures
  }

  /// Both directions of every undirected link `(a, b)`: `(sources, targets)` for the
  /// initializer.
  public static func undirected(_ links: [(Int, Int)]) -> (sources: [Int], targets: [Int]) {
    var sources: [Int] = []
    var targets: [Int] = []
    sources.reserveCapacity(2 * links.count)
    targets.reserveCapacity(2 * links.count)
    for (a, b) in links {
      sources.append(a)
      targets.append(b)
      if a != b {
        sources.append(b)
        targets.append(a)
      }
    }
    return (sources, targets)
  }

  /// The same graph with new node features (same shape), e.g. the next frame's state.
  ///
  /// - Throws: `RLInputError` if the count differs from `nodeCount * featureDim`.
  public func withNodeFeatures(_ features: [Float]) throws -> GraphInput {
    guard features.count == nodeCount * featureDim else {
      throw RLInputError(
        component: "GraphInput.withNodeFeatures", field: "features",
        reason: "\(features.count) values for \(nodeCount) nodes × \(featureDim) features")
    }
    return try GraphInput(
      nodeFeatures: features, featureDim: featureDim, edgeSources: edgeSources,
      edgeTargets: edgeTargets, nodeEAP: nodeEAP, eapCluster: eapCluster,
      clusterCount: clusterCount, eapFeatures: eapFeatures, eapFeatureDim: eapFeatureDim)
  }
}

/// A directed edge list over `nodeCount` nodes (messages flow source → target).
public struct EdgeList: Sendable, Equatable {
  /// Message sources, each in `0..<nodeCount`.
  public let sources: [Int]
  /// Message targets, each in `0..<nodeCount`.
  public let targets: [Int]
  /// Number of nodes the indices refer to.
  public let nodeCount: Int

  /// An edge list; indices are validated.
  ///
  /// - Throws: `RLInputError` on mismatched lengths or out-of-range indices.
  public init(sources: [Int], targets: [Int], nodeCount: Int) throws {
    guard sources.count == targets.count else {
      throw RLInputError(
        component: "EdgeList", field: "targets",
        reason: "\(targets.count) targets for \(sources.count) sources")
    }
    guard nodeCount >= 0 else {
      throw RLInputError(component: "EdgeList", field: "nodeCount", reason: "negative")
    }
    for (name, list) in [("sources", sources), ("targets", targets)] {
      if let bad = list.firstIndex(where: { $0 < 0 || $0 >= nodeCount }) {
        throw RLInputError(
          component: "EdgeList", field: name,
          reason: "edge \(bad) names node \(list[bad]), outside 0..<\(nodeCount)")
      }
    }
    self.sources = sources
    self.targets = targets
    self.nodeCount = nodeCount
  }

  /// Trusted initializer for lists built from validated graphs.
  init(validatedSources sources: [Int], targets: [Int], nodeCount: Int) {
    self.sources = sources
    self.targets = targets
    self.nodeCount = nodeCount
  }

  /// `Σ_{e: target(e) = n} messages[source(e)]` for every node `n` (the sum in Eq. 4).
  ///
  /// - Parameter messages: `[nodeCount, D]`, one message per sending node.
  /// - Returns: `[nodeCount, D]`; a node without incoming edges gets zeros.
  public func aggregate(_ messages: Tensor) -> Tensor {
    precondition(
      messages.rank == 2 && messages.shape[0] == nodeCount,
      "EdgeList.aggregate: messages \(messages.shape) for \(nodeCount) nodes")
    if messages.requiresGradient {
      return messages.gathering(rows: sources).scatterAdding(rows: targets, count: nodeCount)
    }
    // Gradient-free path: one fused pass, no `[E, D]` intermediate.
    let width = messages.shape[1]
    let count = nodeCount * width
    let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      guard let target = out.baseAddress else { return }
      target.initialize(repeating: 0, count: count)
      messages.scalars.withUnsafeBufferPointer { src in
        sources.withUnsafeBufferPointer { from in
          targets.withUnsafeBufferPointer { to in
            guard let source = src.baseAddress else { return }
            for e in 0..<from.count {
              let row = target + to[e] * width
              let message = source + from[e] * width
              for j in 0..<width { row[j] += message[j] }
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: [nodeCount, width], scalars: values)
  }
}

/// Several graphs stacked into one block-diagonal graph: node, eAP and cluster indices of graph
/// `g` are offset by the totals of graphs `0..<g`, so one pass of the encoder processes all of
/// them and no message crosses graphs.
public struct GraphBatch: Sendable {
  /// Number of graphs.
  public let graphCount: Int
  /// Node features of all graphs, `[totalNodes, featureDim]`.
  public let nodeFeatures: Tensor
  /// eAP features of all graphs, `[totalEAPs, eapFeatureDim]`; nil when `eapFeatureDim == 0`.
  public let eapFeatures: Tensor?
  /// The block-diagonal node adjacency.
  public let edges: EdgeList
  /// The (offset) eAP of each node, `[totalNodes]`.
  public let nodeEAP: [Int]
  /// The (offset) cluster of each eAP, `[totalEAPs]`.
  public let eapCluster: [Int]
  /// The (offset) cluster of each node, `[totalNodes]`.
  public let nodeCluster: [Int]
  /// The graph of each node, `[totalNodes]`.
  public let nodeGraph: [Int]
  /// The graph of each cluster, `[totalClusters]`.
  public let clusterGraph: [Int]
  /// The first node of each graph, `[graphCount + 1]` (the last entry is `totalNodes`).
  public let nodeOffsets: [Int]
  /// Total eAPs.
  public let eapCount: Int
  /// Total clusters.
  public let clusterCount: Int
  /// Features per node.
  public let featureDim: Int
  /// Features per eAP.
  public let eapFeatureDim: Int

  /// Total nodes.
  public var nodeCount: Int { nodeOffsets[graphCount] }

  /// Stacks `graphs` (at least one; all with the same `featureDim` and `eapFeatureDim`).
  ///
  /// - Throws: `RLInputError` on an empty list or mismatched feature sizes.
  public init(_ graphs: [GraphInput]) throws {
    guard let first = graphs.first else {
      throw RLInputError(component: "GraphBatch", field: "graphs", reason: "empty")
    }
    for (g, graph) in graphs.enumerated()
    where graph.featureDim != first.featureDim || graph.eapFeatureDim != first.eapFeatureDim {
      throw RLInputError(
        component: "GraphBatch", field: "graphs[\(g)]",
        reason: "feature sizes (\(graph.featureDim), \(graph.eapFeatureDim)) differ from "
          + "graph 0's (\(first.featureDim), \(first.eapFeatureDim))")
    }
    let totalNodes = graphs.reduce(0) { $0 + $1.nodeCount }
    var features: [Float] = []
    features.reserveCapacity(totalNodes * first.featureDim)
    var eapFeatures: [Float] = []
    var sources: [Int] = []
    var targets: [Int] = []
    var nodeEAP: [Int] = []
    var nodeCluster: [Int] = []
    var eapCluster: [Int] = []
    var nodeGraph: [Int] = []
    var clusterGraph: [Int] = []
    var nodeOffsets: [Int] = [0]
    nodeEAP.reserveCapacity(totalNodes)
    nodeCluster.reserveCapacity(totalNodes)
    nodeGraph.reserveCapacity(totalNodes)
    var (nodeBase, eapBase, clusterBase) = (0, 0, 0)
    for (g, graph) in graphs.enumerated() {
      features.append(contentsOf: graph.nodeFeatures)
      eapFeatures.append(contentsOf: graph.eapFeatures)
      for s in graph.edgeSources { sources.append(s + nodeBase) }
      for t in graph.edgeTargets { targets.append(t + nodeBase) }
      for b in graph.nodeEAP {
        nodeEAP.append(b + eapBase)
        nodeCluster.append(graph.eapCluster[b] + clusterBase)
        nodeGraph.append(g)
      }
      for c in graph.eapCluster { eapCluster.append(c + clusterBase) }
      for _ in 0..<graph.clusterCount { clusterGraph.append(g) }
      nodeBase += graph.nodeCount
      eapBase += graph.eapCount
      clusterBase += graph.clusterCount
      nodeOffsets.append(nodeBase)
    }
    self.graphCount = graphs.count
    self.nodeFeatures = Tensor(shape: [totalNodes, first.featureDim], scalars: features)
    self.eapFeatures =
      first.eapFeatureDim > 0
      ? Tensor(shape: [eapBase, first.eapFeatureDim], scalars: eapFeatures) : nil
    self.edges = EdgeList(validatedSources: sources, targets: targets, nodeCount: totalNodes)
    self.nodeEAP = nodeEAP
    self.eapCluster = eapCluster
    self.nodeCluster = nodeCluster
    self.nodeGraph = nodeGraph
    self.clusterGraph = clusterGraph
    self.nodeOffsets = nodeOffsets
    self.eapCount = eapBase
    self.clusterCount = clusterBase
    self.featureDim = first.featureDim
    self.eapFeatureDim = first.eapFeatureDim
  }

  /// True when every graph has `count` nodes.
  public func allGraphsHave(nodeCount count: Int) -> Bool {
    (0..<graphCount).allSatisfy { nodeOffsets[$0 + 1] - nodeOffsets[$0] == count }
  }
}
