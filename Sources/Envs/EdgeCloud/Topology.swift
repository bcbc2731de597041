/// The built topology: clusters, eAPs, edge nodes, the cloud and the links between them.
///
/// Indexing conventions used everywhere in EdgeCloud:
/// - cluster `c` in `0..<clusterCount` has exactly one eAP, also indexed `c`;
/// - nodes are numbered cluster-major: edge nodes `0..<edgeNodeCount` (cluster `c` owns
///   `c·nodesPerCluster ..< (c+1)·nodesPerCluster`), then cloud nodes
///   `edgeNodeCount..<nodeCount`;
/// - dispatch targets (actions) are `0..<edgeNodeCount` (edge nodes) and `cloudTarget ==
///   edgeNodeCount` (the cloud master with its queue Q_c, always last).
///
/// Latencies are one-way eAP → target means; each transfer draws `mean · U(1 − j, 1 + j)`.
public struct EdgeCloudTopology: Sendable, Equatable {
  /// Number of edge clusters (= eAPs).
  public let clusterCount: Int
  /// Edge nodes per cluster.
  public let nodesPerCluster: Int
  /// Edge nodes over all clusters (N_total).
  public let edgeNodeCount: Int
  /// Cloud worker nodes.
  public let cloudNodeCount: Int
  /// Edge plus cloud nodes.
  public let nodeCount: Int
  /// Dispatch targets: all edge nodes plus the cloud.
  public let targetCount: Int
  /// The cloud's target index (== `edgeNodeCount`).
  public let cloudTarget: Int
  /// Cluster of each node; cloud nodes carry `clusterCount`.
  public let nodeCluster: [Int]
  /// CPU capacity of each node, cores.
  public let nodeCPUCores: [Double]
  /// Memory usable by replicas and requests on each node (capacity − reserve), GB.
  public let nodeMemoryGB: [Double]
  /// `clusterNeighbour[a·clusterCount + b]`: clusters a and b are linked (never a == b).
  public let clusterNeighbour: [Bool]
  /// Mean one-way latency from eAP (cluster) `b` to target `a`, ms, at `[b·targetCount + a]`;
  /// `.infinity` for nodes of clusters that are not neighbours.
  public let eapTargetLatencyMs: [Double]
  /// Latency jitter fraction j.
  public let jitterFraction: Double
  /// Node adjacency for message passing (CSR): the neighbours of node n are
  /// `adjacencyIndices[adjacencyOffsets[n]..<adjacencyOffsets[n+1]]` — the other edge nodes of
  /// its cluster (LAN peers); cloud nodes neighbour the other cloud nodes.
  public let adjacencyOffsets: [Int]
  /// See `adjacencyOffsets`.
  public let adjacencyIndices: [Int]

  /// Builds the topology of `config` (assumed validated).
  public init(_ config: TopologyConfig) {
    clusterCount = config.clusterCount
    nodesPerCluster = config.edgeNodesPerCluster
    edgeNodeCount = config.edgeNodeCount
    cloudNodeCount = config.cloudNodeCount
    nodeCount = edgeNodeCount + cloudNodeCount
    targetCount = edgeNodeCount + 1
    cloudTarget = edgeNodeCount
    var cluster = [Int](repeating: 0, count: nodeCount)
    var cpu = [Double](repeating: 0, count: nodeCount)
    var mem = [Double](repeating: 0, count: nodeCount)
    for n in 0..<nodeCount {
      if n < edgeNodeCount {
        cluster[n] = n / config.edgeNodesPerCluster
        cpu[n] = config.edgeNodeCPUCores
        mem[n] = config.edgeNodeMemoryGB - config.nodeReservedMemoryGB
      } else {
        cluster[n] = config.clusterCount
        cpu[n] = config.cloudNodeCPUCores
        mem[n] = config.cloudNodeMemoryGB - config.nodeReservedMemoryGB
      }
    }
    nodeCluster = cluster
    nodeCPUCores = cpu
    nodeMemoryGB = mem
    let cc = config.clusterCount
    var nb = [Bool](repeating: false, count: cc * cc)
    for a in 0..<cc {
      for b in 0..<cc where a != b {
        switch config.neighbourhood {
        case .all: nb[a * cc + b] = true
        case .ring:
          nb[a * cc + b] = (a + 1) % cc == b || (b + 1) % cc == a
        case .none: nb[a * cc + b] = false
        }
      }
    }
    clusterNeighbour = nb
    var lat = [Double](repeating: .infinity, count: cc * targetCount)
    for b in 0..<cc {
      for n in 0..<edgeNodeCount {
        let c = cluster[n]
        if c == b {
          lat[b * targetCount + n] = config.lanLatencyMs
        } else if nb[b * cc + c] {
          lat[b * targetCount + n] = config.crossClusterLatencyMs
        }
      }
      lat[b * targetCount + edgeNodeCount] = config.wanLatencyMs
    }
    eapTargetLatencyMs = lat
    jitterFraction = config.latencyJitterFraction
    var offsets = [0]
    var indices: [Int] = []
    for n in 0..<nodeCount {
      for m in 0..<nodeCount where m != n && cluster[m] == cluster[n] { indices.append(m) }
      offsets.append(indices.count)
    }
    adjacencyOffsets = offsets
    adjacencyIndices = indices
  }

  /// The edge nodes of cluster `c`.
  public func nodes(ofCluster c: Int) -> Range<Int> {
    (c * nodesPerCluster)..<((c + 1) * nodesPerCluster)
  }

  /// Mean one-way latency eAP `eap` → `target`, ms (`.infinity` if not linked).
  @inline(__always)
  public func latencyMs(eap: Int, target: Int) -> Double {
    eapTargetLatencyMs[eap * targetCount + target]
  }

  /// Whether eAP `eap` can reach `target`: its own nodes, the cloud, and — when
  /// `crossCluster` — the nodes of neighbouring clusters.
  @inline(__always)
  public func reachable(eap: Int, target: Int, crossCluster: Bool) -> Bool {
    if target >= edgeNodeCount { return true }
    let c = nodeCluster[target]
    if c == eap { return true }
    return crossCluster && clusterNeighbour[eap * clusterCount + c]
  }
}
