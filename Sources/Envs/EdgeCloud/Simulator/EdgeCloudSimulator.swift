import Foundation
import SeededRandom

/// The trace-driven KMPS edge-cloud simulator (SPEC §3): eAP queues, dispatch with decision and
/// transmission latencies, node/cloud queues served onto replicas by Ψ', timeouts, three time
/// scales, orchestration primitives and metrics.
///
/// Time runs in slots. At a slot start (`beginSlot`) the requests that arrived during the
/// previous slot join their eAP queues, expired requests are discarded, long-slot work (E_w
/// update, urgent promotion and rescheduling) and frame flags are handled. Then eAPs take
/// dispatch decisions in rounds (each eAP with a request and budget left takes one decision per
/// round; all decisions of a round see the same state), and `endSlot` runs the event loop
/// (transmissions, starts, completions, timeouts) to the slot end and computes the eAP rewards.
///
/// The fast API is `run(dispatch:orchestration:atSlotStart:)`; `EdgeCloudEnv` wraps the same
/// primitives in the multi-agent protocol.
///
/// The type is split by responsibility: this file holds the stored state, creation and reset;
/// `EdgeCloudSimulator+Requests` the request table, `+Events` the event loop (arrivals at
/// nodes, starts, completions), `+Slots` the slot phases and rewards, `+Dispatch` the decision
/// path, `+Replicas` the orchestration primitives, `+Queries` the read-only state and the
/// derived quantities, `+Run` the run loop.
public struct EdgeCloudSimulator: Sendable {
  // MARK: Configuration and shape

  /// The configuration (validated).
  public let config: EdgeCloudConfig
  /// The built topology.
  public let topology: EdgeCloudTopology
  /// Number of services W.
  public let serviceCount: Int
  /// Number of eAPs (= clusters).
  public var eapCount: Int { topology.clusterCount }
  /// Dispatch targets (edge nodes + cloud).
  public var targetCount: Int { topology.targetCount }

  // MARK: Randomness and clock

  var workload: WorkloadGenerator
  var rng: Xoshiro256
  var episodeSeed: UInt64 = 0
  /// Current slot index (the slot being decided / simulated).
  public internal(set) var slot = 0
  /// Simulated time, ms.
  public internal(set) var nowMs = 0.0
  var slotOpen = false

  // MARK: Request table (EdgeCloudSimulator+Requests)

  /// The request table; ids (indices) are recycled through `freeIDs`.
  var requests: [RequestRecord] = []
  var freeIDs: [Int32] = []
  var arrivalScratch: [RequestSpec] = []
  /// Requests currently in the system (arrived, not yet completed or failed).
  public internal(set) var liveRequests = 0

  // MARK: Nodes (struct of arrays; per-(service, node) arrays at `replicaKey(service:node:)`)

  var cpuUsed: [Double]
  var memUsed: [Double]
  var replicas: [Int32]
  var busy: [Int32]
  var pendingRemoval: [Int32]
  var replicasOnNode: [Int32]
  var runningOnNode: [Int32]
  let replicaMemGB: [Double]

  // MARK: Queues and events (EdgeCloudSimulator+Events)

  var eapQueues: [RequestQueue]
  /// One queue per dispatch target (queue group): an edge node's Q'_n, or the cloud's Q_c.
  var groupQueues: [RequestQueue]
  var inTransit: [Int32]
  var pendingCPU: [Double]
  /// `groupBlocked[g]`: queue group `g` has been through `tryStart` (which stops only when
  /// nothing in the queue can start), and since then neither the resources of its nodes nor
  /// the heads of its queue's buckets changed — only requests pushed behind a head. A start
  /// is then still impossible, so a node arrival can skip `tryStart`. Cleared by everything
  /// else that changes the queue or the resources without running `tryStart`.
  var groupBlocked: [Bool]
  /// Whether node arrivals skip `tryStart` on blocked groups (tests turn it off to check that
  /// the skip changes nothing).
  var skipsBlockedGroups = true
  /// Test hook: at every skip, run `tryStart` on a copy of the simulator and count in
  /// `blockedGroupMisses` the skips after which it would have dequeued something (never,
  /// unless `groupBlocked` is stale); `blockedGroupSkips` counts the skips.
  var checksBlockedGroups = false
  var blockedGroupSkips = 0
  var blockedGroupMisses = 0
  var queueSeq: Int64 = 0
  var events = EventQueue()
  var eventSeq: UInt64 = 0
  /// Estimated completion times E_w.
  public internal(set) var estimator: CompletionTimeEstimator

  // MARK: Decisions (EdgeCloudSimulator+Dispatch)

  /// Action masks F, `[eapCount, targetCount]` row-major (cloud last in each row).
  var masks: [Bool]
  /// The edge nodes eAP b may reach (topology + cross-cluster), ascending: `reachableEdgeNodes[reachableEdgeStart[b]
  /// ..< reachableEdgeStart[b + 1]]`. The mask is computed over these only, so a decision costs
  /// the eAP's neighbourhood, not the whole system.
  let reachableEdgeNodes: [Int32]
  let reachableEdgeStart: [Int]
  /// Rescheduling targets: row `c` (stride `edgeNodeCount`) lists the edge nodes that cluster
  /// `c` reaches at a finite latency, in `(latency, node)` order; `rescheduleTargetCount[c]`
  /// entries per row, `rescheduleLatencyMs` the matching latencies.
  let rescheduleTargets: [Int32]
  let rescheduleLatencyMs: [Double]
  let rescheduleTargetCount: [Int]
  /// The buffers of the decision rounds (moved out while a round runs).
  var decisionScratch: DecisionScratch
  var eapBusyUntilMs: [Double]
  var centralBusyUntilMs = 0.0
  var decisionCounter = 0

  // MARK: Slot accounting (EdgeCloudSimulator+Slots)

  var slotDecisions: [Int]
  /// Idle replicas of each service summed over the cloud nodes, so that the cloud queue skips a
  /// service with none without looking at every cloud node.
  var cloudIdleReplicas: [Int32]
  var slotDispatchOverloadTargets: [Int32]  // [eap * targetCount + target] dispatch counts
  /// The entries of `slotDispatchOverloadTargets` that are non-zero this slot (each once), so
  /// that a slot's rewards and reset cost its dispatches, not eAPs × targets.
  var slotDispatchTouched: [Int32]
  var slotOnTime: [Int]
  var slotFailed: [Int]
  /// u_{b,t} of the last slot that ended, per eAP.
  public internal(set) var lastSlotRewards: [Double]
  var lastOutcome: SlotOutcome

  // MARK: Orchestration accounting

  // HPA usage accounting: busy core·ms per (cluster incl. cloud, service) since last read.
  var clusterServiceBusyCoreMs: [Double]
  // Per-frame counters.
  var frameArrivedCount = 0
  var frameOnTimeCount = 0
  /// Completed-on-time count at the latest frame start (orchestration rewards).
  public internal(set) var onTimeAtFrameStart = 0
  /// Completed-on-time count at the frame start before it.
  public internal(set) var previousFrameOnTime = 0

  // MARK: Checks, metrics and the outcome log

  /// Events found out of time order or requests whose timestamps are out of lifecycle order
  /// (arrival ≤ decision ≤ dispatch ≤ node arrival ≤ start ≤ end); always 0 unless a bug.
  public internal(set) var monotonicityViolations = 0
  /// Starts that would exceed a node's CPU, memory or idle replicas; always 0 unless a bug.
  public internal(set) var capacityViolations = 0

  /// Everything measured so far in this episode.
  public internal(set) var metrics = EdgeCloudMetrics()

  /// Log every request's completion or failure in `requestOutcomes` (off by default; learners
  /// that credit each dispatch decision with its own request's outcome turn it on).
  public var logsRequestOutcomes = false
  /// Requests that completed or failed since the current slot began, in order (emptied by
  /// `beginSlot`; only when `logsRequestOutcomes`). An id appears here before it can be reused.
  public internal(set) var requestOutcomes: [RequestOutcome] = []
  /// Outcomes logged since the episode began (`requestOutcomes` holds the last ones), so a
  /// reader can keep an absolute cursor across slots.
  public internal(set) var requestOutcomesLogged = 0

  // MARK: - Creation

  /// Creates a simulator; loads the trace when the workload is trace-driven.
  /// Throws `EdgeCloudConfigError` or `TraceError`.
  public init(config: EdgeCloudConfig, seed: UInt64 = 0) throws {
    try config.validate()
    var trace: AlibabaTrace? = nil
    if config.workload.source == .trace {
      trace = try AlibabaTrace.load(for: config)
    }
    try self.init(config: config, trace: trace, seed: seed)
  }

  /// Creates a simulator with an already loaded trace (shared between copies, no re-parse).
  public init(config: EdgeCloudConfig, trace: AlibabaTrace?, seed: UInt64 = 0) throws {
    try config.validate()
    if config.workload.source == .trace && trace == nil {
      throw EdgeCloudConfigError(field: "workload.source", reason: "trace source needs a trace")
    }
    let resolved = config.resolvingServices(trace: trace)
    // The derived replica memory must fit the initial placement.
    try resolved.config.validate(replicaMemoryAsWritten: true)
    self.init(validated: resolved.config, trace: resolved.trace, seed: seed)
  }

  /// `config` must be valid and resolved (`resolvingServices`) for `trace`; `config` is the
  /// simulator's `config`, so policies see the derived per-service values.
  init(validated config: EdgeCloudConfig, trace: AlibabaTrace?, seed: UInt64) {
    self.config = config
    topology = EdgeCloudTopology(config.topology)
    serviceCount = config.services.count
    workload = WorkloadGenerator(config: config, trace: trace, seed: seed)
    rng = Xoshiro256(seed: seed)
    let nc = topology.nodeCount
    let w = serviceCount
    cpuUsed = [Double](repeating: 0, count: nc)
    memUsed = [Double](repeating: 0, count: nc)
    replicas = [Int32](repeating: 0, count: w * nc)
    busy = [Int32](repeating: 0, count: w * nc)
    pendingRemoval = [Int32](repeating: 0, count: w * nc)
    replicasOnNode = [Int32](repeating: 0, count: nc)
    cloudIdleReplicas = [Int32](repeating: 0, count: w)
    runningOnNode = [Int32](repeating: 0, count: nc)
    replicaMemGB = config.services.replicaMemoryGB
    eapQueues = []
    groupQueues = []
    inTransit = [Int32](repeating: 0, count: topology.targetCount)
    pendingCPU = [Double](repeating: 0, count: topology.targetCount)
    groupBlocked = [Bool](repeating: false, count: topology.targetCount)
    estimator = CompletionTimeEstimator(
      initialMs: config.services.baseExecutionMs, smoothing: config.dispatch.estimatorSmoothing,
      window: config.dispatch.estimatorWindow)
    masks = [Bool](repeating: false, count: topology.clusterCount * topology.targetCount)
    let topo = topology
    var edgeNodes: [Int32] = []
    var edgeStart = [0]
    for b in 0..<topo.clusterCount {
      for n in 0..<topo.edgeNodeCount
      where topo.reachable(eap: b, target: n, crossCluster: config.dispatch.crossCluster) {
        edgeNodes.append(Int32(n))
      }
      edgeStart.append(edgeNodes.count)
    }
    reachableEdgeNodes = edgeNodes
    reachableEdgeStart = edgeStart
    var targets = [Int32](repeating: -1, count: topo.clusterCount * topo.edgeNodeCount)
    var latencies = [Double](repeating: 0, count: topo.clusterCount * topo.edgeNodeCount)
    var targetCounts = [Int](repeating: 0, count: topo.clusterCount)
    for c in 0..<topo.clusterCount {
      let row = (0..<topo.edgeNodeCount).filter { n in
        topo.latencyMs(eap: c, target: n) < .infinity
          && topo.reachable(eap: c, target: n, crossCluster: config.dispatch.crossCluster)
      }.sorted { a, b in
        let la = topo.latencyMs(eap: c, target: a)
        let lb = topo.latencyMs(eap: c, target: b)
        return la < lb || (la == lb && a < b)
      }
      targetCounts[c] = row.count
      for (j, n) in row.enumerated() {
        targets[c * topo.edgeNodeCount + j] = Int32(n)
        latencies[c * topo.edgeNodeCount + j] = topo.latencyMs(eap: c, target: n)
      }
    }
    rescheduleTargets = targets
    rescheduleLatencyMs = latencies
    rescheduleTargetCount = targetCounts
    decisionScratch = DecisionScratch()
    slotDecisions = [Int](repeating: 0, count: topology.clusterCount)
    slotDispatchOverloadTargets = [Int32](
      repeating: 0, count: topology.clusterCount * topology.targetCount)
    slotDispatchTouched = []
    slotOnTime = [Int](repeating: 0, count: topology.clusterCount)
    slotFailed = [Int](repeating: 0, count: topology.clusterCount)
    eapBusyUntilMs = [Double](repeating: 0, count: topology.clusterCount)
    lastSlotRewards = [Double](repeating: 0, count: topology.clusterCount)
    lastOutcome = SlotOutcome(
      slot: -1, rewards: [], decisions: [], completedOnTime: [], failed: [], episodeEnded: false)
    clusterServiceBusyCoreMs = [Double](repeating: 0, count: (topology.clusterCount + 1) * w)
    reset(seed: seed)
    decisionScratch = DecisionScratch(
      eapCount: eapCount, observationSize: observationSize, globalStateSize: globalStateSize)
  }

  // MARK: - Episode control

  /// Starts a new episode: empties the system, restores the initial placement, reseeds.
  /// `workload` replaces the workload settings (curriculum: load and profile per episode).
  public mutating func reset(seed: UInt64, workload newWorkload: WorkloadConfig? = nil) {
    if let wl = newWorkload { workload.setWorkload(wl) }
    episodeSeed = seed
    requestOutcomes.removeAll(keepingCapacity: true)
    requestOutcomesLogged = 0
    var seeder = SplitMix64(seed: seed)
    rng = Xoshiro256(seed: seeder.next())
    workload.startEpisode(seed: seeder.next())
    slot = 0
    nowMs = 0
    slotOpen = false
    let capacity = 4096
    requests.removeAll(keepingCapacity: true)
    freeIDs.removeAll(keepingCapacity: true)
    requests.reserveCapacity(capacity)
    liveRequests = 0
    let nc = topology.nodeCount
    let w = serviceCount
    for i in 0..<nc {
      cpuUsed[i] = 0
      memUsed[i] = 0
      replicasOnNode[i] = 0
      runningOnNode[i] = 0
    }
    for i in 0..<(w * nc) {
      replicas[i] = 0
      busy[i] = 0
      pendingRemoval[i] = 0
    }
    let placement = Self.initialPlacement(config: config, topology: topology)
    for s in 0..<w {
      for n in 0..<nc {
        let k = Int32(placement[s][n])
        replicas[replicaKey(service: s, node: n)] = k
        replicasOnNode[n] += k
        memUsed[n] += Double(k) * replicaMemGB[s]
      }
    }
    for s in 0..<w {
      cloudIdleReplicas[s] = 0
      for n in topology.edgeNodeCount..<nc {
        let k = replicaKey(service: s, node: n)
        cloudIdleReplicas[s] += Self.idle(
          replicas: replicas[k], busy: busy[k], pendingRemoval: pendingRemoval[k])
      }
    }
    eapQueues = (0..<topology.clusterCount).map { _ in
      RequestQueue(config.dispatch.eapDequeue, serviceCount: w)
    }
    groupQueues = (0..<topology.targetCount).map { _ in
      RequestQueue(config.dispatch.nodeDequeue, serviceCount: w)
    }
    for i in inTransit.indices {
      inTransit[i] = 0
      pendingCPU[i] = 0
      groupBlocked[i] = false
    }
    queueSeq = 0
    events.removeAll()
    eventSeq = 0
    estimator = CompletionTimeEstimator(
      initialMs: config.services.baseExecutionMs, smoothing: config.dispatch.estimatorSmoothing,
      window: config.dispatch.estimatorWindow)
    for i in masks.indices { masks[i] = false }
    clearSlotCounters()
    for b in 0..<topology.clusterCount {
      eapBusyUntilMs[b] = 0
      lastSlotRewards[b] = 0
    }
    centralBusyUntilMs = 0
    decisionCounter = 0
    for i in clusterServiceBusyCoreMs.indices { clusterServiceBusyCoreMs[i] = 0 }
    frameArrivedCount = 0
    frameOnTimeCount = 0
    onTimeAtFrameStart = 0
    previousFrameOnTime = 0
    metrics = EdgeCloudMetrics()
    monotonicityViolations = 0
    capacityViolations = 0
    metrics.edgeNodes = topology.edgeNodeCount
    metrics.cloudNodes = topology.cloudNodeCount
    metrics.eaps = topology.clusterCount
    metrics.edgeCores = topology.nodeCPUCores[0..<topology.edgeNodeCount].reduce(0, +)
    metrics.cloudCores = topology.nodeCPUCores[topology.edgeNodeCount...].reduce(0, +)
  }

  /// The initial replica placement `d[w][n]` (edge nodes then cloud nodes): the explicit
  /// `services.placement`, or the default: in every cluster, node k hosts services
  /// `(k·s + j) mod W` for j < s (s = servicesPerEdgeNode), so every service lives in every
  /// cluster; `initialReplicasPerPlacement` replicas each; every cloud node hosts every service.
  public static func initialPlacement(
    config: EdgeCloudConfig, topology: EdgeCloudTopology
  ) -> [[Int]] {
    if let p = config.services.placement { return p }
    let w = config.services.count
    var d = [[Int]](repeating: [Int](repeating: 0, count: topology.nodeCount), count: w)
    let s = config.services.servicesPerEdgeNode
    for n in 0..<topology.edgeNodeCount {
      let k = n % topology.nodesPerCluster
      for j in 0..<s {
        d[(k * s + j) % w][n] += config.services.initialReplicasPerPlacement
      }
    }
    for n in topology.edgeNodeCount..<topology.nodeCount {
      for x in 0..<w { d[x][n] = config.services.cloudInitialReplicasPerService }
    }
    return d
  }

  /// Whether all slots of the episode have been simulated.
  public var isEpisodeOver: Bool { slot >= config.timing.episodeSlots }
  /// The current slot is a long slot (urgent detection / rescheduling).
  public var isLongSlot: Bool { slot % config.timing.longSlotEverySlots == 0 }
  /// The current slot starts a frame (global orchestration); slot 0 is not a frame start.
  public var isFrameStart: Bool { slot > 0 && slot % config.timing.frameEverySlots == 0 }
  /// The outcome of the last slot that ended.
  public var lastSlotOutcome: SlotOutcome { lastOutcome }
}
