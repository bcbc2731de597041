import ArgumentParser
import Envs
import Foundation

/// `experiment scale`: what the simulator and dispatch cost as the system grows from the
/// testbed (3 clusters × 6 nodes) to more than 1,000 nodes at proportional load.
struct ScaleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scale",
    abstract: "Scaling study: simulator and dispatch cost from 3 to 170 clusters at "
      + "proportional load; writes results/scale/.",
    discussion: """
      Each size runs Greedy_Native dispatch and Kubernetes HPA on Poisson arrivals of 20 req/s \
      per edge node for 20 simulated seconds, on one core, and records the wall time per \
      simulated second, simulated requests per second per core, the mean decision latency and \
      the peak resident memory. The log-log slope of wall time per simulated second against the \
      number of nodes is near-linear when it is at most 1.15. --config overrides ScaleConfig \
      (clusterCounts, edgeNodesPerCluster, requestsPerSecondPerEdgeNode, simulatedSeconds, ...).
      """)

  @OptionGroup var common: CommonOptions

  func run() throws {
    common.applyThreadSettings()
    print(try ScaleExperiment.run(options: common).report)
  }
}

/// The scaling study, callable from tests.
enum ScaleExperiment {
  /// Name of the measured series.
  static let measured = "wall s per simulated s"
  /// Name of the reference line of slope 1 through the smallest system.
  static let linear = "linear reference (slope 1)"

  static func run(
    options: CommonOptions, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    try options.rejectCheckpoints(reason: "the scaling study trains nothing")
    var config = try options.config(defaults: ScaleConfig.standard(quick: options.quick))
    if let load = options.loadRequestsPerSecondOverride {
      config.requestsPerSecondPerEdgeNode = load
    }
    try config.validate()
    var run = try RunInfo.start(figure: "scale", options: options, config: config)
    let progress = ProgressReporter(
      label: "scale", total: options.seeds.count * config.clusterCounts.count, unit: "systems",
      sink: progressSink)
    var measurements: [(seed: UInt64, value: ScaleMeasurement)] = []
    for seed in options.seeds {
      for clusters in config.clusterCounts {
        let m = try ScaleStudy.measure(config: config, clusters: clusters, seed: seed)
        measurements.append((seed, m))
        progress.advance(metrics: [
          "nodes": Double(m.nodes), "wall/sim s": m.wallPerSimulatedSecond,
        ])
      }
    }
    progress.finish()

    var table = ResultsTable(extraColumns: [
      "clusters", "simulated_s", "wall_s", "cpu_s", "arrived", "decisions", "requests_per_core_s",
      "decision_us", "decision_share", "throughput", "peak_rss_mb",
    ])
    for (seed, m) in measurements {
      var extras: [String: Double] = [
        "clusters": Double(m.clusters), "simulated_s": m.simulatedSeconds,
        "wall_s": m.wallSeconds, "cpu_s": m.cpuSeconds, "arrived": Double(m.arrived),
        "decisions": Double(m.decisions),
        "requests_per_core_s": m.requestsPerCoreSecond, "decision_us": m.decisionMicroseconds,
        "decision_share": m.decisionSeconds / m.wallSeconds, "throughput": m.throughput,
      ]
      extras["peak_rss_mb"] = m.peakRSSMB
      table.append(
        series: measured, seed: seed, x: Double(m.nodes), y: m.wallPerSimulatedSecond,
        extras: extras)
    }
    // The slope-1 line through the smallest system's mean, for the eye.
    let smallest = config.clusterCounts[0]
    let base = measurements.filter { $0.value.clusters == smallest }.map(\.value)
    let baseNodes = Double(base[0].nodes)
    let baseWall = base.map(\.wallPerSimulatedSecond).reduce(0, +) / Double(base.count)
    for (seed, m) in measurements {
      table.append(
        series: linear, seed: seed, x: Double(m.nodes), y: baseWall * Double(m.nodes) / baseNodes)
    }

    var summary = FigureSummary(
      figure: "scale",
      title: "Scaling study: simulator and dispatch cost vs system size (proportional load)",
      paperClaim: "SPEC 3.1: scaling studies go to hundreds of nodes; the cost of simulating and "
        + "dispatching grows near-linearly with the system at proportional load")
    judge(table: table, config: config, quick: options.quick, into: &summary)
    summary.notes.append(
      "each size and seed: the fastest of \(config.repeats) run(s) of Greedy_Native dispatch (least-utilized valid node of the request's cluster) "
        + "and Kubernetes HPA, Poisson arrivals at \(CSV.number(config.requestsPerSecondPerEdgeNode)) "
        + "req/s per edge node, \(CSV.number(config.simulatedSeconds)) simulated s, "
        + "\(config.neighbourhood.rawValue) cross-cluster neighbourhood, one thread; wall times "
        + "depend on the machine and its load (cpu_s: the thread's CPU time)")
    summary.notes.append(
      "decision_us: mean wall time of the policy's choose call; peak_rss_mb: the process's "
        + "peak resident memory while that size ran (Linux VmHWM, reset before each size; the "
        + "allocator keeps freed pages, so only the first seed, smallest size first, shows each "
        + "size's own peak)")
    if options.quick {
      summary.notes.append("--quick: three small sizes, numbers are not meaningful")
    }
    print(headline(measurements.map(\.value)).render())
    run.finish()
    return try ResultsWriter(
      directory: options.outputDirectory(figure: "scale"), renderer: renderer
    ).write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Scaling: wall time per simulated second vs nodes (proportional load, log-log)",
        xLabel: "nodes (edge + cloud)", yLabel: "wall seconds per simulated second",
        style: .linesPoints, logScaleX: true, logScaleY: true, keyPosition: "top left",
        dashedSeries: [linear]))
  }

  /// Records the fitted slope and per-size numbers and checks near-linearity, from the table.
  static func judge(
    table: ResultsTable, config: ScaleConfig, quick: Bool, into summary: inout FigureSummary
  ) {
    let rows = table.rows(series: measured)
    let slope = ScaleStudy.logLogSlope(rows.map { ($0.x, $0.y) })
    summary.set("logLogSlope", .number(slope ?? .nan), series: measured)
    for aggregate in Aggregation.aggregate(table) where aggregate.series == measured {
      for point in aggregate.points {
        summary.set(
          "wallPerSimulatedSecond@\(CSV.number(point.x))", .number(point.mean), series: measured)
      }
    }
    let cpuSlope = ScaleStudy.logLogSlope(
      rows.compactMap { row in
        guard let cpu = row.extras["cpu_s"], let simulated = row.extras["simulated_s"] else {
          return nil
        }
        return (row.x, cpu / simulated)
      })
    summary.set("cpuLogLogSlope", .number(cpuSlope ?? .nan), series: measured)
    let largest = rows.map(\.x).max() ?? 0
    summary.check(
      "wall time per simulated second grows near-linearly with the nodes (log-log slope ≤ "
        + "\(CSV.number(config.maximumSlope))) up to ≥ 1,000 nodes",
      agrees: quick ? nil : slope.map { $0 <= config.maximumSlope && largest >= 1000 },
      evidence: "fitted slope \(Format.fixed(slope, decimals: 3)) over \(rows.count) runs, "
        + "\(CSV.number(rows.map(\.x).min() ?? 0))-\(CSV.number(largest)) nodes (of CPU time "
        + "per simulated second: \(Format.fixed(cpuSlope, decimals: 3)))")
  }

  /// The console table.
  static func headline(_ measurements: [ScaleMeasurement]) -> TextTable {
    var text = TextTable([
      "clusters", "nodes", "req/s offered", "wall s / sim s", "CPU s / sim s", "req/s per core",
      "decision µs",
      "peak RSS MB",
    ])
    for m in measurements {
      text.addRow([
        String(m.clusters), String(m.nodes),
        Format.fixed(Double(m.arrived) / m.simulatedSeconds, decimals: 0),
        Format.fixed(m.wallPerSimulatedSecond, decimals: 4),
        Format.fixed(m.cpuSeconds / m.simulatedSeconds, decimals: 4),
        Format.fixed(m.requestsPerCoreSecond, decimals: 0),
        Format.fixed(m.decisionMicroseconds, decimals: 2),
        Format.fixed(m.peakRSSMB, decimals: 1),
      ])
    }
    return text
  }
}
