import Foundation

@testable import Envs

/// Shared fixtures for the EdgeCloud tests.
enum EdgeCloudFixtures {
  /// The bundled trace sample.
  static var tracePath: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(
        "data/traces/alibaba-v2018-batch-task-sample.csv"
      ).path
  }

  /// The trace, loaded once per process.
  static let trace: AlibabaTrace = try! AlibabaTrace.load(path: tracePath)

  /// The default config pointing at the bundled trace, with a short episode.
  static func config(rate: Double = 600, slots: Int = 200) -> EdgeCloudConfig {
    var c = EdgeCloudConfig()
    c.workload.tracePath = tracePath
    c.workload.meanRequestsPerSecond = rate
    c.timing.episodeSlots = slots
    return c
  }

  /// A simulator on the shared trace.
  static func simulator(_ c: EdgeCloudConfig, seed: UInt64 = 1) throws -> EdgeCloudSimulator {
    try EdgeCloudSimulator(config: c, trace: c.workload.source == .trace ? trace : nil, seed: seed)
  }
}
