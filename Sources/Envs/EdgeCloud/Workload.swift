import Foundation
import SeededRandom

/// One request as generated, before it enters the system.
public struct RequestSpec: Sendable, Equatable {
  /// Arrival time at its eAP, ms since the episode start.
  public var arrivalMs: Double
  /// Service index.
  public var service: Int
  /// The eAP (= cluster) it arrives at.
  public var eap: Int
  /// Latency budget (deadline − arrival), ms.
  public var budgetMs: Double
  /// CPU the request uses while it runs, cores.
  public var cpuCores: Double
  /// Memory the request uses while it runs, GB.
  public var memoryGB: Double
  /// Execution time on a replica, ms.
  public var executionMs: Double
  /// Arrived during a burst of emergency (tight-deadline) requests.
  public var emergency: Bool
}

/// Generates the request stream of an episode: rate-scaled trace replay or Poisson, shaped by a
/// load profile and split unevenly over the eAPs.
///
/// Trace replay: pass p of the trace places row i at virtual time
/// `p·N/λ + (start_i − start_0)/span · (N − 1)/λ` (λ the target mean rate, N the rows), which keeps
/// the trace's order, its arrival shape, its type mix and its demands, and gives exactly λ on
/// average over a pass; at the end of the trace the replay wraps around to a new pass. A load
/// profile runs the virtual clock faster or slower than real time (multiplier m(t) per slot):
/// steady m = 1; ramp m from `rampStartFraction` to 1 linearly over the episode; bursts m =
/// `burstRateMultiplier` during bursts (starts exponential with mean `burstMeanIntervalS`, length
/// `burstDurationS`), and requests arriving in a burst have their budgets scaled by
/// `emergencyBudgetScale`.
///
/// Mapping of a trace row (u = min(1, ln(1 + duration) / ln(1 + durationCapS)) ∈ [0, 1]):
/// - service per `services.mapping` (`ServiceMappingKind`; the authors' is task_type − 1); eAP
///   drawn with probabilities `clusterShares`;
/// - latency budget = minBudgetMs + (maxBudgetMs − minBudgetMs) · u (monotone in the trace's
///   duration: long-running tasks tolerate more latency);
/// - CPU demand = clamp(plan_cpu / 100 · cpuDemandScale, minCPUCores, maxCPUCores);
/// - memory = plan_mem / 100 · edge-node memory · memoryDemandScale;
/// - execution time = b · (execMinFactor + (execMaxFactor − execMinFactor) · u), with b =
///   `referenceExecutionMs` when `services.deriveFromTrace` (each service then has its rows'
///   distribution; `baseExecutionMs[w]` becomes its mean), else `baseExecutionMs[w]`.
///
/// Poisson: exponential inter-arrivals at rate λ·m(t), service drawn from `poissonServiceMix`
/// (default: the trace's mix when a trace is given, else uniform), u ~ U(0, 1), CPU ~
/// U(minCPUCores, maxCPUCores), memory ~ U(0, 1) % of the node memory.
public struct WorkloadGenerator: Sendable {
  /// The workload settings.
  public private(set) var config: WorkloadConfig
  let serviceCount: Int
  let clusterCount: Int
  let baseExecutionMs: [Double]
  let edgeNodeMemoryGB: Double
  let episodeMs: Double
  // Trace rows, mapped once (struct-of-arrays).
  let rowService: [Int32]
  let rowOffsetS: [Double]
  let rowU: [Double]
  let rowCPU: [Double]
  let rowMemoryGB: [Double]
  let rowBaseExecutionMs: [Double]
  let passS: Double
  let serviceMixCumulative: [Double]
  let shareCumulative: [Double]
  /// `guide[j]` = `pick(shareCumulative, j / count)`: where the search for a draw in cell j
  /// starts (a guide table), so drawing a cluster costs O(1) on average.
  let shareGuide: [Int32]
  // Replay state.
  var cursor = 0
  var pass = 0
  var virtualBaseS = 0.0
  var virtualNowS = 0.0
  var nextPoissonS = 0.0
  var nextBurstStartS = Double.infinity
  var burstEndS = -1.0
  var rng: Xoshiro256

  /// Creates a generator; `trace` is required when `config.source == .trace`.
  public init(
    config unresolved: EdgeCloudConfig, trace unmapped: AlibabaTrace?, seed: UInt64
  ) {
    let (config, trace) = unresolved.resolvingServices(trace: unmapped)
    self.config = config.workload
    serviceCount = config.services.count
    clusterCount = config.topology.clusterCount
    baseExecutionMs = config.services.baseExecutionMs
    edgeNodeMemoryGB = config.topology.edgeNodeMemoryGB
    episodeMs = Double(config.timing.episodeSlots) * config.timing.slotMs
    let wl = config.workload
    let logCap = log1p(wl.durationCapS)
    var svc: [Int32] = []
    var off: [Double] = []
    var us: [Double] = []
    var cpu: [Double] = []
    var mem: [Double] = []
    var exec: [Double] = []
    var pass = 1.0
    var mix = [Double](repeating: 1, count: config.services.count)
    if let t = trace, t.count > 0 {
      let n = t.count
      let rate = wl.meanRequestsPerSecond
      pass = Double(n) / rate
      let span = t.spanS
      let t0 = t.startTimeS[0]
      svc = t.service
      off.reserveCapacity(n)
      us.reserveCapacity(n)
      cpu.reserveCapacity(n)
      mem.reserveCapacity(n)
      for i in 0..<n {
        let o = span > 0 ? (t.startTimeS[i] - t0) / span * Double(n - 1) / rate : Double(i) / rate
        off.append(o)
        us.append(min(1, log1p(t.durationS[i]) / logCap))
        cpu.append(wl.cpuDemandCores(planCPU: t.planCPU[i]))
        let base =
          config.services.deriveFromTrace
          ? config.services.referenceExecutionMs : config.services.baseExecutionMs[Int(svc[i])]
        exec.append(base)
        mem.append(t.planMemory[i] / 100 * config.topology.edgeNodeMemoryGB * wl.memoryDemandScale)
      }
      let counts = t.serviceCounts(serviceCount: config.services.count)
      mix = counts.map(Double.init)
    }
    if !wl.poissonServiceMix.isEmpty { mix = wl.poissonServiceMix }
    rowService = svc
    rowOffsetS = off
    rowU = us
    rowCPU = cpu
    rowMemoryGB = mem
    rowBaseExecutionMs = exec
    passS = pass
    serviceMixCumulative = Self.cumulative(mix)
    let shares =
      wl.clusterShares.isEmpty
      ? [Double](repeating: 1, count: config.topology.clusterCount) : wl.clusterShares
    shareCumulative = Self.cumulative(shares)
    shareGuide = Self.guide(shareCumulative)
    rng = Xoshiro256(seed: seed)
  }

  static func cumulative(_ w: [Double]) -> [Double] {
    let total = w.reduce(0, +)
    var acc = 0.0
    var out = w.map { x -> Double in
      acc += x / total
      return acc
    }
    if !out.isEmpty { out[out.count - 1] = 1 }
    return out
  }

  /// The first index whose cumulative share exceeds `x` (the last one if none does): binary
  /// search, so drawing a cluster costs log(clusters).
  @inline(__always)
  static func pick(_ cumulative: [Double], _ x: Double) -> Int {
    var lo = 0
    var hi = cumulative.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      if x >= cumulative[mid] { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// The guide table of `cumulative`: entry j is `pick(cumulative, j / count)`, the first
  /// index a draw in `[j / count, (j + 1) / count)` can land on.
  static func guide(_ cumulative: [Double]) -> [Int32] {
    let m = cumulative.count
    return (0..<m).map { Int32(pick(cumulative, Double($0) / Double(m))) }
  }

  /// `pick(cumulative, x)` through the guide table: a linear scan from the guide entry of the
  /// cell before x's (so that rounding of `x · count` can never start it past the answer).
  /// The same index as the binary search; on average two steps whatever the cluster count.
  @inline(__always)
  static func pick(_ cumulative: [Double], guide: [Int32], _ x: Double) -> Int {
    let m = cumulative.count
    let cell = min(m - 1, max(0, Int(x * Double(m)) - 1))
    var i = Int(guide[cell])
    while i < m - 1 && x >= cumulative[i] { i += 1 }
    return i
  }

  /// Starts an episode: reseeds, applies the replay mode and schedules the first burst.
  public mutating func startEpisode(seed: UInt64) {
    rng = Xoshiro256(seed: seed)
    let n = rowService.count
    switch config.replay {
    case .continue: break
    case .restart:
      cursor = 0
      pass = 0
    case .randomOffset:
      if n > 0 {
        cursor = Int.random(in: 0..<n, using: &rng)
        pass = 0
      }
    }
    // Re-anchor the virtual clock so the cursor's row is due at the episode start.
    if n > 0 {
      let vt = Double(pass) * passS + rowOffsetS[cursor]
      virtualBaseS = vt
      virtualNowS = vt
    } else {
      virtualBaseS = 0
      virtualNowS = 0
    }
    nextPoissonS = 0
    burstEndS = -1
    nextBurstStartS =
      config.profile == .bursts
      ? rng.nextExponential(rate: 1 / config.burstMeanIntervalS) : .infinity
  }

  /// Replaces the workload settings between episodes (curriculum: load and profile).
  public mutating func setWorkload(_ workload: WorkloadConfig) {
    config = workload
  }

  /// The rate multiplier m(t) at episode time `timeS`.
  @inline(__always)
  func multiplier(atS timeS: Double, inBurst: Bool) -> Double {
    switch config.profile {
    case .steady: return 1
    case .ramp:
      let f = min(1, max(0, timeS / max(episodeMs / 1000, 1e-9)))
      return config.rampStartFraction + (1 - config.rampStartFraction) * f
    case .bursts: return inBurst ? config.burstRateMultiplier : 1
    }
  }

  /// Whether episode time `timeS` falls into a burst (advancing the burst schedule).
  mutating func inBurst(atS timeS: Double) -> Bool {
    while timeS >= nextBurstStartS {
      burstEndS = nextBurstStartS + config.burstDurationS
      nextBurstStartS += config.burstDurationS
        + rng.nextExponential(rate: 1 / config.burstMeanIntervalS)
    }
    return timeS < burstEndS
  }

  /// Generates the arrivals in `[startMs, startMs + lengthMs)` in time order, calling `emit`.
  /// The load profile's multiplier is constant within the window.
  public mutating func generate(
    startMs: Double, lengthMs: Double, _ emit: (RequestSpec) -> Void
  ) {
    let scaleRate = config.meanRequestsPerSecond
    let startS = startMs / 1000
    let lengthS = lengthMs / 1000
    let burst = inBurst(atS: startS)
    let m = multiplier(atS: startS, inBurst: burst)
    guard m > 0 else { return }
    let budgetScale = burst ? config.emergencyBudgetScale : 1
    let minB = config.minBudgetMs
    let spanB = config.maxBudgetMs - config.minBudgetMs
    let eMin = config.execMinFactor
    let eSpan = config.execMaxFactor - config.execMinFactor
    switch config.source {
    case .trace:
      let n = rowService.count
      guard n > 0 else { return }
      // The rate-scaled pass length assumes `meanRequestsPerSecond` at init; a changed rate
      // (curriculum) is applied by running the virtual clock faster or slower.
      let rateFactor = scaleRate * passS / Double(n)
      let v0 = virtualNowS
      let v1 = v0 + lengthS * m * rateFactor
      while true {
        let vt = Double(pass) * passS + rowOffsetS[cursor]
        if vt >= v1 { break }
        let t = startMs + (vt - v0) / (m * rateFactor) * 1000
        let w = Int(rowService[cursor])
        let u = rowU[cursor]
        let spec = RequestSpec(
          arrivalMs: max(startMs, t), service: w,
          eap: Self.pick(shareCumulative, guide: shareGuide, rng.nextDouble()),
          budgetMs: (minB + spanB * u) * budgetScale,
          cpuCores: rowCPU[cursor], memoryGB: rowMemoryGB[cursor],
          executionMs: rowBaseExecutionMs[cursor] * (eMin + eSpan * u), emergency: burst)
        emit(spec)
        cursor += 1
        if cursor == n {
          cursor = 0
          pass += 1
        }
      }
      virtualNowS = v1
    case .poisson:
      let rate = scaleRate * m
      let endS = startS + lengthS
      if nextPoissonS < startS { nextPoissonS = startS + rng.nextExponential(rate: rate) }
      while nextPoissonS < endS {
        let w = Self.pick(serviceMixCumulative, rng.nextDouble())
        let u = rng.nextDouble()
        let cpu = config.minCPUCores + (config.maxCPUCores - config.minCPUCores) * rng.nextDouble()
        let mem = rng.nextDouble() / 100 * edgeNodeMemoryGB * config.memoryDemandScale
        let spec = RequestSpec(
          arrivalMs: nextPoissonS * 1000, service: w,
          eap: Self.pick(shareCumulative, guide: shareGuide, rng.nextDouble()),
          budgetMs: (minB + spanB * u) * budgetScale, cpuCores: cpu, memoryGB: mem,
          executionMs: baseExecutionMs[min(w, baseExecutionMs.count - 1)] * (eMin + eSpan * u),
          emergency: burst)
        emit(spec)
        nextPoissonS += rng.nextExponential(rate: rate)
      }
    }
  }
}
