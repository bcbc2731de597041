import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig15`: KMPS with the time-series hybrid, delay-greedy (EDF) and FIFO dequeue
/// strategies on eAPs and nodes, throughput over training episodes (paper Fig. 15).
struct Fig15Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig15",
    abstract: "Fig. 15: dequeue strategies hybrid / EDF / FIFO; writes results/fig15/.",
    discussion: """
      Trains fig7's KMPS (same trace, load, bursts, curriculum and learner) with each dequeue \
      strategy on the eAP queues (Ψ) and the node and cloud queues (Ψ'), for every seed; runs \
      the queue-aware heuristic under each strategy, Greedy_Native and the per-episode upper \
      bound on the same episodes; writes data.csv (episode → throughput), summary.json and \
      plot.png.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var ablation: AblationOptions

  func run() throws {
    common.applyThreadSettings()
    let written = try Fig15Experiment.run(options: common, ablation: ablation)
    print(written.report)
  }
}

/// The configuration of Fig. 15 (recorded in config.json; override with `--config`).
struct Fig15Config: Codable, Sendable, Equatable {
  /// fig7's KMPS training setup; each variant sets both dequeue strategies.
  var training: DispatchTrainingConfig
  /// The strategies compared, in the paper's claimed order (best first).
  var strategies: [DequeueKind]
  /// Episodes at the end whose mean is the final throughput.
  var finalWindow: Int
  /// Least mean difference (throughput fraction) that counts as one strategy ahead of the next.
  var margin: Double
  /// Compute fig7's per-episode upper bound on the same episodes.
  var upperBound: Bool

  /// The defaults: the real experiment, or the `--quick` smoke-test budget.
  static func standard(quick: Bool) -> Fig15Config {
    var training = DispatchTrainingConfig.kmps(quick: quick)
    if !quick { training.episodes = 20 }
    return Fig15Config(
      training: training, strategies: [.hybrid, .edf, .fifo], finalWindow: quick ? 3 : 10,
      margin: 0.005, upperBound: true)
  }

  /// Throws `ExperimentError.invalidValue` naming the first impossible field.
  func validate() throws {
    try training.validate()
    guard !strategies.isEmpty, Set(strategies).count == strategies.count else {
      throw ExperimentError.invalidValue(
        field: "strategies", reason: "needs at least one strategy, each at most once")
    }
    guard finalWindow >= 1 else {
      throw ExperimentError.invalidValue(field: "finalWindow", reason: "must be ≥ 1")
    }
    guard margin.isFinite, margin >= 0 else {
      throw ExperimentError.invalidValue(field: "margin", reason: "must be ≥ 0")
    }
  }
}

/// The Fig. 15 experiment, callable from tests.
enum Fig15Experiment {
  /// Legend name of KMPS with `kind` on eAPs and nodes.
  static func name(_ kind: DequeueKind) -> String {
    switch kind {
    case .hybrid: "Time-series hybrid"
    case .edf: "Delay-greedy (EDF)"
    case .fifo: "FIFO"
    }
  }

  /// Legend name of the queue-aware heuristic under `kind`.
  static func referenceName(_ kind: DequeueKind) -> String {
    "Queue-aware (\(kind.rawValue))"
  }

  /// Runs the experiment and writes the results folder.
  static func run(
    options: CommonOptions, ablation: AblationOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    var config = try options.config(defaults: Fig15Config.standard(quick: options.quick))
    config.training.episodes = options.episodes(
      full: config.training.episodes, quick: config.training.episodes)
    config.training.loadRequestsPerSecond = options.loadRequestsPerSecond(
      default: config.training.loadRequestsPerSecond)
    try config.validate()
    let prepared = try AblationTraining.prepare(config.training, options: options)
    config.training = prepared.training
    let variants = config.strategies.map { kind in
      var training = config.training
      training.environment.dispatch.eapDequeue = kind
      training.environment.dispatch.nodeDequeue = kind
      return AblationVariant(name: name(kind), training: training)
    }

    let run = try RunInfo.start(figure: "fig15", options: options, config: config)
    let seeds = options.seeds
    let (table, fluid) = try AblationTraining.episodeCurves(
      variants: variants, referenceNames: config.strategies.map(referenceName),
      base: config.training, upperBound: config.upperBound, ablation: ablation, seeds: seeds,
      trace: prepared.trace, label: "fig15", progressSink: progressSink)
    var summary = FigureSummary(try FigureCatalog.require("fig15"))
    if let fluid {
      summary.notes.append(
        "upper bound: fig7's LP relaxation per episode (the same for every strategy: it does "
          + "not depend on dequeue order); \(fluid) episode(s) used the fluid bound")
    }

    return try ResultsWriter.writeFigure(
      "fig15", table: table, summary: summary, run: run, finalWindow: config.finalWindow,
      options: options, renderer: renderer,
      plot: PlotSpec(
        title: "Fig. 15: KMPS by dequeue strategy on eAPs and nodes at "
          + "\(Int(config.training.loadRequestsPerSecond)) req/s (mean, min-max over seeds)",
        xLabel: "episode", yLabel: "throughput (on-time / arrived)", keyPosition: "bottom right",
        dashedSeries: config.strategies.map(referenceName)
          + [Fig7Experiment.greedyNativeName, Fig7UpperBound.name])) { _, summary in check(&summary, table: table, config: config, quick: options.quick) }
  }

  /// The paper's claim, one ordering per neighbouring pair of `config.strategies` (final means,
  /// paired by seed); the same orderings for the queue-aware heuristic go to the notes as a
  /// control. Unchecked (`nil`) under `--quick`.
  static func check(
    _ summary: inout FigureSummary, table: ResultsTable, config: Fig15Config, quick: Bool
  ) {
    let episodes = config.training.episodes
    let late = max(1, episodes - config.finalWindow + 1)...episodes
    func final(_ series: String) -> [Double] {
      AblationTraining.windowMeans(table, series: series, episodes: late)
    }
    for (better, worse) in zip(config.strategies, config.strategies.dropFirst()) {
      let learned = AblationClaims.beats(
        (name(better), final(name(better))), (name(worse), final(name(worse))),
        margin: config.margin)
      summary.check(
        "\(name(better)) > \(name(worse)) (mean of the last \(config.finalWindow) episodes)",
        agrees: quick ? nil : learned.agrees, evidence: learned.evidence)
      let heuristic = AblationClaims.beats(
        (referenceName(better), final(referenceName(better))),
        (referenceName(worse), final(referenceName(worse))), margin: config.margin)
      summary.notes.append("control without learning (not a paper claim): " + heuristic.evidence)
    }
  }

  /// The summary of shards put together (`experiment merge`): the statistics and checks of the
  /// merged data.csv.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig15Config.self)
    var summary = try input.summaryWithStatistics(finalWindow: config.finalWindow).summary
    check(&summary, table: input.table, config: config, quick: input.run.quick)
    return summary
  }
}
