import Foundation
import SeededRandom

/// One pending dispatch decision of an eAP: the request it dequeued and its context. The
/// action mask is in the simulator (`isValid(eap:target:)`, `withMask(eap:)`).
public struct DispatchDecision: Sendable, Equatable {
  /// The deciding eAP (= cluster index).
  public var eap: Int
  /// The request's slot in the request table (stable while the request lives).
  public var requestID: Int32
  /// Service of the request.
  public var service: Int
  /// CPU demand, cores.
  public var cpuCores: Double
  /// Memory demand while running, GB.
  public var memoryGB: Double
  /// Arrival time at the eAP, ms.
  public var arrivalMs: Double
  /// Absolute deadline, ms.
  public var deadlineMs: Double
  /// Time of the decision (slot start), ms.
  public var nowMs: Double
  /// Arrived in an emergency burst.
  public var emergency: Bool
  /// Slot index in the episode.
  public var slot: Int
  /// This eAP's decision number within the slot (0, 1, …).
  public var indexInSlot: Int
  /// Decision number within the episode (all eAPs), for reward attribution.
  public var decisionIndex: Int

  /// Budget left, ms.
  public var remainingBudgetMs: Double { deadlineMs - nowMs }
}

/// What a slot produced, for reward attribution: every decision of eAP `b` taken in slot
/// `slot` earns `rewards[b]` (u_{b,t}, SPEC §3.6).
/// How one request left the system (see `EdgeCloudSimulator.logsRequestOutcomes`).
public struct RequestOutcome: Sendable, Equatable {
  /// The request's id (ids are recycled once a request has left).
  public var requestID: Int32
  /// Completed by its deadline (true) or failed (false).
  public var onTime: Bool
}

public struct SlotOutcome: Sendable, Equatable {
  /// The slot that ended.
  public var slot: Int
  /// u_{b,t} per eAP.
  public var rewards: [Double]
  /// Decisions per eAP in the slot.
  public var decisions: [Int]
  /// On-time completions of requests from each eAP in the slot.
  public var completedOnTime: [Int]
  /// Failures of requests from each eAP in the slot.
  public var failed: [Int]
  /// This was the last slot of the episode (time limit: a truncation).
  public var episodeEnded: Bool
}

/// Result of a replica removal request.
public enum ReplicaRemoval: Sendable, Equatable {
  /// An idle replica was removed.
  case removed
  /// Every replica is busy: one will be removed as soon as it is idle.
  case pending
  /// No (non-pending) replica of the service on the node: no-op.
  case infeasible
}

/// An orchestration action on one node.
public struct OrchestrationAction: Sendable, Equatable, Codable {
  /// Add or remove one replica.
  public enum Kind: String, Sendable, Codable { case add, remove }
  /// Add or remove.
  public var kind: Kind
  /// Service index.
  public var service: Int
  /// Node index (edge or cloud node).
  public var node: Int

  /// Creates an action.
  public init(_ kind: Kind, service: Int, node: Int) {
    self.kind = kind
    self.service = service
    self.node = node
  }
}

struct SimEvent: Comparable {
  var timeMs: Double
  var seq: UInt64
  var kind: UInt8
  var id: Int32
  static let nodeArrival: UInt8 = 0
  static let completion: UInt8 = 1
  static let timeout: UInt8 = 2
  static func < (a: SimEvent, b: SimEvent) -> Bool {
    a.timeMs < b.timeMs || (a.timeMs == b.timeMs && a.seq < b.seq)
  }
  static func == (a: SimEvent, b: SimEvent) -> Bool { a.seq == b.seq }
}

/// One row of the simulator's request table: a request's demands and its lifecycle timestamps.
/// One struct per request (rather than one array per field) so that filling or updating a
/// request writes one array element.
struct RequestRecord {
  /// Service index.
  var service: Int32
  /// Originating eAP (= cluster).
  var eap: Int32
  /// Dispatch target (edge node or cloud), -1 before dispatch.
  var target: Int32 = -1
  /// Node running the request, -1 before it starts.
  var node: Int32 = -1
  /// CPU demand, cores.
  var cpuCores: Float
  /// Memory demand while running, GB.
  var memoryGB: Float
  /// Emergency-burst arrival.
  var emergency: Bool
  /// Arrival at the eAP, ms.
  var arrivalMs: Double
  /// Absolute deadline, ms.
  var deadlineMs: Double
  /// Execution time once started, ms.
  var executionMs: Double
  /// Slot start at which the dispatch decision was taken, ms.
  var decisionStartMs = 0.0
  /// Time the decision was done (dispatch), ms.
  var dispatchMs = 0.0
  /// Latest arrival at a node or cloud queue, ms.
  var nodeArrivalMs = 0.0
  /// Start of execution, ms.
  var startMs = 0.0
  /// Start of the current transmission, ms.
  var sentMs = 0.0
  /// Total transmission time so far, ms.
  var transmissionMs = 0.0
  /// Total time waiting in node and cloud queues so far, ms.
  var queueingMs = 0.0

  /// A freshly arrived request.
  @inline(__always)
  init(_ s: RequestSpec) {
    service = Int32(s.service)
    eap = Int32(s.eap)
    cpuCores = Float(s.cpuCores)
    memoryGB = Float(s.memoryGB)
    emergency = s.emergency
    arrivalMs = s.arrivalMs
    deadlineMs = s.arrivalMs + s.budgetMs
    executionMs = s.executionMs
  }
}

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
/// The fast API is `run(dispatch:orchestration:)`; `EdgeCloudEnv` wraps the same primitives in
/// the multi-agent protocol.
public struct EdgeCloudSimulator: Sendable {
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

  var workload: WorkloadGenerator
  var rng: Xoshiro256
  var episodeSeed: UInt64 = 0

  /// Current slot index (the slot being decided / simulated).
  public private(set) var slot = 0
  /// Simulated time, ms.
  public private(set) var nowMs = 0.0
  var slotOpen = false

  /// The request table; ids (indices) are recycled through `freeIDs`.
  var requests: [RequestRecord] = []
  var freeIDs: [Int32] = []
  var arrivalScratch: [RequestSpec] = []
  /// Requests currently in the system (arrived, not yet completed or failed).
  public private(set) var liveRequests = 0

  // Nodes (struct of arrays); per-(service, node) arrays at [w * nodeCount + n].
  var cpuUsed: [Double]
  var memUsed: [Double]
  var replicas: [Int32]
  var busy: [Int32]
  var pendingRemoval: [Int32]
  var replicasOnNode: [Int32]
  var runningOnNode: [Int32]
  let replicaMemGB: [Double]

  // Queues.
  var eapQueues: [RequestQueue]
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
  public private(set) var estimator: CompletionTimeEstimator

  // Decision bookkeeping.
  var masks: [Bool]
  /// `reachableMask[b · targetCount + a]`: eAP b may dispatch to a (topology + cross-cluster).
  let reachableMask: [Bool]
  /// Rescheduling targets: row `c` (stride `edgeNodeCount`) lists the edge nodes that cluster
  /// `c` reaches at a finite latency, in `(latency, node)` order; `rescheduleTargetCount[c]`
  /// entries per row, `rescheduleLatencyMs` the matching latencies.
  let rescheduleTargets: [Int32]
  let rescheduleLatencyMs: [Double]
  let rescheduleTargetCount: [Int]
  var slotDecisions: [Int]
  var slotDispatchOverloadTargets: [Int32]  // [eap * targetCount + target] dispatch counts
  var slotOnTime: [Int]
  var slotFailed: [Int]
  var eapBusyUntilMs: [Double]
  var centralBusyUntilMs = 0.0
  var decisionCounter = 0
  /// u_{b,t} of the last slot that ended, per eAP.
  public private(set) var lastSlotRewards: [Double]
  var lastOutcome: SlotOutcome

  // HPA usage accounting: busy core·ms per (cluster incl. cloud, service) since last read.
  var clusterServiceBusyCoreMs: [Double]
  // Per-frame counters.
  var frameArrivedCount = 0
  var frameOnTimeCount = 0
  /// Completed-on-time count at the latest frame start (orchestration rewards).
  public private(set) var onTimeAtFrameStart = 0
  /// Completed-on-time count at the frame start before it.
  public private(set) var previousFrameOnTime = 0

  /// Events found out of time order or requests whose timestamps are out of lifecycle order
  /// (arrival ≤ decision ≤ dispatch ≤ node arrival ≤ start ≤ end); always 0 unless a bug.
  public private(set) var monotonicityViolations = 0
  /// Starts that would exceed a node's CPU, memory or idle replicas; always 0 unless a bug.
  public private(set) var capacityViolations = 0

  /// Everything measured so far in this episode.
  public internal(set) var metrics = EdgeCloudMetrics()

  /// Log every request's completion or failure in `requestOutcomes` (off by default; learners
  /// that credit each dispatch decision with its own request's outcome turn it on).
  public var logsRequestOutcomes = false
  /// Requests that completed or failed since the current slot began, in order (emptied by
  /// `beginSlot`; only when `logsRequestOutcomes`). An id appears here before it can be reused.
  public private(set) var requestOutcomes: [RequestOutcome] = []
  /// Outcomes logged since the episode began (`requestOutcomes` holds the last ones), so a
  /// reader can keep an absolute cursor across slots.
  public private(set) var requestOutcomesLogged = 0

  /// Creates a simulator; loads the trace when the workload is trace-driven.
  /// Throws `EdgeCloudConfigError` or `TraceError`.
  public init(config: EdgeCloudConfig, seed: UInt64 = 0) throws {
    try config.validate()
    var trace: AlibabaTrace? = nil
    if config.workload.source == .trace {
      trace = try AlibabaTrace.load(
        path: config.workload.tracePath, serviceCount: config.services.count,
        zeroDurationClampS: config.workload.zeroDurationClampS)
    }
    self.init(validated: config, trace: trace, seed: seed)
  }

  /// Creates a simulator with an already loaded trace (shared between copies, no re-parse).
  public init(config: EdgeCloudConfig, trace: AlibabaTrace?, seed: UInt64 = 0) throws {
    try config.validate()
    if config.workload.source == .trace && trace == nil {
      throw EdgeCloudConfigError(field: "workload.source", reason: "trace source needs a trace")
    }
    self.init(validated: config, trace: trace, seed: seed)
  }

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
    reachableMask = (0..<(topo.clusterCount * topo.targetCount)).map { i in
      topo.reachable(
        eap: i / topo.targetCount, target: i % topo.targetCount,
        crossCluster: config.dispatch.crossCluster)
    }
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
    slotDecisions = [Int](repeating: 0, count: topology.clusterCount)
    slotDispatchOverloadTargets = [Int32](
      repeating: 0, count: topology.clusterCount * topology.targetCount)
    slotOnTime = [Int](repeating: 0, count: topology.clusterCount)
    slotFailed = [Int](repeating: 0, count: topology.clusterCount)
    eapBusyUntilMs = [Double](repeating: 0, count: topology.clusterCount)
    lastSlotRewards = [Double](repeating: 0, count: topology.clusterCount)
    lastOutcome = SlotOutcome(
      slot: -1, rewards: [], decisions: [], completedOnTime: [], failed: [], episodeEnded: false)
    clusterServiceBusyCoreMs = [Double](repeating: 0, count: (topology.clusterCount + 1) * w)
    reset(seed: seed)
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
        replicas[s * nc + n] = k
        replicasOnNode[n] += k
        memUsed[n] += Double(k) * replicaMemGB[s]
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
    for i in slotDispatchOverloadTargets.indices { slotDispatchOverloadTargets[i] = 0 }
    for b in 0..<topology.clusterCount {
      slotDecisions[b] = 0
      slotOnTime[b] = 0
      slotFailed[b] = 0
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

  // MARK: - Request table

  @inline(__always)
  mutating func allocate(_ s: RequestSpec) -> Int32 {
    liveRequests += 1
    let r = RequestRecord(s)
    if let id = freeIDs.popLast() {
      requests[Int(id)] = r
      return id
    }
    requests.append(r)
    return Int32(requests.count - 1)
  }

  @inline(__always)
  mutating func release(_ id: Int32) {
    liveRequests -= 1
    freeIDs.append(id)
  }

  @inline(__always)
  func entry(_ id: Int32) -> QueueEntry {
    let i = Int(id)
    let r = requests[i]
    return QueueEntry(
      id: id, service: r.service, cpuCores: r.cpuCores, memoryGB: r.memoryGB, seq: 0,
      deadlineMs: r.deadlineMs)
  }

  @inline(__always)
  mutating func fail(_ id: Int32, inQueue: Bool, atEAP: Bool) {
    let b = Int(requests[Int(id)].eap)
    if inQueue { unpend(id) }
    if logsRequestOutcomes {
      requestOutcomes.append(RequestOutcome(requestID: id, onTime: false))
      requestOutcomesLogged += 1
    }
    slotFailed[b] += 1
    if atEAP {
      metrics.failedAtEAP += 1
    } else if inQueue {
      metrics.failedInQueue += 1
    } else {
      metrics.failedRunning += 1
    }
    release(id)
  }

  /// The request left the "dispatched, not started" state of its target.
  @inline(__always)
  mutating func unpend(_ id: Int32) {
    let r = requests[Int(id)]
    let a = Int(r.target)
    pendingCPU[a] -= Double(r.cpuCores)
    if pendingCPU[a] < 1e-9 { pendingCPU[a] = max(0, pendingCPU[a]) }
  }

  @inline(__always)
  mutating func pushEvent(_ timeMs: Double, _ kind: UInt8, _ id: Int32) {
    eventSeq &+= 1
    events.insert(SimEvent(timeMs: timeMs, seq: eventSeq, kind: kind, id: id))
  }

  @inline(__always)
  mutating func jitter(_ meanMs: Double) -> Double {
    let j = topology.jitterFraction
    if j == 0 { return meanMs }
    return meanMs * (1 - j + 2 * j * rng.nextDouble())
  }

  // MARK: - Slot phases

  /// Starts the current slot: arrivals of the previous slot join their eAP queues, expired
  /// requests are discarded, and at long slots E_w is updated and urgent requests promoted /
  /// rescheduled. Returns false when the episode is over.
  @discardableResult
  public mutating func beginSlot() -> Bool {
    guard !isEpisodeOver else { return false }
    precondition(!slotOpen, "beginSlot called twice without endSlot")
    slotOpen = true
    requestOutcomes.removeAll(keepingCapacity: true)
    let slotMs = config.timing.slotMs
    nowMs = Double(slot) * slotMs
    for b in 0..<eapCount {
      slotDecisions[b] = 0
      slotOnTime[b] = 0
      slotFailed[b] = 0
    }
    for i in slotDispatchOverloadTargets.indices { slotDispatchOverloadTargets[i] = 0 }
    if isFrameStart {
      metrics.frameArrived.append(frameArrivedCount)
      metrics.frameCompletedOnTime.append(frameOnTimeCount)
      frameArrivedCount = 0
      frameOnTimeCount = 0
      previousFrameOnTime = onTimeAtFrameStart
      onTimeAtFrameStart = metrics.completedOnTime
    }
    if slot > 0 {
      let now = nowMs
      var specs = arrivalScratch
      arrivalScratch = []
      workload.generate(startMs: now - slotMs, lengthMs: slotMs) { specs.append($0) }
      for spec in specs {
        let id = allocate(spec)
        queueSeq += 1
        var e = entry(id)
        e.seq = queueSeq
        eapQueues[spec.eap].push(e)
        metrics.arrived += 1
        frameArrivedCount += 1
      }
      specs.removeAll(keepingCapacity: true)
      arrivalScratch = specs
    }
    // Timeouts: discard requests whose deadline has passed (eAP and node/cloud queues).
    var expired: [Int32] = []
    for b in 0..<eapCount {
      eapQueues[b].removeExpired(nowMs: nowMs) { expired.append($0.id) }
      for id in expired { fail(id, inQueue: false, atEAP: true) }
      expired.removeAll(keepingCapacity: true)
    }
    for g in 0..<groupQueues.count where groupQueues[g].count > 0 {
      groupQueues[g].removeExpired(nowMs: nowMs) { expired.append($0.id) }
      for id in expired { fail(id, inQueue: true, atEAP: false) }
      expired.removeAll(keepingCapacity: true)
    }
    if isLongSlot && slot > 0 { longSlot() }
    // Expiry, promotion and rescheduling changed the node and cloud queues.
    for g in groupBlocked.indices { groupBlocked[g] = false }
    return true
  }

  /// Long-slot work: E_w update (Eq. 3) and, with urgent rescheduling, the paper's urgency
  /// detection. Detection runs only every long slot, so "now = deadline − E_w" is read as
  /// "that moment falls before the next opportunity": eAP queues promote requests with
  /// `deadline − now ≤ E_w + LAN latency + slot` (Ψ takes transmission into account), node and
  /// cloud queues those with `deadline − now ≤ E_w + slot` (Ψ' ignores it); requests waiting
  /// in edge node queues with `deadline − now ≤ E_w + long slot` are moved to the nearest
  /// target that can still make it (`now + latency + E_w ≤ deadline`) when there is one.
  mutating func longSlot() {
    estimator.update()
    guard config.dispatch.urgentRescheduling else { return }
    let est = estimator.estimatesMs
    let lan = config.topology.lanLatencyMs
    let slotMs = config.timing.slotMs
    est.withUnsafeBufferPointer { e in
      for b in 0..<eapCount {
        metrics.promotedUrgent += eapQueues[b].promoteUrgent(
          nowMs: nowMs, estimatesMs: e, slackMs: lan + slotMs)
      }
    }
    rescheduleUrgentNodeRequests()
    est.withUnsafeBufferPointer { e in
      for g in 0..<groupQueues.count where groupQueues[g].count > 0 {
        metrics.promotedUrgent += groupQueues[g].promoteUrgent(
          nowMs: nowMs, estimatesMs: e, slackMs: slotMs)
      }
    }
  }

  /// Moves urgent requests (`deadline − now ≤ E_w + long slot`) out of edge node queues to the
  /// nearest target (own cluster, then neighbouring clusters, then the cloud) with an idle
  /// replica and the resources now, from which `now + latency + E_w ≤ deadline` still holds.
  mutating func rescheduleUrgentNodeRequests() {
    let nc = topology.nodeCount
    let w = serviceCount
    var avail = [Int32](repeating: 0, count: w * nc)
    var cpuFree = [Double](repeating: 0, count: nc)
    for n in 0..<topology.edgeNodeCount {
      cpuFree[n] = topology.nodeCPUCores[n] - cpuUsed[n]
      for s in 0..<w {
        let i = s * nc + n
        avail[i] = replicas[i] - busy[i] - pendingRemoval[i]
      }
    }
    var moves: [(id: Int32, to: Int)] = []
    var candidates: [QueueEntry] = []
    let horizonMs = Double(config.timing.longSlotEverySlots) * config.timing.slotMs
    // A request is urgent when `deadline − now ≤ E_w + horizon`.
    let limitsMs = estimator.estimatesMs.map { $0 + horizonMs }
    for g in 0..<topology.edgeNodeCount where groupQueues[g].count > 0 {
      candidates.removeAll(keepingCapacity: true)
      limitsMs.withUnsafeBufferPointer { limits in
        groupQueues[g].forEach(nowMs: nowMs, limitsMs: limits) { candidates.append($0) }
      }
      guard !candidates.isEmpty else { continue }
      let fromCluster = topology.nodeCluster[g]
      var taken: [Int32] = []
      for e in candidates {
        let s = Int(e.service)
        let eW = estimator.estimatesMs[s]
        // The first feasible node in (latency, node) order: the nearest, lowest index among
        // equals. `now + latency + E_w` only grows along the row (rounding is monotone), so
        // once it misses the deadline every later node does too.
        var best = -1
        let row = fromCluster * topology.edgeNodeCount
        for j in row..<(row + rescheduleTargetCount[fromCluster]) {
          let n = Int(rescheduleTargets[j])
          guard n != g else { continue }
          guard nowMs + rescheduleLatencyMs[j] + eW <= e.deadlineMs else { break }
          if avail[s * nc + n] > 0 && cpuFree[n] >= Double(e.cpuCores) {
            best = n
            break
          }
        }
        if best < 0 {
          let wan = topology.latencyMs(eap: fromCluster, target: topology.cloudTarget)
          if nowMs + wan + eW <= e.deadlineMs { best = topology.cloudTarget }
        }
        guard best >= 0 else { continue }
        if best < topology.edgeNodeCount {
          avail[s * nc + best] -= 1
          cpuFree[best] -= Double(e.cpuCores)
        }
        taken.append(e.id)
        moves.append((e.id, best))
      }
      guard !taken.isEmpty else { continue }
      taken.sort()
      groupQueues[g].remove(where: { taken.binarySearchContains($0.id) }) { _ in }
    }
    for (id, to) in moves {
      let i = Int(id)
      let from = Int(requests[i].target)
      let lat = jitter(
        topology.latencyMs(eap: topology.nodeCluster[from], target: to))
      unpend(id)
      requests[i].target = Int32(to)
      pendingCPU[to] += Double(requests[i].cpuCores)
      inTransit[to] += 1
      metrics.rescheduled += 1
      requests[i].queueingMs += nowMs - requests[i].nodeArrivalMs
      requests[i].sentMs = nowMs
      pushEvent(nowMs + lat, SimEvent.nodeArrival, id)
    }
  }

  /// Dequeues the next request of eAP `eap` by Ψ and prepares its action mask, or returns nil
  /// when the eAP's queue is empty or its per-slot dispatch budget is used up.
  public mutating func nextDecision(eap b: Int) -> DispatchDecision? {
    guard slotDecisions[b] < config.dispatch.budgetPerSlot, eapQueues[b].count > 0 else {
      return nil
    }
    let popped = estimator.estimatesMs.withUnsafeBufferPointer { e in
      eapQueues[b].popBest(estimatesMs: e) { _, _, _ in true }
    }
    guard let qe = popped else { return nil }
    let id = qe.id
    let i = Int(id)
    let r = requests[i]
    let w = Int(r.service)
    let cpu = Double(r.cpuCores)
    let mem = Double(r.memoryGB)
    computeMask(eap: b, service: w, cpuCores: cpu, memoryGB: mem)
    let d = DispatchDecision(
      eap: b, requestID: id, service: w, cpuCores: cpu, memoryGB: mem,
      arrivalMs: r.arrivalMs, deadlineMs: r.deadlineMs, nowMs: nowMs,
      emergency: r.emergency, slot: slot, indexInSlot: slotDecisions[b],
      decisionIndex: decisionCounter)
    slotDecisions[b] += 1
    decisionCounter += 1
    return d
  }

  @inline(__always)
  mutating func computeMask(eap b: Int, service w: Int, cpuCores: Double, memoryGB: Double) {
    let t = topology.targetCount
    let nc = topology.nodeCount
    let edge = topology.edgeNodeCount
    let base = b * t
    let off = w * nc
    reachableMask.withUnsafeBufferPointer { reach in
      replicas.withUnsafeBufferPointer { rep in
        pendingRemoval.withUnsafeBufferPointer { pr in
          cpuUsed.withUnsafeBufferPointer { cu in
            memUsed.withUnsafeBufferPointer { mu in
              topology.nodeCPUCores.withUnsafeBufferPointer { cc in
                topology.nodeMemoryGB.withUnsafeBufferPointer { mc in
                  masks.withUnsafeMutableBufferPointer { m in
                    // Pointers rebased to this eAP's row and this service's replica counts.
                    let reachRow = reach.baseAddress! + base
                    let repRow = rep.baseAddress! + off
                    let prRow = pr.baseAddress! + off
                    let maskRow = m.baseAddress! + base
                    for n in 0..<edge {
                      maskRow[n] =
                        reachRow[n] && repRow[n] &- prRow[n] > 0
                        && cc[n] - cu[n] >= cpuCores && mc[n] - mu[n] >= memoryGB
                    }
                    m[base + t - 1] = true
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Whether `target` is valid for eAP `eap`'s pending decision (the context F).
  @inline(__always)
  public func isValid(eap: Int, target: Int) -> Bool {
    target >= 0 && target < topology.targetCount && masks[eap * topology.targetCount + target]
  }

  /// Calls `body` with eAP `eap`'s current action mask (`targetCount` entries, cloud last).
  public func withMask<R>(eap: Int, _ body: (UnsafeBufferPointer<Bool>) -> R) -> R {
    masks.withUnsafeBufferPointer { m in
      body(UnsafeBufferPointer(rebasing: m[(eap * targetCount)..<((eap + 1) * targetCount)]))
    }
  }

  /// Applies a dispatch decision: `target` in `0..<targetCount` (cloud last). A target outside
  /// the mask is counted in `metrics.invalidActions` and redirected to the cloud.
  public mutating func dispatch(_ d: DispatchDecision, to target: Int) {
    let b = d.eap
    var a = target
    if !isValid(eap: b, target: a) {
      metrics.invalidActions += 1
      a = topology.cloudTarget
    }
    let id = d.requestID
    let i = Int(id)
    // Decision latency (SPEC §3.8).
    let dc = config.dispatch
    let doneMs: Double
    switch dc.decisionMode {
    case .distributed:
      let start = max(nowMs, eapBusyUntilMs[b])
      doneMs = start + dc.inferenceLatencyMs
      eapBusyUntilMs[b] = doneMs
      metrics.decisionCPUMs += dc.inferenceLatencyMs
    case .centralized:
      let start = max(nowMs + dc.centralLinkLatencyMs, centralBusyUntilMs)
      centralBusyUntilMs = start + dc.centralSolverLatencyMs
      doneMs = centralBusyUntilMs + dc.centralLinkLatencyMs
      metrics.decisionCPUMs += dc.centralSolverLatencyMs
    }
    do {
      var r = requests[i]
      r.decisionStartMs = nowMs
      r.dispatchMs = doneMs
      r.sentMs = doneMs
      r.target = Int32(a)
      requests[i] = r
    }
    inTransit[a] += 1
    pendingCPU[a] += d.cpuCores
    metrics.decisions += 1
    if a == topology.cloudTarget {
      metrics.dispatchedCloud += 1
    } else if topology.nodeCluster[a] == b {
      metrics.dispatchedLocal += 1
    } else {
      metrics.dispatchedCrossCluster += 1
    }
    slotDispatchOverloadTargets[b * topology.targetCount + a] += 1
    let lat = jitter(topology.latencyMs(eap: b, target: a))
    pushEvent(doneMs + lat, SimEvent.nodeArrival, id)
  }

  /// Runs the event loop to the end of the slot, computes u_{b,t} for every eAP and advances
  /// to the next slot.
  @discardableResult
  public mutating func endSlot() -> SlotOutcome {
    precondition(slotOpen, "endSlot without beginSlot")
    let slotEnd = Double(slot + 1) * config.timing.slotMs
    processEvents(until: slotEnd)
    nowMs = slotEnd
    metrics.elapsedMs = slotEnd
    // Rewards u_{b,t} (SPEC §3.6).
    let r = config.rewards
    let t = topology.targetCount
    var rewards = [Double](repeating: 0, count: eapCount)
    var cloudOverloaded = false
    do {
      var cpu = 0.0
      var mem = 0.0
      var cpuCap = 0.0
      var memCap = 0.0
      for n in topology.edgeNodeCount..<topology.nodeCount {
        cpu += cpuUsed[n]
        mem += memUsed[n]
        cpuCap += topology.nodeCPUCores[n]
        memCap += topology.nodeMemoryGB[n]
      }
      cloudOverloaded = cpu > r.overloadThreshold * cpuCap || mem > r.overloadThreshold * memCap
    }
    for b in 0..<eapCount {
      let resolved = slotOnTime[b] + slotFailed[b]
      let onTimeShare = resolved > 0 ? Double(slotOnTime[b]) / Double(resolved) : 0
      let failShare = resolved > 0 ? Double(slotFailed[b]) / Double(resolved) : 0
      var overloaded = 0
      var dispatched = 0
      for a in 0..<t {
        let k = Int(slotDispatchOverloadTargets[b * t + a])
        guard k > 0 else { continue }
        dispatched += k
        if a == topology.cloudTarget ? cloudOverloaded : isOverloaded(node: a) { overloaded += k }
      }
      let overloadShare = dispatched > 0 ? Double(overloaded) / Double(dispatched) : 0
      rewards[b] =
        r.onTimeWeight * onTimeShare + r.failureWeight * failShare
        + r.overloadWeight * overloadShare
    }
    lastSlotRewards = rewards
    let ended = slot + 1 >= config.timing.episodeSlots
    lastOutcome = SlotOutcome(
      slot: slot, rewards: rewards, decisions: slotDecisions, completedOnTime: slotOnTime,
      failed: slotFailed, episodeEnded: ended)
    slot += 1
    slotOpen = false
    if ended {
      metrics.frameArrived.append(frameArrivedCount)
      metrics.frameCompletedOnTime.append(frameOnTimeCount)
    }
    return lastOutcome
  }

  /// Whether node `n` is above the overload threshold in CPU or memory.
  @inline(__always)
  public func isOverloaded(node n: Int) -> Bool {
    let th = config.rewards.overloadThreshold
    return cpuUsed[n] > th * topology.nodeCPUCores[n] || memUsed[n] > th * topology.nodeMemoryGB[n]
  }

  mutating func processEvents(until endMs: Double) {
    while let top = events.min, top.timeMs <= endMs {
      let ev = events.removeMin()
      if ev.timeMs < nowMs { monotonicityViolations += 1 }
      nowMs = ev.timeMs
      switch ev.kind {
      case SimEvent.nodeArrival: handleNodeArrival(ev.id)
      default: handleCompletion(ev.id, killed: ev.kind == SimEvent.timeout)
      }
    }
  }

  mutating func handleNodeArrival(_ id: Int32) {
    let i = Int(id)
    var r = requests[i]
    let g = Int(r.target)
    inTransit[g] -= 1
    r.nodeArrivalMs = nowMs
    r.transmissionMs += nowMs - r.sentMs
    requests[i] = r
    if r.deadlineMs <= nowMs {
      fail(id, inQueue: true, atEAP: false)
      return
    }
    queueSeq += 1
    var e = entry(id)
    e.seq = queueSeq
    let isHead = groupQueues[g].pushReportingHead(e)
    if groupBlocked[g] && !isHead && skipsBlockedGroups {
      if checksBlockedGroups {
        var probe = self
        probe.checksBlockedGroups = false
        probe.tryStart(group: g)
        blockedGroupSkips += 1
        if probe.groupQueues[g].count != groupQueues[g].count { blockedGroupMisses += 1 }
      }
      return
    }
    tryStart(group: g)
  }

  /// Starts queued requests of queue group `g` (an edge node, or the cloud) on idle replicas
  /// while CPU and memory allow, in Ψ' order.
  mutating func tryStart(group g: Int) {
    groupBlocked[g] = true
    guard groupQueues[g].count > 0 else { return }
    let nc = topology.nodeCount
    let isCloud = g == topology.cloudTarget
    let firstNode = isCloud ? topology.edgeNodeCount : g
    let endNode = isCloud ? topology.nodeCount : g + 1
    while true {
      // Pick the best request that some node of the group can start now.
      let popped: QueueEntry? = estimator.estimatesMs.withUnsafeBufferPointer { e in
        replicas.withUnsafeBufferPointer { rep in
          busy.withUnsafeBufferPointer { bz in
            pendingRemoval.withUnsafeBufferPointer { pr in
              cpuUsed.withUnsafeBufferPointer { cu in
                memUsed.withUnsafeBufferPointer { mu in
                  topology.nodeCPUCores.withUnsafeBufferPointer { cc in
                    topology.nodeMemoryGB.withUnsafeBufferPointer { mc in
                      groupQueues[g].popBest(estimatesMs: e) { w, cpu, mem in
                        for n in firstNode..<endNode {
                          let k = w * nc + n
                          if rep[k] - bz[k] - pr[k] > 0 && cc[n] - cu[n] >= Double(cpu)
                            && mc[n] - mu[n] >= Double(mem)
                          {
                            return true
                          }
                        }
                        return false
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      guard let qe = popped else { return }
      let id = qe.id
      let i = Int(id)
      if requests[i].deadlineMs <= nowMs {
        fail(id, inQueue: true, atEAP: false)
        continue
      }
      let w = Int(qe.service)
      let cpu = Double(qe.cpuCores)
      let mem = Double(qe.memoryGB)
      // Choose the node: the only one at the edge; the least CPU-loaded fitting one in the cloud.
      var node = -1
      var bestLoad = Double.infinity
      for n in firstNode..<endNode {
        let k = w * nc + n
        guard replicas[k] - busy[k] - pendingRemoval[k] > 0,
          topology.nodeCPUCores[n] - cpuUsed[n] >= cpu,
          topology.nodeMemoryGB[n] - memUsed[n] >= mem
        else { continue }
        let load = cpuUsed[n] / topology.nodeCPUCores[n]
        if load < bestLoad {
          bestLoad = load
          node = n
        }
      }
      start(id, node: node, service: w, cpuCores: cpu, memoryGB: mem)
    }
  }

  @inline(__always)
  mutating func start(_ id: Int32, node n: Int, service w: Int, cpuCores: Double, memoryGB: Double)
  {
    let i = Int(id)
    let k = w * topology.nodeCount + n
    unpend(id)
    if n < 0 || replicas[k] - busy[k] - pendingRemoval[k] <= 0
      || cpuUsed[n] + cpuCores > topology.nodeCPUCores[n] + 1e-9
      || memUsed[n] + memoryGB > topology.nodeMemoryGB[n] + 1e-9
    {
      capacityViolations += 1
    }
    busy[k] += 1
    cpuUsed[n] += cpuCores
    memUsed[n] += memoryGB
    runningOnNode[n] += 1
    var r = requests[i]
    r.node = Int32(n)
    r.startMs = nowMs
    r.queueingMs += nowMs - r.nodeArrivalMs
    requests[i] = r
    let end = nowMs + r.executionMs
    if end <= r.deadlineMs {
      pushEvent(end, SimEvent.completion, id)
    } else {
      pushEvent(r.deadlineMs, SimEvent.timeout, id)
    }
  }

  mutating func handleCompletion(_ id: Int32, killed: Bool) {
    let r = requests[Int(id)]
    let n = Int(r.node)
    let w = Int(r.service)
    let nc = topology.nodeCount
    let k = w * nc + n
    let cpu = Double(r.cpuCores)
    busy[k] -= 1
    cpuUsed[n] -= cpu
    if cpuUsed[n] < 1e-9 { cpuUsed[n] = max(0, cpuUsed[n]) }
    memUsed[n] -= Double(r.memoryGB)
    runningOnNode[n] -= 1
    let ranMs = nowMs - r.startMs
    let coreMs = cpu * ranMs
    let cluster = topology.nodeCluster[n]
    clusterServiceBusyCoreMs[cluster * serviceCount + w] += coreMs
    if n < topology.edgeNodeCount {
      metrics.edgeBusyCoreMs += coreMs
    } else {
      metrics.cloudBusyCoreMs += coreMs
    }
    if !(r.arrivalMs <= r.decisionStartMs && r.decisionStartMs <= r.dispatchMs
      && r.dispatchMs <= r.nodeArrivalMs && r.nodeArrivalMs <= r.startMs
      && r.startMs <= nowMs && (killed || nowMs <= r.deadlineMs))
    {
      monotonicityViolations += 1
    }
    if killed {
      fail(id, inQueue: false, atEAP: false)
    } else {
      let b = Int(r.eap)
      if logsRequestOutcomes {
        requestOutcomes.append(RequestOutcome(requestID: id, onTime: true))
        requestOutcomesLogged += 1
      }
      slotOnTime[b] += 1
      metrics.completedOnTime += 1
      frameOnTimeCount += 1
      if n >= topology.edgeNodeCount { metrics.completedOnTimeInCloud += 1 }
      estimator.record(service: w, completionMs: nowMs - r.nodeArrivalMs)
      let decision = r.dispatchMs - r.decisionStartMs
      let transmission = r.transmissionMs
      let queueing = (r.decisionStartMs - r.arrivalMs) + r.queueingMs
      metrics.decisionMsSum += decision
      metrics.transmissionMsSum += transmission
      metrics.queueingMsSum += queueing
      metrics.executionMsSum += ranMs
      metrics.e2eHistogram.add(nowMs - r.arrivalMs)
      release(id)
    }
    if pendingRemoval[k] > 0 {
      pendingRemoval[k] -= 1
      replicas[k] -= 1
      replicasOnNode[n] -= 1
      memUsed[n] -= replicaMemGB[w]
      metrics.replicasRemoved += 1
    }
    tryStart(group: n < topology.edgeNodeCount ? n : topology.cloudTarget)
  }

  // MARK: - Fast API

  /// Runs the rest of the episode with `dispatch` deciding every request and `orchestration`
  /// consulted at every slot start. No per-decision allocation.
  public mutating func run<D: DispatchPolicy, O: OrchestrationPolicy>(
    dispatch policy: inout D, orchestration: inout O
  ) {
    var actions: [OrchestrationAction] = []
    var pending = [DispatchDecision?](repeating: nil, count: eapCount)
    var chosen = [Int](repeating: 0, count: eapCount)
    while beginSlot() {
      actions.removeAll(keepingCapacity: true)
      orchestration.orchestrate(self, &actions)
      for a in actions { apply(a) }
      runDecisionRounds(policy: &policy, pending: &pending, chosen: &chosen)
      let outcome = endSlot()
      policy.slotEnded(outcome, self)
    }
  }

  /// Runs the rest of the episode with a dispatch policy and no orchestration.
  public mutating func run<D: DispatchPolicy>(dispatch policy: inout D) {
    var none = NoOrchestration()
    run(dispatch: &policy, orchestration: &none)
  }

  /// Takes all dispatch decisions of the current slot: in rounds, each eAP with a request and
  /// budget left dequeues one; all of a round's decisions are chosen on the same state, then
  /// applied in eAP order.
  public mutating func runDecisionRounds<D: DispatchPolicy>(
    policy: inout D, pending: inout [DispatchDecision?], chosen: inout [Int]
  ) {
    while true {
      var any = false
      for b in 0..<eapCount {
        pending[b] = nextDecision(eap: b)
        if pending[b] != nil { any = true }
      }
      guard any else { return }
      // Passing `self` (a mutating method's inout) to the policy as a borrow makes Swift copy
      // the simulator's stored properties (a memcpy) once per round.
      for b in 0..<eapCount {
        if let d = pending[b] { chosen[b] = policy.choose(d, self) }
      }
      for b in 0..<eapCount {
        if let d = pending[b] { dispatch(d, to: chosen[b]) }
      }
    }
  }

  // MARK: - Orchestration primitives

  /// Applies one orchestration action (infeasible → no-op, counted).
  public mutating func apply(_ action: OrchestrationAction) {
    switch action.kind {
    case .add: _ = addReplica(service: action.service, node: action.node)
    case .remove: _ = removeReplica(service: action.service, node: action.node)
    }
  }

  /// Whether node `n` can host one more replica of `service` (memory and replica cap).
  public func canAddReplica(service w: Int, node n: Int) -> Bool {
    guard w >= 0, w < serviceCount, n >= 0, n < topology.nodeCount else { return false }
    if pendingRemoval[w * topology.nodeCount + n] > 0 { return true }
    return replicasOnNode[n] < Int32(config.services.maxReplicasPerNode)
      && memUsed[n] + replicaMemGB[w] <= topology.nodeMemoryGB[n] + 1e-9
  }

  /// Adds one replica of `service` on `node` (a pending removal there is cancelled instead).
  /// Returns false — a no-op — when the node cannot afford it.
  @discardableResult
  public mutating func addReplica(service w: Int, node n: Int) -> Bool {
    guard canAddReplica(service: w, node: n) else {
      metrics.orchestrationNoOps += 1
      return false
    }
    let k = w * topology.nodeCount + n
    if pendingRemoval[k] > 0 {
      pendingRemoval[k] -= 1
    } else {
      replicas[k] += 1
      replicasOnNode[n] += 1
      memUsed[n] += replicaMemGB[w]
    }
    metrics.replicasAdded += 1
    tryStart(group: n < topology.edgeNodeCount ? n : topology.cloudTarget)
    return true
  }

  /// Removes one replica of `service` from `node`: immediately if one is idle, otherwise as
  /// soon as one becomes idle (it takes no new request meanwhile).
  @discardableResult
  public mutating func removeReplica(service w: Int, node n: Int) -> ReplicaRemoval {
    guard w >= 0, w < serviceCount, n >= 0, n < topology.nodeCount else {
      metrics.orchestrationNoOps += 1
      return .infeasible
    }
    let k = w * topology.nodeCount + n
    let active = replicas[k] - pendingRemoval[k]
    guard active > 0 else {
      metrics.orchestrationNoOps += 1
      return .infeasible
    }
    groupBlocked[n < topology.edgeNodeCount ? n : topology.cloudTarget] = false
    if replicas[k] - busy[k] - pendingRemoval[k] > 0 {
      replicas[k] -= 1
      replicasOnNode[n] -= 1
      memUsed[n] -= replicaMemGB[w]
      metrics.replicasRemoved += 1
      return .removed
    }
    pendingRemoval[k] += 1
    return .pending
  }

  // MARK: - Read-only state

  /// d[w][n]: deployed replicas of `service` on `node` (including ones pending removal).
  @inline(__always)
  public func replicaCount(service w: Int, node n: Int) -> Int {
    Int(replicas[w * topology.nodeCount + n])
  }

  /// Busy replicas of `service` on `node`.
  @inline(__always)
  public func busyReplicas(service w: Int, node n: Int) -> Int {
    Int(busy[w * topology.nodeCount + n])
  }

  /// Replicas of `service` on `node` waiting to be removed once idle.
  @inline(__always)
  public func pendingRemovals(service w: Int, node n: Int) -> Int {
    Int(pendingRemoval[w * topology.nodeCount + n])
  }

  /// Replicas of `service` on `node` that can take a request now.
  @inline(__always)
  public func idleReplicas(service w: Int, node n: Int) -> Int {
    let k = w * topology.nodeCount + n
    return Int(replicas[k] - busy[k] - pendingRemoval[k])
  }

  /// Replicas (all services) on `node`.
  @inline(__always)
  public func replicasOn(node n: Int) -> Int { Int(replicasOnNode[n]) }

  /// CPU in use on `node`, cores.
  @inline(__always)
  public func cpuUsedCores(node n: Int) -> Double { cpuUsed[n] }

  /// Memory in use on `node` (replicas + running requests), GB.
  @inline(__always)
  public func memoryUsedGB(node n: Int) -> Double { memUsed[n] }

  /// CPU utilization of `node` in [0, 1].
  @inline(__always)
  public func cpuUtilization(node n: Int) -> Double { cpuUsed[n] / topology.nodeCPUCores[n] }

  /// Requests running on `node`.
  @inline(__always)
  public func runningRequests(node n: Int) -> Int { Int(runningOnNode[n]) }

  /// Requests waiting in the queue of `target` (an edge node's Q'_n, or the cloud's Q_c).
  @inline(__always)
  public func queueLength(target a: Int) -> Int { groupQueues[a].count }

  /// Requests of `service` waiting in the queue of `target`.
  @inline(__always)
  public func queueLength(target a: Int, service w: Int) -> Int {
    groupQueues[a].count(service: w)
  }

  /// CPU demand of the requests dispatched to `target` and not yet started (in transit or
  /// queued), cores: what Kubernetes counts as requested by bound-but-pending pods.
  @inline(__always)
  public func pendingCPUCores(target a: Int) -> Double { pendingCPU[a] }

  /// Requests dispatched to `target` and still in transit.
  @inline(__always)
  public func inTransitCount(target a: Int) -> Int { Int(inTransit[a]) }

  /// Requests waiting in eAP `eap`'s queue Q_b.
  @inline(__always)
  public func eapQueueLength(eap b: Int) -> Int { eapQueues[b].count }

  /// Requests of `service` waiting in eAP `eap`'s queue.
  @inline(__always)
  public func eapQueueLength(eap b: Int, service w: Int) -> Int {
    eapQueues[b].count(service: w)
  }

  /// Requests waiting or running anywhere, per service (eAP queues, transit excluded, node
  /// and cloud queues).
  public func queuedRequests(service w: Int) -> Int {
    var s = 0
    for b in 0..<eapCount { s += eapQueues[b].count(service: w) }
    for g in 0..<groupQueues.count { s += groupQueues[g].count(service: w) }
    return s
  }

  /// Decisions eAP `eap` took in the current slot.
  @inline(__always)
  public func decisionsThisSlot(eap b: Int) -> Int { slotDecisions[b] }

  /// Requests in the system, counted place by place: eAP queues, in transit, node/cloud queues
  /// and running. Equals `liveRequests` at every instant.
  public var requestsInSystem: Int {
    var s = 0
    for b in 0..<eapCount { s += eapQueues[b].count }
    for a in 0..<targetCount { s += Int(inTransit[a]) + groupQueues[a].count }
    for n in 0..<topology.nodeCount { s += Int(runningOnNode[n]) }
    return s
  }

  /// Cumulative busy core·ms of `service`'s replicas in `cluster` this episode (the cloud is
  /// cluster `clusterCount`), attributed when requests finish; HPA differences it per sync.
  @inline(__always)
  public func busyCoreMs(cluster c: Int, service w: Int) -> Double {
    clusterServiceBusyCoreMs[c * serviceCount + w]
  }
}

extension Array where Element == Int32 {
  @inline(__always)
  func binarySearchContains(_ x: Int32) -> Bool {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if self[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < count && self[lo] == x
  }
}
