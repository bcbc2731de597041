import Foundation

// Every constant of the edge-cloud model lives here, with its unit in its name. Defaults follow
// the KMPS testbed (paper Sec. IV-A, SPEC §3). Every nested config decodes missing fields as
// their defaults, so a JSON file only needs the fields it changes.

/// A configuration value that is impossible, with the field path and the reason.
public struct EdgeCloudConfigError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The dotted path of the offending field, e.g. `topology.clusterCount`.
  public var field: String
  /// Why the value is rejected.
  public var reason: String

  /// Creates an error for `field`.
  public init(field: String, reason: String) {
    self.field = field
    self.reason = reason
  }

  /// `field: reason`.
  public var description: String { "invalid EdgeCloud config: \(field): \(reason)" }
}

/// How eAPs may reach the edge nodes of other clusters.
public enum ClusterNeighbourhood: String, Codable, Sendable {
  /// Every cluster neighbours every other cluster (the 3-cluster testbed).
  case all
  /// Cluster c neighbours c-1 and c+1 (mod count): scaling studies with many clusters.
  case ring
  /// No cluster neighbours another (no cross-cluster links at all).
  case none
}

/// The size and the links of the edge-cloud system.
public struct TopologyConfig: Codable, Sendable, Equatable {
  /// Number of edge clusters; each has one eAP (its master / entry point).
  public var clusterCount = 3
  /// Edge nodes per cluster.
  public var edgeNodesPerCluster = 6
  /// vCPUs of an edge node.
  public var edgeNodeCPUCores = 4.0
  /// Memory of an edge node, GB.
  public var edgeNodeMemoryGB = 16.0
  /// Memory every node keeps for the system (kubelet, OS), GB; not usable by replicas.
  public var nodeReservedMemoryGB = 1.0
  /// Worker nodes of the cloud cluster (behind one cloud master with the queue Q_c).
  public var cloudNodeCount = 6
  /// vCPUs of a cloud node.
  public var cloudNodeCPUCores = 4.0
  /// Memory of a cloud node, GB.
  public var cloudNodeMemoryGB = 16.0
  /// Mean one-way latency eAP → node of its own cluster (LAN, paper: < 10 ms), ms.
  public var lanLatencyMs = 5.0
  /// Mean one-way latency eAP → node of a neighbouring cluster (paper: < 30 ms), ms.
  public var crossClusterLatencyMs = 20.0
  /// Mean one-way latency edge → cloud (WAN, paper: 100 ms), ms.
  public var wanLatencyMs = 100.0
  /// Jitter: each transfer takes `mean · U(1 − j, 1 + j)`; 0 gives fixed latencies.
  public var latencyJitterFraction = 0.2
  /// Which clusters neighbour each other.
  public var neighbourhood = ClusterNeighbourhood.all

  /// The testbed defaults.
  public init() {}

  /// Total edge nodes over all clusters (N_total).
  public var edgeNodeCount: Int { clusterCount * edgeNodesPerCluster }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = TopologyConfig()
    clusterCount = try c.decodeIfPresent(Int.self, forKey: .clusterCount) ?? d.clusterCount
    edgeNodesPerCluster =
      try c.decodeIfPresent(Int.self, forKey: .edgeNodesPerCluster) ?? d.edgeNodesPerCluster
    edgeNodeCPUCores =
      try c.decodeIfPresent(Double.self, forKey: .edgeNodeCPUCores) ?? d.edgeNodeCPUCores
    edgeNodeMemoryGB =
      try c.decodeIfPresent(Double.self, forKey: .edgeNodeMemoryGB) ?? d.edgeNodeMemoryGB
    nodeReservedMemoryGB =
      try c.decodeIfPresent(Double.self, forKey: .nodeReservedMemoryGB) ?? d.nodeReservedMemoryGB
    cloudNodeCount = try c.decodeIfPresent(Int.self, forKey: .cloudNodeCount) ?? d.cloudNodeCount
    cloudNodeCPUCores =
      try c.decodeIfPresent(Double.self, forKey: .cloudNodeCPUCores) ?? d.cloudNodeCPUCores
    cloudNodeMemoryGB =
      try c.decodeIfPresent(Double.self, forKey: .cloudNodeMemoryGB) ?? d.cloudNodeMemoryGB
    lanLatencyMs = try c.decodeIfPresent(Double.self, forKey: .lanLatencyMs) ?? d.lanLatencyMs
    crossClusterLatencyMs =
      try c.decodeIfPresent(Double.self, forKey: .crossClusterLatencyMs)
      ?? d.crossClusterLatencyMs
    wanLatencyMs = try c.decodeIfPresent(Double.self, forKey: .wanLatencyMs) ?? d.wanLatencyMs
    latencyJitterFraction =
      try c.decodeIfPresent(Double.self, forKey: .latencyJitterFraction)
      ?? d.latencyJitterFraction
    neighbourhood =
      try c.decodeIfPresent(ClusterNeighbourhood.self, forKey: .neighbourhood) ?? d.neighbourhood
  }
}

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

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = ServiceConfig()
    count = try c.decodeIfPresent(Int.self, forKey: .count) ?? d.count
    replicaMemoryGB =
      try c.decodeIfPresent([Double].self, forKey: .replicaMemoryGB) ?? d.replicaMemoryGB
    baseExecutionMs =
      try c.decodeIfPresent([Double].self, forKey: .baseExecutionMs) ?? d.baseExecutionMs
    replicaCPURequestCores =
      try c.decodeIfPresent([Double].self, forKey: .replicaCPURequestCores)
      ?? d.replicaCPURequestCores
    servicesPerEdgeNode =
      try c.decodeIfPresent(Int.self, forKey: .servicesPerEdgeNode) ?? d.servicesPerEdgeNode
    initialReplicasPerPlacement =
      try c.decodeIfPresent(Int.self, forKey: .initialReplicasPerPlacement)
      ?? d.initialReplicasPerPlacement
    cloudInitialReplicasPerService =
      try c.decodeIfPresent(Int.self, forKey: .cloudInitialReplicasPerService)
      ?? d.cloudInitialReplicasPerService
    placement = try c.decodeIfPresent([[Int]].self, forKey: .placement)
    maxReplicasPerNode =
      try c.decodeIfPresent(Int.self, forKey: .maxReplicasPerNode) ?? d.maxReplicasPerNode
  }
}

/// The three time scales and the episode length.
public struct TimeScaleConfig: Codable, Sendable, Equatable {
  /// Short slot t: eAPs dispatch at every slot boundary, ms (paper: 0.25 s).
  public var slotMs = 250.0
  /// Long slot: urgent detection / rescheduling every this many slots (paper: 8, also 2).
  public var longSlotEverySlots = 8
  /// Frame τ: global orchestration every this many slots (paper: 100 = 25 s).
  public var frameEverySlots = 100
  /// Episode length in slots (the authors: 3300).
  public var episodeSlots = 3300

  /// The testbed defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = TimeScaleConfig()
    slotMs = try c.decodeIfPresent(Double.self, forKey: .slotMs) ?? d.slotMs
    longSlotEverySlots =
      try c.decodeIfPresent(Int.self, forKey: .longSlotEverySlots) ?? d.longSlotEverySlots
    frameEverySlots =
      try c.decodeIfPresent(Int.self, forKey: .frameEverySlots) ?? d.frameEverySlots
    episodeSlots = try c.decodeIfPresent(Int.self, forKey: .episodeSlots) ?? d.episodeSlots
  }
}

/// Where requests come from.
public enum WorkloadSource: String, Codable, Sendable {
  /// Rate-scaled replay of the Alibaba v2018 `batch_task` trace.
  case trace
  /// Synthetic Poisson arrivals per service.
  case poisson
}

/// How the load evolves over an episode.
public enum LoadProfileKind: String, Codable, Sendable {
  /// Constant mean rate.
  case steady
  /// Linear ramp from `rampStartFraction · rate` to `rate` over the episode.
  case ramp
  /// Steady rate plus short bursts of tight-deadline ("emergency") requests.
  case bursts
}

/// Where the trace replay starts at each episode.
public enum TraceReplayMode: String, Codable, Sendable {
  /// Continue where the previous episode stopped (successive episodes see new trace parts).
  case `continue`
  /// Restart from the first row every episode.
  case restart
  /// Start at a row drawn from the episode's seed (different per seed, same per seed).
  case randomOffset
}

/// The request workload.
public struct WorkloadConfig: Codable, Sendable, Equatable {
  /// Trace replay or synthetic Poisson arrivals.
  public var source = WorkloadSource.trace
  /// Path of the `batch_task` CSV; relative paths resolve against the working directory.
  public var tracePath = "data/traces/alibaba-v2018-batch-task-sample.csv"
  /// Target mean arrival rate over all eAPs, requests per second.
  public var meanRequestsPerSecond = 600.0
  /// Share of the requests arriving at each cluster's eAP (uneven by default, as is realistic);
  /// normalized; one entry per cluster, or empty for an even split.
  public var clusterShares: [Double] = [0.5, 0.3, 0.2]
  /// The load profile over the episode.
  public var profile = LoadProfileKind.steady
  /// Ramp profile: the rate at the start of the episode as a fraction of the mean.
  public var rampStartFraction = 0.25
  /// Bursts profile: mean interval between burst starts (exponential), s.
  public var burstMeanIntervalS = 60.0
  /// Bursts profile: length of one burst, s.
  public var burstDurationS = 5.0
  /// Bursts profile: arrival-rate multiplier during a burst.
  public var burstRateMultiplier = 2.0
  /// Latency budgets of requests arriving in a burst are multiplied by this (tight deadlines).
  public var emergencyBudgetScale = 0.4
  /// Where each episode's trace replay starts (default: a seed-determined row, so
  /// `reset(seed:)` reproduces an episode and different seeds see different trace parts).
  public var replay = TraceReplayMode.randomOffset
  /// Shortest latency budget of the duration → budget mapping, ms.
  public var minBudgetMs = 500.0
  /// Longest latency budget of the mapping, ms.
  public var maxBudgetMs = 4000.0
  /// Trace durations at or above this map to `maxBudgetMs`, s.
  public var durationCapS = 1000.0
  /// Trace durations of 0 s (end == start) are clamped to this, s.
  public var zeroDurationClampS = 1.0
  /// CPU demand = plan_cpu / 100 · this, clamped to [minCPUCores, maxCPUCores].
  public var cpuDemandScale = 0.25
  /// Smallest CPU demand of a request, cores (paper: 0.1 vCPU).
  public var minCPUCores = 0.1
  /// Largest CPU demand of a request, cores (paper: 0.5 vCPU).
  public var maxCPUCores = 0.5
  /// Memory held by a running request = plan_mem / 100 · node memory · this, GB.
  public var memoryDemandScale = 1.0
  /// Execution time = baseExecutionMs[w] · (execMinFactor + (execMaxFactor − execMinFactor)·u),
  /// u the request's normalized log-duration in [0, 1].
  public var execMinFactor = 0.5
  /// See `execMinFactor`.
  public var execMaxFactor = 1.5
  /// Poisson source: share of each service (normalized; empty = the trace's type mix).
  public var poissonServiceMix: [Double] = []

  /// The testbed defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = WorkloadConfig()
    func v<T: Decodable>(_ k: CodingKeys, _ dv: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: k) ?? dv
    }
    source = try v(.source, d.source)
    tracePath = try v(.tracePath, d.tracePath)
    meanRequestsPerSecond = try v(.meanRequestsPerSecond, d.meanRequestsPerSecond)
    clusterShares = try v(.clusterShares, d.clusterShares)
    profile = try v(.profile, d.profile)
    rampStartFraction = try v(.rampStartFraction, d.rampStartFraction)
    burstMeanIntervalS = try v(.burstMeanIntervalS, d.burstMeanIntervalS)
    burstDurationS = try v(.burstDurationS, d.burstDurationS)
    burstRateMultiplier = try v(.burstRateMultiplier, d.burstRateMultiplier)
    emergencyBudgetScale = try v(.emergencyBudgetScale, d.emergencyBudgetScale)
    replay = try v(.replay, d.replay)
    minBudgetMs = try v(.minBudgetMs, d.minBudgetMs)
    maxBudgetMs = try v(.maxBudgetMs, d.maxBudgetMs)
    durationCapS = try v(.durationCapS, d.durationCapS)
    zeroDurationClampS = try v(.zeroDurationClampS, d.zeroDurationClampS)
    cpuDemandScale = try v(.cpuDemandScale, d.cpuDemandScale)
    minCPUCores = try v(.minCPUCores, d.minCPUCores)
    maxCPUCores = try v(.maxCPUCores, d.maxCPUCores)
    memoryDemandScale = try v(.memoryDemandScale, d.memoryDemandScale)
    execMinFactor = try v(.execMinFactor, d.execMinFactor)
    execMaxFactor = try v(.execMaxFactor, d.execMaxFactor)
    poissonServiceMix = try v(.poissonServiceMix, d.poissonServiceMix)
  }
}

/// Which dequeue strategy a queue uses (SPEC §3.5).
public enum DequeueKind: String, Codable, Sendable, CaseIterable {
  /// KMPS' time-series adaptive hybrid: shortest estimated completion first, urgent promotion.
  case hybrid
  /// Delay-greedy: earliest deadline first (KaiS' dequeue).
  case edf
  /// Arrival order.
  case fifo
}

/// Who makes dispatch decisions, for the decision-latency model (SPEC §3.8).
public enum DecisionMode: String, Codable, Sendable {
  /// Each eAP decides locally (KMPS, KaiS, Greedy).
  case distributed
  /// One central decision-maker with global state (Firmament, single-agent AC/DDPG).
  case centralized
}

/// eAP dispatch, dequeue and decision latency.
public struct DispatchConfig: Codable, Sendable, Equatable {
  /// Most requests one eAP dispatches per slot.
  public var budgetPerSlot = 128
  /// Ψ, the eAP queues' dequeue strategy.
  public var eapDequeue = DequeueKind.hybrid
  /// Ψ', the node and cloud queues' dequeue strategy.
  public var nodeDequeue = DequeueKind.hybrid
  /// Whether eAPs may dispatch to nodes of neighbouring clusters.
  public var crossCluster = true
  /// Long-slot urgent promotion and rescheduling (false = the two-time-scale ablation).
  public var urgentRescheduling = true
  /// λe of the completion-time EMA `E ← λe·E + (1 − λe)·T̄`.
  public var estimatorSmoothing = 0.8
  /// Sliding window of observed completion times averaged into T̄.
  public var estimatorWindow = 10
  /// Distributed (per-eAP) or centralized decisions.
  public var decisionMode = DecisionMode.distributed
  /// Calibrated inference time of one dispatch decision, ms (measure it once per run).
  public var inferenceLatencyMs = 0.5
  /// Centralized mode: solver time per decision at the central scheduler, ms.
  public var centralSolverLatencyMs = 2.0
  /// Centralized mode: one-way latency eAP ↔ central scheduler, ms (it lives in the cloud).
  public var centralLinkLatencyMs = 100.0

  /// The testbed defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = DispatchConfig()
    func v<T: Decodable>(_ k: CodingKeys, _ dv: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: k) ?? dv
    }
    budgetPerSlot = try v(.budgetPerSlot, d.budgetPerSlot)
    eapDequeue = try v(.eapDequeue, d.eapDequeue)
    nodeDequeue = try v(.nodeDequeue, d.nodeDequeue)
    crossCluster = try v(.crossCluster, d.crossCluster)
    urgentRescheduling = try v(.urgentRescheduling, d.urgentRescheduling)
    estimatorSmoothing = try v(.estimatorSmoothing, d.estimatorSmoothing)
    estimatorWindow = try v(.estimatorWindow, d.estimatorWindow)
    decisionMode = try v(.decisionMode, d.decisionMode)
    inferenceLatencyMs = try v(.inferenceLatencyMs, d.inferenceLatencyMs)
    centralSolverLatencyMs = try v(.centralSolverLatencyMs, d.centralSolverLatencyMs)
    centralLinkLatencyMs = try v(.centralLinkLatencyMs, d.centralLinkLatencyMs)
  }
}

/// Reward weights (SPEC §3.6).
public struct RewardConfig: Codable, Sendable, Equatable {
  /// ω1: weight of the eAP's on-time share in the slot.
  public var onTimeWeight = 1.0
  /// ω2: weight of the eAP's failure share in the slot (negative: a penalty).
  public var failureWeight = -1.0
  /// ω3: weight of the overload share of the eAP's dispatches (negative: a penalty).
  public var overloadWeight = -0.5
  /// A node is overloaded above this CPU or memory utilization (paper: 85 %).
  public var overloadThreshold = 0.85
  /// β1: node reward weight of Δ completed requests (per 100 requests).
  public var nodeCompletedWeight = 1.0
  /// β2: node reward weight of the imbalance (1 − Jain's index of node CPU utilization).
  public var nodeImbalanceWeight = 1.0
  /// μ1: service reward weight of replica growth of high-demand services.
  public var serviceGrowthWeight = 1.0
  /// μ2: service reward weight of replica growth of other services.
  public var serviceWasteWeight = 0.5

  /// The defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = RewardConfig()
    func v<T: Decodable>(_ k: CodingKeys, _ dv: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: k) ?? dv
    }
    onTimeWeight = try v(.onTimeWeight, d.onTimeWeight)
    failureWeight = try v(.failureWeight, d.failureWeight)
    overloadWeight = try v(.overloadWeight, d.overloadWeight)
    overloadThreshold = try v(.overloadThreshold, d.overloadThreshold)
    nodeCompletedWeight = try v(.nodeCompletedWeight, d.nodeCompletedWeight)
    nodeImbalanceWeight = try v(.nodeImbalanceWeight, d.nodeImbalanceWeight)
    serviceGrowthWeight = try v(.serviceGrowthWeight, d.serviceGrowthWeight)
    serviceWasteWeight = try v(.serviceWasteWeight, d.serviceWasteWeight)
  }
}

/// Linear power model `P = P_idle + (P_max − P_idle)·u` (SPEC §3.7).
public struct EnergyConfig: Codable, Sendable, Equatable {
  /// Power of an idle 4-vCPU VM, W.
  public var idleWatts = 21.0
  /// Power of a fully busy 4-vCPU VM, W.
  public var maxWatts = 67.0
  /// vCPUs of an eAP (its inference CPU time is charged at (P_max − P_idle)/cores per core).
  public var eapCPUCores = 4.0

  /// The defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = EnergyConfig()
    idleWatts = try c.decodeIfPresent(Double.self, forKey: .idleWatts) ?? d.idleWatts
    maxWatts = try c.decodeIfPresent(Double.self, forKey: .maxWatts) ?? d.maxWatts
    eapCPUCores = try c.decodeIfPresent(Double.self, forKey: .eapCPUCores) ?? d.eapCPUCores
  }
}

/// Kubernetes Horizontal Pod Autoscaler settings (SPEC §4), one HPA per (cluster, service).
public struct HPAConfig: Codable, Sendable, Equatable {
  /// Target average CPU utilization (relative to the replica's CPU request).
  public var targetUtilization = 0.7
  /// No change while |utilization / target − 1| ≤ this.
  public var tolerance = 0.1
  /// Sync period, s.
  public var syncPeriodS = 15.0
  /// Scale-down stabilization window (highest recommendation in it wins), s.
  public var scaleDownStabilizationS = 300.0
  /// Fewest replicas per (cluster, service).
  public var minReplicas = 1
  /// Most replicas per (cluster, service).
  public var maxReplicas = 96

  /// Kubernetes' defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = HPAConfig()
    func v<T: Decodable>(_ k: CodingKeys, _ dv: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: k) ?? dv
    }
    targetUtilization = try v(.targetUtilization, d.targetUtilization)
    tolerance = try v(.tolerance, d.tolerance)
    syncPeriodS = try v(.syncPeriodS, d.syncPeriodS)
    scaleDownStabilizationS = try v(.scaleDownStabilizationS, d.scaleDownStabilizationS)
    minReplicas = try v(.minReplicas, d.minReplicas)
    maxReplicas = try v(.maxReplicas, d.maxReplicas)
  }
}

/// Who orchestrates replicas in `EdgeCloudEnv` (the fast API takes a policy instead).
public enum OrchestratorKind: String, Codable, Sendable {
  /// The orchestrator agent of the multi-agent env acts at each frame.
  case agent
  /// Kubernetes HPA (every `hpa.syncPeriodS`).
  case hpa
  /// Greedy: scale up the longest-queue service on the least-utilized node, each frame.
  case greedy
  /// Replicas stay as initially placed.
  case none
}

/// Frame-level orchestration.
public struct OrchestrationConfig: Codable, Sendable, Equatable {
  /// Who orchestrates in `EdgeCloudEnv`.
  public var orchestrator = OrchestratorKind.hpa
  /// Orchestration actions per frame (GPO's H selected nodes; greedy's scale-ups).
  public var actionsPerFrame = 3

  /// The defaults.
  public init() {}

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = OrchestrationConfig()
    orchestrator =
      try c.decodeIfPresent(OrchestratorKind.self, forKey: .orchestrator) ?? d.orchestrator
    actionsPerFrame =
      try c.decodeIfPresent(Int.self, forKey: .actionsPerFrame) ?? d.actionsPerFrame
  }
}

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

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func v<T: Decodable>(_ k: CodingKeys, _ dv: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: k) ?? dv
    }
    topology = try v(.topology, TopologyConfig())
    services = try v(.services, ServiceConfig())
    timing = try v(.timing, TimeScaleConfig())
    workload = try v(.workload, WorkloadConfig())
    dispatch = try v(.dispatch, DispatchConfig())
    rewards = try v(.rewards, RewardConfig())
    energy = try v(.energy, EnergyConfig())
    hpa = try v(.hpa, HPAConfig())
    orchestration = try v(.orchestration, OrchestrationConfig())
  }

  /// Decodes a config from JSON (missing fields take their defaults) and validates it.
  public static func decode(json data: Data) throws -> EdgeCloudConfig {
    let config = try JSONDecoder().decode(EdgeCloudConfig.self, from: data)
    try config.validate()
    return config
  }

  /// Loads and validates a JSON config file; errors name the file.
  public static func load(path: String) throws -> EdgeCloudConfig {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EdgeCloudConfigError(field: path, reason: "cannot read file (\(error))")
    }
    do {
      return try decode(json: data)
    } catch let e as EdgeCloudConfigError {
      throw e
    } catch {
      throw EdgeCloudConfigError(field: path, reason: "not a valid config JSON (\(error))")
    }
  }

  /// The config as pretty-printed, key-sorted JSON (recorded next to every result).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  /// Throws `EdgeCloudConfigError` naming the first impossible field.
  public func validate() throws {
    func fail(_ f: String, _ r: String) -> EdgeCloudConfigError {
      EdgeCloudConfigError(field: f, reason: r)
    }
    func positive(_ x: Double, _ f: String) throws {
      guard x > 0, x.isFinite else { throw fail(f, "must be a positive finite number, got \(x)") }
    }
    func nonNegative(_ x: Double, _ f: String) throws {
      guard x >= 0, x.isFinite else { throw fail(f, "must be ≥ 0 and finite, got \(x)") }
    }
    let t = topology
    guard t.clusterCount >= 1 else { throw fail("topology.clusterCount", "must be ≥ 1") }
    guard t.edgeNodesPerCluster >= 1 else {
      throw fail("topology.edgeNodesPerCluster", "must be ≥ 1")
    }
    guard t.cloudNodeCount >= 1 else {
      throw fail("topology.cloudNodeCount", "must be ≥ 1 (the cloud is the fallback target)")
    }
    try positive(t.edgeNodeCPUCores, "topology.edgeNodeCPUCores")
    try positive(t.edgeNodeMemoryGB, "topology.edgeNodeMemoryGB")
    try positive(t.cloudNodeCPUCores, "topology.cloudNodeCPUCores")
    try positive(t.cloudNodeMemoryGB, "topology.cloudNodeMemoryGB")
    try nonNegative(t.nodeReservedMemoryGB, "topology.nodeReservedMemoryGB")
    guard t.nodeReservedMemoryGB < min(t.edgeNodeMemoryGB, t.cloudNodeMemoryGB) else {
      throw fail("topology.nodeReservedMemoryGB", "must be below the node memory")
    }
    try nonNegative(t.lanLatencyMs, "topology.lanLatencyMs")
    try nonNegative(t.crossClusterLatencyMs, "topology.crossClusterLatencyMs")
    try nonNegative(t.wanLatencyMs, "topology.wanLatencyMs")
    guard t.latencyJitterFraction >= 0, t.latencyJitterFraction < 1 else {
      throw fail("topology.latencyJitterFraction", "must be in [0, 1)")
    }

    let s = services
    let w = s.count
    guard w >= 1 else { throw fail("services.count", "must be ≥ 1") }
    guard s.replicaMemoryGB.count == w else {
      throw fail("services.replicaMemoryGB", "needs \(w) entries, has \(s.replicaMemoryGB.count)")
    }
    guard s.baseExecutionMs.count == w else {
      throw fail("services.baseExecutionMs", "needs \(w) entries, has \(s.baseExecutionMs.count)")
    }
    guard s.replicaCPURequestCores.count == w else {
      throw fail(
        "services.replicaCPURequestCores",
        "needs \(w) entries, has \(s.replicaCPURequestCores.count)")
    }
    for i in 0..<w {
      try positive(s.replicaMemoryGB[i], "services.replicaMemoryGB[\(i)]")
      try positive(s.baseExecutionMs[i], "services.baseExecutionMs[\(i)]")
      try positive(s.replicaCPURequestCores[i], "services.replicaCPURequestCores[\(i)]")
    }
    guard s.maxReplicasPerNode >= 1 else {
      throw fail("services.maxReplicasPerNode", "must be ≥ 1")
    }
    let usableEdgeGB = t.edgeNodeMemoryGB - t.nodeReservedMemoryGB
    let usableCloudGB = t.cloudNodeMemoryGB - t.nodeReservedMemoryGB
    if let p = s.placement {
      let n = t.edgeNodeCount + t.cloudNodeCount
      guard p.count == w else {
        throw fail("services.placement", "needs \(w) rows (one per service), has \(p.count)")
      }
      for (wi, row) in p.enumerated() {
        guard row.count == n else {
          throw fail("services.placement[\(wi)]", "needs \(n) entries (edge then cloud nodes)")
        }
        guard row.allSatisfy({ $0 >= 0 }) else {
          throw fail("services.placement[\(wi)]", "replica counts must be ≥ 0")
        }
      }
      for node in 0..<n {
        var memGB = 0.0
        var replicas = 0
        for wi in 0..<w {
          memGB += Double(p[wi][node]) * s.replicaMemoryGB[wi]
          replicas += p[wi][node]
        }
        let cap = node < t.edgeNodeCount ? usableEdgeGB : usableCloudGB
        guard memGB <= cap + 1e-9 else {
          throw fail(
            "services.placement", "node \(node) needs \(memGB) GB for replicas, has \(cap) GB")
        }
        guard replicas <= s.maxReplicasPerNode else {
          throw fail("services.placement", "node \(node) exceeds maxReplicasPerNode")
        }
      }
    } else {
      guard s.servicesPerEdgeNode >= 1, s.servicesPerEdgeNode <= w else {
        throw fail("services.servicesPerEdgeNode", "must be in 1…\(w)")
      }
      guard s.initialReplicasPerPlacement >= 1 else {
        throw fail("services.initialReplicasPerPlacement", "must be ≥ 1")
      }
      guard s.cloudInitialReplicasPerService >= 1 else {
        throw fail(
          "services.cloudInitialReplicasPerService", "must be ≥ 1 (the cloud hosts every service)")
      }
      guard s.servicesPerEdgeNode * t.edgeNodesPerCluster >= w else {
        throw fail(
          "services.servicesPerEdgeNode",
          "servicesPerEdgeNode · edgeNodesPerCluster must be ≥ services.count so every cluster "
            + "hosts every service")
      }
      for k in 0..<t.edgeNodesPerCluster {
        var need = 0.0
        for j in 0..<s.servicesPerEdgeNode {
          need += s.replicaMemoryGB[(k * s.servicesPerEdgeNode + j) % w]
        }
        need *= Double(s.initialReplicasPerPlacement)
        guard need <= usableEdgeGB + 1e-9,
          s.servicesPerEdgeNode * s.initialReplicasPerPlacement <= s.maxReplicasPerNode
        else {
          throw fail(
            "services.initialReplicasPerPlacement",
            "initial replicas of edge node \(k) of each cluster need \(need) GB, "
              + "\(usableEdgeGB) GB usable (or exceed maxReplicasPerNode)")
        }
      }
      let cloudNeed = s.replicaMemoryGB.reduce(0, +) * Double(s.cloudInitialReplicasPerService)
      guard cloudNeed <= usableCloudGB,
        w * s.cloudInitialReplicasPerService <= s.maxReplicasPerNode
      else {
        throw fail(
          "services.cloudInitialReplicasPerService", "initial cloud replicas do not fit on a node")
      }
    }

    let tm = timing
    try positive(tm.slotMs, "timing.slotMs")
    guard tm.longSlotEverySlots >= 1 else { throw fail("timing.longSlotEverySlots", "must be ≥ 1") }
    guard tm.frameEverySlots >= 1 else { throw fail("timing.frameEverySlots", "must be ≥ 1") }
    guard tm.episodeSlots >= 1 else { throw fail("timing.episodeSlots", "must be ≥ 1") }

    let wl = workload
    try positive(wl.meanRequestsPerSecond, "workload.meanRequestsPerSecond")
    if !wl.clusterShares.isEmpty {
      guard wl.clusterShares.count == t.clusterCount else {
        throw fail(
          "workload.clusterShares",
          "needs \(t.clusterCount) entries (one per cluster), has \(wl.clusterShares.count)")
      }
      guard wl.clusterShares.allSatisfy({ $0 >= 0 && $0.isFinite }),
        wl.clusterShares.reduce(0, +) > 0
      else { throw fail("workload.clusterShares", "must be ≥ 0 with a positive sum") }
    }
    guard wl.rampStartFraction >= 0, wl.rampStartFraction <= 1 else {
      throw fail("workload.rampStartFraction", "must be in [0, 1]")
    }
    try positive(wl.burstMeanIntervalS, "workload.burstMeanIntervalS")
    try positive(wl.burstDurationS, "workload.burstDurationS")
    guard wl.burstRateMultiplier >= 1, wl.burstRateMultiplier.isFinite else {
      throw fail("workload.burstRateMultiplier", "must be ≥ 1")
    }
    guard wl.emergencyBudgetScale > 0, wl.emergencyBudgetScale <= 1 else {
      throw fail("workload.emergencyBudgetScale", "must be in (0, 1]")
    }
    try positive(wl.minBudgetMs, "workload.minBudgetMs")
    guard wl.maxBudgetMs >= wl.minBudgetMs, wl.maxBudgetMs.isFinite else {
      throw fail("workload.maxBudgetMs", "must be ≥ minBudgetMs")
    }
    try positive(wl.durationCapS, "workload.durationCapS")
    try positive(wl.zeroDurationClampS, "workload.zeroDurationClampS")
    try positive(wl.cpuDemandScale, "workload.cpuDemandScale")
    try positive(wl.minCPUCores, "workload.minCPUCores")
    guard wl.maxCPUCores >= wl.minCPUCores else {
      throw fail("workload.maxCPUCores", "must be ≥ minCPUCores")
    }
    guard wl.maxCPUCores <= min(t.edgeNodeCPUCores, t.cloudNodeCPUCores) else {
      throw fail("workload.maxCPUCores", "a request must fit on one node")
    }
    try nonNegative(wl.memoryDemandScale, "workload.memoryDemandScale")
    try positive(wl.execMinFactor, "workload.execMinFactor")
    guard wl.execMaxFactor >= wl.execMinFactor else {
      throw fail("workload.execMaxFactor", "must be ≥ execMinFactor")
    }
    if !wl.poissonServiceMix.isEmpty {
      guard wl.poissonServiceMix.count == w else {
        throw fail("workload.poissonServiceMix", "needs \(w) entries, has \(wl.poissonServiceMix.count)")
      }
      guard wl.poissonServiceMix.allSatisfy({ $0 >= 0 }), wl.poissonServiceMix.reduce(0, +) > 0
      else { throw fail("workload.poissonServiceMix", "must be ≥ 0 with a positive sum") }
    }

    let dc = dispatch
    guard dc.budgetPerSlot >= 1 else { throw fail("dispatch.budgetPerSlot", "must be ≥ 1") }
    guard dc.estimatorSmoothing > 0, dc.estimatorSmoothing < 1 else {
      throw fail("dispatch.estimatorSmoothing", "λe must be in (0, 1)")
    }
    guard dc.estimatorWindow >= 1 else { throw fail("dispatch.estimatorWindow", "must be ≥ 1") }
    try nonNegative(dc.inferenceLatencyMs, "dispatch.inferenceLatencyMs")
    try nonNegative(dc.centralSolverLatencyMs, "dispatch.centralSolverLatencyMs")
    try nonNegative(dc.centralLinkLatencyMs, "dispatch.centralLinkLatencyMs")

    guard rewards.overloadThreshold > 0, rewards.overloadThreshold <= 1 else {
      throw fail("rewards.overloadThreshold", "must be in (0, 1]")
    }
    try nonNegative(energy.idleWatts, "energy.idleWatts")
    guard energy.maxWatts >= energy.idleWatts else {
      throw fail("energy.maxWatts", "must be ≥ idleWatts")
    }
    try positive(energy.eapCPUCores, "energy.eapCPUCores")
    try positive(hpa.targetUtilization, "hpa.targetUtilization")
    try nonNegative(hpa.tolerance, "hpa.tolerance")
    try positive(hpa.syncPeriodS, "hpa.syncPeriodS")
    try nonNegative(hpa.scaleDownStabilizationS, "hpa.scaleDownStabilizationS")
    guard hpa.minReplicas >= 1 else { throw fail("hpa.minReplicas", "must be ≥ 1") }
    guard hpa.maxReplicas >= hpa.minReplicas else {
      throw fail("hpa.maxReplicas", "must be ≥ minReplicas")
    }
    guard orchestration.actionsPerFrame >= 1 else {
      throw fail("orchestration.actionsPerFrame", "must be ≥ 1")
    }
  }
}
