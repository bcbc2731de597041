/// The service types and their replicas.
public struct ServiceConfig: Codable, Sendable, Equatable {
  /// Number of service types W (the trace's task types 1…W map to services 0…W−1).
  public var count = 12
  /// Memory a replica of service w holds while deployed, GB (one entry per service).
  public var replicaMemoryGB: [Double] = [
    0.5, 0.5, 0.75, 0.5, 1.0, 0.5, 0.75, 0.5, 0.5, 0.75, 0.5, 0.5,
  ]
  /// Mean execution time of a request of service w on an idle replica, ms (one per service).
  public var baseExecutionMs: [Double] = [
    350, 300, 350, 200, 450, 300, 300, 400, 250, 300, 400, 300,
  ]
  /// CPU a replica of service w requests (Kubernetes `requests.cpu`), cores; HPA measures
  /// utilization against it (one per service).
  public var replicaCPURequestCores: [Double] = Array(repeating: 0.18, count: 12)
  /// Services each edge node hosts initially (default placement).
  public var servicesPerEdgeNode = 4
  /// Replicas per (service, node) placement initially (default placement).
  public var initialReplicasPerPlacement = 4
  /// Replicas of every service on every cloud node initially.
  public var cloudInitialReplicasPerService = 2
  /// Explicit initial placement `d[w][n]` over edge nodes then cloud nodes; overrides the
  /// default placement when present.
  public var placement: [[Int]]? = nil
  /// Most replicas (all services) one node may hold.
  public var maxReplicasPerNode = 40

  /// The testbed defaults.
  public init() {}
}

extension ServiceConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`. Whether
  /// the initial placement fits the nodes is checked by `EdgeCloudConfig.validate()`.
  public func validate(path: String = "services") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    let w = count
    try check.require(w >= 1, "count", "must be ≥ 1")
    try check.require(
      replicaMemoryGB.count == w, "replicaMemoryGB",
      "needs \(w) entries, has \(replicaMemoryGB.count)")
    try check.require(
      baseExecutionMs.count == w, "baseExecutionMs",
      "needs \(w) entries, has \(baseExecutionMs.count)")
    try check.require(
      replicaCPURequestCores.count == w, "replicaCPURequestCores",
      "needs \(w) entries, has \(replicaCPURequestCores.count)")
    for i in 0..<w {
      try check.positive(replicaMemoryGB[i], "replicaMemoryGB[\(i)]")
      try check.positive(baseExecutionMs[i], "baseExecutionMs[\(i)]")
      try check.positive(replicaCPURequestCores[i], "replicaCPURequestCores[\(i)]")
    }
    try check.require(maxReplicasPerNode >= 1, "maxReplicasPerNode", "must be ≥ 1")
    if let placement {
      try check.require(
        placement.count == w, "placement",
        "needs \(w) rows (one per service), has \(placement.count)")
      for (wi, row) in placement.enumerated() {
        try check.require(
          row.allSatisfy { $0 >= 0 }, "placement[\(wi)]", "replica counts must be ≥ 0")
      }
    } else {
      try check.require(
        servicesPerEdgeNode >= 1 && servicesPerEdgeNode <= w, "servicesPerEdgeNode",
        "must be in 1…\(w)")
      try check.require(
        initialReplicasPerPlacement >= 1, "initialReplicasPerPlacement", "must be ≥ 1")
      try check.require(
        cloudInitialReplicasPerService >= 1, "cloudInitialReplicasPerService",
        "must be ≥ 1 (the cloud hosts every service)")
    }
  }
}
