import Envs
import Foundation
import SeededRandom

/// A pool of nodes in the relaxation: the nodes of one edge cluster, or the cloud's nodes.
/// Pooling identical nodes into one resource with their summed capacity relaxes the per-node
/// packing, so it keeps the bound valid.
public struct BoundGroup: Sendable, Equatable {
  /// Display name (`cluster 0`, …, `cloud`).
  public var name: String
  /// CPU over the pooled nodes, cores.
  public var cpuCores: Double
  /// Memory usable by replicas and requests over the pooled nodes, GB.
  public var memoryGB: Double
  /// Most requests running at once over the pooled nodes (a running request holds a replica,
  /// and a node holds at most `maxReplicasPerNode` replicas).
  public var maxConcurrent: Double
  /// With a fixed placement (no orchestration): replicas of each service over the pooled
  /// nodes, which bounds that service's concurrent requests; nil = any orchestration.
  public var fixedReplicas: [Int]?

  /// Creates a group.
  public init(
    name: String, cpuCores: Double, memoryGB: Double, maxConcurrent: Double,
    fixedReplicas: [Int]? = nil
  ) {
    self.name = name
    self.cpuCores = cpuCores
    self.memoryGB = memoryGB
    self.maxConcurrent = maxConcurrent
    self.fixedReplicas = fixedReplicas
  }
}

/// One request as the relaxation sees it.
public struct BoundRequest: Sendable, Equatable {
  /// Originating eAP (= cluster).
  public var eap: Int
  /// Arrival at the eAP, ms.
  public var arrivalMs: Double
  /// When the request joins its eAP's queue, ms: the first slot start after its arrival
  /// (the simulator admits a slot's arrivals at the next slot start).
  public var entryMs: Double
  /// Service index.
  public var service: Int
  /// CPU while running, cores.
  public var cpuCores: Double
  /// Memory while running (besides its replica's), GB.
  public var memoryGB: Double
  /// Execution time, ms.
  public var executionMs: Double
  /// Absolute deadline, ms.
  public var deadlineMs: Double
  /// Arrived in an emergency burst.
  public var emergency: Bool

  /// Creates a request.
  public init(
    eap: Int, arrivalMs: Double, entryMs: Double, service: Int, cpuCores: Double,
    memoryGB: Double, executionMs: Double, deadlineMs: Double, emergency: Bool = false
  ) {
    self.eap = eap
    self.arrivalMs = arrivalMs
    self.entryMs = entryMs
    self.service = service
    self.cpuCores = cpuCores
    self.memoryGB = memoryGB
    self.executionMs = executionMs
    self.deadlineMs = deadlineMs
    self.emergency = emergency
  }
}

/// An episode's arrivals, with everything the upper bound needs: node groups and their
/// capacity, the smallest possible delay from each eAP to each group, and the horizon.
public struct BoundInstance: Sendable {
  /// The node groups (edge clusters, then the cloud).
  public var groups: [BoundGroup]
  /// Memory a replica of each service holds, GB.
  public var replicaMemoryGB: [Double]
  /// `minDelayMs[b][g]`: the smallest time from a request of eAP `b` leaving the eAP queue to
  /// reaching group `g` — decision latency plus the minimum transfer latency (mean × (1 −
  /// jitter)), through urgent rescheduling hops if those are shorter; `.infinity` when `g` is
  /// unreachable from `b`.
  public var minDelayMs: [[Double]]
  /// End of the episode, ms: later completions are not counted.
  public var horizonMs: Double
  /// Every request that arrives in the episode (the throughput's denominator).
  public var requests: [BoundRequest]
  /// The short slot, ms (diagnostics).
  public var slotMs: Double
  /// Most dispatch decisions per eAP and slot (diagnostics; not part of the LP).
  public var dispatchBudgetPerSlot: Int

  /// Creates an instance from its parts.
  public init(
    groups: [BoundGroup], replicaMemoryGB: [Double], minDelayMs: [[Double]], horizonMs: Double,
    requests: [BoundRequest], slotMs: Double, dispatchBudgetPerSlot: Int = .max
  ) {
    self.groups = groups
    self.replicaMemoryGB = replicaMemoryGB
    self.minDelayMs = minDelayMs
    self.horizonMs = horizonMs
    self.requests = requests
    self.slotMs = slotMs
    self.dispatchBudgetPerSlot = dispatchBudgetPerSlot
  }

  /// Earliest time request `r` can start on group `g`, ms (`.infinity` if unreachable).
  @inline(__always)
  public func earliestStartMs(_ r: BoundRequest, group g: Int) -> Double {
    r.entryMs + minDelayMs[r.eap][g]
  }

  /// Latest time request `r` can complete and count, ms.
  @inline(__always)
  public func latestFinishMs(_ r: BoundRequest) -> Double { min(r.deadlineMs, horizonMs) }

  /// Whether request `r` can complete on time on group `g` when nothing else competes.
  @inline(__always)
  public func isFeasible(_ r: BoundRequest, group g: Int) -> Bool {
    earliestStartMs(r, group: g) + r.executionMs <= latestFinishMs(r)
  }

  /// The episode that `EdgeCloudSimulator(config:trace:seed:)` followed by
  /// `reset(seed: seed, workload: workload)` simulates: the same arrivals (the public
  /// `WorkloadGenerator`, seeded as the simulator seeds it), the topology's nodes pooled per
  /// cluster, and the decision and transfer latencies of `config`. Exact for the `restart` and
  /// `randomOffset` replay modes; with `continue` it is the first episode of a fresh simulator.
  /// `fixedPlacement` (`d[w][n]`, edge nodes then cloud nodes) bounds each service's
  /// concurrency by its replicas (valid only for runs without orchestration).
  public static func episode(
    config: EdgeCloudConfig, trace: AlibabaTrace?, seed: UInt64,
    workload: WorkloadConfig? = nil, fixedPlacement: [[Int]]? = nil
  ) throws -> BoundInstance {
    try config.validate()
    if config.workload.source == .trace && trace == nil {
      throw EdgeCloudConfigError(field: "workload.source", reason: "trace source needs a trace")
    }
    // The simulator's per-service values (services.mapping, deriveFromTrace).
    let config = config.resolvingServices(trace: trace).config
    try config.validate(replicaMemoryAsWritten: true)
    var generator = WorkloadGenerator(config: config, trace: trace, seed: seed)
    if let workload { generator.setWorkload(workload) }
    var seeder = SplitMix64(seed: seed)
    _ = seeder.next()  // the simulator's own RNG (latency jitter)
    generator.startEpisode(seed: seeder.next())
    let slotMs = config.timing.slotMs
    let slots = config.timing.episodeSlots
    var requests: [BoundRequest] = []
    // Slot s > 0 admits the arrivals of [(s − 1)·slot, s·slot) at its start.
    for s in 1..<max(slots, 1) {
      let entry = Double(s) * slotMs
      generator.generate(startMs: entry - slotMs, lengthMs: slotMs) { spec in
        requests.append(
          BoundRequest(
            eap: spec.eap, arrivalMs: spec.arrivalMs, entryMs: entry, service: spec.service,
            cpuCores: spec.cpuCores, memoryGB: spec.memoryGB, executionMs: spec.executionMs,
            deadlineMs: spec.arrivalMs + spec.budgetMs, emergency: spec.emergency))
      }
    }
    let topology = EdgeCloudTopology(config.topology)
    return BoundInstance(
      groups: groups(config: config, topology: topology, fixedPlacement: fixedPlacement),
      replicaMemoryGB: config.services.replicaMemoryGB,
      minDelayMs: minDelays(config: config, topology: topology),
      horizonMs: Double(slots) * slotMs, requests: requests, slotMs: slotMs,
      dispatchBudgetPerSlot: config.dispatch.budgetPerSlot)
  }

  /// The node groups of `topology`: one per edge cluster, then the cloud; with
  /// `fixedPlacement` (`d[w][n]`) each carries its replicas per service.
  public static func groups(
    config: EdgeCloudConfig, topology: EdgeCloudTopology, fixedPlacement: [[Int]]?
  ) -> [BoundGroup] {
    let maxReplicas = Double(config.services.maxReplicasPerNode)
    var out: [BoundGroup] = []
    for g in 0...topology.clusterCount {
      let nodes =
        g < topology.clusterCount
        ? Array(topology.nodes(ofCluster: g)) : Array(topology.edgeNodeCount..<topology.nodeCount)
      let replicas = fixedPlacement.map { d in d.map { row in nodes.reduce(0) { $0 + row[$1] } } }
      out.append(
        BoundGroup(
          name: g < topology.clusterCount ? "cluster \(g)" : "cloud",
          cpuCores: nodes.reduce(0) { $0 + topology.nodeCPUCores[$1] },
          memoryGB: nodes.reduce(0) { $0 + topology.nodeMemoryGB[$1] },
          maxConcurrent: maxReplicas * Double(nodes.count), fixedReplicas: replicas))
    }
    return out
  }

  /// Smallest delay eAP → group: the decision latency, then a shortest path over the transfer
  /// links at their minimum latency (dispatch from the eAP, then urgent rescheduling hops from
  /// an edge cluster to the targets that cluster reaches).
  static func minDelays(config: EdgeCloudConfig, topology: EdgeCloudTopology) -> [[Double]] {
    let clusters = topology.clusterCount
    let groupCount = clusters + 1
    let cross = config.dispatch.crossCluster
    let shrink = 1 - topology.jitterFraction
    // link[c][g]: from cluster c (its eAP, or a node queue there) to group g.
    var link = [[Double]](
      repeating: [Double](repeating: .infinity, count: groupCount), count: clusters)
    for c in 0..<clusters {
      for n in 0..<topology.edgeNodeCount
      where topology.reachable(eap: c, target: n, crossCluster: cross) {
        let g = topology.nodeCluster[n]
        link[c][g] = min(link[c][g], topology.latencyMs(eap: c, target: n) * shrink)
      }
      link[c][clusters] = topology.latencyMs(eap: c, target: topology.cloudTarget) * shrink
    }
    let dc = config.dispatch
    let decisionMs =
      dc.decisionMode == .distributed
      ? dc.inferenceLatencyMs : 2 * dc.centralLinkLatencyMs + dc.centralSolverLatencyMs
    var out: [[Double]] = []
    for b in 0..<clusters {
      var dist = link[b]
      // Bellman-Ford over the edge clusters (reschedules leave edge node queues only).
      for _ in 0..<clusters {
        for c in 0..<clusters where dist[c].isFinite {
          for g in 0..<groupCount { dist[g] = min(dist[g], dist[c] + link[c][g]) }
        }
      }
      out.append(dist.map { $0 + decisionMs })
    }
    return out
  }

  /// Throws `EpisodeBoundError.invalidInstance` for impossible values (negative or non-finite
  /// capacities, times or demands, indices out of range).
  public func validate() throws {
    func fail(_ reason: String) -> EpisodeBoundError { .invalidInstance(reason) }
    guard !groups.isEmpty else { throw fail("no node groups") }
    guard horizonMs.isFinite, horizonMs > 0 else { throw fail("horizon must be > 0") }
    for (g, group) in groups.enumerated() {
      for (x, what) in [
        (group.cpuCores, "cpuCores"), (group.memoryGB, "memoryGB"),
        (group.maxConcurrent, "maxConcurrent"),
      ] where !(x.isFinite && x >= 0) {
        throw fail("group \(g) (\(group.name)): \(what) must be finite and ≥ 0, got \(x)")
      }
      if let d = group.fixedReplicas,
        d.count != replicaMemoryGB.count || d.contains(where: { $0 < 0 })
      {
        throw fail("group \(g): fixedReplicas needs \(replicaMemoryGB.count) entries ≥ 0")
      }
    }
    guard replicaMemoryGB.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw fail("replica memory must be finite and ≥ 0")
    }
    let eaps = minDelayMs.count
    guard minDelayMs.allSatisfy({ $0.count == groups.count && !$0.contains { $0.isNaN || $0 < 0 } })
    else { throw fail("minDelayMs needs one row of \(groups.count) delays ≥ 0 per eAP") }
    for (i, r) in requests.enumerated() {
      guard r.eap >= 0, r.eap < eaps else { throw fail("request \(i): eAP \(r.eap) unknown") }
      guard r.service >= 0, r.service < replicaMemoryGB.count else {
        throw fail("request \(i): service \(r.service) unknown")
      }
      let values = [r.arrivalMs, r.entryMs, r.deadlineMs, r.executionMs, r.cpuCores, r.memoryGB]
      guard values.allSatisfy(\.isFinite), r.entryMs >= r.arrivalMs - 1e-6 else {
        throw fail("request \(i): times must be finite with entry ≥ arrival")
      }
      guard r.cpuCores > 0, r.executionMs > 0, r.memoryGB >= 0 else {
        throw fail("request \(i): cpuCores and executionMs must be > 0, memoryGB ≥ 0")
      }
    }
  }
}
