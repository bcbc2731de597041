import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig11`: eAP CPU utilization as the load grows, for MAPPO, AC and DDPG (paper
/// Fig. 11).
struct Fig11Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig11",
    abstract: "eAP CPU utilization vs requests processed for MAPPO, AC and DDPG; writes "
      + "results/fig11/.",
    discussion: """
      Uses the dispatch sweep shared with fig9, fig10 and fig12 (cached in \
      results/dispatch-sweep-cache). y = decision CPU time over the eAPs' cores and the episode \
      (a central agent's decisions are counted against the same eAP cores: it runs on an \
      eAP-class VM). Options as fig9.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var sweep: SweepFigureOptions

  func run() throws {
    common.applyThreadSettings()
    print(try Fig11Experiment.run(options: common, sweep: sweep).report)
  }
}

/// The Fig. 11 experiment, callable from tests.
enum Fig11Experiment {
  static func run(
    options: CommonOptions, sweep: SweepFigureOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    let series = try SweepFigure.learnedSeries(sweep)
    let config = try SweepFigure.config(options: options, sweep: sweep, series: nil)
    var (run, results, cached) = try SweepFigure.sweep(
      figure: "fig11", options: options, sweep: sweep, config: config, progressSink: progressSink)
    let episodeSeconds =
      Double(config.evaluationSlots) * config.training.environment.timing.slotMs
      / 1000
    func percent(_ p: SweepPoint) -> Double { p.eapCPUUtilization * 100 }
    var table = ResultsTable(
      extraColumns: ["load", "decisions", "decision_time_ms", "edge_cpu_percent"])
    for s in series {
      for p in SweepFigure.points(results, series: s.rawValue) {
        table.append(
          series: s.rawValue, seed: p.seed, x: p.loadRequestsPerSecond * episodeSeconds,
          y: percent(p),
          extras: [
            "load": p.loadRequestsPerSecond, "decisions": Double(p.decisions),
            "decision_time_ms": p.decisionTimeMs, "edge_cpu_percent": p.edgeCPUUtilization * 100,
          ])
      }
    }
    var summary = FigureSummary(try FigureCatalog.require("fig11"))
    let loads = config.loads.sorted()
    func y(_ s: DispatchSweepSeries, _ load: Double) -> Double? {
      SweepFigure.mean(results, series: s.rawValue, load: load, percent)
    }
    func mean(_ s: DispatchSweepSeries, _ f: (SweepPoint) -> Double) -> Double? {
      let points = SweepFigure.points(results, series: s.rawValue)
      return points.isEmpty ? nil : points.map(f).reduce(0, +) / Double(points.count)
    }
    var text = TextTable([
      "series", "load", "eAP CPU %", "decisions", "µs / decision", "edge CPU %",
    ])
    for s in series {
      for load in loads {
        text.addRow([
          s.rawValue, CSV.number(load), Format.fixed(y(s, load), decimals: 4),
          Format.fixed(
            SweepFigure.mean(results, series: s.rawValue, load: load) { Double($0.decisions) },
            decimals: 0),
          Format.fixed(
            SweepFigure.mean(results, series: s.rawValue, load: load) { $0.decisionTimeMs * 1000 },
            decimals: 1),
          Format.fixed(
            SweepFigure.mean(results, series: s.rawValue, load: load) {
              $0.edgeCPUUtilization * 100
            }, decimals: 1),
        ])
      }
    }
    print(text.render())
    judge(
      y: y, decisionTimeMs: { mean($0) { $0.decisionTimeMs } }, series: series, loads: loads,
      quick: options.quick, into: &summary)
    summary.notes += SweepFigure.notes(
      config: config, cached: cached, seeds: options.seeds.count, quick: options.quick)
    summary.notes.append(
      "eAP CPU = decisions × per-decision inference time / (eAP cores × eAPs × episode); it "
        + "counts dispatch inference only (no state collection, no serving), which is why it is "
        + "far below the paper's percentages")
    run.finish()
    return try ResultsWriter(
      directory: options.outputDirectory(figure: "fig11"), renderer: renderer
    ).write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 11: eAP CPU utilization (mean and min-max over seeds)",
        xLabel: "requests offered per \(Int(episodeSeconds)) s episode",
        yLabel: "eAP CPU utilization (%)", style: .linesPoints, keyPosition: "top left"))
  }

  /// The per-load values and the paper's claims: eAP CPU utilization rises with load, MAPPO's
  /// grows slowest. `y` is the mean over seeds of a series' eAP CPU percent at a load,
  /// `decisionTimeMs` a series' mean decision time over all its points (nil when absent).
  static func judge(
    y: (DispatchSweepSeries, Double) -> Double?,
    decisionTimeMs: (DispatchSweepSeries) -> Double?, series: [DispatchSweepSeries],
    loads: [Double], quick: Bool, into summary: inout FigureSummary
  ) {
    let verdict = { (value: Bool?) in quick ? nil : value }
    for s in series {
      for load in loads {
        summary.set(
          "eapCPUPercent@\(CSV.number(load))", .number(y(s, load) ?? .nan),
          series: s.rawValue)
      }
      summary.set(
        "decisionTimeUs", .number((decisionTimeMs(s) ?? .nan) * 1000), series: s.rawValue)
    }
    if let lo = loads.first, let hi = loads.last, lo < hi {
      func growth(_ s: DispatchSweepSeries) -> Double? {
        guard let a = y(s, lo), let b = y(s, hi) else { return nil }
        return b - a
      }
      summary.check(
        "eAP CPU utilization rises with load (every series)",
        agrees: verdict(series.allSatisfy { (growth($0) ?? -1) > 0 }),
        evidence: series.map { s in
          "\(s.rawValue) \(Format.fixed(y(s, lo), decimals: 4))% → "
            + "\(Format.fixed(y(s, hi), decimals: 4))%"
        }.joined(separator: "; "))
      if series.contains(.mappo), series.count > 1 {
        let slowest = series.filter { $0 != .mappo }.allSatisfy { o in
          guard let m = growth(.mappo), let v = growth(o) else { return false }
          return m < 0.9 * v
        }
        summary.check(
          "MAPPO's eAP CPU utilization grows slowest (by ≥ 10% less than every other series: "
            + "smaller gaps are within the timing noise of the calibration)",
          agrees: verdict(slowest),
          evidence: "growth from \(CSV.number(lo)) to \(CSV.number(hi)) req/s: "
            + SweepFigure.list(
              series.map { ($0.rawValue, growth($0)) }, unit: " points",
              decimals: 4))
      }
    }
  }

  /// The summary of shards put together (`experiment merge`): the same values and checks on
  /// the merged data.csv (y: each seed's eAP CPU percent at the load in `load`).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(DispatchSweepConfig.self)
    let series = input.table.seriesNames.compactMap(DispatchSweepSeries.init(rawValue:))
    var summary = try input.emptySummary()
    judge(
      y: { s, load in input.mean(series: s.rawValue, where: { $0.extras["load"] == load }) },
      decisionTimeMs: { s in
        input.mean(series: s.rawValue, where: { _ in true }) {
          $0.extras["decision_time_ms"] ?? .nan
        }
      }, series: series, loads: config.loads.sorted(), quick: input.run.quick, into: &summary)
    return summary
  }
}
