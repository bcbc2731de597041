import Envs

/// The EdgeCloud simulator driven by the heuristic baseline (least-utilized dispatch inside
/// the cluster + the Kubernetes HPA), `EdgeCloudSimulator.run(dispatch:orchestration:)`.
///
/// One run = one episode of `episodeSlots` slots of 250 ms on the default topology and the
/// bundled Alibaba trace, rate-scaled to `requestsPerSecond`; each run restarts the episode
/// with a new seed (the reset is included in the timing). Throughput figures: simulated
/// requests per wall-clock second (`arrived / time`) and slots per second.
public struct SimulatorWorkload: Sendable {
  /// Mean arrival rate of the workload, requests per simulated second.
  public let requestsPerSecond: Double
  /// Slots per episode.
  public let episodeSlots: Int
  /// The simulator (reset before every run).
  public private(set) var simulator: EdgeCloudSimulator
  private var seed: UInt64 = 0

  /// The result of one run.
  public struct Run: Sendable {
    /// Requests that arrived during the episode.
    public var arrived: Int
    /// Slots simulated.
    public var slots: Int
  }

  /// The heavy workloads: 600 and 100 req/s, 400-slot episodes (100 simulated seconds).
  public static let heavyEpisodeSlots = 400

  /// A light workload like the authors' Python simulator's measurement: ≈ 40 requests per
  /// 3,300-slot episode (825 simulated seconds), i.e. 40 / 825 req/s.
  public static let lightRequestsPerSecond = 40.0 / 825.0
  /// Slots of the light episode (the paper's episode length).
  public static let lightEpisodeSlots = 3300
  /// The authors' published simulator speed on that light workload, slots per second (a
  /// published figure; their simulator is not run here).
  public static let authorsSlotsPerSecond = 8200.0

  /// A simulator at `requestsPerSecond` with `episodeSlots`-slot episodes.
  ///
  /// - Throws: if the trace cannot be loaded or the config is invalid.
  public init(requestsPerSecond: Double, episodeSlots: Int) throws {
    var config = EdgeCloudConfig.benchDefault(requestsPerSecond: requestsPerSecond)
    config.timing.episodeSlots = episodeSlots
    self.requestsPerSecond = requestsPerSecond
    self.episodeSlots = episodeSlots
    simulator = try EdgeCloudSimulator(config: config, seed: 1)
  }

  /// Resets to a new seed and simulates one whole episode.
  public mutating func run() -> Run {
    seed &+= 1
    simulator.reset(seed: seed)
    var dispatch = LeastUtilizedPolicy()
    var hpa = HPAController(config: simulator.config.hpa)
    simulator.run(dispatch: &dispatch, orchestration: &hpa)
    return Run(arrived: simulator.metrics.arrived, slots: simulator.slot)
  }
}
