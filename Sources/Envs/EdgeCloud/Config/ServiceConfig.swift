/// The service types and their replicas.
public struct ServiceConfig: Codable, Sendable, Equatable {
  /// Number of services W (the trace's task types 1…W are the loadable rows; `mapping` decides
  /// which service a row becomes).
  public var count = 12
  /// How trace rows become services: `job` (default: a stable hash of job_name, 12 services
  /// with 7–9% of the bundled trace each), `taskType` (the authors' task_type − 1: one service
  /// gets 89%) or `resources` (plan_cpu × plan_mem classes).
  public var mapping = ServiceMappingKind.job
  /// `resources` mapping: number of plan_cpu classes; must divide `count` (the plan_mem classes
  /// are `count / resourceCPUClasses`).
  public var resourceCPUClasses = 3
  /// With a trace workload, replace `baseExecutionMs`, `replicaCPURequestCores` and
  /// `replicaMemoryGB` by values derived from the rows mapped to each service
  /// (`DerivedServices`): a request's execution time is `referenceExecutionMs` times its row's
  /// duration factor, so each service's execution-time distribution is its rows'; a replica
  /// requests its service's mean CPU demand; replica memory follows the service's mean plan_mem.
  /// Off: the per-service arrays below are used as written.
  public var deriveFromTrace = true
  /// Execution time of a request whose duration factor is 1, ms (`deriveFromTrace`).
  public var referenceExecutionMs = 350.0
  /// Replica memory of a service with the average mean plan_mem, GB (`deriveFromTrace`).
  public var referenceReplicaMemoryGB = 0.55
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
    if mapping == .resources {
      try check.require(
        resourceCPUClasses >= 1 && resourceCPUClasses <= w && w % resourceCPUClasses == 0,
        "resourceCPUClasses", "must divide count (\(w)) with the resources mapping, got "
          + "\(resourceCPUClasses)")
    }
    try check.positive(referenceExecutionMs, "referenceExecutionMs")
    try check.positive(referenceReplicaMemoryGB, "referenceReplicaMemoryGB")
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
