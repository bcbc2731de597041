import ArgumentParser
import Envs
import Foundation
import KMPS
import KMPSTestSupport
import RL
import Testing

@testable import Experiments

/// Fig. 18 on the tiny system: KMPS and KaiS trained for two episodes, everyone scored on one
/// held-out episode of five frames.
private func tinyFig18() -> Fig18Config {
  var config = Fig18Config.standard(quick: true)
  var env = gpoTinySystem(rate: 20, slots: 40, frame: 8)
  env.orchestration.orchestrator = .agent
  config.training.environment = env
  config.training.curriculum = [
    CurriculumStage(episodes: 1, episodeSlots: 16, loadFraction: 0.5, profile: .steady)
  ]
  config.training.episodes = 2
  config.training.episodeSlots = 24
  config.training.loadRequestsPerSecond = 20
  config.training.warmupPlacementSlots = 0
  config.kais.actorHiddenSizes = [16]
  config.kais.criticHiddenSizes = [16]
  config.calibrationSlots = 16
  config.evaluationSlots = 40
  return config
}

@Test func fig18QuickWritesEverySchedulerPerFrameAndTheClaims() throws {
  let out = try makeTemporaryDirectory()
  let options = try CommonOptions.parse(["--quick", "--seeds", "1", "--out", out.path])
  let written = try Fig18Experiment.run(
    options: options, config: tinyFig18(), renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let rows = csv.split(separator: "\n").dropFirst().map {
    $0.split(separator: ",", omittingEmptySubsequences: false)
  }
  // 7 series × 5 frames (one held-out episode of 40 slots, frames of 8).
  #expect(rows.count == Fig18Series.allCases.count * 5)
  #expect(Set(rows.map { String($0[0]) }) == Set(Fig18Series.allCases.map(\.rawValue)))
  // Every scheduler saw the same arrivals in each frame (same held-out episode).
  let arrivedColumn = try #require(
    csv.split(separator: "\n").first?.split(separator: ",").firstIndex(of: "arrived"))
  for frame in 1...5 {
    let x = Double(frame) * 2  // 8 slots × 0.25 s
    let arrived = Set(rows.filter { Double($0[2]) == x }.map { String($0[arrivedColumn]) })
    #expect(arrived.count == 1, "frame \(frame): \(arrived)")
  }
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.figure == "fig18" && document.quick)
  #expect(document.claims.count == 3)
  #expect(document.claims.allSatisfy { $0.agrees == nil })  // --quick: unchecked
  #expect(document.claims[0].evidence.contains("KMPS −"))
  let firmament = try #require(document.series["Firmament_Native"])
  #expect((firmament["calibrationMsPerRound"]?.doubleValue ?? 0) > 0)
  #expect(firmament["failedSolves"]?.doubleValue == 0)
  for series in Fig18Series.allCases {
    let final = try #require(document.series[series.rawValue]?["finalValue"]?.doubleValue)
    #expect((0...1).contains(final))
  }
}

@Test func fig18JudgesTheClaimsSoThatTheyCanFail() {
  func stats(_ name: String, _ value: Double) -> SeriesStats {
    SeriesStats(
      series: name, seedCount: 3, finalValue: value, finalValueMin: value, finalValueMax: value,
      finalWindow: 10, peakMean: value, peakX: 1, lastX: 10, convergenceX: nil,
      convergenceXPerSeed: [], convergence: nil)
  }
  let calibration = FirmamentCalibration.Result(
    secondsPerRound: 0.001, decisionsPerRound: 100, tasksPerRound: 120, maxSecondsPerRound: 0.002)
  func verdicts(_ kmps: Double, _ kais: Double, _ firmament: Double, _ greedy: Double) -> [Bool?] {
    var summary = FigureSummary(FigureCatalog.info("fig18")!)
    Fig18Experiment.judge(
      stats: [
        stats("KMPS", kmps), stats("KaiS", kais), stats("Firmament_Native", firmament),
        stats("Greedy_Native", greedy),
      ], config: .standard(quick: false), calibration: calibration, firmamentRounds: [],
      trainingSeconds: [:], seeds: [1], quick: false, into: &summary)
    return summary.claims.map(\.agrees)
  }
  #expect(verdicts(0.90, 0.80, 0.75, 0.70) == [true, true, true])
  // KMPS only 3 points above KaiS; Firmament above KMPS; Greedy at 85%.
  #expect(verdicts(0.83, 0.80, 0.86, 0.85) == [false, false, false])
}

@Test func fig18ConfigRejectsAnEvaluationWithoutFrames() {
  var config = Fig18Config.standard(quick: true)
  config.evaluationSlots = config.training.environment.timing.frameEverySlots
  #expect(throws: ExperimentError.self) { try config.validate() }
  config = Fig18Config.standard(quick: true)
  config.evaluationEpisodes = 0
  #expect(throws: ExperimentError.self) { try config.validate() }
}

@Test func fig18BoundsEveryHeldOutEpisodeOfEverySeries() throws {
  let out = try makeTemporaryDirectory()
  let options = try CommonOptions.parse(["--quick", "--seeds", "2", "--out", out.path])
  var config = tinyFig18()
  config.evaluationEpisodes = 2
  let written = try Fig18Experiment.run(
    options: options, config: config, renderer: GnuplotRenderer(executable: nil),
    progressSink: { _ in })
  let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let lines = csv.split(separator: "\n")
  let header = try #require(lines.first).split(separator: ",").map(String.init)
  let column = { (name: String) throws -> Int in try #require(header.firstIndex(of: name)) }
  let (episodeColumn, throughputColumn, arrivedColumn) = (
    try column("episode"), try column("episodeThroughput"), try column("arrived")
  )
  let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
  let bound = Fig18Series.upperBound.rawValue
  // Per (series, seed, episode): the episode throughput and the arrivals over its frames.
  var episodes: [String: [String: (y: Double, arrived: Double)]] = [:]
  for r in rows {
    let key = "\(r[1])/\(r[episodeColumn])"
    let y = try #require(Double(r[throughputColumn]))
    let arrived = try #require(Double(r[arrivedColumn]))
    let previous = episodes[String(r[0]), default: [:]][key]
    #expect(previous == nil || previous!.y == y)
    episodes[String(r[0]), default: [:]][key] = (y, (previous?.arrived ?? 0) + arrived)
  }
  let bounds = try #require(episodes[bound])
  #expect(bounds.count == 4)  // 2 seeds × 2 held-out episodes
  for (series, perEpisode) in episodes where series != bound {
    #expect(perEpisode.count == 4, "\(series)")
    for (key, value) in perEpisode {
      let b = try #require(bounds[key])
      #expect(value.y <= b.y + 1e-9, "\(series) \(key): \(value.y) above the bound \(b.y)")
      #expect(value.arrived == b.arrived, "\(series) \(key): other arrivals than the bound's")
    }
  }
  // The bound is fig7's on exactly the held-out episode: same seed, workload and length.
  var env = config.training.environment
  env.dispatch.crossCluster = true
  var timing = env.timing
  timing.episodeSlots = config.evaluationSlots
  let instance = try BoundInstance.episode(
    config: env.with(timing: timing), trace: nil,
    seed: DispatchTraining.episodeSeed(2, phase: Fig18Experiment.evaluationPhase, episode: 2),
    workload: config.training.workload(loadFraction: 1, profile: config.training.profile))
  var boundOptions = EpisodeBoundOptions()
  boundOptions.solveLP = false
  let expected = try EpisodeBound.solve(instance, options: boundOptions)
  let held = try #require(bounds["2/2"])
  #expect(abs(held.y - expected.bound) < 1e-12)
  #expect(held.arrived == Double(instance.requests.count))
  #expect(instance.requests.count > 0)
  // summary.json: each series' share of the bound = Σ episode throughput / Σ bound per seed.
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  for (series, perEpisode) in episodes where series != bound {
    let shares = ["1", "2"].map { seed in
      let keys = ["\(seed)/1", "\(seed)/2"]
      return keys.map { perEpisode[$0]!.y }.reduce(0, +) / keys.map { bounds[$0]!.y }.reduce(0, +)
    }
    let recorded = try #require(document.series[series]?["share_of_bound"]?.doubleValue)
    #expect(abs(recorded - (shares[0] + shares[1]) / 2) < 1e-9, "\(series)")
    #expect(document.series[series]?["episodesAboveBound"]?.doubleValue == 0)
  }
}
