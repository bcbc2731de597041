import Envs

/// The summary of a run merged from shards, recomputed from the merged data: never a shard's
/// verdicts copied.
///
/// A figure whose checks can be made from `data.csv` alone registers them in `recomputers`
/// and `experiment merge` runs the same code as the figure. For any other figure the merge
/// records the per-series statistics of the merged data (`Aggregation.seriesStats`, final
/// value = last x) and lists the figure's claims unchecked (`agrees: null`), saying why.
enum MergedSummary {
  /// Rebuilds a figure's summary from the merged table, the merged run and the shards'
  /// documents (for titles, and per-seed facts that only a seed's own shard measured).
  typealias Recompute =
    @Sendable (ResultsTable, RunInfo, [SummaryDocument]) throws -> FigureSummary

  /// Figures whose claims the merge checks itself, by figure id.
  static let recomputers: [String: Recompute] = [
    "cartpole": CartPoleExperiment.mergedSummary,
    "fig9": Fig9Experiment.mergedSummary,
  ]

  /// The merged summary of `run.figure`.
  static func make(table: ResultsTable, run: RunInfo, shards: [SummaryDocument]) throws
    -> FigureSummary
  {
    if let recompute = recomputers[run.figure] {
      return try recompute(table, run, shards)
    }
    let first = shards[0]
    var summary = FigureSummary(
      figure: first.figure, title: first.title, paperClaim: first.paperClaim)
    try summary.record(Aggregation.seriesStats(table, finalWindow: 1))
    for claim in first.claims {
      summary.check(
        claim.text, agrees: nil,
        evidence: "not re-checked by `experiment merge`: \(run.figure)'s checks read results "
          + "beyond data.csv; run the figure in one process to check it")
    }
    summary.notes = commonNotes(shards)
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
