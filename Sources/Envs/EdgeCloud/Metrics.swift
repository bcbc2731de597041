/// A fixed-bin latency histogram (1 ms bins up to `maxMs`, one overflow bin): O(1) inserts,
/// percentiles to 1 ms, no per-request allocation.
public struct LatencyHistogram: Sendable, Codable, Equatable {
  /// Counts per 1 ms bin; the last bin collects everything ≥ `maxMs`.
  public private(set) var counts: [Int]
  /// Values recorded.
  public private(set) var total = 0

  /// An empty histogram covering `[0, maxMs)` ms.
  public init(maxMs: Int = 20_000) {
    counts = [Int](repeating: 0, count: maxMs + 1)
  }

  /// Records one latency, ms.
  @inline(__always)
  public mutating func add(_ ms: Double) {
    let i = min(counts.count - 1, max(0, Int(ms)))
    counts[i] += 1
    total += 1
  }

  /// The `p`-th percentile (p in [0, 100]), ms: the upper edge of the bin holding it; 0 if
  /// empty.
  public func percentile(_ p: Double) -> Double {
    guard total > 0 else { return 0 }
    let rank = max(1, Int((p / 100 * Double(total)).rounded(.up)))
    var acc = 0
    for (i, c) in counts.enumerated() {
      acc += c
      if acc >= rank { return Double(i + 1) }
    }
    return Double(counts.count)
  }

  /// Clears all counts.
  public mutating func removeAll() {
    for i in counts.indices { counts[i] = 0 }
    total = 0
  }
}

/// Everything measured over an episode (SPEC §3.7). Counters are exact; latency parts are
/// summed over requests completed on time.
public struct EdgeCloudMetrics: Sendable, Codable, Equatable {
  /// Requests that arrived at an eAP.
  public var arrived = 0
  /// Requests completed by their deadline (on an edge node or in the cloud).
  public var completedOnTime = 0
  /// Of those, completed in the cloud.
  public var completedOnTimeInCloud = 0
  /// Requests discarded at an eAP queue (deadline passed before dispatch).
  public var failedAtEAP = 0
  /// Requests discarded in transit or in a node/cloud queue (deadline passed before start).
  public var failedInQueue = 0
  /// Requests stopped at their deadline while running (timeout kills free the replica).
  public var failedRunning = 0
  /// Dispatch decisions taken.
  public var decisions = 0
  /// Dispatches to a node of the eAP's own cluster.
  public var dispatchedLocal = 0
  /// Dispatches to a node of a neighbouring cluster.
  public var dispatchedCrossCluster = 0
  /// Dispatches to the cloud.
  public var dispatchedCloud = 0
  /// Actions outside the mask (redirected to the cloud).
  public var invalidActions = 0
  /// Requests a policy left in their eAP queue for a later slot (`EdgeCloudSimulator
  /// .deferTarget`); one request deferred in k slots counts k times.
  public var deferred = 0
  /// Requests promoted as urgent at long slots (eAP and node queues).
  public var promotedUrgent = 0
  /// Requests moved out of a node queue to another target at long slots.
  public var rescheduled = 0
  /// Replicas added by orchestration.
  public var replicasAdded = 0
  /// Replicas removed (immediately or once idle).
  public var replicasRemoved = 0
  /// Orchestration actions that were infeasible (no-ops).
  public var orchestrationNoOps = 0
  /// Σ decision latency (decision start → decision available at the eAP), ms.
  public var decisionMsSum = 0.0
  /// Σ transmission latency eAP → target, ms.
  public var transmissionMsSum = 0.0
  /// Σ queueing (eAP queue + node/cloud queue), ms.
  public var queueingMsSum = 0.0
  /// Σ execution, ms.
  public var executionMsSum = 0.0
  /// Σ scheduling latency (arrival at the eAP → decision available there: eAP queueing plus
  /// decision latency), ms. Not a fifth part: it overlaps `queueingMsSum` and `decisionMsSum`.
  public var schedulingMsSum = 0.0
  /// End-to-end latency of on-time completions.
  public var e2eHistogram = LatencyHistogram()
  /// Arrivals per frame.
  public var frameArrived: [Int] = []
  /// On-time completions per frame.
  public var frameCompletedOnTime: [Int] = []
  /// Busy core·ms of edge nodes.
  public var edgeBusyCoreMs = 0.0
  /// Busy core·ms of cloud nodes.
  public var cloudBusyCoreMs = 0.0
  /// CPU time spent on dispatch decisions at eAPs (or the central scheduler), ms.
  public var decisionCPUMs = 0.0
  /// Simulated time covered, ms.
  public var elapsedMs = 0.0
  /// Σ edge node cores (for utilization).
  public var edgeCores = 0.0
  /// Σ cloud node cores.
  public var cloudCores = 0.0
  /// Edge nodes.
  public var edgeNodes = 0
  /// Cloud nodes.
  public var cloudNodes = 0
  /// eAPs.
  public var eaps = 0

  /// Creates empty metrics.
  public init() {}

  /// Requests failed for any reason.
  public var failed: Int { failedAtEAP + failedInQueue + failedRunning }

  /// Long-term throughput Φ' = on-time completions / arrivals (1 when nothing arrived).
  public var throughput: Double {
    arrived == 0 ? 1 : Double(completedOnTime) / Double(arrived)
  }

  /// Per-frame throughput Φ_f (on-time completions in the frame / arrivals in the frame).
  public var frameThroughput: [Double] {
    zip(frameCompletedOnTime, frameArrived).map { $1 == 0 ? 1 : Double($0) / Double($1) }
  }

  /// Mean parts of the E2E latency of on-time completions, ms.
  public var meanLatencyMs:
    (decision: Double, transmission: Double, queueing: Double, execution: Double, total: Double)
  {
    let n = Double(max(1, completedOnTime))
    let d = decisionMsSum / n
    let t = transmissionMsSum / n
    let q = queueingMsSum / n
    let e = executionMsSum / n
    return (d, t, q, e, d + t + q + e)
  }

  /// Mean scheduling latency (arrival at the eAP → decision available) of on-time
  /// completions, ms.
  public var meanSchedulingMs: Double { schedulingMsSum / Double(max(1, completedOnTime)) }

  /// E2E latency percentile of on-time completions, ms.
  public func latencyPercentileMs(_ p: Double) -> Double { e2eHistogram.percentile(p) }

  /// Mean CPU utilization of the edge nodes over the episode.
  public var edgeCPUUtilization: Double {
    elapsedMs > 0 && edgeCores > 0 ? edgeBusyCoreMs / (edgeCores * elapsedMs) : 0
  }

  /// Mean CPU utilization of the cloud nodes.
  public var cloudCPUUtilization: Double {
    elapsedMs > 0 && cloudCores > 0 ? cloudBusyCoreMs / (cloudCores * elapsedMs) : 0
  }

  /// Mean CPU utilization of the eAPs due to dispatch decisions.
  public func eapCPUUtilization(eapCores: Double) -> Double {
    elapsedMs > 0 && eaps > 0 ? decisionCPUMs / (eapCores * Double(eaps) * elapsedMs) : 0
  }

  /// Energy over the episode with the linear power model, J: every edge and cloud node and
  /// every eAP draws idle power, plus (P_max − P_idle)·u for busy cores; eAP decisions are
  /// charged per core at (P_max − P_idle) / eapCores.
  public func energyJ(_ e: EnergyConfig, nodeCoresPerVM: Double = 4) -> Double {
    let seconds = elapsedMs / 1000
    let vms = Double(edgeNodes + cloudNodes + eaps)
    let idle = e.idleWatts * seconds * vms
    let dynamicPerCoreW = (e.maxWatts - e.idleWatts) / nodeCoresPerVM
    let nodes = dynamicPerCoreW * (edgeBusyCoreMs + cloudBusyCoreMs) / 1000
    let eap = (e.maxWatts - e.idleWatts) / e.eapCPUCores * decisionCPUMs / 1000
    return idle + nodes + eap
  }

  /// Dynamic energy of the eAPs' dispatch decisions per decision, J.
  public func energyPerDecisionJ(_ e: EnergyConfig) -> Double {
    decisions == 0
      ? 0 : (e.maxWatts - e.idleWatts) / e.eapCPUCores * decisionCPUMs / 1000 / Double(decisions)
  }

  /// Decisions per simulated second.
  public var decisionsPerSecond: Double {
    elapsedMs > 0 ? Double(decisions) / (elapsedMs / 1000) : 0
  }
}
