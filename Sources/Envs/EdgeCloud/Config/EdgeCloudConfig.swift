import Foundation

// Every constant of the edge-cloud model lives in these files (one per sub-config), with its
// unit in its name. Defaults follow the KMPS testbed (paper Sec. IV-A, SPEC §3). A JSON file
// only needs the fields it changes: `decode(json:)` merges it into the encoded defaults
// (`PartialDecoding`), so the defaults are stated once, next to their fields, and unknown keys
// are errors. Each sub-config validates its own fields (`validate(path:)`, in its file);
// `validate()` below adds the checks that span sub-configs.

/// The whole edge-cloud model configuration (SPEC §3): the paper's testbed by default.
public struct EdgeCloudConfig: Codable, Sendable, Equatable {
  /// Clusters, nodes, links.
  public var topology = TopologyConfig()
  /// Services and replicas.
  public var services = ServiceConfig()
  /// Slot, long slot, frame, episode length.
  public var timing = TimeScaleConfig()
  /// Arrivals.
  public var workload = WorkloadConfig()
  /// eAP dispatch and dequeue.
  public var dispatch = DispatchConfig()
  /// Reward weights.
  public var rewards = RewardConfig()
  /// Power model.
  public var energy = EnergyConfig()
  /// Kubernetes HPA.
  public var hpa = HPAConfig()
  /// Frame-level orchestration.
  public var orchestration = OrchestrationConfig()

  /// The paper's testbed.
  public init() {}
}

extension EdgeCloudConfig {
  /// Decodes a config from JSON and validates it. The JSON object may hold any subset of the
  /// fields, nested like the config: absent fields keep their defaults, unknown keys are errors.
  ///
  /// - Throws: `EdgeCloudConfigError` naming the field (e.g. `topology.clusterCnt`), or `json`
  ///   when the document itself is not a JSON object.
  public static func decode(json data: Data) throws(EdgeCloudConfigError) -> EdgeCloudConfig {
    let config = try decodeFields(json: data, source: "json")
    try config.validate()
    return config
  }

  /// Loads and validates a JSON config file (see `decode(json:)`); errors reading or parsing
  /// the file name the file, errors in a field name the field.
  public static func load(path: String) throws(EdgeCloudConfigError) -> EdgeCloudConfig {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EdgeCloudConfigError(field: path, reason: "cannot read file (\(error))")
    }
    let config = try decodeFields(json: data, source: path)
    try config.validate()
    return config
  }

  /// `data` decoded over the defaults without validation; document-level errors (not JSON,
  /// not an object) name `source`.
  static func decodeFields(json data: Data, source: String) throws(EdgeCloudConfigError)
    -> EdgeCloudConfig
  {
    do {
      return try PartialDecoding.decode(json: data, over: EdgeCloudConfig())
    } catch {
      throw EdgeCloudConfigError(field: error.field ?? source, reason: error.reason)
    }
  }

  /// The config as pretty-printed, key-sorted JSON (recorded next to every result).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }
}

extension EdgeCloudConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field: each sub-config's own
  /// checks, then those relating sub-configs to each other.
  ///
  /// With `services.deriveFromTrace` and a trace workload the replica memory is only known once
  /// the trace is read, so the initial placement is checked with the smallest memory a derived
  /// replica can have (half of `referenceReplicaMemoryGB`); the simulator checks the derived
  /// values exactly (`validate(replicaMemoryAsWritten: true)` on the resolved config).
  public func validate() throws(EdgeCloudConfigError) {
    try validate(replicaMemoryAsWritten: false)
  }

  /// `validate()`, checking the initial placement against `services.replicaMemoryGB` as written
  /// when `replicaMemoryAsWritten` (a config resolved by `resolvingServices(trace:)`).
  public func validate(replicaMemoryAsWritten: Bool) throws(EdgeCloudConfigError) {
    try topology.validate(path: "topology")
    try services.validate(path: "services")
    let derived = services.deriveFromTrace && workload.source == .trace
    let memoryGB =
      derived && !replicaMemoryAsWritten
      ? [Double](repeating: 0.5 * services.referenceReplicaMemoryGB, count: services.count)
      : services.replicaMemoryGB
    try validateInitialPlacement(replicaMemoryGB: memoryGB)
    try timing.validate(path: "timing")
    try workload.validate(path: "workload")
    try validateWorkloadFitsSystem()
    try dispatch.validate(path: "dispatch")
    try rewards.validate(path: "rewards")
    try energy.validate(path: "energy")
    try hpa.validate(path: "hpa")
    try orchestration.validate(path: "orchestration")
  }

  /// The initial replicas (the explicit `services.placement`, or the default placement) fit
  /// the nodes' memory and `maxReplicasPerNode`, and every cluster hosts every service.
  private func validateInitialPlacement(replicaMemoryGB: [Double]) throws(EdgeCloudConfigError)
  {
    let t = topology
    let s = services
    let w = s.count
    let check = ConfigCheck(path: "services")
    let usableEdgeGB = t.edgeNodeMemoryGB - t.nodeReservedMemoryGB
    let usableCloudGB = t.cloudNodeMemoryGB - t.nodeReservedMemoryGB
    if let p = s.placement {
      let n = t.edgeNodeCount + t.cloudNodeCount
      for (wi, row) in p.enumerated() {
        try check.require(
          row.count == n, "placement[\(wi)]", "needs \(n) entries (edge then cloud nodes)")
      }
      for node in 0..<n {
        var memGB = 0.0
        var replicas = 0
        for wi in 0..<w {
          memGB += Double(p[wi][node]) * replicaMemoryGB[wi]
          replicas += p[wi][node]
        }
        let cap = node < t.edgeNodeCount ? usableEdgeGB : usableCloudGB
        try check.require(
          memGB <= cap + 1e-9, "placement",
          "node \(node) needs \(memGB) GB for replicas, has \(cap) GB")
        try check.require(
          replicas <= s.maxReplicasPerNode, "placement", "node \(node) exceeds maxReplicasPerNode")
      }
      return
    }
    try check.require(
      s.servicesPerEdgeNode * t.edgeNodesPerCluster >= w, "servicesPerEdgeNode",
      "servicesPerEdgeNode · edgeNodesPerCluster must be ≥ services.count so every cluster "
        + "hosts every service")
    for k in 0..<t.edgeNodesPerCluster {
      var need = 0.0
      for j in 0..<s.servicesPerEdgeNode {
        need += replicaMemoryGB[(k * s.servicesPerEdgeNode + j) % w]
      }
      need *= Double(s.initialReplicasPerPlacement)
      let replicas = s.servicesPerEdgeNode * s.initialReplicasPerPlacement
      try check.require(
        need <= usableEdgeGB + 1e-9 && replicas <= s.maxReplicasPerNode,
        "initialReplicasPerPlacement",
        "initial replicas of edge node \(k) of each cluster need \(need) GB, "
          + "\(usableEdgeGB) GB usable (or exceed maxReplicasPerNode)")
    }
    let cloudNeed = replicaMemoryGB.reduce(0, +) * Double(s.cloudInitialReplicasPerService)
    try check.require(
      cloudNeed <= usableCloudGB && w * s.cloudInitialReplicasPerService <= s.maxReplicasPerNode,
      "cloudInitialReplicasPerService", "initial cloud replicas do not fit on a node")
  }

  /// The workload matches the system: one share per cluster, one mix entry per service, and a
  /// request fits on one node.
  private func validateWorkloadFitsSystem() throws(EdgeCloudConfigError) {
    let wl = workload
    let t = topology
    let check = ConfigCheck(path: "workload")
    if !wl.clusterShares.isEmpty {
      try check.require(
        wl.clusterShares.count == t.clusterCount, "clusterShares",
        "needs \(t.clusterCount) entries (one per cluster), has \(wl.clusterShares.count)")
    }
    try check.require(
      wl.maxCPUCores <= min(t.edgeNodeCPUCores, t.cloudNodeCPUCores), "maxCPUCores",
      "a request must fit on one node")
    if !wl.poissonServiceMix.isEmpty {
      try check.require(
        wl.poissonServiceMix.count == services.count, "poissonServiceMix",
        "needs \(services.count) entries, has \(wl.poissonServiceMix.count)")
    }
  }
}
