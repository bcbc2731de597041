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
