import ArgumentParser
import Envs
import Foundation
import KMPS
import RL

/// Options of the load-sweep figures (Figs. 9–12) beside the shared ones.
struct SweepFigureOptions: ParsableArguments {
  /// Evaluation loads.
  @Option(
    name: .customLong("loads"),
    help: ArgumentHelp(
      "Evaluation loads in req/s, a comma list within 50-1000 (default 100,200,...,600).",
      valueName: "list"))
  var loads: String?

  /// Series filter.
  @Option(
    name: .customLong("series"),
    help: ArgumentHelp(
      "Series to run, a comma list (default: all of the figure's).",
      valueName: "list"))
  var series: String?

  /// Ignore the cached sweep.
  @Flag(
    name: .customLong("fresh"),
    help:
      "Recompute the sweep even when results/dispatch-sweep-cache holds it (and cache the new one)."
  )
  var fresh = false

  init() {}
}

/// What every load-sweep figure shares: building the sweep config from the options, getting
/// (or computing) the sweep, and the run metadata.
enum SweepFigure {
  /// The sweep config for a figure: defaults, `--config` overrides, then the flags
  /// (`--episodes` = MAPPO's and the baselines' recorded training episodes, `--load` = the
  /// training load, `--loads`, and `series`, already parsed by the figure).
  static func config(
    options: CommonOptions, sweep: SweepFigureOptions, series: [DispatchSweepSeries]?
  ) throws -> DispatchSweepConfig {
    try rejectCheckpointOptions(options)
    var config = try options.config(defaults: DispatchSweepConfig.standard(quick: options.quick))
    if let episodes = options.episodeCount { config.training.episodes = episodes }
    if let load = options.loadRequestsPerSecondOverride {
      try SweepLoads.validate([load], option: "--load")
      config.training.loadRequestsPerSecond = load
    }
    if let text = sweep.loads { config.loads = try SweepLoads.parse(text) }
    if let series { config.series = series }
    config.training.environment.workload.tracePath = try options.traceURL().path
    try config.validate()
    // Fig. 7's initial placement: where HPA gets under Greedy_Native at the training load.
    let validated = config
    try config.training.applyWarmupPlacement(trace: DispatchSweep.loadTrace(validated))
    return config
  }

  /// Figs. 8–12 keep no checkpoints (the sweep cache holds their measurements): throws naming
  /// `--eval-only` or `--checkpoint` when given.
  static func rejectCheckpointOptions(_ options: CommonOptions) throws {
    if options.evalOnly {
      throw ExperimentError.invalidValue(
        field: "--eval-only",
        reason: "figs 8-12 keep no checkpoints; results/dispatch-sweep-cache reuses a sweep")
    }
    if options.checkpointPath != nil {
      throw ExperimentError.invalidValue(
        field: "--checkpoint", reason: "figs 8-12 neither load nor write checkpoints")
    }
  }

  /// The cache folder: `dispatch-sweep-cache` beside the figure's results folder.
  static func cacheDirectory(options: CommonOptions, figure: String) -> URL {
    options.outputDirectory(figure: figure).deletingLastPathComponent()
      .appendingPathComponent("dispatch-sweep-cache")
  }

  /// The learned series `--series` selects (all of them by default); throws on an unknown
  /// name.
  static func learnedSeries(_ sweep: SweepFigureOptions) throws -> [DispatchSweepSeries] {
    try sweep.series.map {
      try DispatchSweepSeries.parseList(
        $0, option: "--series", allowed: DispatchSweepSeries.learned)
    } ?? DispatchSweepSeries.learned
  }

  /// Runs (or loads) the sweep for `figure`; the run info records the config.
  static func sweep(
    figure: String, options: CommonOptions, sweep: SweepFigureOptions,
    config: DispatchSweepConfig, progressSink: @escaping ProgressReporter.Sink
  ) throws -> (run: RunInfo, results: [SweepSeedResult], cached: Int) {
    let run = try RunInfo.start(figure: figure, options: options, config: config)
    let (results, cached) = try DispatchSweep.results(
      config: config, seeds: options.seeds,
      cacheDirectory: cacheDirectory(options: options, figure: figure), readCache: !sweep.fresh,
      gitCommit: run.gitCommit, progressSink: progressSink)
    return (run, results, cached)
  }

  /// Points of `series`, all seeds.
  static func points(_ results: [SweepSeedResult], series: String) -> [SweepPoint] {
    results.flatMap { $0.points.filter { $0.series == series } }
  }

  /// Mean over seeds of `value` for `series` at `load`; nil when absent.
  static func mean(
    _ results: [SweepSeedResult], series: String, load: Double, _ value: (SweepPoint) -> Double
  ) -> Double? {
    let values = points(results, series: series).filter { $0.loadRequestsPerSecond == load }
      .map(value)
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  /// Notes every sweep figure carries.
  static func notes(config: DispatchSweepConfig, cached: Int, seeds: Int, quick: Bool)
    -> [String]
  {
    var notes = [
      "one training per seed and series (MAPPO: the KMPS setup of fig7 with "
        + "\(config.training.episodes) recorded episodes after a \(config.training.curriculum.count)-"
        + "stage curriculum, at \(Int(config.training.loadRequestsPerSecond)) req/s with bursts; AC "
        + "and DDPG on the same episodes in their own environment), then one "
        + "\(config.evaluationSlots)-slot steady episode per load; figs 9-12 share this sweep",
      "every series runs with the same orchestrator ("
        + "\(config.training.environment.orchestration.orchestrator.rawValue)), hybrid dequeue "
        + "and urgent rescheduling; MAPPO: distributed decisions with cross-cluster routing, "
        + "\(actorShape(config.training)), sampled within \(maskRule(config.training.mappo.maskMode)); "
        + "AC and DDPG: one central agent with a \(dims(config.baselines.a2c.hiddenSizes)) / "
        + "\(dims(config.baselines.ddpg.hiddenSizes)) MLP over the observation, no cross-cluster, "
        + "no Eq. 2 filter (AC samples from a softmax over the valid targets, DDPG takes the "
        + "argmax of its scores over them), centralized decision latency (SPEC 3.8: "
        + "\(Int(config.training.environment.dispatch.centralLinkLatencyMs)) ms each way to the "
        + "central decision-maker, which serves decisions one at a time)",
      config.decisionTimeMs.map { "per-decision inference time fixed at \($0) ms" }
        ?? "per-decision inference time calibrated per series and seed: the measured mean "
        + "wall time of the trained dispatcher's decision (release build, one thread)",
    ]
    if config.training.warmupPlacementSlots > 0 {
      notes.append(
        "every episode starts from the replica placement Kubernetes HPA reaches under "
          + "Greedy_Native after \(config.training.warmupPlacementSlots) slots at the training "
          + "load (as in fig7)")
    }
    if cached > 0 {
      notes.append(
        "\(cached) of \(seeds) seeds were read from results/dispatch-sweep-cache (same sweep "
          + "config, trace, seed and git commit); --fresh recomputes")
    }
    if quick { notes.append("--quick: tiny budget, numbers are not meaningful") }
    return notes
  }

  /// How MAPPO keeps its decisions within the mask F, for notes.
  static func maskRule(_ mode: MaskMode) -> String {
    switch mode {
    case .logits: return "a -inf logit mask over F"
    case .contextFilter: return "the Eq. 2 context filter over F"
    }
  }

  /// MAPPO's actor, for notes: fig7's per-target scorer or the paper's MLP.
  static func actorShape(_ training: DispatchTrainingConfig) -> String {
    let hidden = dims(training.mappo.actorHiddenSizes)
    switch training.actor {
    case .perTarget: return "a \(hidden) scorer shared by the targets (one row per target)"
    case .mlp: return "a \(hidden) MLP over the observation"
    }
  }

  /// "256-128-32" for hidden widths.
  static func dims(_ sizes: [Int]) -> String {
    sizes.map(String.init).joined(separator: "-")
  }

  /// "a 1.0, b 2.0" for the given series' values.
  static func list(_ pairs: [(String, Double?)], unit: String, decimals: Int = 1) -> String {
    pairs.map { "\($0.0) \(Format.fixed($0.1, decimals: decimals))\(unit)" }
      .joined(separator: ", ")
  }
}
