import Envs
import KMPS
import Foundation
import RL
import Testing
import KMPSTestSupport

@testable import Experiments

/// A tiny Fig. 7 config for the debug-build tests: a light load and short episodes.
private func tinyConfigFile(in directory: URL, episodes: Int = 2) throws -> URL {
  let url = directory.appendingPathComponent("tiny.json")
  let json = """
    {"training": {"episodes": \(episodes), "episodeSlots": 24, "loadRequestsPerSecond": 120,
      "warmupPlacementSlots": 120,
      "curriculum": [{"episodes": 1, "episodeSlots": 12, "loadFraction": 0.5,
        "profile": "steady"}],
      "mappo": {"samplesPerEpoch": 128, "updateEpochs": 2}}}
    """
  try json.write(to: url, atomically: true, encoding: .utf8)
  return url
}

private func options(_ arguments: [String]) throws -> CommonOptions {
  try CommonOptions.parse(arguments)
}

@Suite(.serialized) struct Fig7Tests {
  /// The quick end-to-end run writes every file with the documented schema, one checkpoint per
  /// series and seed, and the claims; then `--eval-only` evaluates those checkpoints.
  @Test func quickRunWritesTheResultsFolderAndEvaluatesItsCheckpoints() throws {
    let base = try makeTemporaryDirectory()
    let out = base.appendingPathComponent("fig7")
    let config = try tinyConfigFile(in: base)
    let written = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1", "--out", out.path, "--config", config.path,
      ]),
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })

    let csv = try String(contentsOf: written.dataCSV, encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(
      lines.first
        == "series,seed,x,y," + Fig7Experiment.extraColumns.joined(separator: ","))
    // 4 learned series, 4 references and the upper bound, 2 episodes each.
    #expect(lines.count == 1 + 9 * 2)
    let seriesNames = Set(lines.dropFirst().map { $0.split(separator: ",")[0] })
    #expect(
      seriesNames == [
        "KMPS", "B1 no cross-cluster", "B2 synchronous", "B3 single-agent PPO", "Greedy_Native",
        "Random dispatch", "Least-utilized (cross-cluster)", "Queue-aware",
        "Upper bound (LP relaxation)",
      ])
    // The bound lies above every series on every seed and episode.
    var byKey: [String: [String: Double]] = [:]
    for line in lines.dropFirst() {
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      byKey["\(f[1])/\(f[2])", default: [:]][String(f[0])] = Double(f[3])!
    }
    for (_, values) in byKey {
      let bound = try #require(values["Upper bound (LP relaxation)"])
      for (series, y) in values { #expect(y <= bound + 1e-9, "\(series) \(y) > bound \(bound)") }
    }
    for line in lines.dropFirst() {
      let y = Double(line.split(separator: ",", omittingEmptySubsequences: false)[3])!
      #expect((0...1).contains(y))
    }

    let timing = try String(
      contentsOf: out.appendingPathComponent("timing.csv"), encoding: .utf8)
    #expect(timing.hasPrefix("series,seed,episode,wall_seconds,cumulative_wall_seconds\n"))
    #expect(timing.split(separator: "\n").count == 1 + 4 * 2)

    let document = try ResultsWriter.readSummary(written.summaryJSON)
    #expect(document.figure == "fig7")
    #expect(document.quick)
    #expect(document.config["training"]?["episodes"] == .number(2))
    #expect(document.claims.contains { $0.text.contains("strongest heuristic") })
    #expect(document.claims.contains { $0.text.contains("curve rises") })
    #expect(document.series["KMPS"]?["final_share_of_bound"]?.doubleValue != nil)
    // Held-out scoring: 4 series × (sampled, greedy) + 4 references, one episode each.
    let heldOut = try String(
      contentsOf: out.appendingPathComponent("heldout.csv"), encoding: .utf8)
    #expect(heldOut.split(separator: "\n").count == 1 + 4 * 2 + 4)
    #expect(document.series["KMPS"]?["heldout_greedy_throughput"]?.doubleValue != nil)
    #expect(document.series["KMPS"]?["learner"]?["mode"] == .string("asynchronous"))
    #expect(document.series["B2 synchronous"]?["learner"]?["trained_batches"] == .number(3))
    // The warm-up placement is part of the recorded config.
    #expect(document.config["training"]?["environment"]?["services"]?["placement"] != nil)

    let expectedCheckpoints = [
      "b1-no-cross-cluster-seed1.safetensors", "b2-synchronous-seed1.safetensors",
      "b3-single-agent-ppo-seed1.safetensors", "kmps-seed1.safetensors",
    ]
    let folder = out.appendingPathComponent("checkpoints")
    let checkpoints = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(checkpoints.filter { $0.hasSuffix(".safetensors") }.sorted() == expectedCheckpoints)
    // fig7 orchestrates with HPA: no GPO orchestrator to save.
    #expect(
      !FileManager.default.fileExists(
        atPath: folder.appendingPathComponent(Fig7Evaluation.gpoFolder).path))

    // Evaluate the saved policies (each loads into the network shape of its series).
    let evaluation = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1", "--eval-only", "--episodes", "1",
        "--checkpoint", out.appendingPathComponent("checkpoints").path,
        "--out", base.appendingPathComponent("eval").path, "--config", config.path,
      ]),
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
    let evaluated = try ResultsWriter.readSummary(evaluation.summaryJSON)
    #expect(evaluated.figure == "fig7-eval")
    #expect(evaluated.series["kmps-seed1"]?["orchestration"] == .string("hpa"))
    #expect(
      Set(evaluated.series.keys)
        == [
          "kmps-seed1", "b1-no-cross-cluster-seed1", "b2-synchronous-seed1",
          "b3-single-agent-ppo-seed1", "Greedy_Native", "Random dispatch",
          "Least-utilized (cross-cluster)", "Queue-aware",
        ])
  }

  /// Generalization: train on the first half of the bundled trace (by row), score the saved
  /// policy and the references on the second half with `--eval-only --trace`.
  @Test func policiesTrainedOnOneHalfOfTheTraceAreScoredOnTheOther() throws {
    let base = try makeTemporaryDirectory()
    let config = try tinyConfigFile(in: base)
    let bundled = try String(
      contentsOf: PackageLocator().absolute(PackageLocator.bundledTraceRelativePath),
      encoding: .utf8)
    let rows = bundled.split(whereSeparator: \.isNewline)
    let half = rows.count / 2
    let first = base.appendingPathComponent("first.csv")
    let second = base.appendingPathComponent("second.csv")
    try (rows[..<half].joined(separator: "\n") + "\n").write(
      to: first, atomically: true, encoding: .utf8)
    try (rows[half...].joined(separator: "\n") + "\n").write(
      to: second, atomically: true, encoding: .utf8)
    let out = base.appendingPathComponent("train")
    _ = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1", "--out", out.path, "--config", config.path,
        "--trace", first.path,
      ]),
      seriesFilter: "KMPS", renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
    let evaluation = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1", "--eval-only", "--episodes", "1",
        "--checkpoint", out.appendingPathComponent("checkpoints").path,
        "--out", base.appendingPathComponent("eval").path, "--config", config.path,
        "--trace", second.path,
      ]),
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
    let document = try ResultsWriter.readSummary(evaluation.summaryJSON)
    #expect(document.notes.contains { $0.contains(second.path) })
    for name in ["kmps-seed1", "Queue-aware", "Random dispatch", "Greedy_Native"] {
      let y = try #require(document.series[name]?["finalValue"]?.doubleValue, "\(name)")
      #expect((0...1).contains(y))
    }
  }

  /// The real `--quick` budget (one seed, KMPS only): after ten short episodes at 600 req/s
  /// the learned dispatcher beats uniformly random dispatch in the same environment on the
  /// same episodes.
  @Test func quickKMPSBeatsRandomDispatch() throws {
    let base = try makeTemporaryDirectory()
    let written = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1-1", "--out", base.appendingPathComponent("q").path,
      ]),
      seriesFilter: "KMPS", renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
    let document = try ResultsWriter.readSummary(written.summaryJSON)
    let kmps = try #require(document.series["KMPS"]?["finalValue"]?.doubleValue)
    let random = try #require(document.series["Random dispatch"]?["finalValue"]?.doubleValue)
    #expect(kmps > random, "KMPS \(kmps) vs random \(random)")
  }

  /// Synchronous training is bit-reproducible: the same seed gives the same data.csv.
  @Test func synchronousRunsWithTheSameSeedWriteIdenticalData() throws {
    let base = try makeTemporaryDirectory()
    let config = try tinyConfigFile(in: base)
    func run(_ name: String) throws -> String {
      let written = try Fig7Experiment.run(
        options: try options([
          "--quick", "--seeds", "3", "--out", base.appendingPathComponent(name).path,
          "--config", config.path,
        ]),
        synchronous: true, seriesFilter: "KMPS,B3",
        renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
      return try String(contentsOf: written.dataCSV, encoding: .utf8)
    }
    let first = try run("a")
    #expect(first.contains("\nKMPS,"))
    #expect(try run("b") == first)
  }

  /// With `orchestration` = gpo, a short fig7 run trains a GPO orchestrator per series and
  /// seed that keeps its transitions across episodes and updates on exactly the configured
  /// number of frame decisions: the updates and their sizes in summary.json (counted by the
  /// orchestrator and the agent) equal the frames counted in the run's episodes, divided by it.
  @Test func gpoOrchestrationUpdatesOnTheConfiguredNumberOfDecisions() throws {
    let base = try makeTemporaryDirectory()
    let url = base.appendingPathComponent("gpo.json")
    // Frames every 6 slots: 3 per 24-slot recorded episode, 1 in the 12-slot curriculum one.
    try """
      {"orchestration": "gpo",
       "training": {"episodes": 4, "episodeSlots": 24, "loadRequestsPerSecond": 120,
        "warmupPlacementSlots": 120,
        "environment": {"timing": {"frameEverySlots": 6}},
        "gpo": {"updateEveryFrames": 3},
        "curriculum": [{"episodes": 1, "episodeSlots": 12, "loadFraction": 0.5,
          "profile": "steady"}],
        "mappo": {"samplesPerEpoch": 128, "updateEpochs": 2}}}
      """.write(to: url, atomically: true, encoding: .utf8)
    let out = base.appendingPathComponent("fig7")
    let written = try Fig7Experiment.run(
      options: try options([
        "--quick", "--seeds", "1,2", "--out", out.path, "--config", url.path,
      ]),
      seriesFilter: "KMPS,B3", renderer: GnuplotRenderer(executable: nil),
      progressSink: { _ in })

    /// Frame starts of one episode of `slots` slots with frames every 6, counted by running it.
    func countedFrames(slots: Int) throws -> Int {
      var sim = try EdgeCloudSimulator(
        config: gpoTinySystem(rate: 1, slots: slots, frame: 6), seed: 1)
      var counter = FrameCounter()
      var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
      sim.run(dispatch: &dispatch, orchestration: &counter)
      return counter.frames
    }
    let frames = try countedFrames(slots: 12) + 4 * countedFrames(slots: 24)
    #expect(frames == 13)
    let document = try ResultsWriter.readSummary(written.summaryJSON)
    #expect(document.config["orchestration"] == .string("gpo"))
    #expect(
      document.config["training"]?["environment"]?["orchestration"]?["orchestrator"]
        == .string("agent"))
    let updates = Double(frames / 3)
    for series in ["KMPS", "B3 single-agent PPO"] {
      let entry = try #require(document.series[series])
      let perSeed = Double(frames)
      #expect(
        entry["gpo_decisions_per_seed"] == .array([.number(perSeed), .number(perSeed)]),
        "\(series)")
      #expect(
        entry["gpo_updates_per_seed"] == .array([.number(updates), .number(updates)]),
        "\(series)")
      #expect(entry["gpo_transitions_per_update"] == .array([.number(3)]), "\(series)")
    }
    #expect(document.notes.contains { $0.contains("references cannot learn a GPO") })
    // The trained orchestrators are saved beside the dispatchers.
    let gpoFolder = out.appendingPathComponent("checkpoints")
      .appendingPathComponent(Fig7Evaluation.gpoFolder)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: gpoFolder.path).sorted() == [
        "b3-single-agent-ppo-seed1.safetensors", "b3-single-agent-ppo-seed2.safetensors",
        "kmps-seed1.safetensors", "kmps-seed2.safetensors",
      ])
  }

  /// Fig7's default GPO is fig16's setup, and each of its updates trains on as many decisions
  /// (frames × H actions) as one fig16 episode holds, counted by running fig16's timing.
  @Test func fig7GPOUpdatesOnAsManyDecisionsAsAFig16Episode() throws {
    let fig16 = Fig16Config.standard(quick: false)
    let fig7 = Fig7Config.standard(quick: false)
    let timing = fig16.environment.timing
    var sim = try EdgeCloudSimulator(
      config: gpoTinySystem(rate: 1, slots: timing.episodeSlots, frame: timing.frameEverySlots),
      seed: 1)
    var counter = FrameCounter()
    var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
    sim.run(dispatch: &dispatch, orchestration: &counter)
    #expect(counter.frames == 32)
    #expect(timing.framesPerEpisode == counter.frames)
    let gpo = fig7.training.gpo
    #expect(!gpo.updateAtEpisodeEnd)
    #expect(
      gpo.updateEveryFrames * gpo.agent.selectedNodes
        == counter.frames * fig16.orchestration.agent.selectedNodes)
    // The same setup apart from when it updates (fig16 at every episode's end).
    var shared = gpo
    shared.updateAtEpisodeEnd = true
    shared.updateEveryFrames = 0
    #expect(shared == fig16.orchestration)
    #expect(fig16.orchestration.nodeReward == .onTimeShare)
  }

  /// A bad `orchestration` value, an environment orchestrator that contradicts it, and a GPO
  /// that would never update are rejected by name.
  @Test func badOrchestrationValuesGiveNamedErrors() throws {
    let base = try makeTemporaryDirectory()
    let cases: [(String, [String])] = [
      (#"{"orchestration": "kubernetes"}"#, ["orchestration", "kubernetes", "hpa or gpo"]),
      (
        #"{"orchestration": "gpo", "training": {"environment": "#
          + #"{"orchestration": {"orchestrator": "greedy"}}}}"#,
        ["training.environment.orchestration.orchestrator", "greedy"]
      ),
      (
        #"{"orchestration": "gpo", "training": {"gpo": "#
          + #"{"updateAtEpisodeEnd": false, "updateEveryFrames": 0}}}"#,
        ["gpo.updateEveryFrames"]
      ),
    ]
    for (json, words) in cases {
      let url = base.appendingPathComponent("bad.json")
      try json.write(to: url, atomically: true, encoding: .utf8)
      do {
        _ = try Fig7Experiment.run(
          options: try options(["--quick", "--config", url.path, "--out", base.path]),
          renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
        Issue.record("accepted \(json)")
      } catch {
        for word in words { #expect("\(error)".contains(word), "\(error)") }
      }
    }
  }

  /// A corrupt checkpoint is rejected with the file named; an impossible config names its
  /// field.
  @Test func badCheckpointsAndConfigsGiveNamedErrors() throws {
    let base = try makeTemporaryDirectory()
    let config = try tinyConfigFile(in: base)
    let broken = base.appendingPathComponent("kmps-seed1.safetensors")
    try Data([1, 2, 3]).write(to: broken)
    do {
      _ = try Fig7Experiment.run(
        options: try options([
          "--quick", "--seeds", "1", "--eval-only", "--checkpoint", broken.path,
          "--out", base.appendingPathComponent("e").path, "--config", config.path,
        ]),
        renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
      Issue.record("a corrupt checkpoint was accepted")
    } catch {
      #expect("\(error)".contains("kmps-seed1.safetensors"))
    }

    let bad = base.appendingPathComponent("bad.json")
    try #"{"training": {"episodeSlots": 0}}"#.write(to: bad, atomically: true, encoding: .utf8)
    do {
      _ = try Fig7Experiment.run(
        options: try options(["--quick", "--config", bad.path, "--out", base.path]),
        renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
      Issue.record("an impossible config was accepted")
    } catch {
      #expect("\(error)".contains("episodeSlots"))
    }
  }
}

/// The dispatcher records exactly the decisions the simulator took, each with the slot reward
/// of its eAP, and closes every stream at the episode's time limit.
@Test func learnedDispatcherRecordsEveryDecisionWithItsSlotReward() throws {
  var env = EdgeCloudConfig()
  env.workload.source = .poisson
  env.workload.meanRequestsPerSecond = 80
  env.timing.episodeSlots = 16
  var sim = try EdgeCloudSimulator(config: env, seed: 5)
  var config = MAPPOConfig()
  config.actorHiddenSizes = [16]
  config.criticHiddenSizes = [16]
  let series = DispatchSeries.kmps
  env.orchestration.orchestrator = .none
  let training = DispatchTrainingConfig(
    environment: env, mappo: config, curriculum: [], episodes: 1, episodeSlots: 16,
    loadRequestsPerSecond: 80, profile: .steady, reward: .slot,
    weightSyncEverySlots: 4,
    warmupPlacementSlots: 0)
  let mappo = try DispatchTraining.makeLearner(
    series: series, config: training, simulator: sim, seed: 1)
  var dispatcher = try LearnedDispatcher(
    policy: mappo.policy, simulator: sim, criticView: .globalStateWithAgentID,
    streamPerEAP: true, acting: .sample, record: true, seed: 2)

  // Reference: per slot, decisions and rewards per eAP as the simulator reports them.
  var expectedRewards: [[Float]] = Array(repeating: [], count: sim.eapCount)
  while sim.beginSlot() {
    sim.runDecisionRounds(policy: &dispatcher)
    let outcome = sim.endSlot()
    dispatcher.slotEnded(outcome, sim)
    for b in 0..<sim.eapCount {
      expectedRewards[b] += Array(
        repeating: Float(outcome.rewards[b]), count: outcome.decisions[b])
    }
  }
  let taken = dispatcher.takeBatch(replacingWith: nil)
  let batch = try #require(taken)
  #expect(batch.count == sim.metrics.decisions)
  #expect(batch.count > 20)
  for b in 0..<sim.eapCount {
    let stream = batch.streams[b]
    #expect(stream.rewards == expectedRewards[b])
    guard stream.count > 0 else { continue }
    // The critic input ends with one-hot(b).
    let stateDim = batch.stateDim
    let last = Array(stream.states[((stream.count - 1) * stateDim)..<(stream.count * stateDim)])
    #expect(Array(last.suffix(sim.eapCount)) == (0..<sim.eapCount).map { $0 == b ? 1 : 0 })
    // Time limit: the last decision is truncated with a final state, or the stream has a
    // bootstrap state; nothing is terminated.
    #expect(!stream.terminated.contains(true))
    #expect(stream.truncated.last! || stream.bootstrapState != nil)
    #expect(stream.truncated.filter { $0 }.count <= 1)
  }
  // MAPPO accepts what was recorded.
  var learner = mappo
  var trainingBatch = batch
  let stats = try learner.update(&trainingBatch)
  #expect(stats.samples == batch.count)
}

/// Per-request credit: without rescheduling every request is dispatched at most once, so the
/// rewards sum to (on-time completions − failures after dispatch) with ω1 = 1, ω2 = −1, ω3 = 0.
@Test func requestRewardsCreditEachDecisionWithItsOwnOutcome() throws {
  var env = EdgeCloudConfig()
  env.workload.source = .poisson
  env.workload.meanRequestsPerSecond = 150
  env.timing.episodeSlots = 40
  env.dispatch.urgentRescheduling = false
  env.rewards.onTimeWeight = 1
  env.rewards.failureWeight = -1
  env.rewards.overloadWeight = 0
  var sim = try EdgeCloudSimulator(config: env, seed: 9)
  sim.logsRequestOutcomes = true
  var config = MAPPOConfig()
  config.actorHiddenSizes = [16]
  config.criticHiddenSizes = [16]
  env.orchestration.orchestrator = .none
  let training = DispatchTrainingConfig(
    environment: env, mappo: config, curriculum: [], episodes: 1, episodeSlots: 40,
    loadRequestsPerSecond: 150, profile: .steady, reward: .request,
    weightSyncEverySlots: 4, warmupPlacementSlots: 0)
  let mappo = try DispatchTraining.makeLearner(
    series: .kmps, config: training, simulator: sim, seed: 1)
  var dispatcher = try LearnedDispatcher(
    policy: mappo.policy, simulator: sim, criticView: .globalStateWithAgentID,
    streamPerEAP: true, acting: .sample, record: true, seed: 2, rewardKind: .request)
  sim.run(dispatch: &dispatcher)
  let taken = dispatcher.takeBatch(replacingWith: nil)
  let batch = try #require(taken)
  let m = sim.metrics
  #expect(m.completedOnTime > 100)
  let total = batch.streams.flatMap(\.rewards).reduce(0, +)
  #expect(total == Float(m.completedOnTime - m.failedInQueue - m.failedRunning))
  #expect(batch.streams.flatMap(\.rewards).allSatisfy { [-1, 0, 1].contains($0) })
}

/// Greedy acting takes the most probable valid target: never an invalid one, and independent of
/// the sampling seed.
@Test func greedyActingIsValidAndIgnoresTheSamplingSeed() throws {
  var env = EdgeCloudConfig()
  env.workload.source = .poisson
  env.workload.meanRequestsPerSecond = 100
  env.timing.episodeSlots = 12
  var config = MAPPOConfig()
  config.actorHiddenSizes = [16]
  config.criticHiddenSizes = [16]
  let probe = try EdgeCloudSimulator(config: env, seed: 3)
  env.orchestration.orchestrator = .none
  let training = DispatchTrainingConfig(
    environment: env, mappo: config, curriculum: [], episodes: 1, episodeSlots: 12,
    loadRequestsPerSecond: 100, profile: .steady, reward: .slot,
    weightSyncEverySlots: 4, warmupPlacementSlots: 0)
  let policy = try DispatchTraining.makeLearner(
    series: .kmps, config: training, simulator: probe, seed: 1
  ).policy
  func run(seed: UInt64) throws -> EdgeCloudMetrics {
    var sim = try EdgeCloudSimulator(config: env, seed: 3)
    var dispatcher = try LearnedDispatcher(
      policy: policy, simulator: sim, criticView: .globalStateWithAgentID, streamPerEAP: true,
      acting: .greedy, record: false, seed: seed)
    sim.run(dispatch: &dispatcher)
    return sim.metrics
  }
  let first = try run(seed: 1)
  #expect(first.decisions > 20)
  #expect(first.invalidActions == 0)
  #expect(try run(seed: 99) == first)
}

/// A GPO orchestrator's checkpoint restores its encoder, actors and critics exactly.
@Test func gpoOrchestratorCheckpointRoundTrips() throws {
  let sim = try EdgeCloudSimulator(config: EdgeCloudConfig(), seed: 1)
  let trained = try GPOOrchestration(variant: .gpo, simulator: sim, seed: 1)
  var fresh = try GPOOrchestration(variant: .gpo, simulator: sim, seed: 2)
  #expect(fresh.agent.policy.namedParameters.map(\.tensor) != trained.agent.policy.namedParameters.map(\.tensor))
  let url = try makeTemporaryDirectory().appendingPathComponent("gpo.safetensors")
  try trained.saveCheckpoint(to: url)
  try fresh.loadCheckpoint(from: url)
  for (a, b) in zip(fresh.agent.policy.namedParameters, trained.agent.policy.namedParameters) {
    #expect(a.name == b.name && a.tensor.scalars == b.tensor.scalars)
  }
  for (a, b) in zip(fresh.agent.critics.namedParameters, trained.agent.critics.namedParameters) {
    #expect(a.name == b.name && a.tensor.scalars == b.tensor.scalars)
  }
  try Data([0, 1, 2]).write(to: url)
  #expect(throws: (any Error).self) { try fresh.loadCheckpoint(from: url) }
}

/// The learning claims judged on synthetic curves: a flat KMPS above 95% and above every
/// heuristic, or one that rises only as much as the workload lifts the queue-aware reference,
/// must fail them; a curve that learned passes.
@Test func learningClaimsFailFlatOrWorkloadDrivenCurves() throws {
  let config = Fig7Config.standard(quick: false)
  let episodes = 50
  /// The claims for KMPS's and queue-aware's curves (the other references lower, flat).
  func claims(kmps: (Int) -> Double, queueAware: (Int) -> Double) throws -> [String: Bool?] {
    var table = ResultsTable()
    for seed: UInt64 in 1...3 {
      for e in 1...episodes {
        let x = Double(e)
        table.append(series: DispatchSeries.kmps.name, seed: seed, x: x, y: kmps(e))
        table.append(series: HeuristicReference.queueAware.name, seed: seed, x: x, y: queueAware(e))
        table.append(series: HeuristicReference.random.name, seed: seed, x: x, y: 0.85)
        table.append(series: HeuristicReference.leastUtilized.name, seed: seed, x: x, y: 0.84)
        table.append(series: Fig7Experiment.greedyNativeName, seed: seed, x: x, y: 0.78)
      }
    }
    let criterion = ConvergenceCriterion(
      window: config.convergenceWindow, tolerance: .absolute(config.convergenceTolerance),
      finalWindow: config.finalWindow)
    var stats = Aggregation.seriesStats(table, finalWindow: config.finalWindow, convergence: criterion)
    Fig7Claims.replaceConvergenceWithPairedGain(&stats, table: table, criterion: criterion)
    var summary = FigureSummary(FigureCatalog.all.first { $0.id == "fig7" }!)
    Fig7Claims.check(&summary, stats: stats, runs: [], table: table, config: config, quick: false)
    return Dictionary(summary.claims.map { ($0.text, $0.agrees) }, uniquingKeysWith: { a, _ in a })
  }
  func verdict(_ c: [String: Bool?], _ prefix: String) -> Bool? {
    let hits = c.filter { $0.key.hasPrefix(prefix) }
    #expect(hits.count == 1, "no single claim starts with '\(prefix)'")
    return hits.first?.value ?? nil
  }
  let peak = "KMPS peaks above 95%"
  let rises = "KMPS's curve rises"
  let net = "KMPS's rise is learning"
  let beats = "KMPS beats the strongest heuristic"
  let converges = "KMPS converges"

  // Flat at 96%, 2.5 points above a flat queue-aware: it wins, but it learned nothing.
  let flat = try claims(kmps: { _ in 0.96 }, queueAware: { _ in 0.935 })
  #expect(verdict(flat, beats) == true)
  #expect(verdict(flat, peak) == false)
  #expect(verdict(flat, rises) == false)
  #expect(verdict(flat, net) == false)
  #expect(verdict(flat, converges) == false)

  // Both rise 5 points with the workload, KMPS always 2.5 above: the rise is not learning.
  let drift = { (e: Int) in 0.90 + 0.05 * Double(min(e, 20)) / 20 }
  let workload = try claims(kmps: { drift($0) + 0.025 }, queueAware: drift)
  #expect(verdict(workload, rises) == true)
  #expect(verdict(workload, net) == false)

  // KMPS starts at random dispatch's level and learns its way to 2.5 points above queue-aware.
  let learned = try claims(
    kmps: { 0.88 + 0.085 * Double(min($0, 20)) / 20 }, queueAware: { _ in 0.94 })
  #expect(verdict(learned, peak) == true)
  #expect(verdict(learned, rises) == true)
  #expect(verdict(learned, net) == true)
  #expect(verdict(learned, beats) == true)
  #expect(verdict(learned, converges) == true)
}

/// "Highest final throughput of the learned series" and "beats the strongest heuristic on
/// held-out episodes" need a lead on every seed (`Fig7Claims.Lead`): a near-tie, +0.1 points on
/// average with ±0.3 from seed to seed, fails both although KMPS's mean is the highest; a clear,
/// steady win passes both.
@Test func leadClaimsFailNearTiesAndPassClearWins() throws {
  let config = Fig7Config.standard(quick: false)
  let seeds: [UInt64] = [1, 2, 3]
  let nearTie = [0.004, -0.002, 0.001]
  let clearWin = [0.020, 0.025, 0.015]
  func verdict(_ summary: FigureSummary, _ prefix: String) -> Bool? {
    let hits = summary.claims.filter { $0.text.hasPrefix(prefix) }
    #expect(hits.count == 1, "no single claim starts with '\(prefix)'")
    return hits.first?.agrees ?? nil
  }
  /// The claims on the finals, KMPS `offsets[i]` above B2 and `b1[i]` above B1 on seed i
  /// (episode noise shared by the series on a seed, as on the same episodes), B3 lower.
  func finals(_ offsets: [Double], b1: [Double] = [0.02, 0.02, 0.02]) throws -> FigureSummary {
    var table = ResultsTable()
    for (i, seed) in seeds.enumerated() {
      for e in 1...30 {
        let x = Double(e)
        let episode = 0.927 + 0.01 * sin(x + Double(seed))
        table.append(series: DispatchSeries.kmps.name, seed: seed, x: x, y: episode + offsets[i])
        table.append(
          series: DispatchSeries.b1.name, seed: seed, x: x, y: episode + offsets[i] - b1[i])
        table.append(series: DispatchSeries.b2.name, seed: seed, x: x, y: episode)
        table.append(series: DispatchSeries.b3.name, seed: seed, x: x, y: episode - 0.04)
      }
    }
    let stats = Aggregation.seriesStats(table, finalWindow: config.finalWindow)
    var summary = FigureSummary(FigureCatalog.all.first { $0.id == "fig7" }!)
    Fig7Claims.check(&summary, stats: stats, runs: [], table: table, config: config, quick: false)
    return summary
  }
  func highestFinal(_ offsets: [Double]) throws -> Bool? {
    verdict(try finals(offsets), "KMPS has the highest final throughput")
  }
  // B1 "slightly below": no margin, but below on every seed (KMPS's mean is ahead in both).
  #expect(verdict(try finals(clearWin, b1: [0.002, 0.003, 0.001]), "B1 (no cross") == true)
  #expect(verdict(try finals(clearWin, b1: [0.006, -0.002, 0.002]), "B1 (no cross") == false)
  #expect(try highestFinal(nearTie) == false)
  #expect(try highestFinal(clearWin) == true)

  /// The held-out verdict, KMPS (sampled) `offsets[i]` above queue-aware on seed i's episodes.
  func heldOut(_ offsets: [Double]) -> Bool? {
    var rows: [Fig7HeldOut.Row] = []
    func add(_ series: String, _ acting: String, _ seed: UInt64, _ episode: Int, _ y: Double) {
      rows.append(
        Fig7HeldOut.Row(
          series: series, acting: acting, seed: seed, episode: episode, throughput: y))
    }
    for (seed, offset) in zip(seeds, offsets) {
      for episode in 1...5 {
        let y = 0.93 + 0.01 * sin(Double(episode) + Double(seed))
        add(DispatchSeries.kmps.name, "sample", seed, episode, y + offset)
        add(DispatchSeries.kmps.name, "greedy", seed, episode, y + offset - 0.01)
        add(HeuristicReference.queueAware.name, "heuristic", seed, episode, y)
        add(HeuristicReference.leastUtilized.name, "heuristic", seed, episode, y - 0.03)
        add(HeuristicReference.random.name, "heuristic", seed, episode, y - 0.05)
        add(Fig7Experiment.greedyNativeName, "heuristic", seed, episode, y - 0.1)
      }
    }
    var summary = FigureSummary(FigureCatalog.all.first { $0.id == "fig7" }!)
    Fig7HeldOut.record(&summary, rows: rows, config: config, quick: false)
    return verdict(summary, "KMPS beats the strongest heuristic on held-out episodes")
  }
  #expect(heldOut(nearTie) == false)
  #expect(heldOut(clearWin) == true)
}

/// fig7-eval's claim holds every saved KMPS policy to Greedy_Native by the same rule: a
/// near-tie on the evaluation episodes fails, a clear win on every seed passes, a saved B2
/// policy below Greedy_Native does not count, and without a KMPS policy there is no verdict.
@Test func evaluationClaimNeedsEveryKMPSPolicyAheadOfGreedyNativeOnEverySeed() throws {
  let config = Fig7Config.standard(quick: false)
  let kmps = ["kmps-seed1", "kmps-seed2"]
  let b2 = "b2-synchronous-seed1"
  func evaluated(_ label: String, _ shape: DispatchSeries) -> Fig7Evaluation.Evaluated {
    Fig7Evaluation.Evaluated(
      label: label, shapeOf: shape.name, checkpoint: "/ckpt/\(label).safetensors",
      orchestration: "hpa")
  }
  /// The claim when both KMPS policies are `offsets[i]` above Greedy_Native on seed i + 1.
  func summary(_ offsets: [Double], policies: [Fig7Evaluation.Evaluated]) throws
    -> FigureSummary
  {
    var table = ResultsTable()
    for (i, offset) in offsets.enumerated() {
      let seed = UInt64(i + 1)
      for e in 1...4 {
        let x = Double(e)
        let y = 0.8 + 0.02 * sin(x * Double(seed))
        table.append(series: Fig7Experiment.greedyNativeName, seed: seed, x: x, y: y)
        table.append(series: HeuristicReference.queueAware.name, seed: seed, x: x, y: y + 0.1)
        for label in kmps { table.append(series: label, seed: seed, x: x, y: y + offset) }
        table.append(series: b2, seed: seed, x: x, y: y - 0.05)
      }
    }
    return try Fig7Evaluation.summarize(
      table: table, evaluated: policies, config: config, quick: false
    ).summary
  }
  func claim(_ summary: FigureSummary) throws -> Claim {
    #expect(summary.claims.count == 1)
    return try #require(summary.claims.first { $0.text.contains("above Greedy_Native") })
  }
  let all = kmps.map { evaluated($0, .kmps) } + [evaluated(b2, .b2)]
  #expect(try claim(summary([0.004, -0.002, 0.001], policies: all)).agrees == false)
  let won = try summary([0.03, 0.02, 0.025], policies: all)
  #expect(won.figure == "fig7-eval")
  #expect(won.series["kmps-seed1"]?["network_shape_of"] == .string("KMPS"))
  #expect(won.series["kmps-seed1"]?["finalValue"]?.doubleValue != nil)
  #expect(try claim(won).agrees == true)
  #expect(try claim(won).evidence.contains("kmps-seed2 on seed 3 +2.50"))
  #expect(try claim(summary([0.03, 0.02, 0.025], policies: [evaluated(b2, .b2)])).agrees == nil)
}

/// Counts frame starts and orchestrates nothing.
struct FrameCounter: OrchestrationPolicy {
  var frames = 0

  mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    if sim.isFrameStart { frames += 1 }
  }
}
