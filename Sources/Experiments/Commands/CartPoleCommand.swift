import ArgumentParser
import Envs
import Foundation
import RL
import SeededRandom
import TensorBoard

/// `experiment cartpole`: PPO with CleanRL's defaults on CartPole-v1, the correctness proof of
/// the tensor / autograd / PPO stack (CleanRL reaches ~500 within 500k steps).
struct CartPoleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cartpole",
    abstract: "Train PPO (CleanRL ppo.py defaults) on CartPole-v1; writes results/cartpole/.")

  @OptionGroup var common: CommonOptions

  /// A single seed (overrides `--seeds`).
  @Option(name: .customLong("seed"), help: "Run this one seed (overrides --seeds).")
  var seed: UInt64?

  /// Environment steps per seed.
  @Option(
    name: .customLong("total-timesteps"),
    help: "Environment steps per seed (default 500000; 20000 with --quick).")
  var totalTimesteps: Int?

  func validate() throws {
    if seed != nil, let shard = common.shard {
      throw ValidationError("--seed runs one seed; it cannot be split into --shard \(shard)")
    }
    if let totalTimesteps, totalTimesteps < 512 {
      throw ValidationError(
        "--total-timesteps must be at least one rollout (512), got \(totalTimesteps)")
    }
  }

  func run() throws {
    common.applyThreadSettings()
    var config = PPOConfig()
    config.totalTimesteps = totalTimesteps ?? (common.quick ? 20_000 : 500_000)
    let seeds = seed.map { [$0] } ?? common.seeds
    let written = try CartPoleExperiment.run(options: common, seeds: seeds, config: config)
    print(written.report)
  }
}

/// The CartPole PPO experiment, callable from tests.
enum CartPoleExperiment {
  /// Episodes averaged for the headline number.
  static let finalEpisodes = 100
  /// CleanRL's reference threshold for "solved" on CartPole-v1.
  static let solvedReturn = 475.0

  /// The summary before any result: title and claim.
  static var emptySummary: FigureSummary {
    FigureSummary(
      figure: "cartpole", title: "PPO (CleanRL defaults) on CartPole-v1",
      paperClaim: "CleanRL's PPO reaches a mean return ≥ 475 over the last 100 episodes "
        + "within 500k steps")
  }

  /// Checks the claim on each seed's final mean return of the last 100 episodes and records
  /// those returns and the notes.
  static func judge(
    finalReturns: [UInt64: Double], seeds: [UInt64], quick: Bool,
    into summary: inout FigureSummary
  ) {
    let solved = seeds.filter { (finalReturns[$0] ?? 0) >= solvedReturn }.count
    let needed = min(2, seeds.count)
    let returnsText = seeds.map { "seed \($0): " + Format.number(finalReturns[$0], digits: 4) }
      .joined(separator: ", ")
    summary.check(
      "mean return over the last 100 episodes ≥ 475 for at least \(needed) of \(seeds.count) seeds",
      agrees: quick ? nil : solved >= needed,
      evidence: "\(solved) of \(seeds.count) seeds solved (\(returnsText))")
    summary.set(
      "mean_return_last_100",
      .array(seeds.map { .number(finalReturns[$0] ?? 0) }), series: "PPO")
    if quick { summary.notes.append("--quick: tiny budget, numbers are not meaningful") }
    summary.notes.append("episodes.csv holds every episode's return; data.csv one row per update")
  }

  /// The summary of shards put together (`experiment merge`): each seed's final return is its
  /// last row in `data.csv` (the rolling mean after the last update, as in `run`); each seed's
  /// measured steps and wall time come from the shard that ran it.
  @Sendable static func mergedSummary(_ input: MergedSummary.Input) throws -> FigureSummary {
    let (table, run, shards) = (input.table, input.run, input.shards)
    var summary = emptySummary
    var finalReturns: [UInt64: Double] = [:]
    for row in table.rows(series: "PPO") { finalReturns[row.seed] = row.y }
    for seed in run.seeds {
      let key = "seed \(seed)"
      if let measured = shards.lazy.compactMap({ $0.series["PPO"]?[key] }).first {
        summary.set(key, measured, series: "PPO")
      }
    }
    judge(finalReturns: finalReturns, seeds: run.seeds, quick: run.quick, into: &summary)
    return summary
  }

  /// Trains one PPO learner per seed, writes `data.csv` (per update: rolling mean return of the
  /// last 100 episodes plus the PPO diagnostics), `episodes.csv` (every episode's return),
  /// `summary.json` (per-seed `mean_return_last_100`, steps, wall time, the config) and the plot.
  static func run(
    options: CommonOptions, seeds: [UInt64], config: PPOConfig,
    renderer: GnuplotRenderer = .detect(),
    progressSink: @escaping ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> WrittenResults {
    try config.validate()
    var run = try RunInfo.start(
      figure: "cartpole", seeds: seeds, config: config, blasThreads: options.blasThreads,
      quick: options.quick)
    run.shard = options.shard.map { ShardRecord(spec: $0, allSeeds: options.seedList.values) }
    let directory = options.outputDirectory(figure: "cartpole")
    try FileIO.makeDirectory(directory)
    let episodeLog = try MetricsLogger(
      url: directory.appendingPathComponent("episodes.csv"), format: .csv,
      columns: ["seed", "episode", "global_step", "episodic_return", "episodic_length"])
    var table = ResultsTable(extraColumns: [
      "policy_loss", "value_loss", "entropy", "old_approx_kl", "approx_kl", "clipfrac",
      "explained_variance", "learning_rate", "sps",
    ])
    var summary = emptySummary
    var finalReturns: [UInt64: Double] = [:]
    let tensorBoard = TensorBoardRuns(options: options, figure: "cartpole")
    for seed in seeds {
      let events = try tensorBoard.writer(series: "PPO", seed: seed, config: config)
      let seedStart = ContinuousClock.now
      var ppo = try PPOTrainer(config: config, seed: seed) { _ in CartPole.v1() }
      let progress = ProgressReporter(
        label: "cartpole PPO seed \(seed)", total: config.numIterations * config.batchSize,
        unit: "steps", sink: progressSink)
      var episodeCount = 0
      while ppo.iteration < config.numIterations {
        let log = try ppo.iterate()
        for episode in log.episodes {
          episodeCount += 1
          try episodeLog.log([
            ("seed", .int(Int(seed))), ("episode", .int(episodeCount)),
            ("global_step", .int(log.globalStep)),
            ("episodic_return", .double(episode.episodeReturn)),
            ("episodic_length", .int(episode.length)),
          ])
          events?.scalars(
            [
              ("charts/episodic_return", episode.episodeReturn),
              ("charts/episodic_length", Double(episode.length)),
            ], step: log.globalStep)
        }
        let rolling = ppo.meanReturn(lastEpisodes: finalEpisodes) ?? 0
        let s = log.stats
        table.append(
          series: "PPO", seed: seed, x: Double(log.globalStep), y: rolling,
          extras: [
            "policy_loss": Double(s.policyLoss), "value_loss": Double(s.valueLoss),
            "entropy": Double(s.entropy), "old_approx_kl": Double(s.oldApproxKL),
            "approx_kl": Double(s.approxKL), "clipfrac": Double(s.clipFraction),
            "explained_variance": Double(s.explainedVariance),
            "learning_rate": Double(s.learningRate), "sps": log.stepsPerSecond,
          ])
        events?.scalars(
          [
            ("charts/learning_rate", Double(s.learningRate)),
            ("losses/value_loss", Double(s.valueLoss)), ("losses/policy_loss", Double(s.policyLoss)),
            ("losses/entropy", Double(s.entropy)), ("losses/old_approx_kl", Double(s.oldApproxKL)),
            ("losses/approx_kl", Double(s.approxKL)), ("losses/clipfrac", Double(s.clipFraction)),
            ("losses/explained_variance", Double(s.explainedVariance)),
            ("charts/SPS", log.stepsPerSecond), ("charts/mean_return_last_100", rolling),
          ], step: log.globalStep)
        try events?.flush()
        progress.update(
          done: log.globalStep,
          metrics: [
            "return100": rolling, "approx_kl": Double(s.approxKL), "sps": log.stepsPerSecond,
          ])
      }
      progress.finish()
      try events?.close()
      let elapsed = (ContinuousClock.now - seedStart).components
      let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
      let final = ppo.meanReturn(lastEpisodes: finalEpisodes) ?? 0
      finalReturns[seed] = final
      let key = "seed \(seed)"
      summary.set(
        key,
        .object([
          "mean_return_last_100": .number(final), "steps": .number(Double(ppo.globalStep)),
          "episodes": .number(Double(ppo.episodes.count)), "wall_time_seconds": .number(seconds),
          "steps_per_second": .number(Double(ppo.globalStep) / max(seconds, 1e-9)),
        ]), series: "PPO")
    }
    try episodeLog.close()
    judge(finalReturns: finalReturns, seeds: seeds, quick: options.quick, into: &summary)
    run.finish()
    var resultTable = TextTable(["seed", "mean return (last 100)", "solved (≥ 475)"])
    for seed in seeds {
      let value = finalReturns[seed] ?? 0
      resultTable.addRow([
        String(seed), Format.number(value, digits: 4), value >= solvedReturn ? "yes" : "no",
      ])
    }
    print(resultTable.render())
    let writer = ResultsWriter(directory: directory, renderer: renderer)
    return try writer.write(
      table: table, summary: summary, run: run,
      plot: PlotSpec(
        title: "PPO on CartPole-v1 (mean of last 100 episode returns; mean and min-max over seeds)",
        xLabel: "environment steps", yLabel: "episodic return", yRange: 0...520))
  }
}
