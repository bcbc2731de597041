/// How eAPs may reach the edge nodes of other clusters.
public enum ClusterNeighbourhood: String, Codable, Sendable {
  /// Every cluster neighbours every other cluster (the 3-cluster testbed).
  case all
  /// Cluster c neighbours c-1 and c+1 (mod count): scaling studies with many clusters.
  case ring
  /// No cluster neighbours another (no cross-cluster links at all).
  case none
}

/// The size and the links of the edge-cloud system.
public struct TopologyConfig: Codable, Sendable, Equatable {
  /// Number of edge clusters; each has one eAP (its master / entry point).
  public var clusterCount = 3
  /// Edge nodes per cluster.
  public var edgeNodesPerCluster = 6
  /// vCPUs of an edge node.
  public var edgeNodeCPUCores = 4.0
  /// Memory of an edge node, GB.
  public var edgeNodeMemoryGB = 16.0
  /// Memory every node keeps for the system (kubelet, OS), GB; not usable by replicas.
  public var nodeReservedMemoryGB = 1.0
  /// Worker nodes of the cloud cluster (behind one cloud master with the queue Q_c).
  public var cloudNodeCount = 6
  /// vCPUs of a cloud node.
  public var cloudNodeCPUCores = 4.0
  /// Memory of a cloud node, GB.
  public var cloudNodeMemoryGB = 16.0
  /// Mean one-way latency eAP → node of its own cluster (LAN, paper: < 10 ms), ms.
  public var lanLatencyMs = 5.0
  /// Mean one-way latency eAP → node of a neighbouring cluster (paper: < 30 ms), ms.
  public var crossClusterLatencyMs = 20.0
  /// Mean one-way latency edge → cloud (WAN, paper: 100 ms), ms.
  public var wanLatencyMs = 100.0
  /// Jitter: each transfer takes `mean · U(1 − j, 1 + j)`; 0 gives fixed latencies.
  public var latencyJitterFraction = 0.2
  /// Which clusters neighbour each other.
  public var neighbourhood = ClusterNeighbourhood.all

  /// The testbed defaults.
  public init() {}

  /// Total edge nodes over all clusters (N_total).
  public var edgeNodeCount: Int { clusterCount * edgeNodesPerCluster }
}

extension TopologyConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "topology") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.require(clusterCount >= 1, "clusterCount", "must be ≥ 1")
    try check.require(edgeNodesPerCluster >= 1, "edgeNodesPerCluster", "must be ≥ 1")
    try check.require(
      cloudNodeCount >= 1, "cloudNodeCount", "must be ≥ 1 (the cloud is the fallback target)")
    try check.positive(edgeNodeCPUCores, "edgeNodeCPUCores")
    try check.positive(edgeNodeMemoryGB, "edgeNodeMemoryGB")
    try check.positive(cloudNodeCPUCores, "cloudNodeCPUCores")
    try check.positive(cloudNodeMemoryGB, "cloudNodeMemoryGB")
    try check.nonNegative(nodeReservedMemoryGB, "nodeReservedMemoryGB")
    try check.require(
      nodeReservedMemoryGB < min(edgeNodeMemoryGB, cloudNodeMemoryGB), "nodeReservedMemoryGB",
      "must be below the node memory")
    try check.nonNegative(lanLatencyMs, "lanLatencyMs")
    try check.nonNegative(crossClusterLatencyMs, "crossClusterLatencyMs")
    try check.nonNegative(wanLatencyMs, "wanLatencyMs")
    try check.require(
      latencyJitterFraction >= 0 && latencyJitterFraction < 1, "latencyJitterFraction",
      "must be in [0, 1)")
  }
}
