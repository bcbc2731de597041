import Envs
import Foundation
import KMPS
import RL
import TensorBoard

/// Where a figure's TensorBoard runs go: `results/<figure>/runs/<series>__<seed>/`, one event file
/// per training run, written while it trains (`tensorboard --logdir results/<figure>/runs`).
///
/// Tags follow CleanRL where a quantity has a CleanRL name (`charts/episodic_return`,
/// `charts/SPS`, `losses/value_loss`, `losses/policy_loss`, `losses/entropy`,
/// `losses/approx_kl`, `losses/clipfrac`, `losses/explained_variance`,
/// `charts/learning_rate`); ours are under `charts/` too (`charts/throughput`,
/// `charts/cross_cluster_share`, …), and fig7's per-part latency under `latency/`.
/// `--no-tensorboard` turns every writer off.
struct TensorBoardRuns: Sendable {
  /// The `runs` folder, or nil when event files are off.
  var root: URL?

  /// The runs folder of `figure` under the options' output folder, unless `--no-tensorboard`.
  init(options: CommonOptions, figure: String) {
    root =
      options.noTensorBoard
      ? nil : options.outputDirectory(figure: figure).appendingPathComponent("runs")
  }

  /// Runs under `root` (nil: off).
  init(root: URL?) { self.root = root }

  /// CleanRL's run-folder name: `<series slug>__<seed>` (`kmps__1`, `b2-synchronous__3`).
  static func runName(series: String, seed: UInt64) -> String {
    var slug = ""
    for character in series.lowercased() {
      let keep = character.isLetter || character.isNumber
      if keep {
        slug.append(character)
      } else if !slug.isEmpty, slug.last != "-" {
        slug.append("-")
      }
    }
    while slug.last == "-" { slug.removeLast() }
    return "\(slug.isEmpty ? "run" : slug)__\(seed)"
  }

  /// A new writer for one series and seed, replacing that run's older event files; nil when off.
  /// With a `config`, its JSON goes to the Text tab under `config` (CleanRL writes its
  /// hyperparameters there too).
  func writer(series: String, seed: UInt64, config: (any Encodable)? = nil) throws
    -> SummaryWriter?
  {
    guard let root else { return nil }
    let writer = try SummaryWriter(
      directory: root.appendingPathComponent(Self.runName(series: series, seed: seed)))
    if let config {
      let json = String(decoding: try JSONFiles.encode(config), as: UTF8.self)
      // Indented by four spaces: a Markdown code block.
      let block = json.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
      writer.text("config", "series `\(series)`, seed \(seed)\n\n" + block)
      try writer.flush()
    }
    return writer
  }

  /// Writes reference runs (heuristics evaluated on the same episodes), one per seed, at
  /// step = episode: `charts/throughput` and the per-part latency tags (`latency/*`).
  func writeReference(
    series: String, episodes: [(seed: UInt64, metrics: [EdgeCloudMetrics])]
  ) throws {
    for (seed, curve) in episodes {
      guard let writer = try writer(series: series, seed: seed) else { return }
      for (index, metrics) in curve.enumerated() {
        writer.scalar("charts/throughput", metrics.throughput, step: index + 1)
        writer.scalars(SummaryWriter.latencyTags(LatencyParts(metrics)), step: index + 1)
      }
      try writer.close()
    }
  }
}

extension SummaryWriter {
  /// The scalars of one recorded dispatch-training episode (fig7), at step = episode index, then
  /// a flush. The `losses/*` tags are those of the latest finished MAPPO update (with the dual
  /// buffer possibly an update behind the episode); they are left out until a first update
  /// finished.
  func logDispatchEpisode(_ e: EpisodeRecord) {
    var values: [(String, Double)] = [
      ("charts/throughput", e.throughput),
      ("charts/episodic_return", e.meanReward * e.decisions),
      ("charts/mean_reward", e.meanReward),
      ("charts/cross_cluster_share", e.crossClusterShare),
      ("charts/cloud_share", e.cloudShare),
      ("charts/mean_latency_ms", e.meanLatencyMs),
      ("charts/decisions", e.decisions),
      ("charts/arrived", e.arrived),
      // Every rollout's decisions were taken in the episode's wall time.
      ("charts/SPS", e.wallSeconds > 0 ? e.decisions * Double(e.rollouts) / e.wallSeconds : 0),
      ("charts/episode_wall_seconds", e.wallSeconds),
      ("charts/weight_pickups", Double(e.weightPickups)),
    ]
    values += Self.latencyTags(e.latencyParts)
    let u = e.update
    if u.minibatchesRun > 0 {
      values += [
        ("charts/learning_rate", Double(u.learningRate)),
        ("losses/value_loss", Double(u.valueLoss)),
        ("losses/policy_loss", Double(u.policyLoss)),
        ("losses/entropy", Double(u.entropy)),
        ("losses/approx_kl", Double(u.approxKL)),
        ("losses/clipfrac", Double(u.clipFraction)),
        ("losses/explained_variance", Double(u.explainedVariance)),
        ("losses/grad_norm", Double(u.gradNorm)),
      ]
    }
    scalars(values, step: e.episode)
    try? flush()  // a write error is kept and thrown by close()
  }

  /// The mean latency parts of an episode's on-time completions under `latency/`:
  /// `latency/decision_ms`, `latency/transmission_ms`, `latency/queueing_ms`,
  /// `latency/execution_ms` (they sum to `charts/mean_latency_ms`).
  static func latencyTags(_ parts: LatencyParts) -> [(String, Double)] {
    parts.named.map { ("latency/\($0.name)", $0.ms) }
  }
}
