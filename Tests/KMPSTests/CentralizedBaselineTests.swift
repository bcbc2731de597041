import Envs
import Foundation
import KMPS
import RL
import TensorModule
import Testing

/// The AC and DDPG dispatch baselines learn on a tiny system where the right choice is
/// clear-cut: one cluster of three edge nodes, each hosting one of three services, and a cloud
/// 1.5 s away (every cloud dispatch misses its 0.5–1 s budget). The mask leaves two valid
/// targets per request, the node hosting its service and the cloud, so random valid dispatch and
/// an untrained AC (near-uniform over them) send about half of the requests to the cloud; a
/// trained agent sends each request to its service's node.
enum TinyDispatchSystem {
  static func training(episodes: Int) -> DispatchTrainingConfig {
    var env = EdgeCloudConfig()
    env.topology.clusterCount = 1
    env.topology.edgeNodesPerCluster = 3
    env.topology.cloudNodeCount = 1
    env.topology.wanLatencyMs = 1500
    env.topology.latencyJitterFraction = 0
    env.services.count = 3
    env.services.replicaMemoryGB = [0.5, 0.5, 0.5]
    env.services.baseExecutionMs = [200, 200, 200]
    env.services.replicaCPURequestCores = [0.18, 0.18, 0.18]
    env.services.placement = [[4, 0, 0, 4], [0, 4, 0, 4], [0, 0, 4, 4]]
    env.workload.source = .poisson
    env.workload.clusterShares = [1]
    env.workload.minBudgetMs = 500
    env.workload.maxBudgetMs = 1000
    env.dispatch.urgentRescheduling = false
    env.orchestration.orchestrator = OrchestratorKind.none
    return DispatchTrainingConfig(
      environment: env, mappo: MAPPOConfig(), curriculum: [], episodes: episodes,
      episodeSlots: 80, loadRequestsPerSecond: 20, profile: .steady, reward: .request,
      weightSyncEverySlots: 1, warmupPlacementSlots: 0)
  }

  static func baselines() -> CentralizedBaselineConfig {
    var b = CentralizedBaselineConfig.standard()
    b.a2c.hiddenSizes = [32, 32]
    b.a2c.numSteps = 32
    b.a2c.learningRate = 2e-3
    b.ddpg.hiddenSizes = [32, 32]
    b.ddpg.batchSize = 32
    b.ddpg.learningStarts = 400
    b.ddpg.learningRate = 1e-3
    b.ddpgDecisionsPerUpdate = 2
    return b
  }

  /// Mean throughput of `make()`'s dispatcher over three evaluation episodes of the baseline's
  /// environment (centralized, no cross-cluster).
  static func evaluate<D: DispatchPolicy>(
    _ kind: CentralizedAgentKind, _ training: DispatchTrainingConfig, _ make: () -> D
  ) throws -> Double {
    let env = training.environment(for: kind.series)
    var total = 0.0
    for episode in 0..<3 {
      var sim = try training.episodeSimulator(
        env, slots: 80, loadFraction: 1, profile: .steady, seed: 1000 + UInt64(episode),
        trace: nil)
      var dispatcher = make()
      sim.run(dispatch: &dispatcher)
      total += sim.metrics.throughput
    }
    return total / 3
  }
}

@Suite struct CentralizedBaselineTests {
  @Test func acBeatsRandomDispatchAfterBriefTraining() throws {
    let training = TinyDispatchSystem.training(episodes: 30)
    let baselines = TinyDispatchSystem.baselines()
    let result = try CentralizedBaselineTraining.run(
      kind: .ac, seed: 3, training: training, baseline: baselines, trace: nil)
    let env = training.environment(for: CentralizedAgentKind.ac.series)
    let untrained = try A2C(
      config: baselines.a2c, observationDim: result.actor.layers[0].inFeatures,
      actionCount: 4, seed: 3)
    func dispatcher(_ actor: MLP) -> ACDispatcher {
      ACDispatcher(
        actor: actor, actionCount: 4, acting: .sample, record: false, rewards: env.rewards,
        seed: 7)
    }
    let trained = try TinyDispatchSystem.evaluate(.ac, training) { dispatcher(result.actor) }
    let initial = try TinyDispatchSystem.evaluate(.ac, training) {
      dispatcher(untrained.networks.actor)
    }
    let random = try TinyDispatchSystem.evaluate(.ac, training) {
      RandomValidPolicy(seed: 7, allowCrossCluster: false)
    }
    print("AC tiny: trained \(trained), untrained \(initial), random \(random)")
    // Masked, the untrained agent already plays like random valid dispatch: only learning to
    // prefer the service's node over the cloud lifts it above both (a sign-flipped policy
    // gradient learns the cloud and ends below them).
    #expect(
      trained > max(random, initial) + 0.15,
      "trained \(trained), untrained \(initial), random \(random)")
    #expect(result.episodes.count == 30)
    #expect(result.episodes.allSatisfy { $0.invalidShare == 0 })
  }

  @Test func ddpgBeatsRandomDispatchAfterBriefTraining() throws {
    let training = TinyDispatchSystem.training(episodes: 12)
    let baselines = TinyDispatchSystem.baselines()
    let result = try CentralizedBaselineTraining.run(
      kind: .ddpg, seed: 1, training: training, baseline: baselines, trace: nil)
    let env = training.environment(for: CentralizedAgentKind.ddpg.series)
    let untrained = try DDPG(
      config: baselines.ddpg, observationDim: result.actor.layers[0].inFeatures,
      actionLow: [Float](repeating: -1, count: 4), actionHigh: [Float](repeating: 1, count: 4),
      seed: 1)
    func dispatcher(_ actor: MLP) -> DDPGDispatcher {
      DDPGDispatcher(
        actor: actor, actionCount: 4, explorationNoise: 0, record: false, rewards: env.rewards,
        seed: 7)
    }
    let trained = try TinyDispatchSystem.evaluate(.ddpg, training) { dispatcher(result.actor) }
    let initial = try TinyDispatchSystem.evaluate(.ddpg, training) {
      dispatcher(untrained.actor.network)
    }
    let random = try TinyDispatchSystem.evaluate(.ddpg, training) {
      RandomValidPolicy(seed: 7, allowCrossCluster: false)
    }
    print("DDPG tiny: trained \(trained), untrained \(initial), random \(random)")
    // Its own initialization may already beat random (the argmax never picks an invalid
    // target): learning must lift it above both.
    #expect(
      trained > max(random, initial) + 0.15,
      "trained \(trained), untrained \(initial), random \(random)")
  }

  /// An actor whose logits favour node 0 over nodes 1–2 over the cloud ([5, 0, 0, −5]: zero
  /// weights, output bias set): acting greedily within the mask it sends each request to the
  /// node hosting its service (node 0 only for service 0), where an unmasked argmax would send
  /// every request to node 0, two thirds of them invalid. Sampling never leaves the mask
  /// either, and the log keeps each decision's mask.
  @Test func acActsWithinTheMask() throws {
    let training = TinyDispatchSystem.training(episodes: 1)
    let env = training.environment(for: CentralizedAgentKind.ac.series)
    let probe = try training.episodeSimulator(
      env, slots: 40, loadFraction: 1, profile: .steady, seed: 5, trace: nil)
    let a2c = try A2C(
      config: TinyDispatchSystem.baselines().a2c, observationDim: probe.observationSize,
      actionCount: 4, seed: 11)
    var actor = a2c.networks.actor
    let last = actor.layers.count - 1
    actor.updateParameters { name, p in
      let bias = name == "\(last).bias"
      p.assign(bias ? Tensor([5, 0, 0, -5]) : Tensor(repeating: 0, shape: p.shape))
    }
    for acting in [ActingMode.greedy, .sample] {
      var sim = try training.episodeSimulator(
        env, slots: 40, loadFraction: 1, profile: .steady, seed: 5, trace: nil)
      sim.logsRequestOutcomes = true
      var d = ACDispatcher(
        actor: actor, actionCount: 4, acting: acting, record: true, rewards: env.rewards,
        seed: 2)
      sim.run(dispatch: &d)
      let m = sim.metrics
      #expect(m.decisions > 20 && m.invalidActions == 0, "\(acting): \(m.invalidActions)")
      let log = try #require(d.log)
      #expect(log.actionMasks.count == log.count * 4)
      #expect((0..<log.count).allSatisfy { log.actionMask($0)[log.actions[$0]] })
      if acting == .greedy {
        // Every valid node beats the cloud's −5: the cloud only when no node was valid.
        let cloudPicks = log.actions.indices.filter { log.actions[$0] == 3 }
        #expect(cloudPicks.allSatisfy { !log.actionMask($0)[0..<3].contains(true) })
        #expect(cloudPicks.count < log.count)
      }
    }
  }

  @Test func decisionLogCreditsRequestOutcomes() throws {
    // Every decision of an episode gets ω1 or ω2 once its request has left the system (or
    // nothing when it is still inside at the end), plus ω3 for an overloaded node.
    let training = TinyDispatchSystem.training(episodes: 1)
    let env = training.environment(for: CentralizedAgentKind.ac.series)
    var sim = try training.episodeSimulator(
      env, slots: 40, loadFraction: 1, profile: .steady, seed: 5, trace: nil)
    sim.logsRequestOutcomes = true
    let a2c = try A2C(
      config: TinyDispatchSystem.baselines().a2c, observationDim: sim.observationSize,
      actionCount: sim.targetCount, seed: 11)
    var d = ACDispatcher(
      actor: a2c.networks.actor, actionCount: sim.targetCount, acting: .sample, record: true,
      rewards: env.rewards, seed: 2)
    sim.run(dispatch: &d)
    let log = try #require(d.log)
    #expect(log.count == sim.metrics.decisions)
    let allowed: Set<Float> = [0, 1, -1, -0.5, 0.5, -1.5]
    #expect(log.rewards.allSatisfy { allowed.contains($0) })
    let credited = log.rewards.filter { $0 == 1 || $0 == 0.5 }.count
    #expect(credited == sim.metrics.completedOnTime)
  }
}
