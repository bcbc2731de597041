import ArgumentParser
import KMPS

/// Options the ablation figures (fig13, fig14, fig15) add to `CommonOptions`.
struct AblationOptions: ParsableArguments {
  /// Parallel training runs.
  @Option(
    name: .customLong("jobs"),
    help: ArgumentHelp(
      "Parallel training runs (default 2: the runs are independent; each KMPS run's "
        + "asynchronous learner thread then shares the cores).", valueName: "N"))
  var jobs = 2

  /// Train synchronously (deterministic).
  @Flag(
    name: .customLong("synchronous"),
    help: "Train KMPS synchronously (deterministic: same seed ⇒ identical data.csv).")
  var synchronous = false

  /// Defaults (as if no flag was given).
  init() {}

  /// Rejects an impossible `--jobs`.
  func validate() throws {
    guard (1...64).contains(jobs) else {
      throw ValidationError("--jobs must be between 1 and 64, got \(jobs)")
    }
  }

  /// The learned series every ablation trains: fig7's KMPS (dual buffer, cross-cluster, MAPPO),
  /// synchronous with `--synchronous`.
  var series: DispatchSeries {
    var series = DispatchSeries.kmps
    if synchronous { series.learner = .synchronous }
    return series
  }
}
