extension TextTable {
  /// The standard per-series table a figure prints: series, seeds, final value (mean and
  /// min–max over seeds), peak of the mean curve, and convergence x.
  public static func seriesSummary(
    _ stats: [SeriesStats], valueLabel: String = "final", percent: Bool = false,
    convergenceLabel: String = "converged at"
  ) -> TextTable {
    let value = { (number: Double) in
      percent ? Format.percent(number) : Format.number(number, digits: 4)
    }
    var table = TextTable([
      "series", "seeds", valueLabel, "min", "max", "peak", convergenceLabel,
    ])
    for entry in stats {
      table.addRow([
        entry.series, String(entry.seedCount), value(entry.finalValue),
        value(entry.finalValueMin), value(entry.finalValueMax), value(entry.peakMean),
        entry.convergenceX.map { Format.number($0, digits: 6) } ?? "never",
      ])
    }
    return table
  }
}

extension WrittenResults {
  /// Lines to print after writing: the folder and the plot outcome.
  public var report: String {
    var lines = ["results: \(directory.path)/"]
    lines.append(
      "  \(ResultsWriter.FileName.data), \(ResultsWriter.FileName.aggregate), "
        + "\(ResultsWriter.FileName.summary), \(ResultsWriter.FileName.config), "
        + "\(ResultsWriter.FileName.plotScript)")
    lines.append("  plot: \(plot.summary)")
    return lines.joined(separator: "\n")
  }
}
