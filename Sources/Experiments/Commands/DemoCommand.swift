import ArgumentParser
import Foundation
import SeededRandom

/// `experiment demo`: noisy saturating learning curves pushed through the whole results
/// pipeline (table → aggregation → data.csv, summary.json, plot.gp, plot.png). No training; it
/// proves the infrastructure and shows what a figure command looks like.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Write results/demo/ from synthetic learning curves (pipeline check).")

  @OptionGroup var common: CommonOptions

  func run() throws {
    let written = try DemoExperiment.run(options: common)
    print(written.report)
  }
}

/// One synthetic curve: `y = asymptote · (1 − exp(−episode / timeConstantEpisodes)) + noise`.
struct DemoCurve: Sendable, Codable, Equatable {
  /// Series name.
  var name: String
  /// Value approached as episodes grow (fraction).
  var asymptote: Double
  /// Episodes to reach 63% of the asymptote (0 = flat at the asymptote).
  var timeConstantEpisodes: Double
}

/// Config of the demo (written to config.json like any figure's config).
struct DemoConfig: Sendable, Codable, Equatable {
  /// Episodes per seed.
  var episodes: Int
  /// Standard deviation of the Gaussian noise added to every point.
  var noiseStd: Double
  /// Curves (series).
  var curves: [DemoCurve]
  /// Points averaged for the final value.
  var finalWindow: Int
  /// Moving-average window for the convergence test.
  var convergenceWindow: Int
  /// Absolute tolerance around the final value for the convergence test.
  var convergenceTolerance: Double

  /// The defaults, with `episodes` episodes.
  static func standard(episodes: Int) -> DemoConfig {
    DemoConfig(
      episodes: episodes, noiseStd: 0.015,
      curves: [
        DemoCurve(name: "fast learner", asymptote: 0.95, timeConstantEpisodes: 4),
        DemoCurve(name: "slow learner", asymptote: 0.92, timeConstantEpisodes: 12),
        DemoCurve(name: "flat baseline", asymptote: 0.6, timeConstantEpisodes: 0),
      ],
      finalWindow: 5, convergenceWindow: 5, convergenceTolerance: 0.03)
  }
}

/// The demo experiment, callable from tests.
enum DemoExperiment {
  /// Generates the curves for every seed, writes the results folder and prints the summary
  /// table. Deterministic for a given config and seeds.
  static func run(
    options: CommonOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    let config = DemoConfig.standard(episodes: options.episodes(full: 60, quick: 15))
    var run = try RunInfo.start(figure: "demo", options: options, config: config)
    let progress = ProgressReporter(
      label: "demo", total: options.seeds.count * config.curves.count, unit: "curves",
      sink: progressSink)
    var table = ResultsTable()
    for seed in options.seeds {
      var rng = Xoshiro256(seed: seed)
      for curve in config.curves {
        var curveRNG = rng.split()
        for episode in 1...config.episodes {
          let progressFraction =
            curve.timeConstantEpisodes > 0
            ? 1 - exp(-Double(episode) / curve.timeConstantEpisodes) : 1
          let noise = config.noiseStd * curveRNG.nextNormal()
          let y = min(1, max(0, curve.asymptote * progressFraction + noise))
          table.append(series: curve.name, seed: seed, x: Double(episode), y: y)
        }
        progress.advance(metrics: ["final": table.rows.last?.y ?? 0])
      }
    }
    progress.finish()

    let criterion = ConvergenceCriterion(
      window: config.convergenceWindow, tolerance: .absolute(config.convergenceTolerance),
      finalWindow: config.finalWindow)
    let stats = Aggregation.seriesStats(
      table, finalWindow: config.finalWindow, convergence: criterion)
    var summary = FigureSummary(
      figure: "demo", title: "Synthetic saturating curves (pipeline check, not a paper figure)",
      paperClaim: "a faster learner converges in fewer episodes than a slower one")
    try summary.record(stats)
    let fast = stats.first { $0.series == "fast learner" }
    let slow = stats.first { $0.series == "slow learner" }
    let fastX = fast?.convergenceX
    let slowX = slow?.convergenceX
    summary.check(
      "fast learner converges in fewer episodes than slow learner",
      agrees: fastX.flatMap { fast in slowX.map { fast < $0 } },
      evidence: "converged at \(Format.number(fastX)) vs \(Format.number(slowX)) episodes")
    summary.check(
      "fast learner ends above 90%", agrees: fast.map { $0.finalValue > 0.9 },
      evidence: "final \(Format.percent(fast?.finalValue))")
    if options.quick { summary.notes.append("--quick: tiny budget, numbers are not meaningful") }

    print(TextTable.seriesSummary(stats, valueLabel: "final", percent: true).render())
    run.finish()
    let writer = ResultsWriter(
      directory: options.outputDirectory(figure: "demo"), renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Demo: synthetic learning curves (mean and min-max over seeds)",
        xLabel: "episode", yLabel: "throughput (fraction)", yRange: 0...1))
  }
}
