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
  let written = try Fig16Experiment.run(
    options: options, config: config, renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let lines = csv.split(separator: "\n")
  #expect(lines.first?.hasPrefix("series,seed,x,y,u_node_mean,u_service_mean") == true)
  #expect(lines.count == 1 + 5 * 2 * 2)  // header + series × seeds × episodes
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "fig16")
  #expect(document.quick)
  #expect(document.seeds == [1, 2])
  #expect(Set(document.series.keys) == Set(Fig16Series.allCases.map(\.rawValue)))
  #expect(document.claims.count == 4)
  #expect(document.claims.allSatisfy { $0.agrees == nil })  // --quick: unchecked
  #expect(document.config["episodes"] == .number(2))
  #expect(document.config["dispatch"] == .string("leastUtilizedCrossCluster"))
  for series in Fig16Series.allCases {
    let final = try #require(document.series[series.rawValue]?["finalValue"]?.doubleValue)
    #expect((0...1).contains(final))
  }
  // Paired episodes: greedy and static see the same arrivals per (seed, episode).
  let arrived = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    .filter { $0[0] == "greedy" || $0[0].hasPrefix("static") }
    .map { "\($0[1])/\($0[2])=\($0[9])" }
  #expect(Set(arrived).count == 2 * 2)
  #expect(document.notes.contains { $0.contains("--quick") })
}

@Test func fig16ParsesSeriesAndRejectsUnknownOnes() throws {
  #expect(try Fig16Series.parseList("gpo, greedy,gpo") == [.gpo, .greedy])
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
