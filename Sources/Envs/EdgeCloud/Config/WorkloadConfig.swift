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
}

extension WorkloadConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`. Entry
  /// counts (one share per cluster, one mix entry per service) and whether a request fits a
  /// node are checked by `EdgeCloudConfig.validate()`.
  public func validate(path: String = "workload") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.positive(meanRequestsPerSecond, "meanRequestsPerSecond")
    if !clusterShares.isEmpty {
      try check.require(
        clusterShares.allSatisfy { $0 >= 0 && $0.isFinite } && clusterShares.reduce(0, +) > 0,
        "clusterShares", "must be ≥ 0 with a positive sum")
    }
    try check.require(
      rampStartFraction >= 0 && rampStartFraction <= 1, "rampStartFraction", "must be in [0, 1]")
    try check.positive(burstMeanIntervalS, "burstMeanIntervalS")
    try check.positive(burstDurationS, "burstDurationS")
    try check.require(
      burstRateMultiplier >= 1 && burstRateMultiplier.isFinite, "burstRateMultiplier",
      "must be ≥ 1")
    try check.require(
      emergencyBudgetScale > 0 && emergencyBudgetScale <= 1, "emergencyBudgetScale",
      "must be in (0, 1]")
    try check.positive(minBudgetMs, "minBudgetMs")
    try check.require(
      maxBudgetMs >= minBudgetMs && maxBudgetMs.isFinite, "maxBudgetMs", "must be ≥ minBudgetMs")
    try check.positive(durationCapS, "durationCapS")
    try check.positive(zeroDurationClampS, "zeroDurationClampS")
    try check.positive(cpuDemandScale, "cpuDemandScale")
    try check.positive(minCPUCores, "minCPUCores")
    try check.require(maxCPUCores >= minCPUCores, "maxCPUCores", "must be ≥ minCPUCores")
    try check.nonNegative(memoryDemandScale, "memoryDemandScale")
    try check.positive(execMinFactor, "execMinFactor")
    try check.require(execMaxFactor >= execMinFactor, "execMaxFactor", "must be ≥ execMinFactor")
    if !poissonServiceMix.isEmpty {
      try check.require(
        poissonServiceMix.allSatisfy { $0 >= 0 } && poissonServiceMix.reduce(0, +) > 0,
        "poissonServiceMix", "must be ≥ 0 with a positive sum")
    }
  }
}
