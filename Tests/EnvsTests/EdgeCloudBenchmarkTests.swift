import Foundation
import Testing

@testable import Envs

/// Calibration and speed numbers; run only when EDGECLOUD_BENCH=1 (release build):
/// `EDGECLOUD_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter EdgeCloudBenchmark`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EDGECLOUD_BENCH"] == "1"))
struct EdgeCloudBenchmark {
  static var tracePath: String { EdgeCloudFixtures.tracePath }

  static func config(rate: Double, slots: Int) -> EdgeCloudConfig {
    var c = EdgeCloudConfig()
    if let path = ProcessInfo.processInfo.environment["EDGECLOUD_CONFIG"] {
      c = try! EdgeCloudConfig.load(path: path)
    }
    c.workload.tracePath = tracePath
    c.workload.meanRequestsPerSecond = rate
    c.timing.episodeSlots = slots
    return c
  }

  func runOne<D: DispatchPolicy>(_ name: String, _ c: EdgeCloudConfig, _ p: D, hpa: Bool = true)
    throws -> EdgeCloudMetrics
  {
    var sim = try EdgeCloudSimulator(config: c, seed: 1)
    var policy = p
    let t0 = Date()
    if hpa {
      var h = HPAController(config: c.hpa)
      sim.run(dispatch: &policy, orchestration: &h)
    } else {
      sim.run(dispatch: &policy)
    }
    let dt = Date().timeIntervalSince(t0)
    let m = sim.metrics
    let l = m.meanLatencyMs
    print(
      "\(name): Φ'=\(String(format: "%.3f", m.throughput)) arrived=\(m.arrived) "
        + "failEAP=\(m.failedAtEAP) failQ=\(m.failedInQueue) failRun=\(m.failedRunning) "
        + "local=\(m.dispatchedLocal) cross=\(m.dispatchedCrossCluster) cloud=\(m.dispatchedCloud) "
        + "edgeU=\(String(format: "%.2f", m.edgeCPUUtilization)) cloudU=\(String(format: "%.2f", m.cloudCPUUtilization)) "
        + "lat d/t/q/e=\(Int(l.decision))/\(Int(l.transmission))/\(Int(l.queueing))/\(Int(l.execution)) "
        + "p95=\(m.latencyPercentileMs(95)) added=\(m.replicasAdded) removed=\(m.replicasRemoved) "
        + "resched=\(m.rescheduled) wall=\(String(format: "%.2f", dt))s "
        + "req/s=\(String(format: "%.0f", Double(m.arrived) / dt))")
    print("   frames: " + m.frameThroughput.map { String(format: "%.2f", $0) }.joined(separator: " "))
    return m
  }

  @Test func calibration() throws {
    let c = Self.config(rate: 600, slots: 3300)
    // Native Kubernetes baselines: no cross-cluster routing, no long-slot rescheduling, FIFO.
    var native = c
    native.dispatch.crossCluster = false
    native.dispatch.urgentRescheduling = false
    native.dispatch.eapDequeue = .fifo
    native.dispatch.nodeDequeue = .fifo
    var nativeCross = native
    nativeCross.dispatch.crossCluster = true
    let greedy = try runOne("greedy-native+HPA", native, LeastUtilizedPolicy())
    let greedyCross = try runOne(
      "greedy+cross-cluster+HPA", nativeCross, LeastUtilizedPolicy(allowCrossCluster: true))
    let random = try runOne("random-native+HPA", native, RandomValidPolicy(seed: 3))
    _ = try runOne("roundrobin-native+HPA", native, RoundRobinPolicy(eapCount: 3))
    _ = try runOne("greedy+KMPS-env+HPA", c, LeastUtilizedPolicy(allowCrossCluster: true))
    _ = try runOne("random+KMPS-env+HPA", c, RandomValidPolicy(seed: 3))
    let smart = try runOne("queueaware+KMPS-env+HPA", c, QueueAwarePolicy())
    // Greedy_Native lands where the paper puts it; random is clearly worse; cross-cluster
    // helps under the uneven default load; a queue-aware cross-cluster heuristic leaves room.
    #expect(greedy.throughput > 0.72 && greedy.throughput < 0.88)
    #expect(random.throughput < greedy.throughput - 0.03)
    #expect(greedyCross.throughput > greedy.throughput + 0.02)
    #expect(smart.throughput > greedy.throughput + 0.05)
    let steady = smart.frameThroughput.dropFirst(6)
    print("queueaware steady-state (after the HPA warm-up) Φ_f mean: "
      + String(format: "%.3f", steady.reduce(0, +) / Double(steady.count)))
  }
}

extension EdgeCloudBenchmark {
  /// Simulated requests per wall second with Greedy_Native + HPA, and slots per second on the
  /// authors' light workload (≈ 40 requests per 3300-slot episode).
  @Test func speed() throws {
    for rate in [100.0, 600.0] {
      let c = Self.config(rate: rate, slots: 3300)
      var sim = try EdgeCloudSimulator(config: c, seed: 1)
      var requests = 0
      var best = 0.0
      for episode in 0..<5 {
        sim.reset(seed: UInt64(episode))
        var p = LeastUtilizedPolicy()
        var h = HPAController(config: c.hpa)
        let t0 = Date()
        sim.run(dispatch: &p, orchestration: &h)
        let dt = Date().timeIntervalSince(t0)
        requests += sim.metrics.arrived
        best = max(best, Double(sim.metrics.arrived) / dt)
      }
      print("speed: \(Int(rate)) req/s: best \(String(format: "%.0f", best)) simulated requests/s "
        + "(\(requests / 5) requests per 3300-slot episode)")
    }
    // Light workload: ≈ 40 requests per 825 s episode.
    let light = Self.config(rate: 40.0 / 825.0, slots: 3300)
    var sim = try EdgeCloudSimulator(config: light, seed: 1)
    let episodes = 50
    var arrived = 0
    let t0 = Date()
    for episode in 0..<episodes {
      sim.reset(seed: UInt64(episode))
      var p = LeastUtilizedPolicy()
      var h = HPAController(config: light.hpa)
      sim.run(dispatch: &p, orchestration: &h)
      arrived += sim.metrics.arrived
    }
    let dt = Date().timeIntervalSince(t0)
    let slotsPerS = Double(episodes * 3300) / dt
    print("speed: light workload: \(String(format: "%.0f", slotsPerS)) slots/s "
      + "(\(arrived / episodes) requests/episode; \(String(format: "%.0f", slotsPerS / 8200))x the authors' 8,200 slots/s)")
  }
}
