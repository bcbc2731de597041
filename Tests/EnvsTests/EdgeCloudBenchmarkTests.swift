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
    _ = try runOne("greedy-native+HPA", c, LeastUtilizedPolicy())
    _ = try runOne("greedy-cross+HPA", c, LeastUtilizedPolicy(allowCrossCluster: true))
    _ = try runOne("random-native+HPA", c, RandomValidPolicy(seed: 3, allowCrossCluster: false))
    _ = try runOne("random-cross+HPA", c, RandomValidPolicy(seed: 3))
    _ = try runOne("roundrobin+HPA", c, RoundRobinPolicy(eapCount: 3))
    _ = try runOne("queueaware+HPA", c, QueueAwarePolicy())
  }
}
