import Envs
import Foundation
import KMPS

/// One trained setting of an ablation figure (fig13–fig15): a legend name and the KMPS training
/// setup it runs (fig7's `DispatchTrainingConfig.kmps()` with one thing changed).
struct AblationVariant: Sendable {
  /// Legend name (a series of data.csv).
  var name: String
  /// The training setup of this variant.
  var training: DispatchTrainingConfig
}

/// Trains fig7's KMPS series in every variant of an ablation and runs the references on the
/// same episodes; shared by fig13, fig14 and fig15.
enum AblationTraining {
  /// The trace and the base setup with its HPA warm-up placement resolved, so that every variant
  /// starts its episodes from the same replicas (the placement is not a factor of any ablation).
  static func prepare(
    _ training: DispatchTrainingConfig, options: CommonOptions
  ) throws -> (training: DispatchTrainingConfig, trace: AlibabaTrace) {
    var training = training
    let traceURL = try options.traceURL()
    training.environment.workload.tracePath = traceURL.path
    try training.validate()
    let trace = try AlibabaTrace.loadReporting(for: training.environment)
    try training.applyWarmupPlacement(trace: trace)
    return (training, trace)
  }

  /// Trains `series` in every variant for every seed, `jobs` runs at a time; the results in
  /// variant-major order (`results[v][s]` is variant `v`, seed `seeds[s]`).
  static func train(
    variants: [AblationVariant], series: DispatchSeries, seeds: [UInt64], trace: AlibabaTrace,
    jobs: Int, label: String, progressSink: @escaping ProgressReporter.Sink
  ) throws -> [[DispatchRunResult]] {
    for variant in variants { try variant.training.validate() }
    let list = variants.indices.flatMap { v in seeds.map { (variant: v, seed: $0) } }
    let total = variants.reduce(0) { $0 + $1.training.episodes } * seeds.count
    let progress = ProgressReporter(
      label: label, total: total, unit: "episodes", sink: progressSink)
    let flat = try ParallelJobs.map(list, jobs: jobs) { job in
      try DispatchTraining.run(
        series: series, seed: job.seed, config: variants[job.variant].training, trace: trace
      ) { record in progress.advance(metrics: ["throughput": record.throughput]) }
    }
    progress.finish()
    return variants.indices.map { v in
      Array(flat[(v * seeds.count)..<((v + 1) * seeds.count)])
    }
  }

  /// The curves of an ablation over episodes (fig13, fig15): KMPS trained in every variant, the
  /// queue-aware heuristic in each variant's environment under `referenceNames` (one per
  /// variant), Greedy_Native in `base`'s, and fig7's per-episode bound when `upperBound`.
  ///
  /// - Returns: the table, and how many episodes needed the looser fluid bound (nil without a
  ///   bound).
  static func episodeCurves(
    variants: [AblationVariant], referenceNames: [String], base: DispatchTrainingConfig,
    upperBound: Bool, ablation: AblationOptions, seeds: [UInt64], trace: AlibabaTrace,
    label: String, progressSink: @escaping ProgressReporter.Sink
  ) throws -> (table: ResultsTable, fluidEpisodes: Int?) {
    precondition(referenceNames.count == variants.count, "one reference name per variant")
    let results = try train(
      variants: variants, series: ablation.series, seeds: seeds, trace: trace,
      jobs: ablation.jobs, label: label, progressSink: progressSink)
    var table = ResultsTable()
    for (variant, runs) in zip(variants, results) {
      append(runs, as: variant.name, to: &table)
    }
    for (name, variant) in zip(referenceNames, variants) {
      try appendReference(
        .queueAware, as: name, training: variant.training, seeds: seeds, trace: trace,
        to: &table)
    }
    try appendReference(
      .greedyNative, as: Fig7Experiment.greedyNativeName, training: base, seeds: seeds,
      trace: trace, to: &table)
    let fluid =
      upperBound
      ? try appendUpperBound(training: base, seeds: seeds, trace: trace, to: &table) : nil
    return (table, fluid)
  }

  /// Appends every recorded episode of `results` to `table` under `name`.
  static func append(_ results: [DispatchRunResult], as name: String, to table: inout ResultsTable)
  {
    for result in results {
      for e in result.episodes {
        table.append(series: name, seed: result.seed, x: Double(e.episode), y: e.throughput)
      }
    }
  }

  /// Appends `reference`'s curves in `training`'s environment on the same episodes as the
  /// learned runs, under `name`.
  static func appendReference(
    _ reference: HeuristicReference, as name: String, training: DispatchTrainingConfig,
    seeds: [UInt64], trace: AlibabaTrace, to table: inout ResultsTable
  ) throws {
    for (seed, curve) in try reference.run(seeds: seeds, config: training, trace: trace) {
      for (i, y) in curve.enumerated() {
        table.append(series: name, seed: seed, x: Double(i + 1), y: y)
      }
    }
  }

  /// Appends fig7's per-episode upper bound (it depends on the arrivals and capacities, not on
  /// dequeue order or rescheduling); returns how many episodes needed the looser fluid bound.
  static func appendUpperBound(
    training: DispatchTrainingConfig, seeds: [UInt64], trace: AlibabaTrace,
    to table: inout ResultsTable
  ) throws -> Int {
    let bound = try Fig7UpperBound.run(
      seeds: seeds, config: training, trace: trace, solveLP: false)
    for (seed, curve) in bound.curves {
      for (i, y) in curve.enumerated() {
        table.append(series: Fig7UpperBound.name, seed: seed, x: Double(i + 1), y: y)
      }
    }
    return bound.fluidOnly
  }

  /// Per seed (in order), the mean of a series' episodes `range` (1-based, clamped).
  static func windowMeans(_ table: ResultsTable, series: String, episodes range: ClosedRange<Int>)
    -> [Double]
  {
    let rows = table.rows(series: series)
    return Set(rows.map(\.seed)).sorted().compactMap { seed in
      let ys = Aggregation.curve(rows, series: series, seed: seed).ys
      let lo = max(1, range.lowerBound)
      let hi = min(ys.count, range.upperBound)
      guard lo <= hi else { return nil }
      let window = ys[(lo - 1)...(hi - 1)]
      return window.reduce(0, +) / Double(window.count)
    }
  }

  /// The mean of `values` (0 for none).
  static func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
  }
}
