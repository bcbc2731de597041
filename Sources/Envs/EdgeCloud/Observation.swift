/// The graph view of the system for GNN encoders (SPEC §3.6, paper Eq. 4): per-node features,
/// the node → eAP → cluster hierarchy and the node adjacency.
public struct EdgeCloudGraphObservation: Sendable, Equatable {
  /// Features per node (`EdgeCloudSimulator.graphNodeFeatureCount`).
  public var nodeFeatureCount: Int
  /// Node features, `[nodeCount, nodeFeatureCount]` row-major: edge nodes then cloud nodes.
  /// Per node: free CPU fraction, free memory fraction, latency to its eAP / 100 ms (cloud:
  /// WAN), queue length (+ in transit) / 10, running requests / 10, replicas per service / 10
  /// (W), queued requests per service / 10 (W).
  public var nodeFeatures: [Float]
  /// The eAP managing each node (edge nodes: their cluster's eAP; cloud nodes: `eapCount`,
  /// the cloud master).
  public var nodeEAP: [Int]
  /// The cluster of each eAP (eAP b manages cluster b; the cloud master is cluster
  /// `eapCount`).
  public var eapCluster: [Int]
  /// Features per eAP (`EdgeCloudSimulator.graphEAPFeatureCount`).
  public var eapFeatureCount: Int
  /// eAP features, `[eapCount + 1, eapFeatureCount]`, the last row the cloud master: queue
  /// length / 100, queued requests per service / 100 (W).
  public var eapFeatures: [Float]
  /// Node adjacency ζ(n) in CSR form (LAN peers; cloud nodes with each other).
  public var adjacencyOffsets: [Int]
  /// See `adjacencyOffsets`.
  public var adjacencyIndices: [Int]
}

extension EdgeCloudSimulator {
  /// Features per dispatch target in the local observation.
  public static let targetFeatureCount = 9

  /// Size of an eAP's local observation: `W + 6 + (N_total + 1) · 9`.
  ///
  /// Layout (all Float):
  /// - `[0, W)`: one-hot service of the request;
  /// - `W + 0`: remaining budget, s; `W + 1`: CPU demand, cores; `W + 2`: E_w, s;
  ///   `W + 3`: eAP queue length / 100; `W + 4`: decisions this slot / budget;
  ///   `W + 5`: emergency flag;
  /// - then for each target a (edge nodes 0…N_total−1, cloud last), 9 features at
  ///   `W + 6 + 9a`: reachable (topology and cross-cluster switch), valid (mask F),
  ///   one-way latency / 100 ms (0 if unreachable), queue length incl. in transit / 10,
  ///   free CPU fraction, free memory fraction, active replicas of the request's service / 10,
  ///   idle replicas of it / 10 (cloud: summed over cloud nodes), queued requests of the
  ///   request's service / 10 (what waits for the same replicas: with the replica counts it
  ///   tells how long this request would queue there).
  public var observationSize: Int {
    serviceCount + 6 + targetCount * Self.targetFeatureCount
  }

  /// Size of the global state: `B·(2 + W) + N_total·(4 + W) + (4 + W) + 1`.
  ///
  /// Layout: per eAP b: queue length / 100, decisions this slot / budget, queued per service
  /// / 100 (W); per edge node: CPU utilization, memory utilization, queue length incl. in
  /// transit / 10, running / 10, replicas per service / 10 (W); the cloud (aggregated): the same
  /// 4 + W; finally the episode progress in [0, 1].
  public var globalStateSize: Int {
    eapCount * (2 + serviceCount) + topology.edgeNodeCount * (4 + serviceCount)
      + (4 + serviceCount) + 1
  }

  /// Features per node of the graph observation: `5 + 2W`.
  public var graphNodeFeatureCount: Int { 5 + 2 * serviceCount }
  /// Features per eAP of the graph observation: `1 + W`.
  public var graphEAPFeatureCount: Int { 1 + serviceCount }

  /// Writes eAP `d.eap`'s local observation for decision `d` into `out` (at least
  /// `observationSize` elements; see `observationSize` for the layout).
  public func writeObservation(for d: DispatchDecision, into out: UnsafeMutableBufferPointer<Float>) {
    precondition(out.count >= observationSize, "observation buffer too small")
    let w = serviceCount
    let topo = topology
    for i in 0..<w { out[i] = 0 }
    out[d.service] = 1
    out[w] = Float((d.deadlineMs - nowMs) / 1000)
    out[w + 1] = Float(d.cpuCores)
    out[w + 2] = Float(estimator.estimatesMs[d.service] / 1000)
    out[w + 3] = Float(eapQueues[d.eap].count) / 100
    out[w + 4] = Float(slotDecisions[d.eap]) / Float(config.dispatch.budgetPerSlot)
    out[w + 5] = d.emergency ? 1 : 0
    let cross = config.dispatch.crossCluster
    let nc = topo.nodeCount
    var o = w + 6
    for a in 0..<topo.targetCount {
      let reach = topo.reachable(eap: d.eap, target: a, crossCluster: cross)
      out[o] = reach ? 1 : 0
      out[o + 1] = masks[d.eap * topo.targetCount + a] ? 1 : 0
      let lat = topo.latencyMs(eap: d.eap, target: a)
      out[o + 2] = reach && lat.isFinite ? Float(lat / 100) : 0
      out[o + 3] = Float(queuedOrInTransit(target: a)) / 10
      if a < topo.edgeNodeCount {
        out[o + 4] = Float(1 - cpuUsed[a] / topo.nodeCPUCores[a])
        out[o + 5] = Float(1 - memUsed[a] / topo.nodeMemoryGB[a])
        let k = replicaKey(service: d.service, node: a)
        out[o + 6] = Float(activeReplicaCount(at: k)) / 10
        out[o + 7] = Float(idleReplicaCount(at: k)) / 10
      } else {
        let cloud = cloudUsage()
        var active: Int32 = 0
        var idle: Int32 = 0
        for n in topo.edgeNodeCount..<nc {
          let k = replicaKey(service: d.service, node: n)
          active += activeReplicaCount(at: k)
          idle += idleReplicaCount(at: k)
        }
        out[o + 4] = Float(1 - cloud.cpuUsed / cloud.cpuCapacity)
        out[o + 5] = Float(1 - cloud.memoryUsed / cloud.memoryCapacity)
        out[o + 6] = Float(active) / 10
        out[o + 7] = Float(idle) / 10
      }
      out[o + 8] = Float(queueLength(target: a, service: d.service)) / 10
      o += Self.targetFeatureCount
    }
  }

  /// The local observation of decision `d` as a new array (allocates; prefer
  /// `writeObservation(for:into:)` in loops).
  public func observation(for d: DispatchDecision) -> [Float] {
    [Float](unsafeUninitializedCapacity: observationSize) { buf, n in
      writeObservation(for: d, into: buf)
      n = observationSize
    }
  }

  /// Writes the global state (centralized critic) into `out` (at least `globalStateSize`
  /// elements; see `globalStateSize` for the layout).
  public func writeGlobalState(into out: UnsafeMutableBufferPointer<Float>) {
    precondition(out.count >= globalStateSize, "state buffer too small")
    let w = serviceCount
    let topo = topology
    let nc = topo.nodeCount
    var o = 0
    for b in 0..<eapCount {
      out[o] = Float(eapQueues[b].count) / 100
      out[o + 1] = Float(slotDecisions[b]) / Float(config.dispatch.budgetPerSlot)
      for s in 0..<w { out[o + 2 + s] = Float(eapQueues[b].count(service: s)) / 100 }
      o += 2 + w
    }
    for n in 0..<topo.edgeNodeCount {
      out[o] = Float(cpuUsed[n] / topo.nodeCPUCores[n])
      out[o + 1] = Float(memUsed[n] / topo.nodeMemoryGB[n])
      out[o + 2] = Float(queuedOrInTransit(target: n)) / 10
      out[o + 3] = Float(runningOnNode[n]) / 10
      for s in 0..<w { out[o + 4 + s] = Float(replicas[replicaKey(service: s, node: n)]) / 10 }
      o += 4 + w
    }
    let cloud = cloudUsage()
    var running: Int32 = 0
    for n in topo.edgeNodeCount..<nc { running += runningOnNode[n] }
    out[o] = Float(cloud.cpuUsed / cloud.cpuCapacity)
    out[o + 1] = Float(cloud.memoryUsed / cloud.memoryCapacity)
    out[o + 2] = Float(queuedOrInTransit(target: topo.cloudTarget)) / 10
    out[o + 3] = Float(running) / 10
    for s in 0..<w {
      var r: Int32 = 0
      for n in topo.edgeNodeCount..<nc { r += replicas[replicaKey(service: s, node: n)] }
      out[o + 4 + s] = Float(r) / 10
    }
    o += 4 + w
    out[o] = Float(Double(slot) / Double(config.timing.episodeSlots))
  }

  /// The global state as a new array.
  public func globalState() -> [Float] {
    [Float](unsafeUninitializedCapacity: globalStateSize) { buf, n in
      writeGlobalState(into: buf)
      n = globalStateSize
    }
  }

  /// The graph observation (once per frame for GNN orchestrators; allocates).
  public func graphObservation() -> EdgeCloudGraphObservation {
    let w = serviceCount
    let topo = topology
    let nc = topo.nodeCount
    let f = graphNodeFeatureCount
    var nodeF = [Float](repeating: 0, count: nc * f)
    var nodeEAP = [Int](repeating: 0, count: nc)
    for n in 0..<nc {
      let o = n * f
      let isCloud = n >= topo.edgeNodeCount
      let group = queueGroup(ofNode: n)
      nodeEAP[n] = topo.nodeCluster[n]
      nodeF[o] = Float(1 - cpuUsed[n] / topo.nodeCPUCores[n])
      nodeF[o + 1] = Float(1 - memUsed[n] / topo.nodeMemoryGB[n])
      let lat =
        isCloud ? config.topology.wanLatencyMs : topo.latencyMs(eap: topo.nodeCluster[n], target: n)
      nodeF[o + 2] = Float(lat / 100)
      nodeF[o + 3] = Float(queuedOrInTransit(target: group)) / 10
      nodeF[o + 4] = Float(runningOnNode[n]) / 10
      for s in 0..<w {
        nodeF[o + 5 + s] = Float(replicas[replicaKey(service: s, node: n)]) / 10
        nodeF[o + 5 + w + s] = Float(groupQueues[group].count(service: s)) / 10
      }
    }
    let fe = graphEAPFeatureCount
    var eapF = [Float](repeating: 0, count: (eapCount + 1) * fe)
    for b in 0...eapCount {
      let q = b < eapCount ? eapQueues[b] : groupQueues[topo.cloudTarget]
      eapF[b * fe] = Float(q.count) / 100
      for s in 0..<w { eapF[b * fe + 1 + s] = Float(q.count(service: s)) / 100 }
    }
    return EdgeCloudGraphObservation(
      nodeFeatureCount: f, nodeFeatures: nodeF, nodeEAP: nodeEAP,
      eapCluster: Array(0...eapCount), eapFeatureCount: fe, eapFeatures: eapF,
      adjacencyOffsets: topo.adjacencyOffsets, adjacencyIndices: topo.adjacencyIndices)
  }
}
