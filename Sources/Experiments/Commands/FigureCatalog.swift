/// What one experiment reproduces (SPEC §5): shown by `experiment list` and used to seed each
/// figure's `summary.json`.
public struct FigureInfo: Sendable, Equatable {
  /// Subcommand name (`"fig7"`).
  public var id: String
  /// One line: what the figure shows.
  public var title: String
  /// The series plotted.
  public var series: [String]
  /// x axis (with unit).
  public var xLabel: String
  /// y axis (with unit).
  public var yLabel: String
  /// The paper's claim that the experiment checks.
  public var paperClaim: String
}

/// The figures of the paper (Fig. 7 – Fig. 18) and the CartPole validation run.
public enum FigureCatalog {
  /// Every experiment, in paper order, then `cartpole`.
  public static let all: [FigureInfo] = [
    FigureInfo(
      id: "fig7", title: "Fig. 7: MAPPO dispatch training, dual buffer and cross-cluster ablations",
      series: [
        "KMPS (dual buffer + cross-cluster)", "B1 dual buffer, no cross-cluster",
        "B2 single-buffer sync + cross-cluster", "B3 single-agent PPO, sync, no cross-cluster",
      ],
      xLabel: "episode", yLabel: "throughput (on-time / arrived)",
      paperClaim:
        "KMPS peaks above 95% and converges by ~25 episodes; B2 needs more than 40; B3 fluctuates"),
    FigureInfo(
      id: "fig8", title: "Fig. 8: dispatch inference latency, MAPPO vs AC vs DDPG",
      series: ["MAPPO", "AC", "DDPG"],
      xLabel: "episode round", yLabel: "cumulative latency of 20 consecutive inferences (ms)",
      paperClaim: "MAPPO is lowest (10.1-10.2 ms); AC ~10.4 ms"),
    FigureInfo(
      id: "fig9", title: "Fig. 9: E2E latency split by load, MAPPO vs AC vs DDPG",
      series: ["MAPPO", "AC", "DDPG"],
      xLabel: "load (req/s)", yLabel: "mean E2E latency (ms): decision/transmission/execution",
      paperClaim: "similar at low load; MAPPO lowest at 500-600 req/s (24.5-30.8 ms)"),
    FigureInfo(
      id: "fig10", title: "Fig. 10: average energy per inference as load grows",
      series: ["MAPPO", "AC", "DDPG"],
      xLabel: "requests processed", yLabel: "average energy per inference (J)",
      paperClaim: "energy rises with load; MAPPO lowest at high load"),
    FigureInfo(
      id: "fig11", title: "Fig. 11: eAP CPU utilization as load grows",
      series: ["MAPPO", "AC", "DDPG"],
      xLabel: "requests processed", yLabel: "eAP CPU utilization",
      paperClaim: "MAPPO's eAP CPU utilization grows slowest"),
    FigureInfo(
      id: "fig12", title: "Fig. 12: scheduling latency, distributed vs centralized decisions",
      series: ["distributed", "centralized"],
      xLabel: "throughput (req/s)", yLabel: "scheduling latency (ms)",
      paperClaim:
        "40-50 ms vs 350-400 ms at 100-200 req/s; ~130 ms vs ~1000 ms at 500-600 req/s"),
    FigureInfo(
      id: "fig13", title: "Fig. 13: three vs two time scales (urgent rescheduling)",
      series: ["three time scales", "two time scales"],
      xLabel: "episode", yLabel: "throughput",
      paperClaim: "two-scale is faster early but stalls below 95%; three-scale is higher later"),
    FigureInfo(
      id: "fig14", title: "Fig. 14: sensitivity to slot length, rescheduling period, frame length",
      series: ["slot 0.1/0.25/0.5 s", "reschedule every 1/2/4/8 slots", "frame lengths"],
      xLabel: "setting", yLabel: "throughput",
      paperClaim: "0.25 s slots, rescheduling every 2 slots and 25 s frames are best"),
    FigureInfo(
      id: "fig15", title: "Fig. 15: dequeue strategies (time-series hybrid, delay-greedy, FIFO)",
      series: ["hybrid", "delay-greedy (EDF)", "FIFO"],
      xLabel: "episode", yLabel: "throughput",
      paperClaim: "hybrid > delay-greedy > FIFO"),
    FigureInfo(
      id: "fig16", title: "Fig. 16: GPO orchestration ablations (GNN, dual actor-critic)",
      series: [
        "dual actor-dual critic GNN", "no GNN", "single actor-critic GNN", "greedy",
      ],
      xLabel: "episode", yLabel: "throughput",
      paperClaim: "full GPO is best; no-GNN reaches 83-86%; greedy is worst"),
    FigureInfo(
      id: "fig17", title: "Fig. 17: orchestration inference latency, GPO vs PPO vs AC vs Greedy",
      series: ["GPO", "PPO", "AC", "Greedy"],
      xLabel: "round", yLabel: "cumulative latency of 50 inferences (ms)",
      paperClaim: "Greedy ~20 ms < AC/PPO 180-200 ms < GPO ~330 ms"),
    FigureInfo(
      id: "fig18", title: "Fig. 18: end-to-end comparison with KaiS, Firmament and Greedy",
      series: ["KMPS", "KaiS", "Firmament_Native", "Greedy_Native"],
      xLabel: "time (s)", yLabel: "throughput",
      paperClaim:
        "KMPS is at least 5.3% above the best baseline; Firmament ~75%; Greedy below 80%"),
    FigureInfo(
      id: "cartpole", title: "Validation: PPO on CartPole-v1 (checks the RL core, not a figure)",
      series: ["PPO"],
      xLabel: "environment steps", yLabel: "episode return",
      paperClaim:
        "not from the paper: a correct PPO reaches CartPole-v1's solved return (>= 475)"),
  ]

  /// The entry for `id`, if any.
  public static func info(_ id: String) -> FigureInfo? { all.first { $0.id == id } }

  /// The entry for `id`; throws `ExperimentError.invalidValue` for an unknown id.
  public static func require(_ id: String) throws -> FigureInfo {
    guard let info = info(id) else {
      throw ExperimentError.invalidValue(
        field: "figure", reason: "'\(id)' is not one of \(all.map(\.id).joined(separator: ", "))")
    }
    return info
  }
}
