import ArgumentParser
import Envs
import Foundation
import KMPS
import Testing

@testable import Experiments

/// A sweep config on a tiny system (one cluster of three nodes, Poisson arrivals, no
/// orchestration) with one short training episode per series, written as a `--config` file.
func tinySweepConfigFile(in directory: URL) throws -> URL {
  var config = DispatchSweepConfig.standard(quick: true)
  var env = config.training.environment
  env.topology.clusterCount = 1
  env.topology.edgeNodesPerCluster = 3
  env.topology.cloudNodeCount = 1
  env.services.count = 3
  env.services.replicaMemoryGB = [0.5, 0.5, 0.5]
  env.services.baseExecutionMs = [200, 200, 200]
  env.services.replicaCPURequestCores = [0.18, 0.18, 0.18]
  env.services.placement = [[4, 0, 0, 4], [0, 4, 0, 4], [0, 0, 4, 4]]
  env.workload.source = .poisson
  env.workload.clusterShares = [1]
  env.orchestration.orchestrator = OrchestratorKind.none
  config.training.environment = env
  config.training.curriculum = []
  config.training.episodes = 1
  config.training.episodeSlots = 8
  config.training.loadRequestsPerSecond = 50
  config.training.warmupPlacementSlots = 0
  config.training.mappo.samplesPerEpoch = 32
  config.training.mappo.numMinibatches = 2
  config.baselines.a2c.hiddenSizes = [16]
  config.baselines.a2c.numSteps = 16
  config.baselines.ddpg.hiddenSizes = [16]
  config.baselines.ddpg.batchSize = 8
  config.baselines.ddpg.learningStarts = 10
  config.loads = [50, 100]
  config.evaluationSlots = 8
  config.calibrationDecisions = 10
  let url = directory.appendingPathComponent("sweep.json")
  try JSONFiles.encode(config).write(to: url)
  return url
}

@Test func sweepFiguresShareOneCachedSweepAndWriteTheirFiles() throws {
  let root = try makeTemporaryDirectory()
  let configFile = try tinySweepConfigFile(in: root)
  func options(_ figure: String) throws -> CommonOptions {
    try CommonOptions.parse([
      "--quick", "--seeds", "1", "--config", configFile.path,
      "--out", root.appendingPathComponent(figure).path,
    ])
  }
  let none = GnuplotRenderer(executable: nil)
  let sweep = try SweepFigureOptions.parse([])
  let fig9 = try Fig9Experiment.run(
    options: options("fig9"), sweep: sweep, renderer: none, progressSink: { _ in })
  let rows9 = try String(contentsOf: fig9.dataCSV, encoding: .utf8).split(separator: "\n")
  #expect(rows9.first?.hasPrefix("series,seed,x,y,decision_ms,transmission_ms") == true)
  #expect(rows9.count == 1 + 3 * 2)  // MAPPO, AC, DDPG × two loads
  let doc9 = try ResultsWriter.readSummary(fig9.summaryJSON)
  #expect(doc9.claims.count == 1)  // loads 50 and 100: only the low-load claim applies
  #expect(doc9.claims.allSatisfy { $0.agrees == nil })  // --quick: unchecked
  #expect(
    FileManager.default.fileExists(atPath: root.appendingPathComponent("dispatch-sweep-cache").path)
  )

  let fig10 = try Fig10Experiment.run(
    options: options("fig10"), sweep: sweep, renderer: none, progressSink: { _ in })
  let doc10 = try ResultsWriter.readSummary(fig10.summaryJSON)
  #expect(doc10.notes.contains { $0.contains("1 of 1 seeds were read") })
  #expect(doc10.claims.count == 2)
  let fig11 = try Fig11Experiment.run(
    options: options("fig11"), sweep: sweep, renderer: none, progressSink: { _ in })
  #expect(try ResultsWriter.readSummary(fig11.summaryJSON).claims.count == 2)
  let fig12 = try Fig12Experiment.run(
    options: options("fig12"), sweep: sweep, renderer: none, progressSink: { _ in })
  let rows12 = try String(contentsOf: fig12.dataCSV, encoding: .utf8).split(separator: "\n")
    .dropFirst().map { $0.split(separator: ",") }
  #expect(Set(rows12.map { String($0[0]) }) == ["distributed", "centralized"])
  // Centralized decisions pay the round trip to the central decision-maker.
  for load in ["50", "100"] {
    let d = try #require(
      rows12.first { $0[0] == "distributed" && $0[2] == load }.flatMap { Double($0[3]) })
    let c = try #require(
      rows12.first { $0[0] == "centralized" && $0[2] == load }.flatMap { Double($0[3]) })
    #expect(c > d + 150)
  }
  #expect(try ResultsWriter.readSummary(fig12.summaryJSON).claims.count == 3)
}

@Test func fig8QuickTimesEverySeries() throws {
  let root = try makeTemporaryDirectory()
  let configFile = try tinySweepConfigFile(in: root)
  let options = try CommonOptions.parse([
    "--quick", "--seeds", "1", "--out", root.appendingPathComponent("fig8").path, "--load", "50",
  ])
  var config = Fig8Config.standard(quick: true)
  let tiny = try ConfigOverrides.apply(configFile, to: config.sweep)
  config.sweep = tiny
  let file = root.appendingPathComponent("fig8.json")
  config.rounds = 2
  config.inferencesPerRound = 3
  config.warmupInferences = 2
  try JSONFiles.encode(config).write(to: file)
  var withConfig = options
  withConfig.configPath = file.path
  let written = try Fig8Experiment.run(
    options: withConfig, rounds: nil, series: nil, renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let rows = try String(contentsOf: written.dataCSV, encoding: .utf8).split(separator: "\n")
    .dropFirst().map { $0.split(separator: ",") }
  #expect(rows.count == 3 * 2)
  #expect(Set(rows.map { String($0[0]) }) == ["MAPPO", "AC", "DDPG"])
  for row in rows {
    let totalMs = try #require(Double(row[3]))
    let meanUs = try #require(Double(row[4]))
    #expect(totalMs > 0)
    #expect(abs(meanUs * 3 / 1000 - totalMs) < 1e-6 * max(1, totalMs))
  }
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.claims.count == 1)
}

/// The message of the error `body` throws (nil when it does not throw).
func errorMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch {
    return "\(error)"
  }
}

@Test func sweepFiguresRejectBadInputNamingTheOption() throws {
  let root = try makeTemporaryDirectory()
  let none = GnuplotRenderer(executable: nil)
  let options = try CommonOptions.parse(["--quick", "--out", root.path])
  func sweep(_ arguments: [String]) throws -> SweepFigureOptions {
    try SweepFigureOptions.parse(arguments)
  }
  // Unknown series.
  let unknown = errorMessage {
    _ = try Fig9Experiment.run(
      options: options, sweep: try sweep(["--series", "MAPPO,PPO"]), renderer: none)
  }
  #expect(unknown?.contains("--series") == true)
  #expect(unknown?.contains("'PPO'") == true)
  let unknown12 = errorMessage {
    _ = try Fig12Experiment.run(
      options: options, sweep: try sweep(["--series", "central"]), renderer: none)
  }
  #expect(unknown12?.contains("--series") == true)
  let unknown8 = errorMessage {
    _ = try Fig8Experiment.run(options: options, rounds: 1, series: "A2C", renderer: none)
  }
  #expect(unknown8?.contains("--series") == true)
  // Loads outside the supported range, or none.
  for bad in ["100,2000", "10", "", " , ", "100,abc", "100,100"] {
    let message = errorMessage {
      _ = try Fig10Experiment.run(
        options: options, sweep: try sweep(["--loads", bad]), renderer: none)
    }
    #expect(message?.contains("--loads") == true, "\(bad): \(message ?? "no error")")
  }
  #expect(errorMessage { _ = try SweepLoads.parse("") }?.contains("empty load list") == true)
  #expect(
    errorMessage { _ = try SweepLoads.parse("700") } == nil
      && errorMessage { _ = try SweepLoads.parse("1200") }?.contains("outside the supported")
        == true
  )
  // The training load (--load) and fig8's simulated load.
  let load = try CommonOptions.parse(["--quick", "--out", root.path, "--load", "5000"])
  #expect(
    errorMessage {
      _ = try Fig11Experiment.run(options: load, sweep: try sweep([]), renderer: none)
    }?.contains("--load") == true)
  #expect(
    errorMessage {
      _ = try Fig8Experiment.run(options: load, rounds: 1, series: nil, renderer: none)
    }?.contains("--load") == true)
  // No checkpoints in figs 8-12.
  let evalOnly = try CommonOptions.parse(["--quick", "--out", root.path, "--eval-only"])
  #expect(
    errorMessage {
      _ = try Fig12Experiment.run(options: evalOnly, sweep: try sweep([]), renderer: none)
    }?.contains("--eval-only") == true)
  // Through the command line.
  #expect(throws: (any Error).self) {
    var command = try ExperimentCommand.parseAsRoot(["fig9", "--loads", "5000"])
    try command.run()
  }
}

@Test func sweepSeriesParseCaseInsensitively() throws {
  #expect(
    try DispatchSweepSeries.parseList(
      "mappo, ddpg,MAPPO", option: "--series", allowed: DispatchSweepSeries.learned)
      == [.mappo, .ddpg])
  #expect(try Fig12Series.parseList("Centralized,distributed") == [.centralized, .distributed])
  #expect(try SweepLoads.parse("600, 100") == [600, 100])
}
