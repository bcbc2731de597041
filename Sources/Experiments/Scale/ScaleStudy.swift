import Envs
import Foundation
import KMPS

/// One system of the scaling study, measured.
struct ScaleMeasurement: Sendable, Equatable {
  /// Clusters (= eAPs).
  var clusters: Int
  /// Edge plus cloud worker nodes.
  var nodes: Int
  /// Simulated time, seconds.
  var simulatedSeconds: Double
  /// Wall time of the run (simulation and dispatch), seconds.
  var wallSeconds: Double
  /// CPU time of the run's thread, seconds (less disturbed by other work on the machine).
  var cpuSeconds: Double
  /// Requests that arrived.
  var arrived: Int
  /// Dispatch decisions taken.
  var decisions: Int
  /// Mean wall time of one dispatch decision (the policy's `choose`), microseconds.
  var decisionMicroseconds: Double
  /// Wall time spent in the policy's `choose` calls, seconds.
  var decisionSeconds: Double
  /// Throughput under the dispatcher (on-time / arrived).
  var throughput: Double
  /// Peak resident memory while this system ran, MB (`nil` where the OS does not tell).
  var peakRSSMB: Double?

  /// Wall seconds per simulated second.
  var wallPerSimulatedSecond: Double { wallSeconds / simulatedSeconds }
  /// Simulated requests per second of CPU time (the run uses one core).
  var requestsPerCoreSecond: Double { Double(arrived) / cpuSeconds }
}

/// A dispatch policy that times each of its inner policy's decisions.
struct TimedDispatch<Inner: DispatchPolicy>: DispatchPolicy {
  var inner: Inner
  var seconds = 0.0
  var count = 0

  var decisionInputs: DecisionInputs { inner.decisionInputs }

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let start = ContinuousClock.now
    let target = inner.choose(view, sim)
    seconds += (ContinuousClock.now - start).seconds
    count += 1
    return target
  }

  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    inner.slotEnded(outcome, sim)
  }
}

/// The scaling study: for each size, one simulated run with Greedy_Native dispatch (each
/// request to the least-utilized valid node of its cluster) and Kubernetes HPA, timed.
enum ScaleStudy {
  /// Runs the system with `clusters` clusters for `seed` `config.repeats` times and keeps the
  /// fastest run (peak memory: the largest of the runs).
  static func measure(config: ScaleConfig, clusters: Int, seed: UInt64) throws
    -> ScaleMeasurement
  {
    var best: ScaleMeasurement? = nil
    var peak: Double? = nil
    for _ in 0..<config.repeats {
      let m = try measureOnce(config: config, clusters: clusters, seed: seed)
      if let rss = m.peakRSSMB { peak = max(peak ?? 0, rss) }
      if best.map({ m.wallSeconds < $0.wallSeconds }) ?? true { best = m }
    }
    var result = best!
    result.peakRSSMB = peak
    return result
  }

  /// One timed run.
  static func measureOnce(config: ScaleConfig, clusters: Int, seed: UInt64) throws
    -> ScaleMeasurement
  {
    let env = config.environment(clusters: clusters)
    PeakMemory.reset()
    let cpuStart = threadCPUSeconds()
    let start = ContinuousClock.now
    var sim = try EdgeCloudSimulator(config: env, seed: seed)
    var policy = TimedDispatch(inner: LeastUtilizedPolicy())
    var hpa = HPAController(config: env.hpa)
    sim.run(dispatch: &policy, orchestration: &hpa)
    let wall = (ContinuousClock.now - start).seconds
    let cpu = threadCPUSeconds() - cpuStart
    let metrics = sim.metrics
    return ScaleMeasurement(
      clusters: clusters, nodes: env.topology.edgeNodeCount + env.topology.cloudNodeCount,
      simulatedSeconds: Double(env.timing.episodeSlots) * env.timing.slotMs / 1000,
      wallSeconds: wall, cpuSeconds: cpu, arrived: metrics.arrived, decisions: policy.count,
      decisionMicroseconds: policy.seconds / Double(max(1, policy.count)) * 1e6,
      decisionSeconds: policy.seconds, throughput: metrics.throughput,
      peakRSSMB: PeakMemory.megabytes())
  }

  /// CPU time of the calling thread, seconds.
  static func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// Least-squares slope of `log y` against `log x`.
  static func logLogSlope(_ points: [(x: Double, y: Double)]) -> Double? {
    let logs = points.filter { $0.x > 0 && $0.y > 0 }.map { (log($0.x), log($0.y)) }
    guard Set(logs.map(\.0)).count >= 2 else { return nil }
    let n = Double(logs.count)
    let mx = logs.reduce(0) { $0 + $1.0 } / n
    let my = logs.reduce(0) { $0 + $1.1 } / n
    let sxy = logs.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    let sxx = logs.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
    return sxy / sxx
  }
}

/// The process's peak resident memory (Linux: `VmHWM`, reset through `clear_refs`).
enum PeakMemory {
  /// Resets the peak to the current resident size (Linux); a no-op elsewhere.
  static func reset() {
    #if os(Linux)
      // Written in place: Foundation's String.write truncates, which /proc refuses.
      guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
      handle.write(Data("5".utf8))
      try? handle.close()
    #endif
  }

  /// Peak resident memory since the last `reset`, MB; `nil` where unknown.
  static func megabytes() -> Double? {
    #if os(Linux)
      guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kB = Double(line.split(separator: " ").dropFirst().first ?? "")
      else { return nil }
      return kB / 1024
    #else
      return nil
    #endif
  }
}
