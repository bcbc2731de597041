import Foundation

/// A replica orchestrator for the fast API: consulted at every slot start with the simulator
/// borrowed read-only; it appends the actions it wants applied (infeasible ones become no-ops).
/// Frame-based orchestrators act when `sim.isFrameStart`; HPA acts on its own sync period.
public protocol OrchestrationPolicy {
  /// Appends this slot's actions to `actions` (usually none).
  mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction])
}

/// Replicas stay as placed.
public struct NoOrchestration: OrchestrationPolicy, Sendable {
  /// Creates the no-op orchestrator.
  public init() {}

  /// Appends nothing.
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {}
}

/// A type-erased orchestration policy (one call per slot, so the erasure costs nothing).
public struct AnyOrchestrator: OrchestrationPolicy {
  private var body: any OrchestrationPolicy

  /// Wraps `policy`.
  public init(_ policy: some OrchestrationPolicy) { body = policy }

  /// Asks the wrapped policy.
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    body.orchestrate(sim, &actions)
  }
}

extension OrchestratorKind {
  /// A fresh heuristic orchestrator of this kind for `config`, or nil for `agent` (a learning
  /// orchestrator is built and kept by its owner, since it learns across episodes).
  public func makeHeuristic(_ config: EdgeCloudConfig) -> AnyOrchestrator? {
    switch self {
    case .none: AnyOrchestrator(NoOrchestration())
    case .hpa: AnyOrchestrator(HPAController(config: config.hpa))
    case .greedy:
      AnyOrchestrator(GreedyOrchestrator(actionsPerFrame: config.orchestration.actionsPerFrame))
    case .agent: nil
    }
  }
}

extension OrchestrationAction {
  /// The orchestrator agent's action space size for `edgeNodeCount` nodes and `serviceCount`
  /// services: one of `2W + 1` operations on one node.
  public static func agentActionCount(edgeNodeCount: Int, serviceCount: Int) -> Int {
    edgeNodeCount * (2 * serviceCount + 1)
  }

  /// Decodes an orchestrator-agent action: `index = node · (2W + 1) + op`, op 0 = nothing,
  /// op in 1…W = add a replica of service op − 1, op in W+1…2W = remove one of service op − W − 1
  /// (the ServiceActor's `{−w, …, 0, …, w}` on the NodeActor's node). nil for "nothing".
  public static func decodeAgentAction(
    _ index: Int, edgeNodeCount: Int, serviceCount: Int
  ) -> OrchestrationAction? {
    let ops = 2 * serviceCount + 1
    guard index >= 0, index < edgeNodeCount * ops else { return nil }
    let node = index / ops
    let op = index % ops
    if op == 0 { return nil }
    if op <= serviceCount { return OrchestrationAction(.add, service: op - 1, node: node) }
    return OrchestrationAction(.remove, service: op - serviceCount - 1, node: node)
  }
}

/// Greedy orchestration (paper Fig. 16 baseline): at each frame, scale up the service with the
/// longest queue (eAP + node + cloud queues) on the edge node with the lowest CPU utilization
/// that can host it; `actionsPerFrame` times (queue lengths are reduced by the expected relief
/// of each added replica between picks). Never scales down.
public struct GreedyOrchestrator: OrchestrationPolicy, Sendable {
  /// Scale-ups per frame.
  public var actionsPerFrame: Int

  /// Creates the orchestrator.
  public init(actionsPerFrame: Int = 3) { self.actionsPerFrame = actionsPerFrame }

  /// At a frame start, appends up to `actionsPerFrame` greedy scale-ups.
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    guard sim.isFrameStart else { return }
    let w = sim.serviceCount
    var queued = (0..<w).map { sim.queuedRequests(service: $0) }
    var addedOnNode = [Int](repeating: 0, count: sim.topology.edgeNodeCount)
    var addedMemGB = [Double](repeating: 0, count: sim.topology.edgeNodeCount)
    for _ in 0..<actionsPerFrame {
      guard let top = queued.indices.max(by: { queued[$0] < queued[$1] }), queued[top] > 0 else {
        return
      }
      var best = -1
      var bestU = Double.infinity
      for n in 0..<sim.topology.edgeNodeCount {
        let memOK =
          sim.memoryUsedGB(node: n) + addedMemGB[n] + sim.config.services.replicaMemoryGB[top]
          <= sim.topology.nodeMemoryGB[n]
        let capOK = sim.replicasOn(node: n) + addedOnNode[n] < sim.config.services.maxReplicasPerNode
        guard memOK, capOK else { continue }
        let u = sim.cpuUtilization(node: n)
        if u < bestU {
          bestU = u
          best = n
        }
      }
      guard best >= 0 else { return }
      actions.append(OrchestrationAction(.add, service: top, node: best))
      addedOnNode[best] += 1
      addedMemGB[best] += sim.config.services.replicaMemoryGB[top]
      queued[top] /= 2
    }
  }
}

/// Kubernetes' Horizontal Pod Autoscaler (SPEC §4), one per (cluster, service), the cloud
/// being one more cluster: every `syncPeriodS` it computes the average CPU utilization of the
/// service's replicas in the cluster over the last period relative to their CPU request,
/// `desired = ceil(current · utilization / target)` (no change within ±tolerance), clamps it to
/// [minReplicas, maxReplicas] and, for scale-downs, takes the highest recommendation of the
/// stabilization window. New replicas go to the least-allocated node (lowest memory
/// allocation) that can host them; removals take the node with the most replicas of the
/// service, idle ones first.
public struct HPAController: OrchestrationPolicy, Sendable {
  /// Settings.
  public let config: HPAConfig
  var nextSyncMs: Double
  var lastBusyCoreMs: [Double] = []
  var lastSyncMs = 0.0
  /// Past recommendations per (cluster, service): (time ms, replicas).
  var history: [[(Double, Int)]] = []

  /// Creates the controller.
  public init(config: HPAConfig) {
    self.config = config
    nextSyncMs = config.syncPeriodS * 1000
  }

  /// The HPA formula: `ceil(current · utilization / target)`, unchanged within ±tolerance,
  /// clamped to [minReplicas, maxReplicas]; `minReplicas` when nothing is deployed.
  public static func recommendedReplicas(
    current: Int, utilization: Double, config: HPAConfig
  ) -> Int {
    var r: Int
    if current == 0 {
      r = config.minReplicas
    } else {
      let ratio = utilization / config.targetUtilization
      r = abs(ratio - 1) <= config.tolerance ? current : Int((Double(current) * ratio).rounded(.up))
    }
    return min(config.maxReplicas, max(config.minReplicas, r))
  }

  /// Every sync period, appends the scale-ups and scale-downs of every (cluster, service).
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    let now = sim.nowMs
    if now < 1e-9 || lastBusyCoreMs.isEmpty {
      // New episode: restart the timers.
      let k = (sim.eapCount + 1) * sim.serviceCount
      lastBusyCoreMs = [Double](repeating: 0, count: k)
      history = [[(Double, Int)]](repeating: [], count: k)
      lastSyncMs = now
      nextSyncMs = now + config.syncPeriodS * 1000
      if now < 1e-9 { return }
    }
    guard now >= nextSyncMs else { return }
    let periodMs = now - lastSyncMs
    lastSyncMs = now
    nextSyncMs = now + config.syncPeriodS * 1000
    let topo = sim.topology
    let w = sim.serviceCount
    let windowMs = config.scaleDownStabilizationS * 1000
    var addedMemGB = [Double](repeating: 0, count: topo.nodeCount)
    var addedCount = [Int](repeating: 0, count: topo.nodeCount)
    // Replicas picked for removal per node, for one (cluster, service) at a time: zeroed over
    // the cluster's nodes after use, so a sync costs the nodes, not clusters × nodes.
    var removed = [Int](repeating: 0, count: topo.nodeCount)
    for c in 0...topo.clusterCount {
      let nodes: Range<Int> =
        c < topo.clusterCount ? topo.nodes(ofCluster: c) : topo.edgeNodeCount..<topo.nodeCount
      for s in 0..<w {
        let key = c * w + s
        let busy = sim.busyCoreMs(cluster: c, service: s)
        let used = busy - lastBusyCoreMs[key]
        lastBusyCoreMs[key] = busy
        var current = 0
        for n in nodes {
          current += sim.activeReplicas(service: s, node: n)
        }
        let avgCores = periodMs > 0 ? used / periodMs : 0
        let request = sim.config.services.replicaCPURequestCores[s]
        let utilization = current > 0 ? avgCores / (Double(current) * request) : 0
        let recommendation = Self.recommendedReplicas(
          current: current, utilization: utilization, config: config)
        // The replica count the HPA started from counts as a recommendation at its start, so
        // the first scale-down waits for the stabilization window, as in Kubernetes.
        if history[key].isEmpty { history[key].append((now - periodMs, current)) }
        history[key].append((now, recommendation))
        history[key].removeAll { $0.0 < now - windowMs }
        var desired = recommendation
        if recommendation < current {
          let stabilized = history[key].map(\.1).max() ?? recommendation
          desired = min(current, stabilized)
        }
        if desired > current {
          for _ in 0..<(desired - current) {
            var best = -1
            var bestAlloc = Double.infinity
            for n in nodes {
              let mem = sim.memoryUsedGB(node: n) + addedMemGB[n]
              let fits =
                mem + sim.config.services.replicaMemoryGB[s] <= topo.nodeMemoryGB[n]
                && sim.replicasOn(node: n) + addedCount[n] < sim.config.services.maxReplicasPerNode
              guard fits else { continue }
              let alloc = mem / topo.nodeMemoryGB[n]
              if alloc < bestAlloc {
                bestAlloc = alloc
                best = n
              }
            }
            guard best >= 0 else { break }
            addedMemGB[best] += sim.config.services.replicaMemoryGB[s]
            addedCount[best] += 1
            actions.append(OrchestrationAction(.add, service: s, node: best))
          }
        } else if desired < current {
          defer { for n in nodes { removed[n] = 0 } }
          for _ in 0..<(current - desired) {
            var best = -1
            var bestKey = (-1, -1)
            for n in nodes {
              let active = sim.activeReplicas(service: s, node: n) - removed[n]
              guard active > 0 else { continue }
              let idle = sim.idleReplicas(service: s, node: n) - removed[n] > 0 ? 1 : 0
              let k = (idle, active)
              if k > bestKey {
                bestKey = k
                best = n
              }
            }
            guard best >= 0 else { break }
            removed[best] += 1
            actions.append(OrchestrationAction(.remove, service: s, node: best))
          }
        }
      }
    }
  }
}

/// Orchestration rewards of one frame action (SPEC §3.6).
public enum OrchestrationReward {
  /// Jain's fairness index of `values` (1 = perfectly even; 1 for all zeros).
  public static func jainIndex(_ values: [Double]) -> Double {
    let s = values.reduce(0, +)
    let s2 = values.reduce(0) { $0 + $1 * $1 }
    guard s2 > 0 else { return 1 }
    return s * s / (Double(values.count) * s2)
  }

  /// u_node = β1 · Δcompleted/100 − β2 · (1 − Jain's index of edge-node CPU utilization).
  public static func nodeReward(
    completedDelta: Int, sim: borrowing EdgeCloudSimulator
  ) -> Double {
    let r = sim.config.rewards
    let utils = (0..<sim.topology.edgeNodeCount).map { sim.cpuUtilization(node: $0) }
    let imbalance = 1 - jainIndex(utils)
    return r.nodeCompletedWeight * Double(completedDelta) / 100 - r.nodeImbalanceWeight * imbalance
  }

  /// u_service = μ1 · (replica growth of high-demand services) − μ2 · (replica growth of the
  /// others); a service is high-demand when its queued requests are at least the mean over
  /// services and positive. `growth[w]` is the net replicas added for service w.
  public static func serviceReward(
    growth: [Int], queuedPerService: [Int], config: RewardConfig
  ) -> Double {
    let mean = Double(queuedPerService.reduce(0, +)) / Double(max(1, queuedPerService.count))
    var high = 0.0
    var waste = 0.0
    for w in growth.indices {
      let isHigh = queuedPerService[w] > 0 && Double(queuedPerService[w]) >= mean
      if isHigh {
        high += Double(growth[w])
      } else {
        waste += Double(max(0, growth[w]))
      }
    }
    return config.serviceGrowthWeight * high - config.serviceWasteWeight * waste
  }
}
