import Foundation

/// The files one results folder received.
public struct WrittenResults: Sendable, Equatable {
  /// The results folder.
  public var directory: URL
  /// `data.csv`: long format, `series,seed,x,y[,extras…]`.
  public var dataCSV: URL
  /// `aggregate.csv`: `series,x,mean,min,max,std,count` over seeds.
  public var aggregateCSV: URL
  /// `summary.json` (schema: `SummaryDocument`).
  public var summaryJSON: URL
  /// `config.json`: the full config of the run.
  public var configJSON: URL
  /// `plot.gp`: self-contained gnuplot script.
  public var plotScript: URL
  /// What happened to `plot.png`.
  public var plot: PlotOutcome

  /// `plot.png` if it was rendered.
  public var plotImage: URL? {
    if case .rendered(let url) = plot { return url }
    return nil
  }
}

/// Writes a figure's results folder (SPEC §5): `data.csv`, `aggregate.csv`, `config.json`,
/// `plot.gp`, `plot.png` (when gnuplot is available) and `summary.json` — each atomically.
public struct ResultsWriter: Sendable {
  /// File names inside the results folder.
  public enum FileName {
    /// Long-format raw data.
    public static let data = "data.csv"
    /// Across-seed aggregate per series and x.
    public static let aggregate = "aggregate.csv"
    /// Summary document.
    public static let summary = "summary.json"
    /// Config of the run.
    public static let config = "config.json"
    /// gnuplot script.
    public static let plotScript = "plot.gp"
    /// Rendered plot.
    public static let plotImage = "plot.png"
    /// A shard's plot spec, for `experiment merge` (written only by `--shard` runs).
    public static let shardPlot = "shard-plot.json"
  }

  /// The results folder (created on write).
  public var directory: URL
  /// Renders the plot; `GnuplotRenderer(executable: nil)` disables rendering.
  public var renderer: GnuplotRenderer

  /// A writer for `directory`, rendering with the gnuplot on `PATH` if present.
  public init(directory: URL, renderer: GnuplotRenderer = .detect()) {
    self.directory = directory
    self.renderer = renderer
  }

  /// Writes every file. `run` should be finished (`run.finish()`) so the wall time is final;
  /// an unfinished run is finished here. Plot failures never throw: they are reported in the
  /// result and in `summary.json`'s `plot` field.
  ///
  /// `data.csv` is written in canonical order (`ResultsTable.canonicallyOrdered`), so a run
  /// merged from shards writes the same bytes as the run in one process; a `--shard` run also
  /// writes `shard-plot.json` (the plot spec, which `experiment merge` needs).
  @discardableResult
  public func write(
    table: ResultsTable, summary: FigureSummary, run: RunInfo, plot: PlotSpec
  ) throws -> WrittenResults {
    try FileIO.makeDirectory(directory)
    var run = run
    if run.finishedAt == nil { run.finish() }
    let table = table.canonicallyOrdered(seeds: run.shard?.allSeeds ?? run.seeds)
    let aggregates = Aggregation.aggregate(table)
    let dataURL = directory.appendingPathComponent(FileName.data)
    let aggregateURL = directory.appendingPathComponent(FileName.aggregate)
    let configURL = directory.appendingPathComponent(FileName.config)
    let scriptURL = directory.appendingPathComponent(FileName.plotScript)
    let imageURL = directory.appendingPathComponent(FileName.plotImage)
    let summaryURL = directory.appendingPathComponent(FileName.summary)

    try FileIO.writeAtomically(table.csv(), to: dataURL)
    try FileIO.writeAtomically(Self.aggregateCSV(aggregates), to: aggregateURL)
    try FileIO.writeAtomically(try JSONFiles.encode(run.config), to: configURL)
    let header =
      "\(summary.figure): \(summary.title)\ncommit \(run.gitCommit), seeds "
      + run.seeds.map(String.init).joined(separator: ",")
    let script = GnuplotScript.make(spec: plot, aggregates: aggregates, header: header)
    try FileIO.writeAtomically(script, to: scriptURL)
    let outcome = renderer.render(script: scriptURL, image: imageURL)
    if case .rendered = outcome {
    } else {
      try? FileManager.default.removeItem(at: imageURL)  // never leave a stale plot behind
    }

    var files = [
      FileName.data, FileName.aggregate, FileName.config, FileName.plotScript, FileName.summary,
    ]
    if case .rendered = outcome { files.append(FileName.plotImage) }
    if run.shard != nil {
      try FileIO.writeAtomically(
        try JSONFiles.encode(plot), to: directory.appendingPathComponent(FileName.shardPlot))
      files.append(FileName.shardPlot)
    }
    let document = SummaryDocument(
      summary: summary, run: run, plot: outcome.summary, files: files.sorted())
    try FileIO.writeAtomically(try JSONFiles.encode(document), to: summaryURL)
    return WrittenResults(
      directory: directory, dataCSV: dataURL, aggregateCSV: aggregateURL,
      summaryJSON: summaryURL, configJSON: configURL, plotScript: scriptURL, plot: outcome)
  }

  /// `series,x,mean,min,max,std,count` for every series and x.
  static func aggregateCSV(_ aggregates: [SeriesAggregate]) -> String {
    var text = "series,x,mean,min,max,std,count\n"
    for aggregate in aggregates {
      for point in aggregate.points {
        let cells = [
          CSV.escape(aggregate.series), CSV.number(point.x), CSV.number(point.mean),
          CSV.number(point.min), CSV.number(point.max), CSV.number(point.std),
          String(point.count),
        ]
        text += cells.joined(separator: ",") + "\n"
      }
    }
    return text
  }

  /// Reads a `summary.json` back.
  public static func readSummary(_ url: URL) throws -> SummaryDocument {
    do {
      return try JSONDecoder().decode(SummaryDocument.self, from: Data(contentsOf: url))
    } catch {
      throw ExperimentError.readFailed(path: url.path, reason: "\(error)")
    }
  }
}

extension ResultsWriter {
  /// Finishes a figure whose series are curves over one x axis: records every series'
  /// statistics (final = mean of the last `finalWindow` points) and `judge`'s claims in
  /// `summary`, prints the table, and writes `options`' results folder for `figure`.
  static func writeFigure(
    _ figure: String, table: ResultsTable, summary: FigureSummary, run: RunInfo,
    finalWindow: Int, options: CommonOptions, renderer: GnuplotRenderer, plot: PlotSpec,
    judge: ([SeriesStats], inout FigureSummary) -> Void
  ) throws -> WrittenResults {
    var summary = summary
    var run = run
    let stats = Aggregation.seriesStats(table, finalWindow: finalWindow)
    try summary.record(stats)
    judge(stats, &summary)
    run.finish()
    print(TextTable.seriesSummary(stats, valueLabel: "final", percent: true).render())
    let writer = ResultsWriter(
      directory: options.outputDirectory(figure: figure), renderer: renderer)
    return try writer.write(table: table, summary: summary, run: run, plot: plot)
  }
}
