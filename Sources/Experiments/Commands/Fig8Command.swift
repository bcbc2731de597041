import ArgumentParser
import Envs
import Foundation
import KMPS
import RL
import SeededRandom
import TensorModule

/// `experiment fig8`: dispatch inference latency (paper Fig. 8): the wall-clock sum of 20
/// consecutive dispatch decisions, per round, for MAPPO, AC and DDPG.
struct Fig8Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig8",
    abstract: "Dispatch inference latency (20 consecutive decisions per round) of MAPPO, AC "
      + "and DDPG; writes results/fig8/.",
    discussion: """
      Each series dispatches in its own simulator (MAPPO: an eAP's decision with fig7's shared \
      actor within the mask; AC: the central agent's softmax over the valid targets; DDPG: its \
      scores and the argmax over valid targets). One inference = one DispatchPolicy.choose call, \
      timed with the wall clock; rounds of the three series are interleaved slot by slot so \
      machine noise hits all alike. Measure in release builds (swift run -c release experiment \
      fig8). --series picks from MAPPO, AC, DDPG; --load sets the simulated load; --config \
      overrides Fig8Config.
      """)

  @OptionGroup var common: CommonOptions

  /// Rounds per seed.
  @Option(
    name: .customLong("rounds"),
    help: ArgumentHelp("Rounds per seed (default 50; 3 with --quick).", valueName: "N"))
  var rounds: Int?

  /// Series filter.
  @Option(
    name: .customLong("series"),
    help: ArgumentHelp(
      "Series, a comma list of MAPPO, AC, DDPG (default all).",
      valueName: "list"))
  var series: String?

  func validate() throws {
    if let rounds, rounds < 1 { throw ValidationError("--rounds must be ≥ 1, got \(rounds)") }
  }

  func run() throws {
    common.applyThreadSettings()
    print(try Fig8Experiment.run(options: common, rounds: rounds, series: series).report)
  }
}

/// Everything Fig. 8 runs with.
struct Fig8Config: Codable, Sendable, Equatable {
  /// The environments and network shapes: the sweep's (MAPPO: the KMPS environment; AC and
  /// DDPG: theirs), at `loadRequestsPerSecond`.
  var sweep: DispatchSweepConfig
  /// Simulated load while measuring, req/s.
  var loadRequestsPerSecond: Double
  /// Consecutive decisions summed per round.
  var inferencesPerRound: Int
  /// Rounds per seed.
  var rounds: Int
  /// Untimed decisions per series before the first round.
  var warmupInferences: Int
  /// Series, in plot order.
  var series: [DispatchSweepSeries]

  /// 50 rounds of 20 decisions at 600 req/s after 200 warm-up decisions (`--quick`: 3 rounds).
  static func standard(quick: Bool) -> Fig8Config {
    Fig8Config(
      sweep: .standard(quick: quick), loadRequestsPerSecond: 600, inferencesPerRound: 20,
      rounds: quick ? 3 : 50, warmupInferences: quick ? 20 : 200,
      series: DispatchSweepSeries.learned)
  }

  /// Throws an error naming the first impossible field.
  func validate() throws {
    try sweep.validate()
    try SweepLoads.validate([loadRequestsPerSecond], option: "loadRequestsPerSecond")
    func fail(_ field: String, _ reason: String) -> ExperimentError {
      .invalidValue(field: "fig8.\(field)", reason: reason)
    }
    if inferencesPerRound < 1 { throw fail("inferencesPerRound", "must be ≥ 1") }
    if rounds < 1 { throw fail("rounds", "must be ≥ 1") }
    if warmupInferences < 0 { throw fail("warmupInferences", "must be ≥ 0") }
    if series.isEmpty { throw fail("series", "at least one series") }
    if series.contains(.mappoCentralized) {
      throw fail("series", "fig8 compares MAPPO, AC and DDPG")
    }
  }
}

/// The Fig. 8 experiment, callable from tests.
enum Fig8Experiment {
  /// The paper's final cumulative latency of 20 inferences, ms (DDPG: not stated).
  static let paperMs: [DispatchSweepSeries: String] = [.mappo: "10.1-10.2", .ac: "~10.4"]

  static func run(
    options: CommonOptions, rounds: Int?, series seriesText: String?,
    renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    try SweepFigure.rejectCheckpointOptions(options)
    var config = try options.config(defaults: Fig8Config.standard(quick: options.quick))
    if let seriesText {
      config.series = try DispatchSweepSeries.parseList(
        seriesText, option: "--series", allowed: DispatchSweepSeries.learned)
    }
    if let rounds {
      config.rounds = rounds
    } else if let e = options.episodeCount {
      config.rounds = e
    }
    if let load = options.loadRequestsPerSecondOverride {
      try SweepLoads.validate([load], option: "--load")
      config.loadRequestsPerSecond = load
    }
    config.sweep.training.environment.workload.tracePath = try options.traceURL().path
    try config.validate()
    var run = try RunInfo.start(figure: "fig8", options: options, config: config)
    let trace = try DispatchSweep.loadTrace(config.sweep)
    let progress = ProgressReporter(
      label: "fig8", total: options.seeds.count * config.rounds * config.series.count,
      unit: "rounds", sink: progressSink)
    var table = ResultsTable(extraColumns: ["mean_us", "max_us"])
    for seed in options.seeds {
      var runners = try config.series.map {
        try Runner(series: $0, seed: seed, config: config, trace: trace)
      }
      for i in runners.indices { runners[i].collect(config.warmupInferences) }
      var cursor = [Int](repeating: config.warmupInferences, count: runners.count)
      for round in 1...config.rounds {
        for i in runners.indices {
          let end = cursor[i] + config.inferencesPerRound
          runners[i].collect(end)
          let samples = runners[i].samples[cursor[i]..<end]
          cursor[i] = end
          let total = samples.reduce(0, +)
          table.append(
            series: config.series[i].rawValue, seed: seed, x: Double(round), y: total * 1000,
            extras: [
              "mean_us": total / Double(samples.count) * 1e6,
              "max_us": (samples.max() ?? 0) * 1e6,
            ])
          progress.advance(metrics: ["ms": total * 1000])
        }
      }
    }
    progress.finish()
    let stats = Aggregation.seriesStats(table, finalWindow: config.rounds)
    var summary = FigureSummary(try FigureCatalog.require("fig8"))
    try summary.record(stats)
    var text = TextTable([
      "series", "ours: ms / \(config.inferencesPerRound)", "min", "max",
      "paper: ms / 20",
    ])
    for entry in stats {
      let s = DispatchSweepSeries(rawValue: entry.series)
      text.addRow([
        entry.series, Format.fixed(entry.finalValue, decimals: 4),
        Format.fixed(entry.finalValueMin, decimals: 4),
        Format.fixed(entry.finalValueMax, decimals: 4), s.flatMap { paperMs[$0] } ?? "-",
      ])
    }
    print(text.render())
    judge(stats: stats, config: config, quick: options.quick, into: &summary)
    run.finish()
    return try ResultsWriter(
      directory: options.outputDirectory(figure: "fig8"), renderer: renderer
    ).write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 8: dispatch inference latency (sum of \(config.inferencesPerRound) "
          + "consecutive decisions; mean and min-max over seeds)",
        xLabel: "round", yLabel: "cumulative latency (ms)", style: .linesPoints,
        keyPosition: "top right"))
  }

  /// One series' simulator and timed dispatcher.
  struct Runner {
    var collectTo: (Int) -> [Double]
    var samples: [Double] = []

    init(series: DispatchSweepSeries, seed: UInt64, config: Fig8Config, trace: AlibabaTrace?)
      throws
    {
      let training = config.sweep.training
      let env = training.environment(for: series.dispatchSeries)
      let sim = try training.episodeSimulator(
        env, slots: max(40, training.episodeSlots),
        loadFraction: config.loadRequestsPerSecond / training.loadRequestsPerSecond,
        profile: .steady, seed: DispatchTraining.episodeSeed(seed, phase: 8, episode: 0),
        trace: trace)
      let s = DispatchTraining.episodeSeed(seed, phase: 18, episode: 0)
      switch series {
      case .mappo, .mappoCentralized:
        let mappo = try DispatchTraining.makeLearner(
          series: series.dispatchSeries, config: training, simulator: sim, seed: s)
        var run = TimedDispatchRun(
          sim: sim,
          dispatcher: try LearnedDispatcher(
            policy: mappo.policy, simulator: sim, criticView: .globalStateWithAgentID,
            streamPerEAP: true, acting: .sample, record: false, seed: s), seed: s)
        collectTo = { count in
          run.collect(atLeast: count)
          return run.dispatcher.samples
        }
      case .ac:
        let a2c = try A2C(
          config: config.sweep.baselines.a2c, observationDim: sim.observationSize,
          actionCount: sim.targetCount, seed: s)
        var run = TimedDispatchRun(
          sim: sim,
          dispatcher: ACDispatcher(
            actor: a2c.networks.actor, actionCount: sim.targetCount, acting: .sample,
            record: false, rewards: env.rewards, seed: s), seed: s)
        collectTo = { count in
          run.collect(atLeast: count)
          return run.dispatcher.samples
        }
      case .ddpg:
        let n = sim.targetCount
        let ddpg = try DDPG(
          config: config.sweep.baselines.ddpg, observationDim: sim.observationSize,
          actionLow: [Float](repeating: -1, count: n), actionHigh: [Float](repeating: 1, count: n),
          seed: s)
        var run = TimedDispatchRun(
          sim: sim,
          dispatcher: DDPGDispatcher(
            actor: ddpg.actor.network, actionCount: n, explorationNoise: 0, record: false,
            rewards: env.rewards, seed: s), seed: s)
        collectTo = { count in
          run.collect(atLeast: count)
          return run.dispatcher.samples
        }
      }
    }

    /// Runs until at least `count` decisions are timed.
    mutating func collect(_ count: Int) {
      if samples.count < count { samples = collectTo(count) }
    }
  }

  /// The paper's values beside ours, the ordering claim and the caveats, from the per-series
  /// statistics (final value: the mean over all rounds and seeds).
  static func judge(
    stats: [SeriesStats], config: Fig8Config, quick: Bool, into summary: inout FigureSummary
  ) {
    func mean(_ s: DispatchSweepSeries) -> Double? {
      stats.first { $0.series == s.rawValue }?.finalValue
    }
    for entry in stats {
      if let s = DispatchSweepSeries(rawValue: entry.series), let paper = paperMs[s] {
        summary.set("paperMs", .string(paper), series: entry.series)
      }
    }
    let verdict = { (value: Bool?) in quick ? nil : value }
    let ours = config.series.map { ($0.rawValue, mean($0)) }
    if let m = mean(.mappo), config.series.count > 1 {
      let others = config.series.filter { $0 != .mappo }.compactMap(mean)
      summary.check(
        "MAPPO has the lowest cumulative inference latency (paper: 10.1-10.2 ms vs AC ~10.4 ms)",
        agrees: verdict(others.allSatisfy { m < $0 }),
        evidence: "ours: " + SweepFigure.list(ours, unit: " ms", decimals: 4))
    }
    if let m = mean(.mappo), let a = mean(.ac) {
      summary.notes.append(
        "AC / MAPPO latency ratio: ours \(Format.fixed(a / m, decimals: 3)), paper ~"
          + Format.fixed(10.4 / 10.15, decimals: 3))
    }
    summary.notes.append(
      "absolute values are ours: the wall clock of one DispatchPolicy.choose call (release "
        + "build, one OpenBLAS thread, Swift + OpenBLAS), summed over "
        + "\(config.inferencesPerRound) consecutive decisions; the paper's come from TensorFlow "
        + "1.14 on VMs. MAPPO's actor is fig7's, \(SweepFigure.actorShape(config.sweep.training)); "
        + "AC's and DDPG's are \(SweepFigure.dims(config.sweep.baselines.a2c.hiddenSizes)) / "
        + "\(SweepFigure.dims(config.sweep.baselines.ddpg.hiddenSizes)) MLPs over the whole "
        + "observation. The differences are network shape and decision rule (MAPPO samples "
        + "within \(SweepFigure.maskRule(config.sweep.training.mappo.maskMode)), AC samples from "
        + "a softmax over the valid targets, DDPG takes the argmax of its scores over them)")
    summary.notes.append(
      "the networks are freshly initialized: inference cost does not depend on the weights' "
        + "values, and the paper's convergence over rounds is a training effect that a "
        + "wall-clock measurement of a fixed network does not have")
    if quick { summary.notes.append("--quick: tiny budget, numbers are not meaningful") }
  }

  /// The summary of shards put together (`experiment merge`): the statistics and checks of
  /// the merged data.csv (every seed's rounds).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig8Config.self)
    let computed = try input.summaryWithStatistics(finalWindow: config.rounds)
    var summary = computed.summary
    judge(stats: computed.stats, config: config, quick: input.run.quick, into: &summary)
    return summary
  }
}
