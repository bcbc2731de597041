import ArgumentParser
import Envs
import Foundation
import RL
import KMPSTestSupport
import Testing

@testable import Experiments

@Test func fig16QuickWritesEverySeriesAndTheClaims() throws {
  let out = try makeTemporaryDirectory()
  let options = try CommonOptions.parse(["--quick", "--seeds", "2", "--out", out.path])
  var config = Fig16Config.standard(quick: true)
  config.environment = gpoTinySystem(rate: 10, slots: 40, frame: 8)
  config.orchestration = gpoTinyAgents(h: 2)
  config.episodes = 2
  config.warmupPlacementSlots = 40
  let written = try Fig16Experiment.run(
    options: options, config: config, renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let lines = csv.split(separator: "\n")
  #expect(lines.first?.hasPrefix("series,seed,x,y,training_throughput,u_node_mean") == true)
  // Evaluation points 0, 1, 2 (quick: every episode) for every series and seed.
  #expect(config.evaluationPoints == [0, 1, 2])
  #expect(lines.count == 1 + 7 * 2 * 3)
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "fig16")
  #expect(document.quick)
  #expect(document.seeds == [1, 2])
  #expect(Set(document.series.keys) == Set(Fig16Series.allCases.map(\.rawValue)))
  #expect(document.claims.count == 8)
  #expect(document.claims.allSatisfy { $0.agrees == nil })  // --quick: unchecked
  #expect(document.config["episodes"] == .number(2))
  #expect(document.config["dispatch"] == .string("leastUtilizedCrossCluster"))
  for series in Fig16Series.allCases {
    let final = try #require(document.series[series.rawValue]?["finalValue"]?.doubleValue)
    #expect((0...1).contains(final))
  }
  // Paired held-out episodes: every series sees the same arrivals per (seed, point).
  let header = lines[0].split(separator: ",").map(String.init)
  let arrivedColumn = try #require(header.firstIndex(of: "arrived"))
  let arrived = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    .map { "\($0[1])/\($0[2])=\($0[arrivedColumn])" }
  #expect(Set(arrived).count == 2 * 3)
  #expect(document.notes.contains { $0.contains("--quick") })
  #expect(document.notes.contains { $0.contains("held-out") })
}

@Test func fig16HeldOutSeedsAreNeverTrainingSeeds() {
  for seed: UInt64 in 1...5 {
    let training = Set((1...200).map { Fig16Experiment.episodeSeed(seed: seed, episode: $0) })
    let heldOut = (1...10).map { Fig16Experiment.evaluationSeed(seed: seed, episode: $0) }
    #expect(Set(heldOut).count == 10)
    #expect(training.isDisjoint(with: heldOut))
    #expect(!heldOut.contains(Fig16Experiment.warmupSeed))
  }
  var config = Fig16Config.standard(quick: false)
  config.episodes = 25
  config.evaluateEvery = 10
  #expect(config.evaluationPoints == [0, 10, 20, 25])
  config.episodes = 20
  #expect(config.evaluationPoints == [0, 10, 20])
}

@Test func randomOrchestrationDrawsOnlyActionsTheMaskAllows() throws {
  var sim = try EdgeCloudSimulator(config: gpoTinySystem(rate: 10, slots: 40, frame: 8), seed: 3)
  var random = RandomOrchestrator(actionsPerFrame: 2, seed: 9)
  var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
  sim.run(dispatch: &dispatch, orchestration: &random)
  let m = sim.metrics
  // Four frames × 2 draws; masked draws never become no-ops.
  #expect(m.orchestrationNoOps == 0)
  #expect(m.replicasAdded + m.replicasRemoved > 0)
}

@Test func fig16ParsesSeriesAndRejectsUnknownOnes() throws {
  #expect(try Fig16Series.parseList("gpo, greedy,gpo") == [.gpo, .greedy])
  #expect(try Fig16Series.parseList("hpa,random") == [.hpa, .random])
  #expect(throws: ValidationError.self) { _ = try Fig16Series.parseList("gpo,bogus") }
  let parsed = try ExperimentCommand.parseAsRoot(["fig16", "--quick", "--series", "static"])
  let command = try #require(parsed as? Fig16Command)
  #expect(command.seriesList == "static")
  #expect(throws: (any Error).self) {
    _ = try ExperimentCommand.parseAsRoot(["fig16", "--series", "nope"])
  }
  var bad = Fig16Config.standard(quick: true)
  bad.environment.timing.episodeSlots = bad.environment.timing.frameEverySlots
  #expect(throws: ExperimentError.self) { try bad.validate() }
  var noEval = Fig16Config.standard(quick: true)
  noEval.evaluationEpisodes = 0
  #expect(throws: ExperimentError.invalidValue(
    field: "fig16.evaluationEpisodes", reason: "must be ≥ 1, got 0")) { try noEval.validate() }
}

@Test func fig17QuickTimesEverySeriesAndJudgesTheOrdering() throws {
  let out = try makeTemporaryDirectory()
  let options = try CommonOptions.parse(["--quick", "--seeds", "1", "--out", out.path])
  var config = Fig17Config.standard(quick: true)
  config.environment = gpoTinySystem(rate: 10, slots: 40, frame: 2)
  config.orchestration = gpoTinyAgents(h: 2)
  config.inferencesPerRound = 3
  config.rounds = 2
  let written = try Fig17Experiment.run(
    options: options, config: config, renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
  #expect(rows.count == 4 * 2)  // series × rounds
  #expect(Set(rows.map { String($0[0]) }) == ["GPO", "PPO", "AC", "Greedy"])
  for row in rows {
    let totalMs = try #require(Double(row[3]))
    let meanUs = try #require(Double(row[4]))
    #expect(totalMs > 0)
    #expect(abs(meanUs * 3 / 1000 - totalMs) < 1e-6 * max(1, totalMs))
  }
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "fig17")
  #expect(document.claims.count == 3)
  #expect(document.series["GPO"]?["paperMsPer50"] == .number(330))
  #expect(document.series["Greedy"]?["paperMsPer50"] == .number(20))
  #expect(document.notes.contains { $0.contains("absolute values are ours") })
  // Episodes of 40 slots with frames every 2: 19 decisions each; 1 warm-up + 2 × 3 timed
  // decisions stay inside the first episode, and longer runs roll over to new episodes.
  var runner = try Fig17Runner(series: .gpo, seed: 1, config: config, trace: nil)
  for _ in 0..<25 { #expect(try runner.nextDecisionSeconds() >= 0) }
  #expect(runner.episode == 1)
}
