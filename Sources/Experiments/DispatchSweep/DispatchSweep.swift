import Envs
import Foundation
import KMPS
import RL
import SeededRandom
import TensorModule

/// The dispatchers compared in Figs. 8–12.
enum DispatchSweepSeries: String, Codable, Sendable, CaseIterable {
  /// KMPS' MAPPO dispatch (fig7's dispatcher): shared actor per eAP (distributed), acting within
  /// the mask F, cross-cluster.
  case mappo = "MAPPO"
  /// Centralized single-agent advantage actor-critic, softmax over the valid targets (logit
  /// mask, no Eq. 2 filter), no cross-cluster.
  case ac = "AC"
  /// Centralized single-agent DDPG, argmax over valid targets, no cross-cluster.
  case ddpg = "DDPG"
  /// Fig. 12's centralized variant: the same trained MAPPO policy, every decision taken by one
  /// central decision-maker (SPEC §3.8).
  case mappoCentralized = "MAPPO centralized"

  /// The three learned dispatchers of Figs. 8–11.
  static let learned: [DispatchSweepSeries] = [.mappo, .ac, .ddpg]

  /// How the series decides and routes.
  var dispatchSeries: DispatchSeries {
    switch self {
    case .mappo:
      var s = DispatchSeries.kmps
      s.name = rawValue
      return s
    case .mappoCentralized:
      var s = DispatchSeries.kmps
      s.name = rawValue
      s.decisionMode = .centralized
      return s
    case .ac: return CentralizedAgentKind.ac.series
    case .ddpg: return CentralizedAgentKind.ddpg.series
    }
  }

  /// Parses a comma list of series names (case-insensitive) for `option`; throws naming it.
  static func parseList(_ text: String, option: String, allowed: [DispatchSweepSeries]) throws
    -> [DispatchSweepSeries]
  {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
      throw ExperimentError.invalidValue(
        field: option, reason: "expected a comma list of series, got '\(text)'")
    }
    var result: [DispatchSweepSeries] = []
    for name in names {
      guard let s = allowed.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
        throw ExperimentError.invalidValue(
          field: option,
          reason: "unknown series '\(name)'; expected one of "
            + allowed.map(\.rawValue).joined(separator: ", "))
      }
      if !result.contains(s) { result.append(s) }
    }
    return result
  }
}

/// Loads accepted by the load sweeps of Figs. 9–12.
enum SweepLoads {
  /// The supported range, req/s: the paper sweeps 100–600; below 50 episodes hold too few
  /// requests to measure, above 1000 the testbed is far past saturation.
  static let supported: ClosedRange<Double> = 50...1000

  /// Parses `--loads` (a comma list of req/s); throws naming the option.
  static func parse(_ text: String, option: String = "--loads") throws -> [Double] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    if parts.allSatisfy(\.isEmpty) {
      throw ExperimentError.invalidValue(field: option, reason: "empty load list")
    }
    var loads: [Double] = []
    for part in parts {
      guard let value = Double(part), value.isFinite else {
        throw ExperimentError.invalidValue(field: option, reason: "'\(part)' is not a number")
      }
      loads.append(value)
    }
    try validate(loads, option: option)
    return loads
  }

  /// Throws naming `option` when the list is empty, has a load outside `supported`, or repeats.
  static func validate(_ loads: [Double], option: String) throws {
    guard !loads.isEmpty else {
      throw ExperimentError.invalidValue(field: option, reason: "empty load list")
    }
    for load in loads where !supported.contains(load) {
      throw ExperimentError.invalidValue(
        field: option,
        reason: "load \(CSV.number(load)) req/s is outside the supported "
          + "\(Int(supported.lowerBound))–\(Int(supported.upperBound)) req/s")
    }
    guard Set(loads).count == loads.count else {
      throw ExperimentError.invalidValue(field: option, reason: "a load appears twice")
    }
  }
}

/// Everything the load sweep of Figs. 9–12 runs with.
struct DispatchSweepConfig: Codable, Sendable, Equatable {
  /// MAPPO's training (the KMPS setup of Fig. 7 with a smaller budget); the AC and DDPG
  /// baselines train on the same episodes in their own environment
  /// (`training.environment(for:)`: no cross-cluster, centralized decisions).
  var training: DispatchTrainingConfig
  /// The baselines' learners.
  var baselines: CentralizedBaselineConfig
  /// Evaluation loads, req/s.
  var loads: [Double]
  /// Slots of each evaluation episode (steady profile).
  var evaluationSlots: Int
  /// Per-decision inference time charged by the simulator, ms; nil = calibrate: measure each
  /// trained dispatcher's mean `choose` wall time (SPEC §3.8) and use it.
  var decisionTimeMs: Double?
  /// Decisions timed per calibration (after as many warm-up decisions).
  var calibrationDecisions: Int
  /// Series evaluated, in plot order.
  var series: [DispatchSweepSeries]

  /// The KMPS environment and MAPPO settings of Fig. 7 with Kubernetes HPA orchestrating for
  /// every series (one orchestrator for all, so the figures compare dispatch only), a 3-episode
  /// curriculum and 10 recorded 200-slot episodes at 600 req/s with bursts; evaluation at
  /// 100–600 req/s for 120 slots (30 s) each. `quick`: the smoke-test budget.
  static func standard(quick: Bool) -> DispatchSweepConfig {
    var training = DispatchTrainingConfig.kmps(quick: quick)
    training.environment.orchestration.orchestrator = .hpa
    training.episodes = quick ? 2 : 10
    if quick { training.episodeSlots = 40 }
    var baselines = CentralizedBaselineConfig.standard()
    if quick {
      baselines.ddpg.learningStarts = 200
      baselines.a2c.numSteps = 64
    }
    return DispatchSweepConfig(
      training: training, baselines: baselines,
      loads: quick ? [100, 600] : [100, 200, 300, 400, 500, 600],
      evaluationSlots: quick ? 30 : 120, decisionTimeMs: nil,
      calibrationDecisions: quick ? 100 : 2000,
      series: DispatchSweepSeries.learned + [.mappoCentralized])
  }

  /// Throws an error naming the first impossible field.
  func validate() throws {
    try training.validate()
    try baselines.validate()
    try SweepLoads.validate(loads, option: "loads")
    func fail(_ field: String, _ reason: String) -> ExperimentError {
      .invalidValue(field: field, reason: reason)
    }
    if evaluationSlots < 1 { throw fail("evaluationSlots", "must be ≥ 1") }
    if calibrationDecisions < 1 { throw fail("calibrationDecisions", "must be ≥ 1") }
    if let d = decisionTimeMs, !(d.isFinite && d >= 0) {
      throw fail("decisionTimeMs", "must be ≥ 0 (or null to calibrate)")
    }
    if series.isEmpty { throw fail("series", "at least one series") }
    if training.environment.orchestration.orchestrator == .agent {
      throw fail(
        "training.environment.orchestration.orchestrator",
        "the sweep runs every series with one heuristic orchestrator (hpa, greedy, none)")
    }
  }
}

/// One series at one load for one seed: what Figs. 9–12 plot.
struct SweepPoint: Codable, Sendable, Equatable {
  var series: String
  var seed: UInt64
  var loadRequestsPerSecond: Double
  /// Requests that arrived in the evaluation episode.
  var arrived: Int
  /// Completed by their deadline.
  var completedOnTime: Int
  var decisions: Int
  var invalidActions: Int
  var dispatchedCloud: Int
  var dispatchedCrossCluster: Int
  /// Mean parts of the E2E latency of on-time completions, ms.
  var decisionMs: Double
  var transmissionMs: Double
  var queueingMs: Double
  var executionMs: Double
  /// Mean scheduling latency (arrival at the eAP → decision available), ms.
  var schedulingMs: Double
  var p95Ms: Double
  /// Energy of the episode (SPEC §3.7: all VMs' idle power, busy cores, eAP decisions), J.
  var energyJ: Double
  /// Of which the dynamic part (busy node cores + decision CPU), J.
  var dynamicEnergyJ: Double
  /// Decision CPU time over the eAPs' cores and the episode.
  var eapCPUUtilization: Double
  /// Busy core time over the edge nodes' cores.
  var edgeCPUUtilization: Double
  /// Simulated seconds.
  var seconds: Double
  /// Per-decision inference time the simulator charged, ms.
  var decisionTimeMs: Double

  var meanE2EMs: Double { decisionMs + transmissionMs + queueingMs + executionMs }
  var throughput: Double { arrived == 0 ? 1 : Double(completedOnTime) / Double(arrived) }

  init(
    series: String, seed: UInt64, load: Double, metrics m: EdgeCloudMetrics,
    energy: EnergyConfig, decisionTimeMs: Double
  ) {
    self.series = series
    self.seed = seed
    loadRequestsPerSecond = load
    arrived = m.arrived
    completedOnTime = m.completedOnTime
    decisions = m.decisions
    invalidActions = m.invalidActions
    dispatchedCloud = m.dispatchedCloud
    dispatchedCrossCluster = m.dispatchedCrossCluster
    let parts = m.meanLatencyMs
    decisionMs = parts.decision
    transmissionMs = parts.transmission
    queueingMs = parts.queueing
    executionMs = parts.execution
    schedulingMs = m.meanSchedulingMs
    p95Ms = m.latencyPercentileMs(95)
    energyJ = m.energyJ(energy)
    var idleOnly = energy
    idleOnly.maxWatts = energy.idleWatts
    dynamicEnergyJ = energyJ - m.energyJ(idleOnly)
    eapCPUUtilization = m.eapCPUUtilization(eapCores: energy.eapCPUCores)
    edgeCPUUtilization = m.edgeCPUUtilization
    seconds = m.elapsedMs / 1000
    self.decisionTimeMs = decisionTimeMs
  }
}

/// What training one series with one seed gave.
struct SweepTraining: Codable, Sendable, Equatable {
  var series: String
  var seed: UInt64
  /// Throughput of the recorded training episodes, in order.
  var throughput: [Double]
  /// Wall seconds of the whole training.
  var wallSeconds: Double
}

/// One seed's sweep (the cache unit).
struct SweepSeedResult: Codable, Sendable, Equatable {
  var key: String
  var seed: UInt64
  var training: [SweepTraining]
  var points: [SweepPoint]
}

/// Trains MAPPO, AC and DDPG once per seed and evaluates them at every load; Figs. 9–12 plot
/// slices of the same result. One seed's result is cached as JSON under
/// `results/dispatch-sweep-cache/` (next to the figure folders), keyed by a hash of the sweep
/// config, the trace, the seed and the git commit; a figure run whose key matches reuses it
/// (`--fresh` recomputes). The cache holds measurements, not weights.
enum DispatchSweep {
  /// The cache key of one seed.
  static func cacheKey(config: DispatchSweepConfig, seed: UInt64, gitCommit: String) throws
    -> String
  {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var text = String(decoding: try encoder.encode(config), as: UTF8.self)
    text += "|seed \(seed)|commit \(gitCommit)"
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
  }

  /// Every seed's result, from the cache (unless `readCache` is false) or computed (and then
  /// cached).
  static func results(
    config: DispatchSweepConfig, seeds: [UInt64], cacheDirectory: URL?, readCache: Bool = true,
    gitCommit: String, progressSink: @escaping ProgressReporter.Sink
  ) throws -> (results: [SweepSeedResult], cached: Int) {
    let trace = try loadTrace(config)
    var out: [SweepSeedResult] = []
    var cached = 0
    for seed in seeds {
      let key = try cacheKey(config: config, seed: seed, gitCommit: gitCommit)
      let file = cacheDirectory?.appendingPathComponent("seed\(seed)-\(key).json")
      if readCache, let file, let data = try? Data(contentsOf: file),
        let hit = try? JSONDecoder().decode(SweepSeedResult.self, from: data), hit.key == key
      {
        out.append(hit)
        cached += 1
        continue
      }
      let result = try run(
        config: config, seed: seed, key: key, trace: trace, progressSink: progressSink)
      if let file, let directory = cacheDirectory {
        try FileIO.makeDirectory(directory)
        try FileIO.writeAtomically(try JSONFiles.encode(result), to: file)
      }
      out.append(result)
    }
    return (out, cached)
  }

  static func loadTrace(_ config: DispatchSweepConfig) throws -> AlibabaTrace? {
    let env = config.training.environment
    guard env.workload.source == .trace else { return nil }
    return try AlibabaTrace.loadReporting(for: env)
  }

  /// Trains the learned series for `seed` and evaluates every series at every load.
  static func run(
    config: DispatchSweepConfig, seed: UInt64, key: String, trace: AlibabaTrace?,
    progressSink: @escaping ProgressReporter.Sink
  ) throws -> SweepSeedResult {
    let training = config.training
    let needsMAPPO = config.series.contains(.mappo) || config.series.contains(.mappoCentralized)
    let learned = CentralizedAgentKind.allCases.filter { kind in
      config.series.contains { $0.rawValue == kind.rawValue }
    }
    let progress = ProgressReporter(
      label: "dispatch sweep seed \(seed)",
      total: (needsMAPPO ? training.episodes : 0) + learned.count * training.episodes
        + config.series.count * config.loads.count,
      unit: "steps", sink: progressSink)
    var trainings: [SweepTraining] = []
    var mappoPolicy: MAPPOPolicy? = nil
    if needsMAPPO {
      let start = ContinuousClock.now
      let result = try DispatchTraining.run(
        series: DispatchSweepSeries.mappo.dispatchSeries, seed: seed, config: training,
        trace: trace
      ) { record in progress.advance(metrics: ["MAPPO throughput": record.throughput]) }
      mappoPolicy = result.trainer.policy
      trainings.append(
        SweepTraining(
          series: DispatchSweepSeries.mappo.rawValue, seed: seed,
          throughput: result.episodes.map(\.throughput),
          wallSeconds: (ContinuousClock.now - start).seconds))
    }
    var actors: [CentralizedAgentKind: MLP] = [:]
    for kind in learned {
      let start = ContinuousClock.now
      let result = try CentralizedBaselineTraining.run(
        kind: kind, seed: seed, training: training, baseline: config.baselines, trace: trace
      ) { record in progress.advance(metrics: ["\(kind.rawValue) throughput": record.throughput]) }
      actors[kind] = result.actor
      trainings.append(
        SweepTraining(
          series: kind.rawValue, seed: seed, throughput: result.episodes.map(\.throughput),
          wallSeconds: (ContinuousClock.now - start).seconds))
    }

    var points: [SweepPoint] = []
    for series in config.series {
      var env = training.environment(for: series.dispatchSeries)
      let decisionMs: Double
      if let fixed = config.decisionTimeMs {
        decisionMs = fixed
      } else {
        decisionMs = try calibrate(
          series: series, env: env, config: config, seed: seed, trace: trace,
          mappo: mappoPolicy, actors: actors)
      }
      env.dispatch.inferenceLatencyMs = decisionMs
      env.dispatch.centralSolverLatencyMs = decisionMs
      for (index, load) in config.loads.enumerated() {
        var sim = try training.episodeSimulator(
          env, slots: config.evaluationSlots, loadFraction: load / training.loadRequestsPerSecond,
          profile: .steady, seed: DispatchTraining.episodeSeed(seed, phase: 12, episode: index),
          trace: trace)
        let dispatcherSeed = DispatchTraining.episodeSeed(seed, phase: 13, episode: index)
        guard var orchestrator = env.orchestration.orchestrator.makeHeuristic(env) else {
          preconditionFailure("validated: a heuristic orchestrator")
        }
        switch series {
        case .mappo, .mappoCentralized:
          var d = try LearnedDispatcher(
            policy: mappoPolicy!, simulator: sim, criticView: .globalStateWithAgentID,
            streamPerEAP: true, acting: .sample, record: false, seed: dispatcherSeed)
          sim.run(dispatch: &d, orchestration: &orchestrator)
        case .ac:
          var d = ACDispatcher(
            actor: actors[.ac]!, actionCount: sim.targetCount, acting: .sample, record: false,
            rewards: env.rewards, seed: dispatcherSeed)
          sim.run(dispatch: &d, orchestration: &orchestrator)
        case .ddpg:
          var d = DDPGDispatcher(
            actor: actors[.ddpg]!, actionCount: sim.targetCount, explorationNoise: 0,
            record: false, rewards: env.rewards, seed: dispatcherSeed)
          sim.run(dispatch: &d, orchestration: &orchestrator)
        }
        let point = SweepPoint(
          series: series.rawValue, seed: seed, load: load, metrics: sim.metrics,
          energy: env.energy, decisionTimeMs: decisionMs)
        points.append(point)
        progress.advance(metrics: ["\(series.rawValue) E2E ms": point.meanE2EMs])
      }
    }
    progress.finish()
    return SweepSeedResult(key: key, seed: seed, training: trainings, points: points)
  }

  /// The mean wall time of one trained dispatcher's `choose`, ms, over
  /// `config.calibrationDecisions` decisions after as many warm-up ones, at the top load.
  static func calibrate(
    series: DispatchSweepSeries, env: EdgeCloudConfig, config: DispatchSweepConfig, seed: UInt64,
    trace: AlibabaTrace?, mappo: MAPPOPolicy?, actors: [CentralizedAgentKind: MLP]
  ) throws -> Double {
    let n = config.calibrationDecisions
    let samples = try timedSamples(
      series: series, env: env, config: config, seed: seed, trace: trace, mappo: mappo,
      actors: actors, count: 2 * n)
    return samples[n...].reduce(0, +) / Double(n) * 1000
  }

  /// `count` timed `choose` calls of `series`' trained dispatcher, seconds each.
  static func timedSamples(
    series: DispatchSweepSeries, env: EdgeCloudConfig, config: DispatchSweepConfig, seed: UInt64,
    trace: AlibabaTrace?, mappo: MAPPOPolicy?, actors: [CentralizedAgentKind: MLP], count: Int
  ) throws -> [Double] {
    let training = config.training
    let sim = try training.episodeSimulator(
      env, slots: max(40, training.episodeSlots), loadFraction: 1, profile: .steady,
      seed: DispatchTraining.episodeSeed(seed, phase: 14, episode: 0), trace: trace)
    let s = DispatchTraining.episodeSeed(seed, phase: 15, episode: 0)
    switch series {
    case .mappo, .mappoCentralized:
      var run = TimedDispatchRun(
        sim: sim,
        dispatcher: try LearnedDispatcher(
          policy: mappo!, simulator: sim, criticView: .globalStateWithAgentID,
          streamPerEAP: true, acting: .sample, record: false, seed: s), seed: s)
      run.collect(atLeast: count)
      return Array(run.dispatcher.samples.prefix(count))
    case .ac:
      var run = TimedDispatchRun(
        sim: sim,
        dispatcher: ACDispatcher(
          actor: actors[.ac]!, actionCount: sim.targetCount, acting: .sample, record: false,
          rewards: env.rewards, seed: s), seed: s)
      run.collect(atLeast: count)
      return Array(run.dispatcher.samples.prefix(count))
    case .ddpg:
      var run = TimedDispatchRun(
        sim: sim,
        dispatcher: DDPGDispatcher(
          actor: actors[.ddpg]!, actionCount: sim.targetCount, explorationNoise: 0,
          record: false, rewards: env.rewards, seed: s), seed: s)
      run.collect(atLeast: count)
      return Array(run.dispatcher.samples.prefix(count))
    }
  }
}
