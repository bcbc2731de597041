import ArgumentParser
import Envs
import KMPS
import Foundation
import RL
import SeededRandom

/// `experiment fig17`: orchestration inference latency (paper Fig. 17): the wall-clock sum of
/// 50 consecutive orchestration decisions, per round, for GPO, PPO, AC and Greedy.
struct Fig17Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fig17",
    abstract: "Orchestration inference latency (50 consecutive decisions) of GPO, PPO, AC and "
      + "Greedy; writes results/fig17/.",
    discussion: """
      Each series orchestrates its own simulator (frames shortened so that many decisions \
      happen per episode); one decision = the whole OrchestrationPolicy.orchestrate call at a \
      frame start (graph observation, encoder, actors, action decoding; Greedy: its heuristic). \
      Rounds of the four series are interleaved so machine noise hits all alike. Measure in \
      release builds (swift run -c release experiment fig17). --config overrides Fig17Config.
      """)

  @OptionGroup var common: CommonOptions

  /// Rounds per seed.
  @Option(
    name: .customLong("rounds"),
    help: ArgumentHelp("Rounds per seed (default 20; 2 with --quick).", valueName: "N"))
  var rounds: Int?

  func validate() throws {
    if let rounds, rounds < 1 { throw ValidationError("--rounds must be ≥ 1, got \(rounds)") }
  }

  func run() throws {
    common.applyThreadSettings()
    var config = try common.config(defaults: Fig17Config.standard(quick: common.quick))
    if let rounds {
      config.rounds = rounds
    } else if let episodes = common.episodeCount {
      config.rounds = episodes
    }
    if let load = common.loadRequestsPerSecondOverride {
      config.environment.workload.meanRequestsPerSecond = load
    }
    let written = try Fig17Experiment.run(options: common, config: config)
    print(written.report)
  }
}

/// The series of Fig. 17.
enum Fig17Series: String, Codable, Sendable, CaseIterable {
  /// Full GPO (GNN, dual actor, dual critic).
  case gpo = "GPO"
  /// PPO orchestrator without GNN.
  case ppo = "PPO"
  /// Advantage actor-critic orchestrator without GNN.
  case ac = "AC"
  /// Greedy orchestration.
  case greedy = "Greedy"

  /// The learned variant, nil for Greedy.
  var variant: GPOVariant? {
    switch self {
    case .gpo: return .gpo
    case .ppo: return .ppoNoGNN
    case .ac: return .actorCriticNoGNN
    case .greedy: return nil
    }
  }

  /// The paper's approximate cumulative latency of 50 inferences, ms.
  var paperMs: Double {
    switch self {
    case .gpo: return 330
    case .ppo, .ac: return 190
    case .greedy: return 20
    }
  }
}

/// Everything Fig. 17 runs with.
struct Fig17Config: Codable, Sendable, Equatable {
  /// The simulator the decisions are taken in (frames shortened, see `standard`).
  var environment: EdgeCloudConfig
  /// Consecutive decisions summed per round.
  var inferencesPerRound: Int
  /// Rounds per seed.
  var rounds: Int
  /// Untimed decisions per series before the first round (warm caches and allocators).
  var warmupInferences: Int
  /// The agents' settings; `agent.variant` is set per series.
  var orchestration: GPOOrchestrationConfig
  /// Series in plot order.
  var series: [Fig17Series]

  /// The testbed at 200 req/s with a frame every 4 slots (1 s) so that 50 consecutive
  /// decisions fit in an episode; 20 rounds of 50 decisions (`--quick`: 2 rounds of 5).
  static func standard(quick: Bool) -> Fig17Config {
    var environment = EdgeCloudConfig()
    environment.workload.meanRequestsPerSecond = 200
    environment.timing.frameEverySlots = 4
    if quick { environment.timing.episodeSlots = 200 }
    var orchestration = GPOOrchestrationConfig(variant: .gpo)
    orchestration.agent.selectedNodes = environment.orchestration.actionsPerFrame
    return Fig17Config(
      environment: environment, inferencesPerRound: quick ? 5 : 50, rounds: quick ? 2 : 20,
      warmupInferences: quick ? 1 : 10, orchestration: orchestration,
      series: Fig17Series.allCases)
  }

  /// Checks ranges.
  ///
  /// - Throws: an error naming the field.
  func validate() throws {
    try environment.validate()
    try orchestration.validate()
    func fail(_ field: String, _ reason: String) -> ExperimentError {
      .invalidValue(field: "fig17.\(field)", reason: reason)
    }
    if inferencesPerRound < 1 {
      throw fail("inferencesPerRound", "must be ≥ 1, got \(inferencesPerRound)")
    }
    if rounds < 1 { throw fail("rounds", "must be ≥ 1, got \(rounds)") }
    if warmupInferences < 0 { throw fail("warmupInferences", "must be ≥ 0") }
    if series.isEmpty { throw fail("series", "at least one series") }
    if environment.timing.episodeSlots <= environment.timing.frameEverySlots {
      throw fail("environment.timing.episodeSlots", "an episode needs at least one frame start")
    }
  }
}

/// One series' simulator and orchestrator, advanced decision by decision.
struct Fig17Runner {
  var sim: EdgeCloudSimulator
  var gpo: GPOOrchestration?
  var greedy: GreedyOrchestrator
  var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
  var actions: [OrchestrationAction] = []
  var episode: UInt64 = 0
  let seed: UInt64

  init(series: Fig17Series, seed: UInt64, config: Fig17Config, trace: AlibabaTrace?) throws {
    self.seed = seed
    sim = try EdgeCloudSimulator(config: config.environment, trace: trace, seed: seed)
    greedy = GreedyOrchestrator(actionsPerFrame: config.environment.orchestration.actionsPerFrame)
    if let variant = series.variant {
      var orchestration = config.orchestration
      orchestration.agent.variant = variant
      gpo = try GPOOrchestration(
        config: orchestration, simulator: sim, seed: seed &* 7 &+ 1,
        mode: .evaluation(deterministic: false))
    }
    sim.reset(seed: Fig16Experiment.episodeSeed(seed: seed, episode: 0))
  }

  /// Simulates until the next frame start, times the orchestration decision there, applies it
  /// and finishes the slot. Returns the decision's wall-clock time in seconds.
  mutating func nextDecisionSeconds() throws -> Double {
    while true {
      if !sim.beginSlot() {
        if gpo != nil { try gpo!.finishEpisode(sim) }
        episode += 1
        sim.reset(seed: Fig16Experiment.episodeSeed(seed: seed, episode: Int(episode)))
        continue
      }
      var seconds: Double? = nil
      actions.removeAll(keepingCapacity: true)
      if sim.isFrameStart {
        let start = ContinuousClock.now
        if gpo != nil {
          gpo!.orchestrate(sim, &actions)
        } else {
          greedy.orchestrate(sim, &actions)
        }
        let elapsed = (ContinuousClock.now - start).components
        seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
      }
      for a in actions { sim.apply(a) }
      sim.runDecisionRounds(policy: &dispatch)
      _ = sim.endSlot()
      if let seconds { return seconds }
    }
  }
}

/// The Fig. 17 experiment, callable from tests.
enum Fig17Experiment {
  /// Measures every series for every seed (rounds interleaved across series), writes data.csv
  /// (per round: cumulative ms of the round's decisions, mean and max per decision in µs),
  /// summary.json (ours beside the paper's values, ordering checks) and the plot.
  static func run(
    options: CommonOptions, config: Fig17Config, renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    var config = config
    config.environment.workload.tracePath = try options.traceURL().path
    try config.validate()
    var run = try RunInfo.start(figure: "fig17", options: options, config: config)
    var trace: AlibabaTrace? = nil
    if config.environment.workload.source == .trace {
      trace = try AlibabaTrace.loadReporting(for: config.environment)
    }
    let seeds = options.seeds
    let progress = ProgressReporter(
      label: "fig17", total: seeds.count * config.rounds * config.series.count, unit: "rounds",
      sink: progressSink)
    var table = ResultsTable(extraColumns: ["mean_us", "max_us"])
    for seed in seeds {
      var runners = try config.series.map {
        try Fig17Runner(series: $0, seed: seed, config: config, trace: trace)
      }
      for i in runners.indices {
        for _ in 0..<config.warmupInferences { _ = try runners[i].nextDecisionSeconds() }
      }
      for round in 1...config.rounds {
        for (i, series) in config.series.enumerated() {
          var total = 0.0
          var longest = 0.0
          for _ in 0..<config.inferencesPerRound {
            let seconds = try runners[i].nextDecisionSeconds()
            total += seconds
            longest = max(longest, seconds)
          }
          table.append(
            series: series.rawValue, seed: seed, x: Double(round), y: total * 1000,
            extras: [
              "mean_us": total / Double(config.inferencesPerRound) * 1e6,
              "max_us": longest * 1e6,
            ])
          progress.advance(metrics: ["ms": total * 1000])
        }
      }
    }
    progress.finish()
    let stats = Aggregation.seriesStats(table, finalWindow: config.rounds)
    var summary = FigureSummary(try FigureCatalog.require("fig17"))
    try summary.record(stats)
    judge(stats: stats, config: config, quick: options.quick, into: &summary)
    var text = TextTable([
      "series", "ours: ms / \(config.inferencesPerRound)", "min", "max",
      "paper: ms / 50",
    ])
    for entry in stats {
      let paper = Fig17Series(rawValue: entry.series)?.paperMs
      text.addRow([
        entry.series, Format.fixed(entry.finalValue, decimals: 3),
        Format.fixed(entry.finalValueMin, decimals: 3),
        Format.fixed(entry.finalValueMax, decimals: 3), paper.map { "~\(Int($0))" } ?? "",
      ])
    }
    print(text.render())
    run.finish()
    let writer = ResultsWriter(
      directory: options.outputDirectory(figure: "fig17"), renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "Fig. 17: orchestration inference latency (sum of \(config.inferencesPerRound) "
          + "consecutive decisions; mean and min-max over seeds)",
        xLabel: "round", yLabel: "cumulative latency (ms)", style: .linesPoints,
        logScaleY: true, keyPosition: "outside right top"))
  }

  /// Adds the ordering checks, the paper's values and the caveats.
  static func judge(
    stats: [SeriesStats], config: Fig17Config, quick: Bool, into summary: inout FigureSummary
  ) {
    func mean(_ s: Fig17Series) -> Double? { stats.first { $0.series == s.rawValue }?.finalValue }
    let verdict = { (value: Bool?) in quick ? nil : value }
    for s in Fig17Series.allCases where mean(s) != nil {
      summary.set("paperMsPer50", .number(s.paperMs), series: s.rawValue)
      if let ours = mean(s) {
        summary.set(
          "oursMsPer50", .number(ours * 50 / Double(config.inferencesPerRound)), series: s.rawValue)
      }
    }
    let ours = Fig17Series.allCases.compactMap { s in mean(s).map { "\(s.rawValue) \(fmt($0))" } }
      .joined(separator: ", ")
    let paper = "paper: Greedy ~20 ms, AC/PPO ~180-200 ms, GPO ~330 ms"
    if let greedy = mean(.greedy) {
      let learned = [Fig17Series.gpo, .ppo, .ac].compactMap(mean)
      if !learned.isEmpty {
        summary.check(
          "Greedy is the fastest (no neural network)",
          agrees: verdict(learned.allSatisfy { greedy < $0 }), evidence: "ours: \(ours); \(paper)")
      }
    }
    if let gpo = mean(.gpo) {
      let flat = [Fig17Series.ppo, .ac].compactMap(mean)
      if !flat.isEmpty {
        summary.check(
          "GPO is the slowest (GNN encoding on top of the policy networks)",
          agrees: verdict(flat.allSatisfy { gpo > $0 }), evidence: "ours: \(ours); \(paper)")
      }
    }
    if let ppo = mean(.ppo), let ac = mean(.ac) {
      let ratio = max(ppo, ac) / min(ppo, ac)
      summary.check(
        "PPO and AC are similar (both ~180-200 ms in the paper, within ~11%)",
        agrees: verdict(ratio <= 1.25),
        evidence: "ours: PPO \(fmt(ppo)), AC \(fmt(ac)) (ratio \(Format.fixed(ratio, decimals: 2)))"
      )
    }
    if let gpo = mean(.gpo), let ppo = mean(.ppo) {
      summary.notes.append(
        "GPO / PPO latency ratio: ours \(Format.fixed(gpo / ppo, decimals: 2)), paper ~"
          + Format.fixed(330.0 / 190.0, decimals: 2))
    }
    summary.notes.append(
      "absolute values are ours, wall-clock on this machine (release build, one thread, Swift "
        + "+ OpenBLAS); the paper's come from TensorFlow 1.14 on VMs. Judge the ordering only")
    summary.notes.append(
      "one decision = the whole orchestrate call at a frame start: graph observation of the "
        + "simulator, encoder (GNN or flat MLP), actors for H = "
        + "\(config.orchestration.agent.selectedNodes) nodes, action decoding; agents are "
        + "untrained (inference cost does not depend on the weights' values)")
    summary.notes.append(
      "frames every \(config.environment.timing.frameEverySlots) slots so that consecutive "
        + "decisions happen within one episode; rounds of the series are interleaved")
    if quick { summary.notes.append("--quick: tiny budget, numbers are not meaningful") }
  }

  static func fmt(_ ms: Double) -> String { Format.fixed(ms, decimals: 2) + " ms" }

  /// The summary of shards put together (`experiment merge`): the statistics and checks of the
  /// merged data.csv (every seed's rounds).
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let config = try input.config(Fig17Config.self)
    let computed = try input.summaryWithStatistics(finalWindow: config.rounds)
    var summary = computed.summary
    judge(stats: computed.stats, config: config, quick: input.run.quick, into: &summary)
    return summary
  }
}
