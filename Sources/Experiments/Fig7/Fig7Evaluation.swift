import ArgumentParser
import Envs
import KMPS
import Foundation
import RL

/// `experiment fig7 --eval-only --checkpoint PATH`: evaluates saved dispatch policies on fresh
/// episodes (same workloads for every policy) next to Greedy_Native, without training.
enum Fig7Evaluation {
  /// Evaluation seed stream, distinct from the training episodes'.
  static let phase: UInt64 = 3
  /// Subfolder of the checkpoints folder holding each run's trained GPO orchestrator, under the
  /// same file name as its dispatcher.
  static let gpoFolder = "gpo"

  /// Figure id of the evaluation's results folder.
  static let figure = "fig7-eval"

  /// A checkpoint to evaluate and the series whose network shape it has.
  struct Target {
    var series: DispatchSeries
    var label: String
    var url: URL
  }

  /// The checkpoints at `url`: one `.safetensors` file, or every one in a folder. The series is
  /// recognized from the file name written by fig7 (`<series>-seed<N>.safetensors`); other
  /// names are evaluated as KMPS.
  static func targets(at url: URL, known: [DispatchSeries]) throws -> [Target] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw ExperimentError.readFailed(path: url.path, reason: "no such file (--checkpoint)")
    }
    var files = [url]
    if isDirectory.boolValue {
      let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
      files = names.filter { $0.hasSuffix(".safetensors") }.sorted().map {
        url.appendingPathComponent($0)
      }
      guard !files.isEmpty else {
        throw ExperimentError.readFailed(
          path: url.path, reason: "no .safetensors checkpoints in this folder (--checkpoint)")
      }
    }
    return files.map { file in
      let stem = file.deletingPathExtension().lastPathComponent
      let series =
        known.sorted { $0.name.count > $1.name.count }.first {
          stem.hasPrefix(Fig7Experiment.slug($0.name))
        } ?? .kmps
      return Target(series: series, label: stem, url: file)
    }
  }

  static func run(
    options: CommonOptions, config: Fig7Config, trace: AlibabaTrace, renderer: GnuplotRenderer,
    progressSink: @escaping ProgressReporter.Sink
  ) throws -> WrittenResults {
    guard let url = options.checkpointURL() else {
      throw ValidationError("--eval-only needs --checkpoint PATH (a file or a folder)")
    }
    let known = [DispatchSeries.kmps, .b1, .b2, .b3] + config.series
    let targets = try targets(at: url, known: known)
    let episodes = options.episodeCount ?? (options.quick ? 2 : 10)
    var run = try RunInfo.start(figure: figure, options: options, config: config)
    let progress = ProgressReporter(
      label: "fig7 eval", total: targets.count * options.seeds.count * episodes,
      unit: "episodes", sink: progressSink)
    var table = ResultsTable(extraColumns: ["decisions", "cross_cluster_share", "cloud_share"])
    let training = config.training
    var orchestrationUsed: [String: String] = [:]
    for target in targets {
      let env = training.environment(for: target.series)
      var sim = try EdgeCloudSimulator(config: env, trace: trace, seed: 0)
      var mappo = try DispatchTraining.makeLearner(
        series: target.series, config: training, simulator: sim, seed: 0)
      try mappo.loadCheckpoint(from: target.url)
      for seed in options.seeds {
        var dispatcher = try LearnedDispatcher(
          policy: mappo.policy, simulator: sim, criticView: training.criticView(for: target.series),
          streamPerEAP: target.series.agents == .multiAgent, acting: .sample, record: false,
          seed: DispatchTraining.episodeSeed(seed, phase: phase + 10, episode: 0))
        // A GPO series is evaluated with its saved orchestrator when there is one
        // (deterministic actions, no learning, as in the held-out scores), else with HPA.
        let choice = env.orchestration.orchestrator
        let gpoURL = target.url.deletingLastPathComponent()
          .appendingPathComponent(gpoFolder).appendingPathComponent(target.url.lastPathComponent)
        var gpo: GPOOrchestration? = nil
        orchestrationUsed[target.label] = choice == .agent ? "hpa (no saved GPO)" : choice.rawValue
        if choice == .agent, FileManager.default.fileExists(atPath: gpoURL.path) {
          var loaded = try GPOOrchestration(
            config: training.gpo, simulator: sim,
            seed: DispatchTraining.episodeSeed(seed, phase: 9, episode: 0),
            mode: .evaluation(deterministic: true))
          try loaded.loadCheckpoint(from: gpoURL)
          gpo = loaded
          orchestrationUsed[target.label] = "gpo (\(gpoURL.lastPathComponent))"
        }
        for index in 1...episodes {
          let episodeSeed = DispatchTraining.episodeSeed(seed, phase: phase, episode: index)
          sim = try training.episodeSimulator(
            env, slots: training.episodeSlots, loadFraction: 1, profile: training.profile,
            seed: episodeSeed, trace: trace)
          var none: WeightSubscription<MAPPOPolicy>? = nil
          try KMPSCoordinator(weightSyncEverySlots: 0).runEpisode(
            simulator: &sim, dispatcher: &dispatcher, gpo: &gpo,
            heuristic: choice == .agent ? .hpa : choice, subscription: &none)
          let m = sim.metrics
          let decisions = Double(max(1, m.decisions))
          table.append(
            series: target.label, seed: seed, x: Double(index), y: m.throughput,
            extras: [
              "decisions": Double(m.decisions),
              "cross_cluster_share": Double(m.dispatchedCrossCluster) / decisions,
              "cloud_share": Double(m.dispatchedCloud) / decisions,
            ])
          progress.advance(metrics: ["throughput": m.throughput])
        }
      }
    }
    progress.finish()
    var evaluationConfig = training
    evaluationConfig.episodes = episodes
    // The references on the same evaluation episodes (and trace).
    for reference in HeuristicReference.allCases {
      let curves = try reference.run(
        seeds: options.seeds, config: evaluationConfig, trace: trace, phase: phase)
      for (seed, curve) in curves {
        for (i, y) in curve.enumerated() {
          table.append(series: reference.name, seed: seed, x: Double(i + 1), y: y)
        }
      }
    }
    let evaluated = targets.map { target in
      Evaluated(
        label: target.label, shapeOf: target.series.name, checkpoint: target.url.path,
        orchestration: orchestrationUsed[target.label] ?? "-")
    }
    let (stats, summary) = try summarize(
      table: table, evaluated: evaluated, config: config, quick: options.quick)
    run.finish()
    print(TextTable.seriesSummary(stats, valueLabel: "mean", percent: true).render())
    let writer = ResultsWriter(
      directory: options.outputDirectory(figure: figure), renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Saved Fig. 7 policies on evaluation episodes (mean, min-max over seeds)",
        xLabel: "evaluation episode", yLabel: "throughput (on-time / arrived)"))
  }

  /// What the summary says of one evaluated checkpoint.
  struct Evaluated {
    /// Its series name in data.csv (the checkpoint's file name without extension).
    var label: String
    /// The name of the series whose network shape it has.
    var shapeOf: String
    /// The checkpoint's path.
    var checkpoint: String
    /// Who orchestrated its episodes (`hpa`, `gpo (<file>)`, …).
    var orchestration: String
  }

  /// The statistics, notes and claim of an evaluation from its data (`table`: every evaluated
  /// checkpoint and every reference, x = evaluation episode). The evaluation in one process
  /// and `experiment merge` both call it.
  ///
  /// The claim holds each saved KMPS policy to Greedy_Native with the rule of fig7's other
  /// "ahead" claims (`Fig7Claims.Lead`): on every seed, its mean over the evaluation episodes
  /// minus Greedy_Native's on the same episodes is at least the margin.
  static func summarize(
    table: ResultsTable, evaluated: [Evaluated], config: Fig7Config, quick: Bool
  ) throws -> (stats: [SeriesStats], summary: FigureSummary) {
    let episodes = Int(table.rows.map(\.x).max() ?? 0)
    let stats = Aggregation.seriesStats(table, finalWindow: episodes)
    var summary = FigureSummary(
      figure: figure,
      title: "Evaluation of saved Fig. 7 dispatch policies (no training)",
      paperClaim: "a trained KMPS policy stays above Greedy_Native on unseen episodes")
    summary.notes.append(
      "evaluated on the trace \(config.training.environment.workload.tracePath), with "
        + "the references (Greedy_Native, random, least-utilized and queue-aware dispatch) on "
        + "the same episodes")
    try summary.record(stats)
    for target in evaluated {
      summary.set("checkpoint", .string(target.checkpoint), series: target.label)
      summary.set("network_shape_of", .string(target.shapeOf), series: target.label)
      summary.set("orchestration", .string(target.orchestration), series: target.label)
    }
    summary.notes.append(
      "throughput is the mean over \(episodes) evaluation episodes per seed (sampled actions)")

    let greedy = Fig7Claims.finalBySeed(
      table, series: HeuristicReference.greedyNative.name, finalWindow: episodes)
    let kmps = evaluated.filter { $0.shapeOf == DispatchSeries.kmps.name }.map(\.label).sorted()
    var differences: [(label: String, difference: Double)] = []
    for label in kmps {
      let own = Fig7Claims.finalBySeed(table, series: label, finalWindow: episodes)
      differences += Fig7Claims.Lead(own, over: greedy).differences.map {
        ("\(label) on \($0.label)", $0.difference)
      }
    }
    let lead = Fig7Claims.Lead(differences: differences)
    summary.check(
      "every saved KMPS policy stays above Greedy_Native on unseen episodes, "
        + Fig7Claims.Lead.rule,
      agrees: quick || kmps.isEmpty ? nil : lead.agrees,
      evidence: kmps.isEmpty
        ? "no KMPS checkpoint among the evaluated ones"
        : "mean over the \(episodes) evaluation episodes of a seed minus Greedy_Native's: "
          + lead.evidence)
    return (stats, summary)
  }

  /// The summary of an evaluation's shards put together (`experiment merge`), by `summarize`
  /// on the merged data.csv; what it says of each checkpoint (path, network shape,
  /// orchestration) is read from the shards' summaries, which evaluated the same checkpoints.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig7Config.self)
    let references = Set(HeuristicReference.allCases.map(\.name))
    var labels: [String] = []
    for row in input.table.rows where !references.contains(row.series) {
      if !labels.contains(row.series) { labels.append(row.series) }
    }
    let evaluated = try labels.map { label in
      func text(_ key: String) throws -> String {
        for shard in input.shards {
          if case .string(let value)? = shard.series[label]?[key] { return value }
        }
        throw ExperimentError.readFailed(
          path: "summary.json", reason: "no shard says the \(key) of \(label)")
      }
      return Evaluated(
        label: label, shapeOf: try text("network_shape_of"),
        checkpoint: try text("checkpoint"), orchestration: try text("orchestration"))
    }
    var summary = try summarize(
      table: input.table, evaluated: evaluated, config: config, quick: input.run.quick
    ).summary
    summary.notes = MergedSummary.commonNotes(input.shards) + summary.notes
    return summary
  }
}
