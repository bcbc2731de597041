import SeededRandom
import TensorModule

/// The benchmark graph: 3 edge clusters × 2 eAPs × 3 edge nodes (18 edge nodes) plus 6 cloud
/// nodes (24 nodes). `reference/workloads.py` builds the same graph with the same rules.
///
/// Directed edges (message `src → dst`): every ordered pair of distinct edge nodes in the same
/// cluster (3 × 30), each edge node ↔ the two cloud nodes `2c`, `2c + 1` of its cluster `c`
/// (18 × 2 × 2), every ordered pair of distinct cloud nodes (30): 192 edges.
/// Grouping for the hierarchy: 6 edge eAPs of 3 nodes each, plus one "cloud" group of the 6
/// cloud nodes (7 groups).
public struct GPOBenchGraph: Sendable {
  /// Total nodes (edge first, then cloud).
  public static let nodeCount = 24
  /// Edge nodes.
  public static let edgeNodeCount = 18
  /// eAP groups (6 edge eAPs + the cloud group).
  public static let groupCount = 7
  /// Source node of each edge.
  public let sources: [Int]
  /// Destination node of each edge.
  public let destinations: [Int]
  /// Group (eAP) of each node.
  public let nodeGroups: [Int]

  /// Builds the fixed topology described above.
  public init() {
    var sources: [Int] = []
    var destinations: [Int] = []
    let edge = GPOBenchGraph.edgeNodeCount
    for cluster in 0..<3 {
      let members = (cluster * 6)..<(cluster * 6 + 6)
      for s in members {
        for d in members where d != s {
          sources.append(s)
          destinations.append(d)
        }
      }
    }
    for node in 0..<edge {
      let cluster = node / 6
      for cloud in [edge + 2 * cluster, edge + 2 * cluster + 1] {
        sources.append(node)
        destinations.append(cloud)
        sources.append(cloud)
        destinations.append(node)
      }
    }
    for s in edge..<GPOBenchGraph.nodeCount {
      for d in edge..<GPOBenchGraph.nodeCount where d != s {
        sources.append(s)
        destinations.append(d)
      }
    }
    self.sources = sources
    self.destinations = destinations
    nodeGroups = (0..<GPOBenchGraph.nodeCount).map { $0 < edge ? $0 / 3 : 6 }
  }
}

/// The chosen GPO orchestration action.
public struct GPOAction: Sendable, Equatable {
  /// The node picked by the NodeActor.
  public var node: Int
  /// The ServiceActor's action in `0..<25` (add/remove one replica of one of 12 services, or
  /// nothing).
  public var serviceAction: Int
}

/// A stand-in for the GPO inference path, composed from TensorModule primitives on detached
/// weights: hierarchical GNN encoder (three node-level hops, eAP and global aggregation) plus
/// NodeActor and ServiceActor heads, and sampling.
///
/// TODO(GNN): when the RL module's hierarchical encoder lands, replace this type with
/// `RL.HierarchicalGNNEncoder` + `RL.GPOPolicy` (NodeActor/ServiceActor) and keep the shapes;
/// the Python reference must then follow the real architecture.
///
/// - Node hop (×3, shared `f₁`, `h₁`): `x ← h₁(scatterAdd(f₁(gather(x, src)), dst)) + s`.
/// - eAP embedding: `y = h₂(scatterAdd(f₂(x), group))` → `[7, 24]`.
/// - Global embedding: `z = h₃(Σ_b f₃(y_b))` → `[1, 24]`.
/// - NodeActor on `[x_n, y_group(n), z]` (72) → 128-64-32 → 1, softmax over the 24 nodes.
/// - ServiceActor on `[z, y flattened]` (24 + 168 = 192) → 128-64-32 → 25, softmax.
/// Every f/h is an MLP `in → 64 → 32 → 24` (ReLU hidden, linear output).
public struct GPOStandInWorkload: Sendable {
  /// Embedding width (the paper's 24-d output; node states `s` also have 24 features so that
  /// `+ s` type-checks).
  public static let embedding = 24
  /// The graph.
  public let graph: GPOBenchGraph
  /// Node-level message and update networks.
  public let f1: MLP, h1: MLP
  /// eAP-level networks.
  public let f2: MLP, h2: MLP
  /// Global (cluster) networks.
  public let f3: MLP, h3: MLP
  /// NodeActor: 72 → 128 → 64 → 32 → 1.
  public let nodeActor: MLP
  /// ServiceActor: 192 → 128 → 64 → 32 → 25.
  public let serviceActor: MLP
  /// Node states, one `[24, 24]` tensor per inference.
  public let nodeStates: [Tensor]

  /// Random detached networks and `count` random node-state tensors from `seed`.
  public init(seed: UInt64 = 13, count: Int = BenchShapes.consecutiveGPOInferences) {
    var rng = Xoshiro256(seed: seed)
    let e = GPOStandInWorkload.embedding
    func encoder(_ input: Int, _ rng: inout Xoshiro256) -> MLP {
      MLP(sizes: [input, 64, 32, e], rng: &rng).detached()
    }
    graph = GPOBenchGraph()
    f1 = encoder(e, &rng)
    h1 = encoder(e, &rng)
    f2 = encoder(e, &rng)
    h2 = encoder(e, &rng)
    f3 = encoder(e, &rng)
    h3 = encoder(e, &rng)
    nodeActor = MLP(sizes: [3 * e, 128, 64, 32, 1], rng: &rng).detached()
    serviceActor = MLP(
      sizes: [e + GPOBenchGraph.groupCount * e, 128, 64, 32, 25], rng: &rng
    ).detached()
    nodeStates = (0..<count).map { _ in
      Tensor.uniform(shape: [GPOBenchGraph.nodeCount, e], low: 0, high: 1, rng: &rng)
    }
  }

  /// Where the node-level message network `f₁` runs.
  public enum MessageOrder: Sendable {
    /// `f₁(gather(x, src))`: once per edge (192 rows), the composition the issue specifies.
    case perEdge
    /// `gather(f₁(x), src)`: once per node (24 rows), then gathered. The same values
    /// (`Σ_{n'∈ζ(n)} f₁(x_{n'})` depends on `x_{n'}` only), 8× fewer `f₁` FLOPs.
    case perNode
  }

  /// One inference on node states `index`: encode, score, sample a node and a service action.
  public func infer(
    _ index: Int, order: MessageOrder = .perEdge, rng: inout Xoshiro256
  ) -> GPOAction {
    let nodes = GPOBenchGraph.nodeCount
    let groups = GPOBenchGraph.groupCount
    let s = nodeStates[index]
    var x = s
    for _ in 0..<3 {
      let messages =
        order == .perEdge
        ? f1(x.gathering(rows: graph.sources)) : f1(x).gathering(rows: graph.sources)
      x = h1(messages.scatterAdding(rows: graph.destinations, count: nodes)) + s
    }
    let y = h2(f2(x).scatterAdding(rows: graph.nodeGroups, count: groups))
    let z = h3(f3(y).sum(alongAxes: [0], keepingDims: true))
    let nodeInput = Tensor(
      concatenating: [
        x, y.gathering(rows: graph.nodeGroups),
        z.gathering(rows: [Int](repeating: 0, count: nodes)),
      ], alongAxis: 1)
    let nodeProbabilities = nodeActor(nodeInput).reshaped(to: [1, nodes]).softmax()
    let serviceInput = Tensor(
      concatenating: [z, y.reshaped(to: [1, groups * GPOStandInWorkload.embedding])],
      alongAxis: 1)
    let serviceProbabilities = serviceActor(serviceInput).softmax()
    return GPOAction(
      node: GPOStandInWorkload.sample(nodeProbabilities.scalars, rng: &rng),
      serviceAction: GPOStandInWorkload.sample(serviceProbabilities.scalars, rng: &rng))
  }

  /// Inverse-CDF sample from probabilities summing to 1.
  static func sample(_ probabilities: [Float], rng: inout Xoshiro256) -> Int {
    let u = rng.nextFloat()
    var cumulative: Float = 0
    for (i, p) in probabilities.enumerated() {
      cumulative += p
      if u < cumulative { return i }
    }
    return probabilities.count - 1
  }
}
