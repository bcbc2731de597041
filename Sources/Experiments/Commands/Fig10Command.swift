import ArgumentParser
import Envs
import Foundation
import KMPS

/// `experiment fig10`: average energy per processed request as the load grows, for MAPPO, AC
/// and DDPG (paper Fig. 10), with SPEC §3.7's linear power model plus the eAPs' inference CPU.
struct Fig10Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig10",
    abstract: "Average energy per processed request vs requests processed for MAPPO, AC and "
      + "DDPG; writes results/fig10/.",
    discussion: """
      Uses the dispatch sweep shared with fig9, fig11 and fig12 (cached in \
      results/dispatch-sweep-cache). x = requests offered in one evaluation episode (load x \
      episode length); y = energy of the episode (every VM's idle power, busy node cores, \
      decision CPU) / requests completed by their deadline. Options as fig9.
      """)

  @OptionGroup var common: CommonOptions
  @OptionGroup var sweep: SweepFigureOptions

  func run() throws {
    common.applyThreadSettings()
    print(try Fig10Experiment.run(options: common, sweep: sweep).report)
  }
}

/// The Fig. 10 experiment, callable from tests.
enum Fig10Experiment {
  static func run(
    options: CommonOptions, sweep: SweepFigureOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    let series = try SweepFigure.learnedSeries(sweep)
    let config = try SweepFigure.config(options: options, sweep: sweep, series: nil)
    var (run, results, cached) = try SweepFigure.sweep(
      figure: "fig10", options: options, sweep: sweep, config: config, progressSink: progressSink)
    let episodeSeconds =
      Double(config.evaluationSlots) * config.training.environment.timing.slotMs
      / 1000
    func perRequest(_ p: SweepPoint) -> Double { p.energyJ / Double(max(1, p.completedOnTime)) }
    func dynamicPerRequest(_ p: SweepPoint) -> Double {
      p.dynamicEnergyJ / Double(max(1, p.completedOnTime))
    }
    var table = ResultsTable(
      extraColumns: ["load", "processed", "energy_j", "dynamic_j_per_request", "throughput"])
    for s in series {
      for p in SweepFigure.points(results, series: s.rawValue) {
        table.append(
          series: s.rawValue, seed: p.seed, x: p.loadRequestsPerSecond * episodeSeconds,
          y: perRequest(p),
          extras: [
            "load": p.loadRequestsPerSecond, "processed": Double(p.completedOnTime),
            "energy_j": p.energyJ, "dynamic_j_per_request": dynamicPerRequest(p),
            "throughput": p.throughput,
          ])
      }
    }
    var summary = FigureSummary(try FigureCatalog.require("fig10"))
    let loads = config.loads.sorted()
    func y(_ s: DispatchSweepSeries, _ load: Double) -> Double? {
      SweepFigure.mean(results, series: s.rawValue, load: load, perRequest)
    }
    func dyn(_ s: DispatchSweepSeries, _ load: Double) -> Double? {
      SweepFigure.mean(results, series: s.rawValue, load: load, dynamicPerRequest)
    }
    var text = TextTable(["series", "load", "offered", "J / request", "dynamic J / request"])
    for s in series {
      for load in loads {
        text.addRow([
          s.rawValue, CSV.number(load), CSV.number(load * episodeSeconds),
          Format.fixed(y(s, load), decimals: 2), Format.fixed(dyn(s, load), decimals: 3),
        ])
      }
    }
    print(text.render())
    judge(y: y, dynamic: dyn, series: series, loads: loads, quick: options.quick, into: &summary)
    summary.notes += SweepFigure.notes(
      config: config, cached: cached, seeds: options.seeds.count, quick: options.quick)
    let e = config.training.environment.energy
    summary.notes.append(
      "power model: P = \(e.idleWatts) W idle + (\(e.maxWatts) − \(e.idleWatts)) W × utilization "
        + "per 4-vCPU VM (edge nodes, cloud nodes, eAPs); decision CPU charged per core; the "
        + "idle power of all VMs is shared by the requests completed on time")
    run.finish()
    return try ResultsWriter(
      directory: options.outputDirectory(figure: "fig10"), renderer: renderer
    ).write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 10: average energy per request (mean and min-max over seeds)",
        xLabel: "requests offered per \(Int(episodeSeconds)) s episode",
        yLabel: "energy per on-time request (J)", style: .linesPoints,
        keyPosition: "top right"))
  }

  /// The per-load values and the paper's claims: energy per on-time request rises with load,
  /// MAPPO's is the lowest at the highest load. `y` is the mean over seeds of a series' energy
  /// per on-time request at a load, `dyn` its dynamic part (nil when absent).
  static func judge(
    y: (DispatchSweepSeries, Double) -> Double?,
    dynamic dyn: (DispatchSweepSeries, Double) -> Double?, series: [DispatchSweepSeries],
    loads: [Double], quick: Bool, into summary: inout FigureSummary
  ) {
    let verdict = { (value: Bool?) in quick ? nil : value }
    for s in series {
      for load in loads {
        summary.set(
          "jPerRequest@\(CSV.number(load))", .number(y(s, load) ?? .nan),
          series: s.rawValue)
      }
    }
    if let lo = loads.first, let hi = loads.last, lo < hi {
      let rises = series.allSatisfy { s in
        guard let a = y(s, lo), let b = y(s, hi) else { return false }
        return b > a
      }
      summary.check(
        "average energy per request rises with load (every series)", agrees: verdict(rises),
        evidence: series.map { s in
          "\(s.rawValue) \(Format.fixed(y(s, lo), decimals: 2)) J at \(CSV.number(lo)) req/s "
            + "→ \(Format.fixed(y(s, hi), decimals: 2)) J at \(CSV.number(hi)) req/s (dynamic "
            + "part \(Format.fixed(dyn(s, lo), decimals: 3)) → \(Format.fixed(dyn(s, hi), decimals: 3)) J)"
        }.joined(separator: "; "))
      if series.contains(.mappo), series.count > 1 {
        let lowest = series.filter { $0 != .mappo }.allSatisfy { o in
          guard let m = y(.mappo, hi), let v = y(o, hi) else { return false }
          return m < v
        }
        summary.check(
          "MAPPO uses the least energy per request at high load", agrees: verdict(lowest),
          evidence: "\(CSV.number(hi)) req/s: "
            + SweepFigure.list(series.map { ($0.rawValue, y($0, hi)) }, unit: " J", decimals: 2))
      }
    }
  }

  /// The summary of shards put together (`experiment merge`): the same values and checks on
  /// the merged data.csv (y: each seed's energy per on-time request at the load in `load`).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(DispatchSweepConfig.self)
    let series = input.table.seriesNames.compactMap(DispatchSweepSeries.init(rawValue:))
    var summary = try input.emptySummary()
    judge(
      y: { s, load in input.mean(series: s.rawValue, where: { $0.extras["load"] == load }) },
      dynamic: { s, load in
        input.mean(series: s.rawValue, where: { $0.extras["load"] == load }) {
          $0.extras["dynamic_j_per_request"] ?? .nan
        }
      }, series: series, loads: config.loads.sorted(), quick: input.run.quick, into: &summary)
    return summary
  }
}
