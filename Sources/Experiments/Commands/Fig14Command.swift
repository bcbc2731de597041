import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig14`: KMPS' sensitivity to the slot length, the urgent-rescheduling period and
/// the frame length, one factor at a time around the defaults (paper Fig. 14).
struct Fig14Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig14",
    abstract: "Fig. 14: sensitivity to slot, rescheduling period and frame; writes results/fig14/.",
    discussion: """
      Trains fig7's KMPS (same trace, load, bursts, curriculum and learner) in every setting of \
      one factor at a time around the defaults (0.25 s slots, rescheduling every 8 slots, 25 s \
      frames; change the lists with --config), for every seed, runs in parallel (--jobs, \
      default 2), and runs the queue-aware heuristic in every setting on the same episodes. \
      Episodes, curriculum and weight syncs keep their length in seconds when the slot \
      changes; Kubernetes HPA, which orchestrates in fig7's setup, syncs once per frame. \
      Writes data.csv (setting → final throughput per seed), curves.csv (every episode), \
      summary.json and plot.png.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var ablation: AblationOptions

  func run() throws {
    common.applyThreadSettings()
    let written = try Fig14Experiment.run(options: common, ablation: ablation)
    print(written.report)
  }
}

/// The configuration of Fig. 14 (recorded in config.json; override with `--config`).
struct Fig14Config: Codable, Sendable, Equatable {
  /// fig7's KMPS training setup, with its time scales replaced by each setting's.
  var training: DispatchTrainingConfig
  /// The default slot length, s (the paper: 0.25).
  var slotS: Double
  /// The default urgent-rescheduling period, slots (SPEC: 8; the paper also uses 2).
  var rescheduleEverySlots: Double
  /// The default frame length, s (the paper: 25).
  var frameS: Double
  /// The slot lengths swept, s.
  var slotLengthsS: [Double]
  /// The rescheduling periods swept, slots (whole numbers).
  var reschedulePeriodsSlots: [Double]
  /// The frame lengths swept, s.
  var frameLengthsS: [Double]
  /// The paper's best setting of each factor: slot s, rescheduling period in slots, frame s.
  var paperBest: [Double]
  /// Kubernetes HPA (fig7's orchestrator) syncs once per frame, so the frame length acts; off:
  /// HPA keeps `environment.hpa.syncPeriodS` and only frame-based orchestrators see the frame.
  var frameDrivesHPA: Bool
  /// Episodes at the end whose mean is a run's final throughput.
  var finalWindow: Int
  /// Least mean difference (throughput fraction) by which the paper's best setting must beat
  /// every other setting of its factor.
  var margin: Double

  /// The defaults: the real experiment, or the `--quick` smoke-test budget.
  static func standard(quick: Bool) -> Fig14Config {
    var training = DispatchTrainingConfig.kmps(quick: quick)
    if !quick { training.episodes = 12 }
    return Fig14Config(
      training: training, slotS: 0.25, rescheduleEverySlots: 8, frameS: 25,
      slotLengthsS: [0.1, 0.25, 0.5], reschedulePeriodsSlots: [1, 2, 4, 8],
      frameLengthsS: [10, 25, 50], paperBest: [0.25, 2, 25], frameDrivesHPA: true,
      finalWindow: quick ? 2 : 5, margin: 0.005)
  }

  /// The episode length of the setup in seconds (kept when the slot length changes).
  var episodeS: Double { Double(training.episodeSlots) * training.environment.timing.slotMs / 1000 }

  /// Throws an error naming the first impossible field: `ExperimentError.invalidValue` for the
  /// figure's own fields, `EdgeCloudConfigError` (e.g. `slotLengthsS[1].frameS`) for a setting
  /// whose periods are not whole numbers of its slots.
  func validate() throws {
    try training.validate()
    guard finalWindow >= 1, finalWindow <= training.episodes else {
      throw ExperimentError.invalidValue(
        field: "finalWindow", reason: "must be between 1 and training.episodes")
    }
    guard margin.isFinite, margin >= 0 else {
      throw ExperimentError.invalidValue(field: "margin", reason: "must be ≥ 0")
    }
    for (field, list) in [
      ("slotLengthsS", slotLengthsS), ("reschedulePeriodsSlots", reschedulePeriodsSlots),
      ("frameLengthsS", frameLengthsS),
    ] where list.isEmpty || Set(list).count != list.count {
      throw ExperimentError.invalidValue(field: field, reason: "needs distinct values")
    }
    guard paperBest.count == 3 else {
      throw ExperimentError.invalidValue(
        field: "paperBest", reason: "needs 3 values: slot s, rescheduling slots, frame s")
    }
    _ = try settings()
  }

  /// One setting of the sweep.
  struct Setting: Sendable, Equatable {
    /// Which factor it varies: 0 slot, 1 rescheduling period, 2 frame.
    var factor: Int
    /// The factor's value (s, slots, s).
    var value: Double
    /// The training setup of this setting.
    var training: DispatchTrainingConfig
  }

  /// Every setting, factor by factor (the default setting appears once per factor), each with
  /// its time scales and everything counted in slots rescaled to keep its length in seconds.
  func settings() throws -> [Setting] {
    var out: [Setting] = []
    for (i, slot) in slotLengthsS.enumerated() {
      out.append(
        Setting(
          factor: 0, value: slot,
          training: try setup(
            slotS: slot, longSlotS: rescheduleEverySlots * slotS, frameS: frameS,
            path: "slotLengthsS[\(i)]")))
    }
    for (i, period) in reschedulePeriodsSlots.enumerated() {
      let field = "reschedulePeriodsSlots[\(i)]"
      guard period >= 1, period == period.rounded(), period <= 1e6 else {
        throw EdgeCloudConfigError(
          field: field, reason: "\(period) is not a whole number of slots ≥ 1")
      }
      out.append(
        Setting(
          factor: 1, value: period,
          training: try setup(
            slotS: slotS, longSlotS: period * slotS, frameS: frameS, path: field)))
    }
    for (i, frame) in frameLengthsS.enumerated() {
      out.append(
        Setting(
          factor: 2, value: frame,
          training: try setup(
            slotS: slotS, longSlotS: rescheduleEverySlots * slotS, frameS: frame,
            path: "frameLengthsS[\(i)]")))
    }
    return out
  }

  /// `training` with these time scales: episodes, curriculum stages, weight syncs and the
  /// warm-up keep their length in seconds, the per-slot dispatch budget its rate per second,
  /// and HPA syncs once per frame (`frameDrivesHPA`).
  func setup(slotS: Double, longSlotS: Double, frameS: Double, path: String) throws
    -> DispatchTrainingConfig
  {
    let baseSlotS = training.environment.timing.slotMs / 1000
    func slots(_ count: Int, _ field: String) throws -> Int {
      try TimeScaleConfig.wholeSlots(
        Double(count) * baseSlotS, slotS: slotS, field: field, path: path)
    }
    var t = training
    t.environment.timing = try TimeScaleConfig(
      slotS: slotS, longSlotS: longSlotS, frameS: frameS, episodeS: episodeS, path: path)
    t.episodeSlots = t.environment.timing.episodeSlots
    for i in t.curriculum.indices {
      t.curriculum[i].episodeSlots = try slots(
        t.curriculum[i].episodeSlots, "curriculum[\(i)].episodeSlots")
    }
    t.weightSyncEverySlots = try slots(t.weightSyncEverySlots, "weightSyncEverySlots")
    if t.warmupPlacementSlots > 0 {
      t.warmupPlacementSlots = try slots(t.warmupPlacementSlots, "warmupPlacementSlots")
    }
    let budget = Double(t.environment.dispatch.budgetPerSlot) * slotS / baseSlotS
    t.environment.dispatch.budgetPerSlot = max(1, Int(budget.rounded()))
    if frameDrivesHPA { t.environment.hpa.syncPeriodS = frameS }
    return t
  }
}

/// The Fig. 14 experiment, callable from tests.
enum Fig14Experiment {
  /// Factor names (legend prefixes) and the unit of each factor's values.
  static let factors = ["slot length", "rescheduling period", "frame length"]
  static let units = ["s", "slots", "s"]
  /// Legend names of the learned and the reference series.
  static let learned = "KMPS"
  static let reference = "Queue-aware"

  /// The label of a setting's value (`0.25 s`, `every 2 slots`, `25 s`).
  static func label(factor: Int, value: Double) -> String {
    let number = Format.number(value)
    return factor == 1 ? "every \(number) slots" : "\(number) s"
  }

  /// The short x-axis label of a setting's value (`0.25 s`, `2 slots`, `25 s`).
  static func tick(factor: Int, value: Double) -> String {
    let number = Format.number(value)
    guard factor == 1 else { return "\(number) s" }
    return value == 1 ? "1 slot" : "\(number) slots"
  }

  /// Runs the experiment and writes the results folder.
  static func run(
    options: CommonOptions, ablation: AblationOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    var config = try options.config(defaults: Fig14Config.standard(quick: options.quick))
    config.training.episodes = options.episodes(
      full: config.training.episodes, quick: config.training.episodes)
    config.training.loadRequestsPerSecond = options.loadRequestsPerSecond(
      default: config.training.loadRequestsPerSecond)
    try config.validate()
    // One warm-up placement (fig7's) for every setting: the placement is not a factor.
    let prepared = try AblationTraining.prepare(config.training, options: options)
    config.training = prepared.training
    let all = try config.settings()
    // The default setting appears in every factor: train it once.
    var unique: [Fig14Config.Setting] = []
    for s in all where !unique.contains(where: { $0.training == s.training }) { unique.append(s) }
    let variants = unique.map {
      AblationVariant(
        name: "\(factors[$0.factor]) \(label(factor: $0.factor, value: $0.value))",
        training: $0.training)
    }

    var run = try RunInfo.start(figure: "fig14", options: options, config: config)
    let seeds = options.seeds
    let results = try AblationTraining.train(
      variants: variants, series: ablation.series, seeds: seeds, trace: prepared.trace,
      jobs: ablation.jobs, label: "fig14", progressSink: progressSink)
    let references = try ParallelJobs.map(unique, jobs: ablation.jobs) { setting in
      try HeuristicReference.queueAware.run(
        seeds: seeds, config: setting.training, trace: prepared.trace)
    }
    let episodes = config.training.episodes
    let late = (episodes - config.finalWindow + 1)...episodes

    var curves = ResultsTable()
    var table = ResultsTable(extraColumns: ["factor", "value"])
    var ticks: [TicLabel] = []
    for (position, setting) in all.enumerated() {
      let v = unique.firstIndex { $0.training == setting.training }!
      let x = Double(position + 2 * setting.factor + 1)
      ticks.append(TicLabel(x: x, label: tick(factor: setting.factor, value: setting.value)))
      let extras = ["factor": Double(setting.factor), "value": setting.value]
      let group = factors[setting.factor]
      for result in results[v] {
        let ys = result.episodes.map(\.throughput)
        table.append(
          series: "\(learned): \(group)", seed: result.seed, x: x,
          y: AblationTraining.mean(Array(ys[(late.lowerBound - 1)...])), extras: extras)
      }
      for (seed, ys) in references[v] {
        table.append(
          series: "\(reference): \(group)", seed: seed, x: x,
          y: AblationTraining.mean(Array(ys[(late.lowerBound - 1)...])), extras: extras)
      }
    }
    for (variant, runs) in zip(variants, results) {
      AblationTraining.append(runs, as: variant.name, to: &curves)
    }

    let directory = options.outputDirectory(figure: "fig14")
    try FileIO.makeDirectory(directory)
    try FileIO.writeAtomically(
      curves.csv(), to: directory.appendingPathComponent("curves.csv"))
    var summary = FigureSummary(try FigureCatalog.require("fig14"))
    check(&summary, table: table, settings: all, config: config, quick: options.quick)
    summary.notes.append(
      "each point: per seed, the mean throughput of the last \(config.finalWindow) of "
        + "\(episodes) training episodes; the default setting is one run shown in every factor")
    if config.frameDrivesHPA {
      summary.notes.append(
        "fig7's setup orchestrates with Kubernetes HPA; here HPA syncs once per frame, so the "
          + "frame length is HPA's period (\(Format.number(config.episodeS)) s episodes: a "
          + "\(Format.number(config.episodeS)) s frame never orchestrates within an episode)")
    }
    run.finish()
    print(settingsTable(table, settings: all).render())
    let writer = ResultsWriter(directory: directory, renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 14: KMPS sensitivity to the time scales at "
          + "\(Int(config.training.loadRequestsPerSecond)) req/s (mean, min-max over seeds)",
        xLabel: "setting (one factor at a time)", yLabel: "final throughput (on-time / arrived)",
        style: .linesPoints, xRange: 0...(ticks.map(\.x).max() ?? 0) + 1, xTicLabels: ticks,
        keyPosition: "bottom right",
        dashedSeries: factors.map { "\(reference): \($0)" }))
  }

  /// The console table: per setting, KMPS' and the reference's mean final throughput over seeds
  /// with KMPS' min–max.
  static func settingsTable(_ table: ResultsTable, settings: [Fig14Config.Setting]) -> TextTable {
    var text = TextTable(["factor", "setting", "KMPS", "min", "max", "Queue-aware"])
    for (position, setting) in settings.enumerated() {
      let x = Double(position + 2 * setting.factor + 1)
      let group = factors[setting.factor]
      let ys = table.rows(series: "\(learned): \(group)").filter { $0.x == x }.map(\.y)
      let refs = table.rows(series: "\(reference): \(group)").filter { $0.x == x }.map(\.y)
      text.addRow([
        group, label(factor: setting.factor, value: setting.value),
        Format.percent(AblationTraining.mean(ys)), Format.percent(ys.min()),
        Format.percent(ys.max()), Format.percent(AblationTraining.mean(refs)),
      ])
    }
    return text
  }

  /// Per factor: the paper's best setting beats every other setting of the factor (paired by
  /// seed, by `config.margin`); also records the per-setting means. Unchecked under `--quick`.
  static func check(
    _ summary: inout FigureSummary, table: ResultsTable, settings: [Fig14Config.Setting],
    config: Fig14Config, quick: Bool
  ) {
    for factor in 0..<3 {
      let series = "\(learned): \(factors[factor])"
      let rows = table.rows(series: series)
      let points = settings.enumerated().filter { $0.element.factor == factor }.map {
        (value: $0.element.value, x: Double($0.offset + 2 * factor + 1))
      }
      func perSeed(_ x: Double) -> [Double] {
        rows.filter { $0.x == x }.sorted { $0.seed < $1.seed }.map(\.y)
      }
      var means: [String: JSONValue] = [:]
      for p in points {
        means[label(factor: factor, value: p.value)] = .number(
          AblationTraining.mean(perSeed(p.x)))
      }
      summary.set("final_mean_by_setting", .object(means), series: series)
      let best = config.paperBest[factor]
      let text = "\(label(factor: factor, value: best)) is the best \(factors[factor])"
      guard let bestPoint = points.first(where: { $0.value == best }) else {
        summary.check(text, agrees: nil, evidence: "not among the swept settings")
        continue
      }
      let verdicts = points.filter { $0.value != best }.map { other in
        AblationClaims.beats(
          (label(factor: factor, value: best), perSeed(bestPoint.x)),
          (label(factor: factor, value: other.value), perSeed(other.x)), margin: config.margin)
      }
      summary.check(
        text, agrees: quick ? nil : verdicts.allSatisfy(\.agrees),
        evidence: verdicts.map(\.evidence).joined(separator: "; "))
    }
  }

  /// The summary of shards put together (`experiment merge`): the checks of the merged
  /// data.csv (per setting and seed, the final mean).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig14Config.self)
    var summary = try input.emptySummary()
    check(
      &summary, table: input.table, settings: try config.settings(), config: config,
      quick: input.run.quick)
    return summary
  }
}
