import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig13`: KMPS with three time scales against two (no long-slot urgent
/// rescheduling), throughput over training episodes (paper Fig. 13).
struct Fig13Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig13",
    abstract: "Fig. 13: three vs two time scales (urgent rescheduling); writes results/fig13/.",
    discussion: """
      Trains fig7's KMPS (same trace, load, bursts, curriculum and learner) with three time \
      scales (slot dispatch, long-slot urgent rescheduling, frame orchestration) and with two \
      (no urgent rescheduling), for every seed; runs the queue-aware heuristic in both \
      environments, Greedy_Native and the per-episode upper bound on the same episodes; writes \
      data.csv (episode → throughput), summary.json and plot.png.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var ablation: AblationOptions

  func run() throws {
    common.applyThreadSettings()
    let written = try Fig13Experiment.run(options: common, ablation: ablation)
    print(written.report)
  }
}

/// The configuration of Fig. 13 (recorded in config.json; override with `--config`).
struct Fig13Config: Codable, Sendable, Equatable {
  /// fig7's KMPS training setup (three time scales); the two-scale variant turns urgent
  /// rescheduling off.
  var training: DispatchTrainingConfig
  /// Episodes at the start whose mean decides "faster early".
  var earlyEpisodes: Int
  /// Episodes at the end whose mean is the final throughput.
  var finalWindow: Int
  /// Least mean difference (throughput fraction) that counts as one variant ahead of the other.
  var margin: Double
  /// The level below which the two-scale curve "stalls" (the paper: 95%).
  var stallLevel: Double
  /// Compute fig7's per-episode upper bound on the same episodes.
  var upperBound: Bool

  /// The defaults: the real experiment, or the `--quick` smoke-test budget.
  static func standard(quick: Bool) -> Fig13Config {
    var training = DispatchTrainingConfig.kmps(quick: quick)
    if !quick { training.episodes = 30 }
    return Fig13Config(
      training: training, earlyEpisodes: quick ? 3 : 5, finalWindow: quick ? 3 : 10,
      margin: 0.005, stallLevel: 0.95, upperBound: true)
  }

  /// Throws `ExperimentError.invalidValue` naming the first impossible field.
  func validate() throws {
    try training.validate()
    guard earlyEpisodes >= 1, finalWindow >= 1 else {
      throw ExperimentError.invalidValue(
        field: "earlyEpisodes/finalWindow", reason: "must be ≥ 1")
    }
    guard margin.isFinite, margin >= 0 else {
      throw ExperimentError.invalidValue(field: "margin", reason: "must be ≥ 0")
    }
  }
}

/// The Fig. 13 experiment, callable from tests.
enum Fig13Experiment {
  /// Legend names.
  static let three = "Three time scales"
  static let two = "Two time scales (no urgent rescheduling)"
  static let queueAwareThree = "Queue-aware (three scales)"
  static let queueAwareTwo = "Queue-aware (two scales)"

  /// Runs the experiment and writes the results folder.
  static func run(
    options: CommonOptions, ablation: AblationOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    var config = try options.config(defaults: Fig13Config.standard(quick: options.quick))
    config.training.episodes = options.episodes(
      full: config.training.episodes, quick: config.training.episodes)
    config.training.loadRequestsPerSecond = options.loadRequestsPerSecond(
      default: config.training.loadRequestsPerSecond)
    try config.validate()
    let prepared = try AblationTraining.prepare(config.training, options: options)
    config.training = prepared.training
    var twoScales = config.training
    twoScales.environment.dispatch.urgentRescheduling = false
    let variants = [
      AblationVariant(name: three, training: config.training),
      AblationVariant(name: two, training: twoScales),
    ]

    let run = try RunInfo.start(figure: "fig13", options: options, config: config)
    let seeds = options.seeds
    let (table, fluid) = try AblationTraining.episodeCurves(
      variants: variants, referenceNames: [queueAwareThree, queueAwareTwo],
      base: config.training, upperBound: config.upperBound, ablation: ablation, seeds: seeds,
      trace: prepared.trace, label: "fig13", progressSink: progressSink)
    var summary = FigureSummary(try FigureCatalog.require("fig13"))
    if let fluid {
      summary.notes.append(
        "upper bound: fig7's LP relaxation per episode (the same for both variants: it does "
          + "not depend on dequeue order or rescheduling); \(fluid) episode(s) used the "
          + "fluid bound")
    }

    return try ResultsWriter.writeFigure(
      "fig13", table: table, summary: summary, run: run, finalWindow: config.finalWindow,
      options: options, renderer: renderer,
      plot: PlotSpec(
        title: "Fig. 13: KMPS with three vs two time scales at "
          + "\(Int(config.training.loadRequestsPerSecond)) req/s (mean, min-max over seeds)",
        xLabel: "episode", yLabel: "throughput (on-time / arrived)", keyPosition: "bottom right",
        dashedSeries: [
          queueAwareThree, queueAwareTwo, Fig7Experiment.greedyNativeName,
          Fig7UpperBound.name,
        ])) { _, summary in check(&summary, table: table, config: config, quick: options.quick) }
  }

  /// The paper's claims: two scales ahead over the first episodes, three scales ahead at the
  /// end, two scales below 95% at the end. Unchecked (`nil`) under `--quick`.
  static func check(
    _ summary: inout FigureSummary, table: ResultsTable, config: Fig13Config, quick: Bool
  ) {
    let early = 1...config.earlyEpisodes
    let episodes = config.training.episodes
    let late = (episodes - config.finalWindow + 1)...episodes
    func window(_ series: String, _ range: ClosedRange<Int>) -> [Double] {
      AblationTraining.windowMeans(table, series: series, episodes: range)
    }
    for series in [three, two, queueAwareThree, queueAwareTwo] {
      summary.set(
        "early_mean", .number(AblationTraining.mean(window(series, early))), series: series)
    }
    let faster = AblationClaims.beats(
      ("two scales", window(two, early)), ("three scales", window(three, early)),
      margin: config.margin)
    summary.check(
      "two time scales are ahead early (mean of episodes 1–\(config.earlyEpisodes))",
      agrees: quick ? nil : faster.agrees, evidence: faster.evidence)
    let higher = AblationClaims.beats(
      ("three scales", window(three, late)), ("two scales", window(two, late)),
      margin: config.margin)
    summary.check(
      "three time scales are higher later (mean of the last \(config.finalWindow) episodes)",
      agrees: quick ? nil : higher.agrees, evidence: higher.evidence)
    let twoFinal = AblationTraining.mean(window(two, late))
    summary.check(
      "two time scales stall below \(Format.percent(config.stallLevel, decimals: 0))",
      agrees: quick ? nil : twoFinal < config.stallLevel,
      evidence: "two scales' final mean \(Format.percent(twoFinal))")
    let heuristic = AblationClaims.beats(
      ("queue-aware with three scales", window(queueAwareThree, late)),
      ("queue-aware with two scales", window(queueAwareTwo, late)), margin: config.margin)
    summary.notes.append(
      "control without learning (not a paper claim): " + heuristic.evidence)
  }

  /// The summary of shards put together (`experiment merge`): the statistics and checks of the
  /// merged data.csv.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig13Config.self)
    var summary = try input.summaryWithStatistics(finalWindow: config.finalWindow).summary
    check(&summary, table: input.table, config: config, quick: input.run.quick)
    return summary
  }
}
