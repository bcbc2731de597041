import ArgumentParser
import Envs
import KMPS
import Foundation
import RL
import SeededRandom
import Synchronization
import TensorModule

/// `experiment fig7`: MAPPO dispatch training with and without the dual buffer and
/// cross-cluster routing, against single-agent PPO and Greedy_Native (paper Fig. 7).
struct Fig7Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig7",
    abstract: "Fig. 7: KMPS dispatch training vs B1/B2/B3 and Greedy_Native; writes results/fig7/.",
    discussion: """
      Trains the four learned series (KMPS: dual buffer + cross-cluster; B1: no cross-cluster; \
      B2: single-buffer synchronous; B3: single-agent PPO, synchronous, no cross-cluster) on the \
      bundled Alibaba trace for every seed, runs in parallel jobs (one OpenBLAS thread each), \
      and writes data.csv (episode → throughput), timing.csv (wall clock per episode), \
      summary.json, plot.png and a checkpoint per series and seed. With --eval-only \
      --checkpoint PATH it evaluates saved policies instead.
      """)

  @OptionGroup var common: CommonOptions

  /// Force every series to synchronous training (bit-reproducible runs).
  @Flag(
    name: .customLong("synchronous"),
    help: "Train every series synchronously (deterministic: same seed ⇒ identical data.csv).")
  var synchronous = false

  /// Restrict to some series.
  @Option(
    name: .customLong("series"),
    help: ArgumentHelp(
      "Comma list of series to run: KMPS, B1, B2, B3 (default: all).", valueName: "list"))
  var seriesFilter: String?

  /// Parallel training jobs.
  @Option(
    name: .customLong("jobs"),
    help: ArgumentHelp(
      "Parallel training jobs (default: asynchronous series one at a time, their learner "
        + "thread on the second core, and synchronous ones one per core, so both still compare "
        + "in wall time per episode; N runs any N at a time).",
      valueName: "N"))
  var jobs: Int?

  func validate() throws {
    if let jobs, !(1...64).contains(jobs) {
      throw ValidationError("--jobs must be between 1 and 64, got \(jobs)")
    }
    if let seriesFilter { _ = try Fig7Experiment.selectSeries(seriesFilter, from: [.kmps]) }
  }

  func run() throws {
    common.applyThreadSettings()
    let written = try Fig7Experiment.run(
      options: common, synchronous: synchronous, seriesFilter: seriesFilter, jobs: jobs)
    print(written.report)
  }
}

/// Who places replicas in fig7: the same for every learned series, so the curves differ by
/// dispatch alone.
enum Fig7Orchestration: String, Codable, Sendable, CaseIterable {
  /// Kubernetes' HPA for every learned series (and every reference).
  case hpa
  /// Every learned series trains its own GPO orchestrator alongside its dispatcher, with
  /// fig16's setup (`training.gpo`). The references cannot learn one and keep HPA.
  case gpo

  /// The simulator's orchestrator kind.
  var kind: OrchestratorKind { self == .hpa ? .hpa : .agent }

  /// Decodes `"hpa"` or `"gpo"`; anything else is an error that lists both.
  init(from decoder: any Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    guard let value = Fig7Orchestration(rawValue: raw) else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: decoder.codingPath,
          debugDescription: "unknown fig7 orchestration '\(raw)' (expected "
            + Fig7Orchestration.allCases.map(\.rawValue).joined(separator: " or ") + ")"))
    }
    self = value
  }
}

/// The configuration of Fig. 7 (recorded in config.json; override with `--config`).
struct Fig7Config: Codable, Sendable, Equatable {
  /// The training setup shared by the learned series.
  var training: DispatchTrainingConfig
  /// Who places replicas for every learned series: `hpa` or `gpo` (settings in
  /// `training.gpo`). It sets `training.environment.orchestration.orchestrator`. The
  /// references run HPA either way.
  var orchestration: Fig7Orchestration = .hpa
  /// The learned series.
  var series: [DispatchSeries]
  /// Episodes averaged for the final throughput.
  var finalWindow: Int
  /// Moving-average window of the convergence test.
  var convergenceWindow: Int
  /// Absolute band (throughput fraction) around the final value that counts as converged.
  var convergenceTolerance: Double
  /// Margin (throughput fraction) that counts as "clearly above Greedy_Native".
  var clearMargin: Double
  /// Least rise (throughput fraction) of a learned series' final value over the mean of its
  /// first five episodes for "converges" to count: a flat curve has not converged, it has not
  /// moved.
  var riseMargin: Double = 0.04
  /// Least rise (throughput fraction) of KMPS over its first five episodes *beyond* the rise of
  /// the queue-aware heuristic on the same episodes: the part of the rise that is learning, not
  /// a lighter workload late in the run.
  var netRiseMargin: Double = 0.01
  /// Margin (throughput fraction) by which KMPS must beat the strongest heuristic reference
  /// on the same episodes for "learning matters".
  var referenceMargin: Double = 0.02
  /// Compute the per-episode upper bound (LP relaxation) and every series' share of it.
  var upperBound: Bool = true
  /// Solve the LP where its certificate does not apply (up to minutes per episode); off: use
  /// the fluid bound there (valid, looser).
  var upperBoundSolvesLP: Bool = false
  /// Held-out episodes per seed on which every trained actor (sampled and greedy) and every
  /// reference is scored after training (0 = none).
  var evaluationEpisodes: Int = 5

  /// The defaults: the real experiment, or the `--quick` smoke-test budget.
  static func standard(quick: Bool) -> Fig7Config {
    let training = DispatchTrainingConfig.kmps(quick: quick)
    var config = Fig7Config(
      training: training, series: [.kmps, .b1, .b2, .b3], finalWindow: quick ? 4 : 10,
      convergenceWindow: quick ? 2 : 5, convergenceTolerance: 0.02, clearMargin: 0.03)
    config.evaluationEpisodes = quick ? 1 : 5
    return config
  }

  /// Throws `ExperimentError.invalidValue` naming the first impossible field.
  func validate() throws {
    let set = training.environment.orchestration.orchestrator
    guard set == .hpa || set == orchestration.kind else {
      throw ExperimentError.invalidValue(
        field: "training.environment.orchestration.orchestrator",
        reason: "is '\(set.rawValue)', but fig7's orchestrator is chosen by `orchestration` "
          + "(hpa or gpo, here \(orchestration.rawValue)); leave this one at hpa")
    }
    try training.validate()
    guard !series.isEmpty else {
      throw ExperimentError.invalidValue(field: "series", reason: "needs at least one series")
    }
    let names = series.map(\.name)
    guard Set(names).count == names.count else {
      throw ExperimentError.invalidValue(field: "series", reason: "duplicate names in \(names)")
    }
    guard evaluationEpisodes >= 0 else {
      throw ExperimentError.invalidValue(field: "evaluationEpisodes", reason: "must be ≥ 0")
    }
    guard finalWindow >= 1, convergenceWindow >= 1 else {
      throw ExperimentError.invalidValue(
        field: "finalWindow/convergenceWindow", reason: "must be ≥ 1")
    }
  }

  /// A copy whose training environment runs `orchestration` (what the simulator reads).
  var withOrchestrationApplied: Fig7Config {
    var copy = self
    copy.training.environment.orchestration.orchestrator = orchestration.kind
    return copy
  }
}

/// The Fig. 7 experiment, callable from tests.
enum Fig7Experiment {
  /// Name of the Greedy_Native reference series.
  static let greedyNativeName = "Greedy_Native"
  /// Columns of data.csv beyond series, seed, x, y.
  static let extraColumns = [
    "arrived", "decisions", "cross_cluster_share", "cloud_share", "mean_latency_ms",
    "mean_reward", "policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac",
    "explained_variance", "learning_rate", "weight_pickups", "advantage_mean", "advantage_std",
    "grad_norm", "mean_log_valid_actions", "minibatches", "failed_at_eap", "failed_in_queue",
    "failed_running", "unfinished", "decision_ms", "transmission_ms", "queueing_ms",
    "execution_ms",
  ]

  /// The series selected by a comma list of names or short names (KMPS, B1, B2, B3).
  static func selectSeries(_ filter: String, from all: [DispatchSeries]) throws
    -> [DispatchSeries]
  {
    let wanted = filter.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces).lowercased()
    }
    let known = ["kmps", "b1", "b2", "b3"]
    for w in wanted where !known.contains(w) && !all.contains(where: { $0.name.lowercased() == w })
    {
      throw ValidationError("--series: unknown series '\(w)' (known: KMPS, B1, B2, B3)")
    }
    return all.filter { s in
      let short = s.name.split(separator: " ").first.map { String($0).lowercased() } ?? ""
      return wanted.contains(short) || wanted.contains(s.name.lowercased())
    }
  }

  /// Trains `runs` (series × seed) with `transform`, results in input order. `--jobs N` runs N
  /// at a time. Without it, every job gets the cores its learner uses: asynchronous
  /// (dual-buffer) jobs run one at a time, their learner thread on the second core, and the
  /// single-threaded synchronous ones run one per core. Asynchronous and synchronous training
  /// then still compare in wall time per episode, and the machine is not left half idle.
  static func scheduled<R: Sendable>(
    _ runs: [(series: DispatchSeries, seed: UInt64)], jobs: Int?,
    _ transform: @escaping @Sendable ((series: DispatchSeries, seed: UInt64)) throws -> R
  ) throws -> [R] {
    if let jobs { return try ParallelJobs.map(runs, jobs: jobs, transform) }
    let asynchronous = runs.indices.filter { runs[$0].series.learner == .asynchronous }
    let synchronous = runs.indices.filter { runs[$0].series.learner == .synchronous }
    var results = [R?](repeating: nil, count: runs.count)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    for (group, workers) in [(asynchronous, 1), (synchronous, max(1, cores))] {
      let done = try ParallelJobs.map(group.map { runs[$0] }, jobs: workers, transform)
      for (index, result) in zip(group, done) { results[index] = result }
    }
    return results.map { $0! }
  }

  /// A file-name-safe form of a series name.
  static func slug(_ name: String) -> String {
    String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
  }

  /// Runs the experiment (or the evaluation of checkpoints with `--eval-only`) and writes the
  /// results folder.
  static func run(
    options: CommonOptions, synchronous: Bool = false, seriesFilter: String? = nil,
    jobs: Int? = nil, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    var config = try options.config(defaults: Fig7Config.standard(quick: options.quick))
    config.training.episodes = options.episodes(
      full: config.training.episodes, quick: config.training.episodes)
    config.training.loadRequestsPerSecond = options.loadRequestsPerSecond(
      default: config.training.loadRequestsPerSecond)
    if let seriesFilter { config.series = try selectSeries(seriesFilter, from: config.series) }
    if synchronous {
      for i in config.series.indices { config.series[i].learner = .synchronous }
    }
    let traceURL = try options.traceURL()
    config.training.environment.workload.tracePath = traceURL.path
    try config.validate()
    config = config.withOrchestrationApplied
    let trace = try AlibabaTrace.loadReporting(
      for: config.training.environment, sink: progressSink)
    try config.training.applyWarmupPlacement(trace: trace)
    if options.evalOnly {
      return try Fig7Evaluation.run(
        options: options, config: config, trace: trace, renderer: renderer,
        progressSink: progressSink)
    }

    var run = try RunInfo.start(figure: "fig7", options: options, config: config)
    let directory = options.outputDirectory(figure: "fig7")
    try FileIO.makeDirectory(directory)
    let seeds = options.seeds
    let jobsList = config.series.flatMap { s in seeds.map { (series: s, seed: $0) } }
    let progress = ProgressReporter(
      label: "fig7", total: jobsList.count * config.training.episodes, unit: "episodes",
      sink: progressSink)
    let training = config.training
    let tensorBoard = TensorBoardRuns(options: options, figure: "fig7")
    let trained = try scheduled(jobsList, jobs: jobs) { job in
      let events = try tensorBoard.writer(
        series: job.series.name, seed: job.seed, config: training)
      let start = ContinuousClock.now
      let result = try DispatchTraining.run(
        series: job.series, seed: job.seed, config: training, trace: trace
      ) { record in
        progress.advance(metrics: ["throughput": record.throughput])
        events?.logDispatchEpisode(record)
      }
      try events?.close()
      return (
        result: result, seconds: (ContinuousClock.now - start).seconds,
        eventSeconds: events?.secondsSpent)
    }
    progress.finish()
    let results = trained.map(\.result)
    let eventSeconds = trained.compactMap(\.eventSeconds).reduce(0, +)

    var table = ResultsTable(extraColumns: extraColumns)
    var timing = "series,seed,episode,wall_seconds,cumulative_wall_seconds\n"
    for result in results {
      var cumulative = result.curriculumSeconds
      for e in result.episodes {
        table.append(
          series: result.series.name, seed: result.seed, x: Double(e.episode), y: e.throughput,
          extras: extras(e))
        cumulative += e.wallSeconds
        timing +=
          "\(CSV.escape(result.series.name)),\(result.seed),\(e.episode),"
          + "\(CSV.number(e.wallSeconds)),\(CSV.number(cumulative))\n"
      }
    }
    // References and the upper bound on exactly the learned series' episode workloads.
    var references: [String: [(seed: UInt64, metrics: [EdgeCloudMetrics])]] = [:]
    for reference in HeuristicReference.allCases {
      let episodes = try reference.runEpisodes(seeds: seeds, config: config.training, trace: trace)
      references[reference.name] = episodes
      for (seed, curve) in episodes {
        for (i, m) in curve.enumerated() {
          table.append(
            series: reference.name, seed: seed, x: Double(i + 1), y: m.throughput,
            extras: referenceExtras(m))
        }
      }
    }
    var boundFluidOnly: Int? = nil
    if config.upperBound {
      let bound = try Fig7UpperBound.run(
        seeds: seeds, config: config.training, trace: trace, solveLP: config.upperBoundSolvesLP)
      boundFluidOnly = bound.fluidOnly
      for (seed, curve) in bound.curves {
        for (i, y) in curve.enumerated() {
          table.append(series: Fig7UpperBound.name, seed: seed, x: Double(i + 1), y: y)
        }
      }
    }
    for (name, curves) in references.sorted(by: { $0.key < $1.key }) {
      try tensorBoard.writeReference(series: name, episodes: curves)
    }
    try FileIO.writeAtomically(timing, to: directory.appendingPathComponent("timing.csv"))
    let heldOut = try Fig7HeldOut.run(
      results: results, seeds: seeds, config: config, trace: trace)
    if !heldOut.isEmpty {
      try FileIO.writeAtomically(
        Fig7HeldOut.csv(heldOut), to: directory.appendingPathComponent("heldout.csv"))
    }

    // Checkpoints of every trained policy.
    let checkpoints = directory.appendingPathComponent("checkpoints")
    try FileIO.makeDirectory(checkpoints)
    for result in results {
      let name = "\(slug(result.series.name))-seed\(result.seed).safetensors"
      try result.trainer.withLearner {
        try $0.saveCheckpoint(to: checkpoints.appendingPathComponent(name))
      }
      if let orchestrator = result.orchestrator {
        let folder = checkpoints.appendingPathComponent(Fig7Evaluation.gpoFolder)
        try FileIO.makeDirectory(folder)
        try orchestrator.saveCheckpoint(to: folder.appendingPathComponent(name))
      }
    }

    let (stats, summarized) = try summarize(
      table: table, runs: results.map(Fig7Claims.RunFacts.init), heldOut: heldOut,
      config: config, quick: options.quick)
    var summary = summarized
    if tensorBoard.root != nil {
      // The writers' own time against the training they logged (issue 18: within 2%).
      let trainingSeconds = trained.map(\.seconds).reduce(0, +)
      let share = trainingSeconds > 0 ? eventSeconds / trainingSeconds : 0
      let note =
        "TensorBoard event files: \(String(format: "%.3f", eventSeconds)) s inside the writers "
        + "over \(String(format: "%.1f", trainingSeconds)) s of training runs "
        + "(\(String(format: "%.3f", 100 * share))%)"
      summary.notes.append(note)
      progressSink("fig7: " + note)
    }
    if let boundFluidOnly {
      summary.notes.append(
        "upper bound: the LP relaxation of docs/episode-bound.md over each recorded episode; "
          + "\(boundFluidOnly) episode(s) needed the looser fluid bound (certificate did not "
          + "apply and upperBoundSolvesLP is off)")
    }
    recordOrchestration(&summary, results: results, config: config)
    run.finish()
    print(TextTable.seriesSummary(stats, valueLabel: "final", percent: true).render())
    let writer = ResultsWriter(directory: directory, renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 7: dispatch training on the Alibaba trace at "
          + "\(Int(config.training.loadRequestsPerSecond)) req/s (mean, min-max over seeds)",
        xLabel: "episode", yLabel: "throughput (on-time / arrived)", keyPosition: "bottom right",
        dashedSeries: HeuristicReference.inLearnedEnvironment.map(\.name) + [Fig7UpperBound.name]))
  }

  /// Records who orchestrated, and for GPO, per series the decisions, the updates and the
  /// transitions (frame decisions of H actions) each update trained on, counted by the
  /// orchestrators themselves, beside fig16's per-episode count.
  static func recordOrchestration(
    _ summary: inout FigureSummary, results: [DispatchRunResult], config: Fig7Config
  ) {
    guard config.orchestration == .gpo else {
      summary.notes.append(
        "orchestration: Kubernetes HPA for every learned series and every reference "
          + "(config.orchestration = hpa), so the curves differ by dispatch alone")
      return
    }
    let gpo = config.training.gpo
    var recorded = config.training.environment.timing
    recorded.episodeSlots = config.training.episodeSlots
    for series in config.series {
      let runs = results.filter { $0.series.name == series.name }.compactMap(\.orchestrator)
      guard !runs.isEmpty else { continue }
      summary.set(
        "gpo_decisions_per_seed", .array(runs.map { .number(Double($0.stats.decisions)) }),
        series: series.name)
      summary.set(
        "gpo_updates_per_seed", .array(runs.map { .number(Double($0.stats.updates)) }),
        series: series.name)
      let sizes = Set(runs.flatMap { $0.updateHistory.map(\.transitions) }).sorted()
      summary.set(
        "gpo_transitions_per_update", .array(sizes.map { .number(Double($0)) }),
        series: series.name)
    }
    let fig16Frames = EdgeCloudConfig().timing.framesPerEpisode
    summary.notes.append(
      "orchestration: every learned series trains its own GPO orchestrator (fig16's setup: "
        + "full GPO, H = \(gpo.agent.selectedNodes) actions per frame, node reward "
        + "\(gpo.nodeReward.rawValue)); "
        + (gpo.updateAtEpisodeEnd
          ? "it updates at the end of every episode"
          : "it keeps its transitions across episodes and updates on every "
            + "\(gpo.updateEveryFrames) frame decisions "
            + "(\(gpo.updateEveryFrames * gpo.agent.selectedNodes) actions), as many as one "
            + "fig16 episode gives (\(fig16Frames) frames)")
        + "; a frame every \(config.training.environment.timing.frameEverySlots) slots, "
        + "\(recorded.framesPerEpisode) per recorded episode. The references cannot learn a GPO "
        + "orchestrator and run Kubernetes HPA, so learned series and references differ by "
        + "orchestration as well as dispatch; the held-out scores use each series' trained GPO "
        + "with deterministic actions")
  }

  /// The statistics and the claims of a run: convergence on the paired gain over
  /// Greedy_Native, the share of the upper bound, the claims (`Fig7Claims.check`) and the
  /// held-out evaluation. The run in one process and `experiment merge` both call it.
  static func summarize(
    table: ResultsTable, runs: [Fig7Claims.RunFacts], heldOut: [Fig7HeldOut.Row],
    config: Fig7Config, quick: Bool
  ) throws -> (stats: [SeriesStats], summary: FigureSummary) {
    let criterion = ConvergenceCriterion(
      window: config.convergenceWindow, tolerance: .absolute(config.convergenceTolerance),
      finalWindow: config.finalWindow)
    var stats = Aggregation.seriesStats(
      table, finalWindow: config.finalWindow, convergence: criterion)
    Fig7Claims.replaceConvergenceWithPairedGain(&stats, table: table, criterion: criterion)
    var summary = FigureSummary(FigureCatalog.all.first { $0.id == "fig7" }!)
    try summary.record(stats)
    Fig7Claims.recordShareOfBound(&summary, table: table, config: config)
    Fig7Claims.check(
      &summary, stats: stats, runs: runs, table: table, config: config, quick: quick)
    Fig7HeldOut.record(&summary, rows: heldOut, config: config, quick: quick)
    return (stats, summary)
  }

  /// The summary of shards put together (`experiment merge`), by `summarize` on the merged
  /// folder: each learned run's episodes from data.csv (throughput) and timing.csv (wall
  /// seconds), its curriculum time from its shard's summary, the held-out rows from
  /// heldout.csv. The learner totals (trained batches, waits) are the sums of the shards'.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig7Config.self)
    var wallSeconds: [String: Double] = [:]  // "series/seed/episode"
    if let timing = try input.csv("timing.csv"), let header = timing.first?.fields {
      let column = { (name: String) in header.firstIndex(of: name) }
      if let series = column("series"), let seed = column("seed"),
        let episode = column("episode"), let wall = column("wall_seconds")
      {
        for record in timing.dropFirst() where record.fields.count == header.count {
          let f = record.fields
          wallSeconds["\(f[series])/\(f[seed])/\(f[episode])"] = Double(f[wall])
        }
      }
    }
    func number(_ value: JSONValue?) -> Double? {
      if case .number(let x)? = value { return x }
      return nil
    }
    func element(_ value: JSONValue?, _ index: Int) -> JSONValue? {
      guard case .array(let items)? = value, items.indices.contains(index) else { return nil }
      return items[index]
    }
    var runs: [Fig7Claims.RunFacts] = []
    for series in config.series {
      for seed in input.run.seeds {
        guard let shard = input.shards.first(where: { $0.seeds.contains(seed) }),
          let index = shard.seeds.firstIndex(of: seed)
        else { continue }
        let facts = shard.series[series.name]
        let learner = facts?["learner"]
        let episodes = input.table.rows(series: series.name).filter { $0.seed == seed }.map {
          row in
          Fig7Claims.RunFacts.Episode(
            episode: Int(row.x), throughput: row.y,
            wallSeconds: wallSeconds["\(series.name)/\(seed)/\(Int(row.x))"] ?? .nan)
        }
        // A shard's learner totals go to its first run, so that the sums are the shards'.
        let first = index == 0
        runs.append(
          Fig7Claims.RunFacts(
            series: series.name, seed: seed, episodes: episodes,
            curriculumSeconds: number(element(facts?["curriculum_wall_seconds_per_seed"], index))
              ?? .nan,
            trainedBatches: first ? Int(number(learner?["trained_batches"]) ?? 0) : 0,
            collectorWaitSeconds: first ? number(learner?["collector_wait_seconds"]) ?? 0 : 0,
            trainingSeconds: first ? number(learner?["training_seconds"]) ?? 0 : 0))
      }
    }
    var heldOut: [Fig7HeldOut.Row] = []
    if let records = try input.csv("heldout.csv"), records.first?.fields.count == 5 {
      for record in records.dropFirst() where record.fields.count == 5 {
        let f = record.fields
        guard let seed = UInt64(f[2]), let episode = Int(f[3]), let y = Double(f[4]) else {
          continue
        }
        heldOut.append(
          Fig7HeldOut.Row(series: f[0], acting: f[1], seed: seed, episode: episode, throughput: y))
      }
    }
    var summary = try summarize(
      table: input.table, runs: runs, heldOut: heldOut, config: config, quick: input.run.quick
    ).summary
    summary.notes = MergedSummary.commonNotes(input.shards) + summary.notes
    return summary
  }

  /// The data.csv extras of one reference episode: what a heuristic has of a learned episode's.
  static func referenceExtras(_ m: EdgeCloudMetrics) -> [String: Double] {
    let decisions = Double(max(m.decisions, 1))
    let failures = FailureShares(m)
    var columns: [String: Double] = [
      "arrived": Double(m.arrived), "decisions": Double(m.decisions),
      "cross_cluster_share": Double(m.dispatchedCrossCluster) / decisions,
      "cloud_share": Double(m.dispatchedCloud) / decisions,
      "mean_latency_ms": m.meanLatencyMs.total,
      "failed_at_eap": failures.atEAP, "failed_in_queue": failures.inQueue,
      "failed_running": failures.running, "unfinished": failures.unfinished,
    ]
    for (name, ms) in LatencyParts(m).named { columns[name] = ms }
    return columns
  }

  /// The data.csv extras of one episode.
  static func extras(_ e: EpisodeRecord) -> [String: Double] {
    var columns: [String: Double] = [
      "arrived": e.arrived, "decisions": e.decisions,
      "cross_cluster_share": e.crossClusterShare, "cloud_share": e.cloudShare,
      "mean_latency_ms": e.meanLatencyMs, "mean_reward": e.meanReward,
      "policy_loss": Double(e.update.policyLoss), "value_loss": Double(e.update.valueLoss),
      "entropy": Double(e.update.entropy), "approx_kl": Double(e.update.approxKL),
      "clipfrac": Double(e.update.clipFraction),
      "explained_variance": Double(e.update.explainedVariance),
      "learning_rate": Double(e.update.learningRate), "weight_pickups": Double(e.weightPickups),
      "advantage_mean": Double(e.update.advantageMean),
      "advantage_std": Double(e.update.advantageStd), "grad_norm": Double(e.update.gradNorm),
      "mean_log_valid_actions": Double(e.update.meanLogValidActions),
      "minibatches": Double(e.update.minibatchesRun),
      "failed_at_eap": e.failures.atEAP, "failed_in_queue": e.failures.inQueue,
      "failed_running": e.failures.running, "unfinished": e.failures.unfinished,
    ]
    for (name, ms) in e.latencyParts.named { columns[name] = ms }
    return columns
  }
}

