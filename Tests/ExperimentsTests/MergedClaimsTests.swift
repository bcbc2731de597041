import Envs
import Foundation
import KMPSTestSupport
import Testing

@testable import Experiments

/// `experiment merge` checks every figure's claims itself, from the merged data, with the
/// figure's own claim code. For each figure family: a run over all seeds in one process and
/// the same run as two shards, merged; where the run is deterministic the merged claims must
/// equal the one-process claims word for word (verdicts and evidence with its numbers). Runs
/// whose data are wall-clock measurements (figs 8, 17) or whose learner runs on its own thread
/// (fig18's KMPS) cannot repeat their numbers, so there the merged claims are held to the
/// one-process claims' texts and to statistics computed by hand from the shards' rows.

private let none = GnuplotRenderer(executable: nil)

/// A figure run over seeds 1 and 2 in one process (`whole`) and as shards 1/2 and 2/2 merged;
/// `run` gets the options' extra arguments (`--out …` and maybe `--shard …`).
private func wholeAndMerged(
  _ root: URL, _ run: (_ arguments: [String]) throws -> WrittenResults
) throws -> (whole: SummaryDocument, merged: SummaryDocument, shards: [URL]) {
  let whole = try run(["--out", root.appendingPathComponent("whole").path])
  let shards = try ["1/2", "2/2"].map { shard in
    try run([
      "--out", root.appendingPathComponent("shard\(shard.first!)").path, "--shard", shard,
    ]).directory
  }
  let merged = try ShardMerge.merge(
    shards, into: root.appendingPathComponent("merged"), renderer: none)
  return (
    try ResultsWriter.readSummary(whole.summaryJSON),
    try ResultsWriter.readSummary(merged.summaryJSON), shards
  )
}

/// The claims are the merge's own: none says it was not re-checked.
private func expectRechecked(_ document: SummaryDocument) {
  #expect(!document.claims.isEmpty)
  #expect(document.claims.allSatisfy { !$0.evidence.contains("not re-checked") })
}

/// Per series, the mean over seeds of each seed's mean y in the shards' data.csv (a figure
/// whose final window covers every row of a seed).
private func handFinalValues(_ shards: [URL]) throws -> [String: Double] {
  var perSeed: [String: [UInt64: [Double]]] = [:]
  for shard in shards {
    let url = shard.appendingPathComponent("data.csv")
    let table = try ResultsTable(csv: String(contentsOf: url, encoding: .utf8), path: url.path)
    for row in table.rows { perSeed[row.series, default: [:]][row.seed, default: []].append(row.y) }
  }
  return perSeed.mapValues { seeds in
    let means = seeds.values.map { $0.reduce(0, +) / Double($0.count) }
    return means.reduce(0, +) / Double(means.count)
  }
}

/// Figs 9–12 read one cached sweep: the shards read the seeds the run in one process cached,
/// so every claim must come out identical.
@Test func mergedSweepFiguresCheckTheClaimsOfTheRunInOneProcess() throws {
  let root = try makeTemporaryDirectory()
  let config = try tinySweepConfigFile(in: root)
  let sweep = try SweepFigureOptions.parse([])
  let figures: [(String, (CommonOptions) throws -> WrittenResults)] = [
    ("fig9", { try Fig9Experiment.run(options: $0, sweep: sweep, renderer: none) { _ in } }),
    ("fig10", { try Fig10Experiment.run(options: $0, sweep: sweep, renderer: none) { _ in } }),
    ("fig11", { try Fig11Experiment.run(options: $0, sweep: sweep, renderer: none) { _ in } }),
    ("fig12", { try Fig12Experiment.run(options: $0, sweep: sweep, renderer: none) { _ in } }),
  ]
  for (name, figure) in figures {
    let folder = root.appendingPathComponent(name)
    let (whole, merged, _) = try wholeAndMerged(folder) { extra in
      try figure(
        CommonOptions.parse(["--quick", "--seeds", "2", "--config", config.path] + extra))
    }
    expectRechecked(merged)
    #expect(merged.claims == whole.claims, "\(name)")
    for (series, values) in whole.series {
      guard case .object(let fields) = values else { continue }
      for (key, value) in fields where key.contains("@") {
        #expect(merged.series[series]?[key] == value, "\(name) \(series) \(key)")
      }
    }
  }
}

/// Figs 13 and 15 (learning curves against references), trained synchronously.
@Test func mergedAblationCurvesCheckTheClaimsOfTheRunInOneProcess() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("tiny.json")
  try """
  {"training": {"episodes": 2, "episodeSlots": 16, "loadRequestsPerSecond": 120,
    "warmupPlacementSlots": 0, "curriculum": [],
    "mappo": {"samplesPerEpoch": 64, "updateEpochs": 1}}, "earlyEpisodes": 1, "finalWindow": 1}
  """.write(to: config, atomically: true, encoding: .utf8)
  let ablation = try AblationOptions.parse(["--synchronous", "--jobs", "1"])
  let (whole, merged, _) = try wholeAndMerged(root.appendingPathComponent("fig13")) { extra in
    try Fig13Experiment.run(
      options: CommonOptions.parse(
        ["--quick", "--seeds", "2", "--no-tensorboard", "--config", config.path] + extra),
      ablation: ablation, renderer: none, progressSink: { _ in })
  }
  expectRechecked(merged)
  #expect(merged.claims == whole.claims)
  #expect(merged.claims.count == 3)
  for series in [Fig13Experiment.three, Fig13Experiment.two] {
    #expect(merged.series[series]?["finalValue"] == whole.series[series]?["finalValue"])
    #expect(merged.series[series]?["early_mean"] == whole.series[series]?["early_mean"])
  }

  // Fig. 15 (two of the dequeue strategies, no bound): the same path with its own claims.
  let fig15 = root.appendingPathComponent("fig15.json")
  try """
  {"training": {"episodes": 2, "episodeSlots": 16, "loadRequestsPerSecond": 120,
    "warmupPlacementSlots": 0, "curriculum": [],
    "mappo": {"samplesPerEpoch": 64, "updateEpochs": 1}},
   "strategies": ["hybrid", "fifo"], "upperBound": false, "finalWindow": 1}
  """.write(to: fig15, atomically: true, encoding: .utf8)
  let dequeue = try wholeAndMerged(root.appendingPathComponent("fig15")) { extra in
    try Fig15Experiment.run(
      options: CommonOptions.parse(
        ["--quick", "--seeds", "2", "--no-tensorboard", "--config", fig15.path] + extra),
      ablation: ablation, renderer: none, progressSink: { _ in })
  }
  expectRechecked(dequeue.merged)
  #expect(dequeue.merged.claims == dequeue.whole.claims)
  #expect(dequeue.merged.claims.count == 1)
}

/// Fig. 14 (one point per setting and seed), trained synchronously.
@Test func mergedSensitivitySweepChecksTheClaimsOfTheRunInOneProcess() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("tiny.json")
  try """
  {"training": {"episodes": 2, "episodeSlots": 16, "loadRequestsPerSecond": 120,
    "warmupPlacementSlots": 0, "curriculum": [],
    "mappo": {"samplesPerEpoch": 64, "updateEpochs": 1}},
   "slotLengthsS": [0.25, 0.5], "reschedulePeriodsSlots": [8], "frameLengthsS": [25],
   "finalWindow": 1}
  """.write(to: config, atomically: true, encoding: .utf8)
  let ablation = try AblationOptions.parse(["--synchronous", "--jobs", "1"])
  let (whole, merged, _) = try wholeAndMerged(root.appendingPathComponent("fig14")) { extra in
    try Fig14Experiment.run(
      options: CommonOptions.parse(
        ["--quick", "--seeds", "2", "--no-tensorboard", "--config", config.path] + extra),
      ablation: ablation, renderer: none, progressSink: { _ in })
  }
  expectRechecked(merged)
  #expect(merged.claims == whole.claims)
  #expect(merged.claims.count == 3)
  #expect(merged.claims[0].evidence.contains("0.25 s"))
}

/// Fig. 16 (held-out scores of orchestrators trained in their own thread, deterministic).
@Test func mergedOrchestrationFigureChecksTheClaimsOfTheRunInOneProcess() throws {
  let root = try makeTemporaryDirectory()
  var config = Fig16Config.standard(quick: true)
  config.environment = gpoTinySystem(rate: 10, slots: 40, frame: 8)
  config.orchestration = gpoTinyAgents(h: 2)
  config.episodes = 2
  config.warmupPlacementSlots = 40
  let (whole, merged, _) = try wholeAndMerged(root) { extra in
    try Fig16Experiment.run(
      options: CommonOptions.parse(["--quick", "--seeds", "2"] + extra), config: config,
      renderer: none, progressSink: { _ in })
  }
  expectRechecked(merged)
  #expect(merged.claims == whole.claims)
  #expect(merged.claims.count == 8)
  for series in Fig16Series.allCases {
    let name = series.rawValue
    #expect(merged.series[name]?["finalValue"] == whole.series[name]?["finalValue"])
  }
}

/// Figs 8 and 17 time decisions on the wall clock: the merged claims are the one-process
/// run's claims, judged on the final values of all shards' rounds together.
@Test func mergedTimingFiguresJudgeTheShardsRoundsTogether() throws {
  let root = try makeTemporaryDirectory()
  var fig17 = Fig17Config.standard(quick: true)
  fig17.environment = gpoTinySystem(rate: 10, slots: 40, frame: 2)
  fig17.orchestration = gpoTinyAgents(h: 2)
  fig17.inferencesPerRound = 3
  fig17.rounds = 2
  let timing17 = try wholeAndMerged(root.appendingPathComponent("fig17")) { extra in
    try Fig17Experiment.run(
      options: CommonOptions.parse(["--quick", "--seeds", "2"] + extra), config: fig17,
      renderer: none, progressSink: { _ in })
  }

  let sweepConfig = try tinySweepConfigFile(in: root)
  var fig8 = Fig8Config.standard(quick: true)
  fig8.sweep = try ConfigOverrides.apply(sweepConfig, to: fig8.sweep)
  fig8.rounds = 2
  fig8.inferencesPerRound = 3
  fig8.warmupInferences = 2
  let fig8File = root.appendingPathComponent("fig8.json")
  try JSONFiles.encode(fig8).write(to: fig8File)
  let timing8 = try wholeAndMerged(root.appendingPathComponent("fig8")) { extra in
    try Fig8Experiment.run(
      options: CommonOptions.parse(
        ["--quick", "--seeds", "2", "--load", "50", "--config", fig8File.path] + extra),
      rounds: nil, series: nil, renderer: none, progressSink: { _ in })
  }

  for (whole, merged, shards) in [timing17, timing8] {
    expectRechecked(merged)
    #expect(merged.claims.map(\.text) == whole.claims.map(\.text))
    #expect(merged.claims.allSatisfy { $0.agrees == nil })  // --quick
    for (series, hand) in try handFinalValues(shards) {
      let final = try #require(merged.series[series]?["finalValue"]?.doubleValue)
      #expect(abs(final - hand) <= 1e-9 * hand, "\(series)")
    }
  }
  // Every series' merged final value is in the ordering claims' evidence.
  let gpo = try #require(timing17.merged.series["GPO"]?["finalValue"]?.doubleValue)
  #expect(timing17.merged.claims[0].evidence.contains("GPO \(Fig17Experiment.fmt(gpo))"))
  let mappo = try #require(timing8.merged.series["MAPPO"]?["finalValue"]?.doubleValue)
  #expect(timing8.merged.claims[0].evidence.contains(Format.fixed(mappo, decimals: 4)))
}

/// Fig. 18 trains KMPS with its asynchronous learner, so two runs differ: the merged claims
/// are the one-process run's claims, judged on the statistics over both shards' seeds (each
/// shard holds one seed, so a merged final value is the mean of the shards' own).
@Test func mergedEndToEndComparisonJudgesBothShardsSeeds() throws {
  let root = try makeTemporaryDirectory()
  var config = Fig18Config.standard(quick: true)
  var env = gpoTinySystem(rate: 20, slots: 40, frame: 8)
  env.orchestration.orchestrator = .agent
  config.training.environment = env
  config.training.curriculum = []
  config.training.episodes = 1
  config.training.episodeSlots = 16
  config.training.loadRequestsPerSecond = 20
  config.training.warmupPlacementSlots = 0
  config.kais.actorHiddenSizes = [16]
  config.kais.criticHiddenSizes = [16]
  config.calibrationSlots = 16
  config.evaluationSlots = 40
  let (whole, merged, shards) = try wholeAndMerged(root) { extra in
    try Fig18Experiment.run(
      options: CommonOptions.parse(["--quick", "--seeds", "2"] + extra), config: config,
      renderer: none, progressSink: { _ in })
  }
  expectRechecked(merged)
  #expect(merged.claims.map(\.text) == whole.claims.map(\.text))
  #expect(merged.claims.count == 3)
  let own = try shards.map {
    try ResultsWriter.readSummary($0.appendingPathComponent("summary.json"))
  }
  for series in Fig18Series.allCases.map(\.rawValue) {
    let finals = try own.map { try #require($0.series[series]?["finalValue"]?.doubleValue) }
    let final = try #require(merged.series[series]?["finalValue"]?.doubleValue)
    #expect(abs(final - (finals[0] + finals[1]) / 2) <= 1e-12, "\(series)")
  }
  let kmps = try #require(merged.series["KMPS"]?["finalValue"]?.doubleValue)
  #expect(merged.claims[0].evidence.contains("KMPS \(Format.fixed(100 * kmps, decimals: 1))%"))
}

/// fig7-eval (`fig7 --eval-only`) as two shards, merged: the claim is checked from the merged
/// data.csv by the evaluation's own code, so it, the statistics (mean over the evaluation
/// episodes) and what is said of each checkpoint equal the run in one process. The saved
/// policy comes from a one-episode KMPS training run; evaluation acts with a per-seed seeded
/// sampler, so the shards repeat the one-process numbers exactly.
@Test func mergedFig7EvaluationChecksItsClaimLikeTheEvaluation() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("tiny.json")
  try """
    {"upperBound": false, "evaluationEpisodes": 0,
     "training": {"episodes": 1, "episodeSlots": 24, "loadRequestsPerSecond": 120,
      "warmupPlacementSlots": 120, "curriculum": [],
      "mappo": {"samplesPerEpoch": 128, "updateEpochs": 1}}}
    """.write(to: config, atomically: true, encoding: .utf8)
  let trained = root.appendingPathComponent("train")
  _ = try Fig7Experiment.run(
    options: try CommonOptions.parse([
      "--quick", "--seeds", "1", "--out", trained.path, "--config", config.path,
    ]),
    seriesFilter: "KMPS", renderer: none, progressSink: { _ in })
  let checkpoints = trained.appendingPathComponent("checkpoints").path
  let (whole, merged, _) = try wholeAndMerged(root) { extra in
    try Fig7Experiment.run(
      options: try CommonOptions.parse(
        [
          "--seeds", "1,2", "--eval-only", "--episodes", "2", "--checkpoint", checkpoints,
          "--config", config.path,
        ] + extra),
      renderer: none, progressSink: { _ in })
  }
  #expect(merged.figure == "fig7-eval")
  expectRechecked(merged)
  let claim = try #require(merged.claims.first)
  #expect(claim.text.contains("KMPS policy stays above Greedy_Native"))
  #expect(claim.agrees != nil)
  #expect(claim.evidence.contains("kmps-seed1 on seed 1") && claim.evidence.contains("seed 2"))
  #expect(merged.claims == whole.claims)
  #expect(merged.series == whole.series)
  #expect(merged.series["kmps-seed1"]?["finalWindow"] == .number(2))
  #expect(Array(merged.notes.dropLast()) == whole.notes)
}
