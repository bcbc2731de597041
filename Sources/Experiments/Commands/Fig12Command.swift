import ArgumentParser
import Envs
import Foundation
import KMPS

/// The series of Fig. 12.
enum Fig12Series: String, CaseIterable {
  /// One decision-maker per eAP (KMPS).
  case distributed
  /// One central decision-maker for all eAPs.
  case centralized

  var sweepSeries: DispatchSweepSeries {
    self == .distributed ? .mappo : .mappoCentralized
  }

  /// Parses `--series` for Fig. 12; throws naming the option.
  static func parseList(_ text: String) throws -> [Fig12Series] {
    var result: [Fig12Series] = []
    let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces).lowercased()
    }
    for name in names {
      guard let s = Fig12Series(rawValue: name) else {
        throw ExperimentError.invalidValue(
          field: "--series",
          reason: "unknown series '\(name)'; expected one of distributed, centralized")
      }
      if !result.contains(s) { result.append(s) }
    }
    return result
  }
}

/// `experiment fig12`: scheduling latency against load, distributed (one decision-maker per
/// eAP) vs centralized (one for all) decisions (paper Fig. 12).
struct Fig12Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig12",
    abstract: "Scheduling latency vs load, distributed vs centralized decisions; writes "
      + "results/fig12/.",
    discussion: """
      Both series run the same trained MAPPO dispatcher (from the sweep shared with fig9-fig11, \
      cached in results/dispatch-sweep-cache); only who decides differs (SPEC 3.8). Scheduling \
      latency = arrival at the eAP until the decision is available there (eAP queueing + \
      decision latency), mean over on-time requests. --series picks from distributed, \
      centralized; other options as fig9.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var sweep: SweepFigureOptions

  func run() throws {
    common.applyThreadSettings()
    print(try Fig12Experiment.run(options: common, sweep: sweep).report)
  }
}

/// The Fig. 12 experiment, callable from tests.
enum Fig12Experiment {
  /// The paper's approximate values, ms: (low load 100–200, high load 500–600).
  static let paperMs: [Fig12Series: (low: String, high: String)] = [
    .distributed: ("40-50", "~130"), .centralized: ("350-400", "~1000"),
  ]

  static func run(
    options: CommonOptions, sweep: SweepFigureOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    let series = try sweep.series.map(Fig12Series.parseList) ?? Fig12Series.allCases
    let config = try SweepFigure.config(options: options, sweep: sweep, series: nil)
    var (run, results, cached) = try SweepFigure.sweep(
      figure: "fig12", options: options, sweep: sweep, config: config, progressSink: progressSink)
    var table = ResultsTable(
      extraColumns: ["throughput_rps", "p95_e2e_ms", "decision_ms", "throughput"])
    for s in series {
      for p in SweepFigure.points(results, series: s.sweepSeries.rawValue) {
        table.append(
          series: s.rawValue, seed: p.seed, x: p.loadRequestsPerSecond, y: p.schedulingMs,
          extras: [
            "throughput_rps": Double(p.completedOnTime) / max(p.seconds, 1e-9),
            "p95_e2e_ms": p.p95Ms, "decision_ms": p.decisionMs, "throughput": p.throughput,
          ])
      }
    }
    var summary = FigureSummary(try FigureCatalog.require("fig12"))
    let loads = config.loads.sorted()
    func y(_ s: Fig12Series, _ load: Double) -> Double? {
      SweepFigure.mean(results, series: s.sweepSeries.rawValue, load: load) { $0.schedulingMs }
    }
    func rps(_ s: Fig12Series, _ load: Double) -> Double? {
      SweepFigure.mean(results, series: s.sweepSeries.rawValue, load: load) {
        Double($0.completedOnTime) / max($0.seconds, 1e-9)
      }
    }
    var text = TextTable(["series", "load", "on-time req/s", "scheduling ms", "paper ms"])
    for s in series {
      for load in loads {
        let paper = paperMs[s].map { load <= 200 ? $0.low : load >= 500 ? $0.high : "" } ?? ""
        text.addRow([
          s.rawValue, CSV.number(load), Format.fixed(rps(s, load), decimals: 0),
          Format.fixed(y(s, load), decimals: 1), paper,
        ])
      }
    }
    print(text.render())
    judge(y: y, series: series, loads: loads, quick: options.quick, into: &summary)
    summary.notes += SweepFigure.notes(
      config: config, cached: cached, seeds: options.seeds.count, quick: options.quick)
    summary.notes.append(
      "both series run the same trained MAPPO policy with cross-cluster routing; x is the "
        + "offered load, the achieved on-time throughput is the throughput_rps column")
    run.finish()
    return try ResultsWriter(
      directory: options.outputDirectory(figure: "fig12"), renderer: renderer
    ).write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 12: scheduling latency, distributed vs centralized (mean and min-max over "
          + "seeds)",
        xLabel: "load (req/s)", yLabel: "scheduling latency (ms)", style: .linesPoints,
        keyPosition: "top left"))
  }

  /// The per-load values and the paper's claims: centralized above distributed at every load,
  /// ≥ 5× at low load, growing faster. `y` is the mean over seeds of a series' scheduling
  /// latency at a load (nil when absent).
  static func judge(
    y: (Fig12Series, Double) -> Double?, series: [Fig12Series], loads: [Double], quick: Bool,
    into summary: inout FigureSummary
  ) {
    let verdict = { (value: Bool?) in quick ? nil : value }
    for s in series {
      for load in loads {
        summary.set(
          "schedulingMs@\(CSV.number(load))", .number(y(s, load) ?? .nan),
          series: s.rawValue)
      }
    }
    if series.count == 2 {
      let above = loads.allSatisfy { load in
        guard let d = y(.distributed, load), let c = y(.centralized, load) else { return false }
        return c > d
      }
      let both = loads.map { load in
        "\(CSV.number(load)) req/s: "
          + SweepFigure.list(series.map { ($0.rawValue, y($0, load)) }, unit: " ms")
      }.joined(separator: "; ")
      summary.check(
        "centralized scheduling latency is above distributed at every load",
        agrees: verdict(above), evidence: both)
      let low = loads.filter { $0 <= 200 }
      if !low.isEmpty {
        let ratios = low.compactMap { load -> Double? in
          guard let d = y(.distributed, load), let c = y(.centralized, load), d > 0 else {
            return nil
          }
          return c / d
        }
        summary.check(
          "at 100-200 req/s centralized is ≥ 5× distributed (paper: 350-400 vs 40-50 ms, ~8×)",
          agrees: verdict(!ratios.isEmpty && ratios.allSatisfy { $0 >= 5 }),
          evidence: "ratios " + ratios.map { Format.fixed($0, decimals: 2) }.joined(separator: ", ")
        )
      }
      if let lo = loads.first, let hi = loads.last, lo < hi,
        let d0 = y(.distributed, lo), let d1 = y(.distributed, hi),
        let c0 = y(.centralized, lo), let c1 = y(.centralized, hi)
      {
        summary.check(
          "centralized latency grows with load, by ≥ 100 ms and ≥ 3× distributed's growth "
            + "(paper: +~600 ms vs +~85 ms)",
          agrees: verdict(c1 - c0 >= 100 && c1 - c0 >= 3 * max(0, d1 - d0)),
          evidence: "from \(CSV.number(lo)) to \(CSV.number(hi)) req/s: distributed "
            + "\(Format.fixed(d1 - d0, decimals: 1)) ms, centralized "
            + "\(Format.fixed(c1 - c0, decimals: 1)) ms")
      }
    }
  }

  /// The summary of shards put together (`experiment merge`): the same values and checks on
  /// the merged data.csv (y: each seed's scheduling latency at load x).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(DispatchSweepConfig.self)
    let series = input.table.seriesNames.compactMap(Fig12Series.init(rawValue:))
    var summary = try input.emptySummary()
    judge(
      y: { s, load in input.mean(series: s.rawValue, where: { $0.x == load }) },
      series: series, loads: config.loads.sorted(), quick: input.run.quick, into: &summary)
    return summary
  }
}
