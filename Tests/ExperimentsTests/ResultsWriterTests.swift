import Envs
import Foundation
import Testing

@testable import Experiments

private struct TinyConfig: Codable, Equatable {
  var episodes = 3
  var learningRate = 5e-4
  var name = "tiny"
}

@Test func csvIsLongFormatWithExtrasQuotingAndShortestNumbers() {
  var table = ResultsTable(extraColumns: ["decisionMs"])
  table.append(series: "A", seed: 1, x: 1, y: 0.25, extras: ["decisionMs": 1.5, "execMs": 2])
  table.append(series: "say \"hi\", twice", seed: 2, x: 2.5, y: .nan)
  let expected = """
    series,seed,x,y,decisionMs,execMs
    A,1,1,0.25,1.5,2
    "say ""hi"", twice",2,2.5,nan,,

    """
  #expect(table.csv() == expected)
}

@Test func mergingTablesKeepsRowsAndExtraColumns() {
  var a = ResultsTable(extraColumns: ["p"])
  a.append(series: "A", seed: 1, x: 1, y: 1)
  var b = ResultsTable(extraColumns: ["q", "p"])
  b.append(series: "B", seed: 2, x: 1, y: 2)
  a.append(contentsOf: b)
  #expect(a.rows.count == 2)
  #expect(a.extraColumns == ["p", "q"])
  #expect(a.seriesNames == ["A", "B"])
  #expect(a.seeds == [1, 2])
}

@Test func gnuplotScriptEmbedsBandsAndMeanLinesPerSeries() {
  let aggregates = [
    SeriesAggregate(
      series: "KMPS",
      points: [
        AggregatePoint(x: 1, mean: 2, min: 1, max: 3, std: 1, count: 2),
        AggregatePoint(x: 2, mean: 0.5, min: 0.25, max: 0.75, std: 0.1, count: 2),
      ]),
    SeriesAggregate(
      series: "B\"2", points: [AggregatePoint(x: 1, mean: 1, min: 1, max: 1, std: 0, count: 1)]),
  ]
  let spec = PlotSpec(
    title: "Fig. 7 \"throughput\"", xLabel: "episode", yLabel: "throughput", yRange: 0...1,
    xTicLabels: [TicLabel(x: 1, label: "0.25 s")])
  let script = GnuplotScript.make(spec: spec, aggregates: aggregates)
  let lines = script.split(separator: "\n").map(String.init)
  #expect(lines.contains("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {"))
  #expect(lines.contains("if (!exists(\"outfile\")) outfile = 'plot.png'"))
  #expect(lines.contains("set output outfile"))
  #expect(lines.contains("set title \"Fig. 7 \\\"throughput\\\"\""))
  #expect(lines.contains("set yrange [0:1]"))
  #expect(lines.contains("set xtics (\"0.25 s\" 1)"))
  // Series 0's data block: x mean min max.
  #expect(lines.contains("$series0 << EOD"))
  if let start = lines.firstIndex(of: "$series0 << EOD") {
    #expect(
      Array(lines[(start + 1)...(start + 4)]) == [
        "# x mean min max", "1 2 1 3",
        "2 0.5 0.25 0.75", "EOD",
      ])
  }
  #expect(lines.contains("$series1 << EOD"))
  #expect(script.contains("$series0 using 1:3:4 with filledcurves fc rgb '#1f77b4' notitle"))
  #expect(script.contains("$series0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title \"KMPS\""))
  #expect(script.contains("$series1 using 1:2 with lines lw 2 lc rgb '#ff7f0e' title \"B\\\"2\""))

  var noBand = spec
  noBand.showBand = false
  noBand.style = .linesPoints
  let plain = GnuplotScript.make(spec: noBand, aggregates: aggregates)
  #expect(!plain.contains("filledcurves"))
  #expect(plain.contains("with linespoints"))
}

@Test func writerProducesTheResultsFolderSchema() throws {
  let folder = try makeTemporaryDirectory().appendingPathComponent("results/figX")
  var table = ResultsTable()
  for seed: UInt64 in [1, 2] {
    for x in 1...4 { table.append(series: "A", seed: seed, x: Double(x), y: Double(x * Int(seed))) }
  }
  let config = TinyConfig()
  var run = try RunInfo.start(figure: "figX", seeds: [1, 2], config: config, blasThreads: 1)
  run.finish()
  var summary = FigureSummary(figure: "figX", title: "test figure", paperClaim: "A grows")
  try summary.record(Aggregation.seriesStats(table, finalWindow: 2))
  summary.set("p95LatencyMs", 12.5, series: "A")
  summary.check("A grows", agrees: true, evidence: "final 6")
  summary.check("not checkable in this run", agrees: nil)
  let writer = ResultsWriter(directory: folder, renderer: GnuplotRenderer(executable: nil))
  let written = try writer.write(
    table: table, summary: summary, run: run,
    plot: PlotSpec(title: "t", xLabel: "x", yLabel: "y"))

  #expect(try String(contentsOf: written.dataCSV, encoding: .utf8) == table.csv())
  let aggregate = try String(contentsOf: written.aggregateCSV, encoding: .utf8)
  #expect(aggregate.hasPrefix("series,x,mean,min,max,std,count\nA,1,1.5,1,2,"))
  #expect(written.plot == .skipped("gnuplot not found on PATH; run `gnuplot plot.gp` later"))
  #expect(written.plotImage == nil)
  #expect(FileManager.default.fileExists(atPath: written.plotScript.path))

  // config.json is exactly the config.
  let configData = try Data(contentsOf: written.configJSON)
  #expect(try JSONDecoder().decode(TinyConfig.self, from: configData) == config)

  // summary.json: fixed top-level keys, null verdicts kept, run metadata flattened.
  let data = try Data(contentsOf: written.summaryJSON)
  let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  #expect(
    Set(object.keys) == [
      "figure", "title", "paperClaim", "claims", "series", "notes", "plot", "files", "config",
      "seeds", "wallTimeSeconds", "gitCommit", "gitDirty", "date", "finishedAt", "commandLine",
      "quick", "environment", "shard",
    ])
  let text = String(decoding: data, as: UTF8.self)
  #expect(text.contains("\"agrees\" : null"))
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "figX")
  #expect(document.seeds == [1, 2])
  #expect(document.claims.map(\.agrees) == [true, nil])
  #expect(document.config == (try JSONValue(encoding: config)))
  #expect(
    document.files == ["aggregate.csv", "config.json", "data.csv", "plot.gp", "summary.json"])
  #expect(document.plot.hasPrefix("skipped: gnuplot not found"))
  #expect(document.environment.blasThreads == 1)
  #expect(document.wallTimeSeconds >= 0)
  #expect(document.run == run)
  let a = try #require(document.series["A"])
  // Seed 1: 1,2,3,4; seed 2: 2,4,6,8. Finals (last 2): 3.5 and 7.
  #expect(a["finalValue"] == .number(5.25))
  #expect(a["finalValueMin"] == .number(3.5))
  #expect(a["p95LatencyMs"] == .number(12.5))
  #expect(a["convergenceX"] == .null)
  #expect(a["series"] == nil)

  // No temporary files are left behind.
  let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
  #expect(names.filter { $0.hasPrefix(".") }.isEmpty)
}

@Test func atomicWriteReplacesAndFailsClearly() throws {
  let folder = try makeTemporaryDirectory()
  let file = folder.appendingPathComponent("a.txt")
  try FileIO.writeAtomically("one", to: file)
  try FileIO.writeAtomically("two", to: file)
  #expect(try String(contentsOf: file, encoding: .utf8) == "two")
  #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.txt"])
  // A file where a folder is needed: clear error naming the path.
  #expect(throws: ExperimentError.self) {
    try FileIO.makeDirectory(file)
  }
  #expect(throws: ExperimentError.self) {
    try FileIO.writeAtomically("x", to: file.appendingPathComponent("b.txt"))
  }
}

@Test(.enabled(if: gnuplotAvailable, "gnuplot is not installed; PNG rendering not checked"))
func gnuplotRendersAPNGAtomically() throws {
  let folder = try makeTemporaryDirectory()
  let script = folder.appendingPathComponent("plot.gp")
  let aggregates = [
    SeriesAggregate(
      series: "A",
      points: [
        AggregatePoint(x: 1, mean: 1, min: 0.5, max: 1.5, std: 0.5, count: 2),
        AggregatePoint(x: 2, mean: 2, min: 1.5, max: 2.5, std: 0.5, count: 2),
      ])
  ]
  try FileIO.writeAtomically(
    GnuplotScript.make(
      spec: PlotSpec(title: "t", xLabel: "x", yLabel: "y", widthPx: 320, heightPx: 200),
      aggregates: aggregates),
    to: script)
  let image = folder.appendingPathComponent("plot.png")
  let outcome = GnuplotRenderer.detect().render(script: script, image: image)
  #expect(outcome == .rendered(image))
  let bytes = try Data(contentsOf: image)
  #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])  // PNG signature
  #expect(
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
      == ["plot.gp", "plot.png"])

  // A broken script fails without leaving an image or temporary file behind.
  try FileIO.writeAtomically("plot $nothing using 1:2\n", to: script)
  let broken = folder.appendingPathComponent("broken.png")
  guard case .failed(let reason) = GnuplotRenderer.detect().render(script: script, image: broken)
  else {
    Issue.record("expected failure")
    return
  }
  #expect(reason.contains("status"))
  #expect(!FileManager.default.fileExists(atPath: broken.path))
}
