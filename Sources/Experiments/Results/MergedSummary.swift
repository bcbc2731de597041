import Envs
import Foundation

/// The summary of a run merged from shards, recomputed from the merged data: never a shard's
/// verdicts copied.
///
/// Every figure registers in `recomputers` a function that rebuilds its summary from the
/// merged results folder with the figure's own claim code (the code its run calls, fed from
/// `data.csv` and the other merged files instead of from memory). A figure id missing from
/// `recomputers` (a new figure not registered yet) gets the per-series statistics of the merged
/// data and its claims listed unchecked (`agrees: null`), saying why.
enum MergedSummary {
  /// What a figure's recomputation reads: the merged table, the merged run, the shards'
  /// documents (for per-seed facts that only a seed's own shard measured) and the merged
  /// folder, whose other CSV files (`timing.csv`, `heldout.csv`, …) are already written.
  struct Input {
    /// The merged `data.csv`.
    var table: ResultsTable
    /// The merged run (all seeds, the shards' common config).
    var run: RunInfo
    /// The shards' `summary.json` documents, in shard order.
    var shards: [SummaryDocument]
    /// The merged results folder.
    var directory: URL

    /// The run's config decoded as the figure's config type.
    func config<C: Decodable>(_ type: C.Type) throws -> C {
      do {
        return try run.config.decoded(as: C.self)
      } catch {
        throw ExperimentError.readFailed(
          path: "summary.json", reason: "config is not a \(C.self): \(error)")
      }
    }

    /// The records of the merged CSV file `name` (header first), or `nil` when the run wrote
    /// none.
    func csv(_ name: String) throws -> [CSVReader.Record]? {
      let url = directory.appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: url.path) else { return nil }
      let text: String
      do {
        text = try String(contentsOf: url, encoding: .utf8)
      } catch {
        throw ExperimentError.readFailed(path: url.path, reason: FileIO.reason(for: error))
      }
      return try CSVReader.records(text, path: url.path)
    }

    /// The figure's empty summary (catalog title and claim) with the notes every shard
    /// carries word for word.
    func emptySummary() throws -> FigureSummary {
      var summary = FigureSummary(try FigureCatalog.require(run.figure))
      summary.notes = MergedSummary.commonNotes(shards)
      return summary
    }

    /// The statistics of the merged data (final value: mean of each seed's last `finalWindow`
    /// points, as the figure's run computes them), recorded in `emptySummary()`.
    func summaryWithStatistics(finalWindow: Int) throws
      -> (stats: [SeriesStats], summary: FigureSummary)
    {
      let stats = Aggregation.seriesStats(table, finalWindow: finalWindow)
      var summary = try emptySummary()
      try summary.record(stats)
      return (stats, summary)
    }

    /// The mean over the rows of `series` that `include` selects of `value` (in the table's
    /// order: seed by seed, as the figures average their per-seed results); `nil` when none.
    func mean(
      series: String, where include: (ResultRow) -> Bool = { _ in true },
      _ value: (ResultRow) -> Double = { $0.y }
    ) -> Double? {
      let values = table.rows(series: series).filter(include).map(value)
      return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
  }

  /// Rebuilds a figure's summary from the merged folder.
  typealias Recompute = @Sendable (Input) throws -> FigureSummary

  /// Every figure's recomputation, by figure id.
  static let recomputers: [String: Recompute] = [
    "cartpole": CartPoleExperiment.mergedSummary,
    "fig7": Fig7Experiment.mergedSummary,
    Fig7Evaluation.figure: Fig7Evaluation.mergedSummary,
    "fig8": Fig8Experiment.mergedSummary,
    "fig9": Fig9Experiment.mergedSummary,
    "fig10": Fig10Experiment.mergedSummary,
    "fig11": Fig11Experiment.mergedSummary,
    "fig12": Fig12Experiment.mergedSummary,
    "fig13": Fig13Experiment.mergedSummary,
    "fig14": Fig14Experiment.mergedSummary,
    "fig15": Fig15Experiment.mergedSummary,
    "fig16": Fig16Experiment.mergedSummary,
    "fig17": Fig17Experiment.mergedSummary,
    "fig18": Fig18Experiment.mergedSummary,
    "headroom": HeadroomExperiment.mergedSummary,
  ]

  /// The merged summary of `input.run.figure`.
  static func make(_ input: Input) throws -> FigureSummary {
    if var summary = try recomputers[input.run.figure].map({ try $0(input) }) {
      // The shards' common notes, then what the figure's own code noted (once each).
      var seen = Set<String>()
      summary.notes = summary.notes.filter { seen.insert($0).inserted }
      return summary
    }
    let first = input.shards[0]
    var summary = FigureSummary(
      figure: first.figure, title: first.title, paperClaim: first.paperClaim)
    try summary.record(Aggregation.seriesStats(input.table, finalWindow: 1))
    for claim in first.claims {
      summary.check(
        claim.text, agrees: nil,
        evidence: "not re-checked by `experiment merge`: \(input.run.figure) registers no "
          + "recomputation; run the figure in one process to check it")
    }
    summary.notes = commonNotes(input.shards)
    summary.notes.append(
      "per-series statistics recomputed from the merged data.csv (finalValue = value at the "
        + "last x); the figure's own headline numbers need a run in one process")
    return summary
  }

  /// Notes every shard carries word for word (the setup; notes with per-shard numbers differ).
  static func commonNotes(_ shards: [SummaryDocument]) -> [String] {
    shards[0].notes.filter { note in shards.allSatisfy { $0.notes.contains(note) } }
  }
}
