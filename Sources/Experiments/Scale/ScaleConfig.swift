import Envs

/// The configuration of `experiment scale` (recorded in config.json; override with `--config`).
struct ScaleConfig: Codable, Sendable, Equatable {
  /// Cluster counts, smallest first; one system per entry.
  var clusterCounts: [Int]
  /// Edge nodes per cluster.
  var edgeNodesPerCluster: Int
  /// Cloud worker nodes per edge cluster (the testbed's 6 cloud nodes for 3 clusters: 2).
  var cloudNodesPerCluster: Int
  /// Offered load per edge node, requests per second (proportional load).
  var requestsPerSecondPerEdgeNode: Double
  /// Simulated seconds per system.
  var simulatedSeconds: Double
  /// Runs per system and seed; the fastest counts (the one the machine's other work disturbed
  /// least).
  var repeats: Int
  /// Cross-cluster links; `ring` keeps each cluster's neighbourhood fixed as the system grows.
  var neighbourhood: ClusterNeighbourhood
  /// Least slope of the log-log fit (wall time per simulated second vs nodes) that still counts
  /// as near-linear.
  var maximumSlope: Double

  /// The defaults: 3 → 170 clusters of 6 edge nodes (24 → 1,360 nodes with the cloud), or a
  /// three-size smoke test under `--quick`.
  static func standard(quick: Bool) -> ScaleConfig {
    ScaleConfig(
      clusterCounts: quick ? [3, 6, 12] : [3, 6, 12, 25, 50, 100, 170], edgeNodesPerCluster: 6,
      cloudNodesPerCluster: 2, requestsPerSecondPerEdgeNode: 20,
      simulatedSeconds: quick ? 2 : 20, repeats: quick ? 1 : 3, neighbourhood: .ring,
      maximumSlope: 1.15)
  }

  /// Throws `ExperimentError.invalidValue` naming the first impossible field.
  func validate() throws {
    func fail(_ field: String, _ reason: String) -> ExperimentError {
      .invalidValue(field: field, reason: reason)
    }
    guard !clusterCounts.isEmpty, clusterCounts.allSatisfy({ (1...10_000).contains($0) }) else {
      throw fail("clusterCounts", "needs at least one count, each in 1...10000")
    }
    guard clusterCounts == clusterCounts.sorted(), Set(clusterCounts).count == clusterCounts.count
    else { throw fail("clusterCounts", "must be distinct and increasing, got \(clusterCounts)") }
    guard (1...1000).contains(edgeNodesPerCluster) else {
      throw fail("edgeNodesPerCluster", "must be in 1...1000")
    }
    guard (1...1000).contains(cloudNodesPerCluster) else {
      throw fail("cloudNodesPerCluster", "must be in 1...1000")
    }
    guard requestsPerSecondPerEdgeNode.isFinite, requestsPerSecondPerEdgeNode > 0 else {
      throw fail("requestsPerSecondPerEdgeNode", "must be > 0")
    }
    guard simulatedSeconds.isFinite, simulatedSeconds > 0, simulatedSeconds <= 3600 else {
      throw fail("simulatedSeconds", "must be in (0, 3600]")
    }
    guard (1...100).contains(repeats) else { throw fail("repeats", "must be in 1...100") }
    guard maximumSlope.isFinite, maximumSlope > 0 else {
      throw fail("maximumSlope", "must be > 0")
    }
  }

  /// The simulator config of the system with `clusters` clusters: the testbed's defaults, the
  /// size, Poisson arrivals spread evenly over the clusters at the proportional rate, and
  /// enough slots for `simulatedSeconds`.
  func environment(clusters: Int) -> EdgeCloudConfig {
    var env = EdgeCloudConfig()
    env.topology.clusterCount = clusters
    env.topology.edgeNodesPerCluster = edgeNodesPerCluster
    env.topology.cloudNodeCount = clusters * cloudNodesPerCluster
    env.topology.neighbourhood = neighbourhood
    env.services.deriveFromTrace = false
    env.workload.source = .poisson
    env.workload.clusterShares = Array(repeating: 1, count: clusters)
    env.workload.meanRequestsPerSecond =
      requestsPerSecondPerEdgeNode * Double(clusters * edgeNodesPerCluster)
    env.timing.episodeSlots = Int((simulatedSeconds * 1000 / env.timing.slotMs).rounded(.up))
    return env
  }
}
