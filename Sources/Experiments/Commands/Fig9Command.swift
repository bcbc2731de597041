import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig9`: mean E2E latency against load, split in decision, transmission,
/// queueing and execution, for MAPPO, AC and DDPG (paper Fig. 9).
struct Fig9Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig9",
    abstract: "E2E latency split by load (100-600 req/s) for MAPPO, AC and DDPG; writes "
      + "results/fig9/.",
    discussion: """
      Trains MAPPO (KMPS' dispatcher), AC and DDPG once per seed and evaluates each at every \
      load (the sweep is shared with fig10-fig12 and cached in results/dispatch-sweep-cache). \
      --series picks from MAPPO, AC, DDPG; --loads sets the evaluation loads; --load the \
      training load; --episodes the training episodes; --config overrides DispatchSweepConfig.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var sweep: SweepFigureOptions

  func run() throws {
    common.applyThreadSettings()
    print(try Fig9Experiment.run(options: common, sweep: sweep).report)
  }
}

/// The Fig. 9 experiment, callable from tests.
enum Fig9Experiment {
  static let parts = ["decision", "transmission", "queueing", "execution"]

  static func run(
    options: CommonOptions, sweep: SweepFigureOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    let series = try SweepFigure.learnedSeries(sweep)
    let config = try SweepFigure.config(options: options, sweep: sweep, series: nil)
    var (run, results, cached) = try SweepFigure.sweep(
      figure: "fig9", options: options, sweep: sweep, config: config, progressSink: progressSink)
    var table = ResultsTable(
      extraColumns: [
        "decision_ms", "transmission_ms", "queueing_ms", "execution_ms", "p95_ms", "throughput",
        "invalid_share", "cloud_share",
      ])
    for s in series {
      for p in SweepFigure.points(results, series: s.rawValue) {
        let decisions = Double(max(1, p.decisions))
        table.append(
          series: s.rawValue, seed: p.seed, x: p.loadRequestsPerSecond, y: p.meanE2EMs,
          extras: [
            "decision_ms": p.decisionMs, "transmission_ms": p.transmissionMs,
            "queueing_ms": p.queueingMs, "execution_ms": p.executionMs, "p95_ms": p.p95Ms,
            "throughput": p.throughput, "invalid_share": Double(p.invalidActions) / decisions,
            "cloud_share": Double(p.dispatchedCloud) / decisions,
          ])
      }
    }
    var summary = FigureSummary(try FigureCatalog.require("fig9"))
    judge(
      e2e: { s, load in
        SweepFigure.mean(results, series: s.rawValue, load: load) { $0.meanE2EMs }
      }, series: series, loads: config.loads, quick: options.quick, into: &summary)
    summary.notes += SweepFigure.notes(
      config: config, cached: cached, seeds: options.seeds.count, quick: options.quick)
    summary.notes.append(
      "E2E latency and its parts are means over requests completed by their deadline; the "
        + "throughput column says how many that is")
    print(headline(results: results, series: series, loads: config.loads).render())
    run.finish()
    let writer = ResultsWriter(
      directory: options.outputDirectory(figure: "fig9"), renderer: renderer)
    var written = try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 9: mean E2E latency vs load", xLabel: "load (req/s)",
        yLabel: "mean E2E latency (ms)", style: .linesPoints))
    // Replace the line plot by the stacked split the paper draws.
    let panels = series.map { s in
      StackedBarsPlot.Panel(
        title: s.rawValue,
        rows: config.loads.sorted().map { load in
          let values: [Double] = [
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.decisionMs } ?? 0,
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.transmissionMs } ?? 0,
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.queueingMs } ?? 0,
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.executionMs } ?? 0,
          ]
          return (load, values)
        })
    }
    let script = StackedBarsPlot.script(
      title: "Fig. 9: mean E2E latency of on-time requests, split (mean over seeds "
        + options.seeds.map(String.init).joined(separator: ",") + ")",
      yLabel: "mean E2E latency (ms)", parts: parts, panels: panels)
    try FileIO.writeAtomically(script, to: written.plotScript)
    let image = written.directory.appendingPathComponent(ResultsWriter.FileName.plotImage)
    written.plot = renderer.render(script: written.plotScript, image: image)
    return written
  }

  /// The console table: E2E (and its split) per series and load.
  static func headline(results: [SweepSeedResult], series: [DispatchSweepSeries], loads: [Double])
    -> TextTable
  {
    var text = TextTable([
      "series", "load", "E2E ms", "decision", "transm.", "queueing", "exec.",
      "throughput",
    ])
    for s in series {
      for load in loads.sorted() {
        func m(_ f: (SweepPoint) -> Double) -> String {
          Format.fixed(SweepFigure.mean(results, series: s.rawValue, load: load, f), decimals: 1)
        }
        text.addRow([
          s.rawValue, CSV.number(load), m(\.meanE2EMs), m(\.decisionMs), m(\.transmissionMs),
          m(\.queueingMs), m(\.executionMs),
          Format.fixed(
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.throughput * 100 },
            decimals: 1) + "%",
        ])
      }
    }
    return text
  }

  /// The paper's claims: similar at low load, MAPPO lowest at 500–600 req/s. `e2e` is the
  /// mean over seeds of a series' mean E2E latency at a load (nil when absent).
  static func judge(
    e2e: (DispatchSweepSeries, Double) -> Double?, series: [DispatchSweepSeries],
    loads: [Double], quick: Bool, into summary: inout FigureSummary
  ) {
    let verdict = { (value: Bool?) in quick ? nil : value }
    for s in series {
      for load in loads {
        summary.set("e2eMs@\(CSV.number(load))", .number(e2e(s, load) ?? .nan), series: s.rawValue)
      }
    }
    let low = loads.filter { $0 <= 200 }
    if series.count > 1, !low.isEmpty {
      var ratios: [String] = []
      var similar = true
      for load in low {
        let values = series.compactMap { e2e($0, load) }
        guard let lo = values.min(), let hi = values.max(), lo > 0 else { continue }
        ratios.append("\(CSV.number(load)) req/s: max/min \(Format.fixed(hi / lo, decimals: 2))")
        if hi / lo > 1.25 { similar = false }
      }
      summary.check(
        "at low load (100-200 req/s) the series' mean E2E latencies are similar (within 25%)",
        agrees: verdict(similar),
        evidence: ratios.joined(separator: "; ") + "; "
          + low.map { load in
            "\(CSV.number(load)) req/s: "
              + SweepFigure.list(series.map { ($0.rawValue, e2e($0, load)) }, unit: " ms")
          }.joined(separator: "; "))
    }
    let high = loads.filter { $0 >= 500 }
    if series.contains(.mappo), series.count > 1, !high.isEmpty {
      let others = series.filter { $0 != .mappo }
      let lowest = high.allSatisfy { load in
        guard let m = e2e(.mappo, load) else { return false }
        return others.allSatisfy { o in e2e(o, load).map { m < $0 } ?? true }
      }
      summary.check(
        "MAPPO has the lowest mean E2E latency at 500-600 req/s (paper: 24.5-30.8 ms)",
        agrees: verdict(lowest),
        evidence: high.map { load in
          "\(CSV.number(load)) req/s: "
            + SweepFigure.list(series.map { ($0.rawValue, e2e($0, load)) }, unit: " ms")
        }.joined(separator: "; "))
    }
  }

  /// The summary of shards put together (`experiment merge`): the same checks on the merged
  /// data.csv, whose y is each seed's mean E2E latency at load x.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(DispatchSweepConfig.self)
    let series = input.table.seriesNames.compactMap(DispatchSweepSeries.init(rawValue:))
    var summary = try input.emptySummary()
    judge(
      e2e: { s, load in input.mean(series: s.rawValue, where: { $0.x == load }) },
      series: series, loads: config.loads, quick: input.run.quick, into: &summary)
    return summary
  }
}
