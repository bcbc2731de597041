import Envs
import Foundation
import KMPS
import Testing

@testable import Experiments

/// A tiny training setup for the debug-build smoke tests of fig13–fig15 (light load, short
/// episodes), plus figure-specific fields.
private func tinyConfigFile(in directory: URL, extra: String = "") throws -> URL {
  let url = directory.appendingPathComponent("tiny.json")
  let json = """
    {"training": {"episodes": 2, "episodeSlots": 24, "loadRequestsPerSecond": 120,
      "warmupPlacementSlots": 120,
      "curriculum": [{"episodes": 1, "episodeSlots": 12, "loadFraction": 0.5,
        "profile": "steady"}],
      "mappo": {"samplesPerEpoch": 128, "updateEpochs": 2}}\(extra)}
    """
  try json.write(to: url, atomically: true, encoding: .utf8)
  return url
}

/// `--quick` options writing to a fresh folder with the tiny config.
private func quickOptions(
  _ figure: String, seeds: String = "1,2", extra: String = ""
) throws -> CommonOptions {
  let base = try makeTemporaryDirectory()
  let config = try tinyConfigFile(in: base, extra: extra)
  return try CommonOptions.parse([
    "--quick", "--seeds", seeds, "--no-tensorboard", "--out",
    base.appendingPathComponent(figure).path, "--config", config.path,
  ])
}

/// The data.csv rows as (series, seed, x, y).
private func rows(_ url: URL) throws -> [(series: String, seed: String, x: Double, y: Double)] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map {
    let f = $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    return (f[0], f[1], Double(f[2])!, Double(f[3])!)
  }
}

@Suite(.serialized) struct AblationFigureTests {
  private let none = GnuplotRenderer(executable: nil)

  @Test func fig13QuickRunWritesBothVariantsReferencesAndClaims() throws {
    let written = try Fig13Experiment.run(
      options: try quickOptions("fig13"), ablation: try AblationOptions.parse(["--jobs", "2"]),
      renderer: none, progressSink: { _ in })
    let data = try rows(written.dataCSV)
    #expect(
      Set(data.map(\.series)) == [
        Fig13Experiment.three, Fig13Experiment.two, Fig13Experiment.queueAwareThree,
        Fig13Experiment.queueAwareTwo, Fig7Experiment.greedyNativeName, Fig7UpperBound.name,
      ])
    #expect(data.count == 6 * 2 * 2)  // 6 series, 2 seeds, 2 episodes
    #expect(data.allSatisfy { (0...1).contains($0.y) })
    let document = try ResultsWriter.readSummary(written.summaryJSON)
    #expect(document.figure == "fig13")
    #expect(document.claims.count == 3)
    #expect(document.claims.allSatisfy { $0.agrees == nil })  // --quick: not checkable
    #expect(document.series[Fig13Experiment.two]?["early_mean"]?.doubleValue != nil)
    #expect(document.config["training"]?["episodes"] == .number(2))
  }

  @Test func fig15QuickRunTrainsEveryStrategy() throws {
    let written = try Fig15Experiment.run(
      options: try quickOptions("fig15", seeds: "1", extra: #", "upperBound": false"#),
      ablation: try AblationOptions.parse(["--synchronous"]), renderer: none,
      progressSink: { _ in })
    let data = try rows(written.dataCSV)
    let learned = DequeueKind.allCases.map(Fig15Experiment.name)
    let references = DequeueKind.allCases.map(Fig15Experiment.referenceName)
    #expect(
      Set(data.map(\.series)) == Set(learned + references + [Fig7Experiment.greedyNativeName]))
    #expect(data.count == 7 * 1 * 2)
    let document = try ResultsWriter.readSummary(written.summaryJSON)
    #expect(
      document.claims.map(\.text).first?.hasPrefix("Time-series hybrid > Delay-greedy") == true)
    #expect(document.claims.count == 2)
  }

  @Test func fig14QuickRunSweepsOneFactorAtATime() throws {
    let extra = """
      , "slotLengthsS": [0.25, 0.5], "reschedulePeriodsSlots": [2, 8], "frameLengthsS": [25],
      "finalWindow": 1
      """
    let written = try Fig14Experiment.run(
      options: try quickOptions("fig14", seeds: "1", extra: extra),
      ablation: try AblationOptions.parse([]), renderer: none, progressSink: { _ in })
    let data = try rows(written.dataCSV)
    // 5 settings (the default in each factor) × 1 seed, for KMPS and the reference.
    #expect(data.count == 5 * 1 * 2)
    let kmps = data.filter { $0.series.hasPrefix("KMPS") }
    // The default setting is one run, shown under every factor with the same value.
    let defaults = kmps.filter { [1, 6, 9].contains($0.x) && $0.seed == "1" }.map(\.y)
    #expect(defaults.count == 3 && Set(defaults).count == 1)
    // curves.csv: 3 trained settings × 1 seed × 2 episodes.
    let curves = try rows(written.directory.appendingPathComponent("curves.csv"))
    #expect(curves.count == 3 * 1 * 2)
    let document = try ResultsWriter.readSummary(written.summaryJSON)
    #expect(document.claims.count == 3)
    #expect(document.claims[2].text.hasPrefix("25 s is the best frame length"))
  }

  @Test func fig14RescalesEverythingCountedInSlots() throws {
    let config = Fig14Config.standard(quick: false)
    let t = try config.setup(slotS: 0.1, longSlotS: 2, frameS: 10, path: "x")
    // 200 slots of 0.25 s = 50 s = 500 slots of 0.1 s; stages 120/120/200 → 300/300/500.
    #expect(t.episodeSlots == 500)
    #expect(t.environment.timing.episodeSlots == 500)
    #expect(t.environment.timing.slotMs == 100)
    #expect(t.environment.timing.longSlotEverySlots == 20)
    #expect(t.environment.timing.frameEverySlots == 100)
    #expect(t.curriculum.map(\.episodeSlots) == [300, 300, 500])
    #expect(t.weightSyncEverySlots == 50)  // 20 slots of 0.25 s
    #expect(t.warmupPlacementSlots == 3000)
    #expect(t.environment.dispatch.budgetPerSlot == 51)  // 128 per 0.25 s
    #expect(t.environment.hpa.syncPeriodS == 10)
    let settings = try config.settings()
    #expect(settings.count == 3 + 4 + 3)
    #expect(settings.filter { $0.training == settings[1].training }.count == 3)
  }

  @Test func fig14InvalidSettingsNameTheField() throws {
    func field(_ edit: (inout Fig14Config) -> Void) -> String? {
      var config = Fig14Config.standard(quick: false)
      edit(&config)
      do {
        try config.validate()
        return nil
      } catch let error as EdgeCloudConfigError {
        return error.field
      } catch let error as ExperimentError {
        guard case .invalidValue(let field, _) = error else { return "?" }
        return field
      } catch {
        return "?"
      }
    }
    #expect(field { _ in } == nil)
    #expect(field { $0.slotLengthsS = [0.25, 0] } == "slotLengthsS[1].slotS")
    #expect(field { $0.slotLengthsS = [-0.1] } == "slotLengthsS[0].slotS")
    // 2 s of rescheduling is 6.67 slots of 0.3 s.
    #expect(field { $0.slotLengthsS = [0.3] } == "slotLengthsS[0].longSlotS")
    #expect(field { $0.reschedulePeriodsSlots = [2, 1.5] } == "reschedulePeriodsSlots[1]")
    #expect(field { $0.reschedulePeriodsSlots = [0] } == "reschedulePeriodsSlots[0]")
    #expect(field { $0.frameLengthsS = [25, 0.1] } == "frameLengthsS[1].frameS")
    #expect(field { $0.frameLengthsS = [10, 10] } == "frameLengthsS")
    #expect(field { $0.finalWindow = 0 } == "finalWindow")
  }

  @Test func orderingClaimsFailWhenFlatLosingOrSplit() {
    let margin = 0.005
    func agrees(_ a: [Double], _ b: [Double]) -> Bool {
      AblationClaims.beats(("a", a), ("b", b), margin: margin).agrees
    }
    #expect(agrees([0.90, 0.91, 0.92], [0.88, 0.89, 0.90]))
    #expect(!agrees([0.90, 0.91, 0.92], [0.90, 0.91, 0.92]))  // flat
    #expect(!agrees([0.88, 0.89, 0.90], [0.90, 0.91, 0.92]))  // reversed
    #expect(!agrees([0.90, 0.91, 0.92], [0.898, 0.908, 0.918]))  // below the margin
    #expect(!agrees([0.99, 0.85, 0.85], [0.86, 0.86, 0.86]))  // one seed carries the mean
    #expect(!agrees([], []))
    let evidence = AblationClaims.beats(("a", [0.9]), ("b", [0.8]), margin: margin).evidence
    #expect(evidence.contains("+10.0 points"))
  }

  @Test func invalidJobsIsRejected() {
    #expect(throws: (any Error).self) { _ = try AblationOptions.parse(["--jobs", "0"]) }
    #expect(throws: (any Error).self) {
      _ = try ExperimentCommand.parseAsRoot(["fig14", "--jobs", "0"])
    }
  }
}
