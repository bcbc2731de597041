/// The paper's own numbers for each series, as the report prints them beside ours (the paper
/// gives most of them in its text, not as exact values; these are its words, shortened).
enum PaperHeadlines {
  /// `figure → (series name, the paper's headline)`, in the paper's legend order.
  static let bySeries: [String: [(series: String, paper: String)]] = [
    "fig7": [
      ("KMPS", "stable peak > 95%, converges after ~25 episodes"),
      ("B1 no cross-cluster", "slightly below KMPS"),
      ("B2 synchronous", "converges slowly (> 40 episodes), poor stability"),
      ("B3 single-agent PPO", "severe fluctuations, low early efficiency"),
      ("Greedy_Native", "< 80%"),
    ],
    "fig16": [
      ("dual actor-dual critic GNN", "steadily increasing, best"),
      ("no GNN", "fluctuates between 83% and 86%"),
      ("single actor-critic GNN", "degrades (policy coupling)"),
      ("greedy", "significant degradation, worst"),
      ("static placement (reference)", "not in the paper"),
    ],
    "fig17": [
      ("GPO", "~330 ms per 50 inferences"),
      ("PPO", "180-200 ms per 50 inferences"),
      ("AC", "180-200 ms per 50 inferences"),
      ("Greedy", "~20 ms per 50 inferences"),
    ],
    "cartpole": [
      ("PPO", "not from the paper: CleanRL's PPO reaches ≥ 475 within 500k steps")
    ],
  ]

  /// The paper's headline for `series` of `figure`, or "—".
  static func text(figure: String, series: String) -> String {
    bySeries[figure]?.first { $0.series == series }?.paper ?? "—"
  }

  /// The series of `figure` in legend order.
  static func order(figure: String) -> [String] { bySeries[figure]?.map(\.series) ?? [] }
}
