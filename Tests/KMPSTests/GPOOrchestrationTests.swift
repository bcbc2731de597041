import Envs
import Foundation
import RL
import Testing

@testable import KMPS
import KMPSTestSupport

@Test func graphInputAndMaskFollowTheSimulator() throws {
  let sim = try EdgeCloudSimulator(config: gpoTinySystem(), seed: 1)
  let gpo = try GPOOrchestration(config: gpoTinyAgents(), simulator: sim, seed: 3)
  let graph = try gpo.graphInput(sim)
  #expect(graph.nodeCount == 5)  // 4 edge + 1 cloud
  #expect(graph.featureDim == 5 + 2 * 2)
  #expect(graph.eapCount == 3)  // 2 eAPs + the cloud master
  #expect(graph.clusterCount == 1)  // one global cluster
  #expect(graph.nodeEAP == [0, 0, 1, 1, 2])
  // LAN peers: 0↔1 and 2↔3 (cloud alone), both directions.
  let edges = Set(zip(graph.edgeSources, graph.edgeTargets).map { "\($0)→\($1)" })
  #expect(edges == ["1→0", "0→1", "3→2", "2→3"])

  // Mask rows of 2W + 1 = 5: nothing, add s0, add s1, remove s0, remove s1.
  let mask = gpo.serviceMask(sim)
  #expect(mask.count == 5 * 5)
  // Node 0 hosts 2 × s0 (2 GB of 15 GB): both adds fit, only s0 can be removed.
  #expect(Array(mask[0..<5]) == [true, true, true, true, false])
  // Node 1 hosts s1 only.
  #expect(Array(mask[5..<10]) == [true, true, true, false, true])
  // Cloud node: only "nothing" (cloud orchestration off).
  #expect(Array(mask[20..<25]) == [true, false, false, false, false])

  var unmasked = gpoTinyAgents(masked: false)
  unmasked.orchestrateCloudNodes = false
  let literal = try GPOOrchestration(config: unmasked, simulator: sim, seed: 3)
  let open = literal.serviceMask(sim)
  #expect(open[0..<20].allSatisfy { $0 })
  #expect(Array(open[20..<25]) == [true, false, false, false, false])
}

@Test func infeasibleActionsBecomeCountedNoOpsAndBusyRemovalsWait() throws {
  var config = gpoTinySystem(rate: 1, frame: 4)
  config.services.maxReplicasPerNode = 3
  var sim = try EdgeCloudSimulator(config: config, seed: 2)
  var gpo = try GPOOrchestration(
    config: gpoTinyAgents(masked: false), simulator: sim, seed: 5,
    mode: .evaluation(deterministic: true))
  // Hand-made decision: node 1 removes s0 (none there), node 0 adds s0 twice over the
  // 3-replica cap (2 + 1 fits, the second add of another decision does not).
  var actions: [OrchestrationAction] = []
  gpo.append(
    GPODecision(
      choices: [OrchestrationChoice(node: 1, action: 3), OrchestrationChoice(node: 0, action: 1)],
      nodeLogProb: 0, serviceLogProb: 0), to: &actions)
  gpo.append(
    GPODecision(
      choices: [OrchestrationChoice(node: 0, action: 2), OrchestrationChoice(node: 4, action: 1)],
      nodeLogProb: 0, serviceLogProb: 0), to: &actions)
  #expect(
    actions == [
      OrchestrationAction(.remove, service: 0, node: 1),
      OrchestrationAction(.add, service: 0, node: 0),
      OrchestrationAction(.add, service: 1, node: 0),
    ])  // the cloud node's add is turned into "nothing" (cloud orchestration off)
  #expect(gpo.stats.nothing == 1)
  for a in actions { sim.apply(a) }
  #expect(sim.metrics.orchestrationNoOps == 2)  // removal of an absent replica + add over cap
  #expect(sim.replicaCount(service: 0, node: 0) == 3)
  #expect(sim.replicaCount(service: 1, node: 0) == 0)

  // A removal of a busy replica is pending until the request finishes.
  var busyConfig = gpoTinySystem(rate: 1, slots: 400, frame: 4)
  busyConfig.services.baseExecutionMs = [3000, 3000]
  busyConfig.services.placement = [[1, 0, 2, 0, 1], [0, 2, 0, 2, 1]]
  var busySim = try EdgeCloudSimulator(config: busyConfig, seed: 4)
  var toNodeZero = ClosureDispatchPolicy { view, sim in
    view.mask[0] ? 0 : sim.topology.cloudTarget
  }
  var found = false
  while busySim.beginSlot() {
    if busySim.busyReplicas(service: 0, node: 0) == 1 {
      found = true
      break
    }
    busySim.runDecisionRounds(policy: &toNodeZero)
    _ = busySim.endSlot()
  }
  try #require(found, "a request of service 0 should start on node 0")
  var removal: [OrchestrationAction] = []
  var busyGPO = try GPOOrchestration(
    config: gpoTinyAgents(masked: false), simulator: busySim, seed: 5)
  busyGPO.append(
    GPODecision(
      choices: [OrchestrationChoice(node: 0, action: 3), OrchestrationChoice(node: 1, action: 0)],
      nodeLogProb: 0, serviceLogProb: 0), to: &removal)
  for a in removal { busySim.apply(a) }
  #expect(busySim.pendingRemovals(service: 0, node: 0) == 1)
  #expect(busySim.replicaCount(service: 0, node: 0) == 1)
  #expect(GPOOrchestration.activeReplicas(busySim) == [2 + 1, 4 + 1])  // node 0's is leaving
  #expect(busySim.metrics.orchestrationNoOps == 0)
  var none = LeastUtilizedPolicy(allowCrossCluster: true)
  while busySim.pendingRemovals(service: 0, node: 0) > 0 {
    busySim.runDecisionRounds(policy: &none)
    _ = busySim.endSlot()
    let open = busySim.beginSlot()
    try #require(open, "the busy replica should finish within the episode")
  }
  #expect(busySim.replicaCount(service: 0, node: 0) == 0)
  #expect(busySim.metrics.replicasRemoved == 1)
}

/// Every parameter value of `policy`, in visiting order.
private func flatParameters(_ policy: GPOPolicy) -> [Float] {
  var values: [Float] = []
  policy.visitParameters { _, p in values += p.scalars }
  return values
}

/// Wraps the adapter and records, at every frame start, what the rewards are made of.
private struct RecordingOrchestrator: OrchestrationPolicy {
  var inner: GPOOrchestration
  var completedDeltas: [Int] = []
  var utilizations: [[Double]] = []
  var active: [[Int]] = []
  var queued: [[Int]] = []
  var onTime: [Int] = []
  var failed: [Int] = []

  mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    if sim.isFrameStart {
      completedDeltas.append(sim.onTimeAtFrameStart - sim.previousFrameOnTime)
      utilizations.append((0..<sim.topology.edgeNodeCount).map { sim.cpuUtilization(node: $0) })
      active.append(GPOOrchestration.activeReplicas(sim))
      queued.append((0..<sim.serviceCount).map { sim.queuedRequests(service: $0) })
      onTime.append(sim.metrics.completedOnTime)
      failed.append(sim.metrics.failed)
    }
    inner.orchestrate(sim, &actions)
  }
}

@Test func rewardsMatchTheHandComputedFormulas() throws {
  var config = gpoTinySystem(rate: 12, slots: 40, frame: 8)
  config.rewards.nodeCompletedWeight = 2
  config.rewards.nodeImbalanceWeight = 3
  config.rewards.serviceGrowthWeight = 1.5
  config.rewards.serviceWasteWeight = 0.25
  var sim = try EdgeCloudSimulator(config: config, seed: 7)
  var options = gpoTinyAgents(masked: true)
  options.updateEveryFrames = 0
  let gpo = try GPOOrchestration(config: options, simulator: sim, seed: 11)
  var recorder = RecordingOrchestrator(inner: gpo)
  var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
  sim.run(dispatch: &dispatch, orchestration: &recorder)
  let got = recorder.inner.episodeRewards
  // Frames start at slots 8, 16, 24, 32: four decisions; three rewarded at the next frame start.
  #expect(recorder.completedDeltas.count == 4)
  #expect(got.count == 3)
  #expect(recorder.inner.batch.count == 3)

  func jain(_ u: [Double]) -> Double {
    let s = u.reduce(0, +)
    let s2 = u.reduce(0) { $0 + $1 * $1 }
    return s2 == 0 ? 1 : s * s / (Double(u.count) * s2)
  }
  for k in 0..<3 {
    // Decision at frame k, observed at frame k + 1.
    let delta = recorder.completedDeltas[k + 1]
    let uNode = 2 * Double(delta) / 100 - 3 * (1 - jain(recorder.utilizations[k + 1]))
    let growth = zip(recorder.active[k + 1], recorder.active[k]).map { $0 - $1 }
    let q = recorder.queued[k]
    let mean = Double(q.reduce(0, +)) / 2
    var uService = 0.0
    for s in 0..<2 {
      if q[s] > 0 && Double(q[s]) >= mean {
        uService += 1.5 * Double(growth[s])
      } else {
        uService -= 0.25 * Double(max(0, growth[s]))
      }
    }
    #expect(abs(got[k].node - uNode) < 1e-12, "frame \(k) u_node")
    #expect(abs(got[k].service - uService) < 1e-12, "frame \(k) u_service")
  }
  #expect(recorder.completedDeltas.dropFirst().contains { $0 > 0 })

  // The last decision is rewarded at the episode end and stored as a truncated step.
  let finalDelta = sim.metrics.completedOnTime - sim.onTimeAtFrameStart
  let update = try recorder.inner.finishEpisode(sim)
  let stats = try #require(update)
  #expect(stats.transitions == 4)
  let last = try #require(recorder.inner.lastEpisodeRewards.last)
  let utils = (0..<4).map { sim.cpuUtilization(node: $0) }
  #expect(abs(last.node - (2 * Double(finalDelta) / 100 - 3 * (1 - jain(utils)))) < 1e-12)
  #expect(recorder.inner.batch.count == 0)
  #expect(recorder.inner.stats.updates == 1)
  #expect(recorder.inner.stats.decisions == 4)
}

@Test func learningUpdatesOnScheduleAndEvaluationStoresNothing() throws {
  let config = gpoTinySystem(rate: 10, slots: 48, frame: 8)
  var sim = try EdgeCloudSimulator(config: config, seed: 3)
  for variant in [GPOVariant.dualActorDualCriticNoGNN, .singleActorCriticGNN] {
    var options = gpoTinyAgents(variant)
    options.updateEveryFrames = 2
    var gpo = try GPOOrchestration(config: options, simulator: sim, seed: 9)
    #expect(gpo.variant == variant)
    let before = flatParameters(gpo.agent.policy)
    for episode in 0..<2 {
      sim.reset(seed: UInt64(episode))
      var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
      sim.run(dispatch: &dispatch, orchestration: &gpo)
      // Frames at slots 8…40: 5 decisions; updates after 2 and 4 stored transitions
      // (at frame starts 24 and 40), then the last decision at the episode end.
      let update = try gpo.finishEpisode(sim)
      #expect(update?.transitions == 1)
    }
    #expect(gpo.stats.decisions == 10)
    #expect(gpo.stats.storedTransitions == 10)
    #expect(gpo.stats.updates == 6)
    #expect(gpo.updateHistory.map(\.transitions) == [2, 2, 1, 2, 2, 1])
    let after = flatParameters(gpo.agent.policy)
    #expect(before != after)
    // Masked actions only: no no-ops.
    #expect(sim.metrics.orchestrationNoOps == 0)

    gpo.mode = .evaluation(deterministic: true)
    sim.reset(seed: 99)
    var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
    sim.run(dispatch: &dispatch, orchestration: &gpo)
    #expect(gpo.batch.count == 0)
    #expect(try gpo.finishEpisode(sim) == nil)
    #expect(gpo.stats.decisions == 15)
    #expect(gpo.stats.updates == 6)
  }
}

@Test func aDecisionLeftOverFromAnUnfinishedEpisodeIsDropped() throws {
  var sim = try EdgeCloudSimulator(config: gpoTinySystem(rate: 10, slots: 40, frame: 8), seed: 5)
  var gpo = try GPOOrchestration(config: gpoTinyAgents(), simulator: sim, seed: 1)
  for episode in 0..<2 {
    sim.reset(seed: UInt64(episode))
    var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
    sim.run(dispatch: &dispatch, orchestration: &gpo)  // no finishEpisode in between
  }
  // 4 decisions per episode, 3 rewarded within it; the first episode's last one is not
  // rewarded with the second episode's frames.
  #expect(gpo.stats.decisions == 8)
  #expect(gpo.batch.count == 6)
  #expect(gpo.episodeRewards.count == 6)
}

@Test func onTimeShareRewardCountsTheFramesFinishedRequests() throws {
  // A loaded tiny system, so some requests fail; u_node = β1·share − β2·(1 − Jain).
  var config = gpoTinySystem(rate: 40, slots: 40, frame: 8)
  config.rewards.nodeCompletedWeight = 2
  config.rewards.nodeImbalanceWeight = 3
  var sim = try EdgeCloudSimulator(config: config, seed: 7)
  var options = gpoTinyAgents(masked: true)
  options.nodeReward = .onTimeShare
  let gpo = try GPOOrchestration(config: options, simulator: sim, seed: 11)
  var recorder = RecordingOrchestrator(inner: gpo)
  var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
  sim.run(dispatch: &dispatch, orchestration: &recorder)
  let got = recorder.inner.episodeRewards
  #expect(got.count == 3)
  func jain(_ u: [Double]) -> Double {
    let s = u.reduce(0, +)
    let s2 = u.reduce(0) { $0 + $1 * $1 }
    return s2 == 0 ? 1 : s * s / (Double(u.count) * s2)
  }
  for k in 0..<3 {
    let onTime = recorder.onTime[k + 1] - recorder.onTime[k]
    let finished = onTime + recorder.failed[k + 1] - recorder.failed[k]
    let share = finished > 0 ? Double(onTime) / Double(finished) : 0
    let uNode = 2 * share - 3 * (1 - jain(recorder.utilizations[k + 1]))
    #expect(abs(got[k].node - uNode) < 1e-12, "frame \(k) u_node")
  }
  #expect((1..<4).contains { recorder.failed[$0] > recorder.failed[$0 - 1] }, "no failure seen")
}

/// Without `updateAtEpisodeEnd`, transitions are kept across episodes and every update trains
/// on exactly `updateEveryFrames` of them, whether it falls mid-episode or at an episode's end.
@Test func transitionsCarryAcrossEpisodesUntilAnUpdateIsDue() throws {
  var sim = try EdgeCloudSimulator(config: gpoTinySystem(rate: 10, slots: 48, frame: 8), seed: 4)
  var options = gpoTinyAgents()
  options.updateAtEpisodeEnd = false
  options.updateEveryFrames = 3
  var gpo = try GPOOrchestration(config: options, simulator: sim, seed: 2)
  var atEnds: [Int?] = []
  for episode in 0..<4 {
    sim.reset(seed: UInt64(episode))
    var dispatch = LeastUtilizedPolicy(allowCrossCluster: true)
    sim.run(dispatch: &dispatch, orchestration: &gpo)
    atEnds.append(try gpo.finishEpisode(sim)?.transitions)
  }
  // 5 frames per episode (slots 8…40), the last stored at the episode's end: 20 transitions.
  // An update when the 3rd, 6th, …, 18th is stored; only the 15th is an episode's last (the
  // third episode's), the others fall at frame starts. Two wait for a next episode.
  #expect(gpo.stats.decisions == 20)
  #expect(gpo.stats.storedTransitions == 20)
  #expect(gpo.updateHistory.map(\.transitions) == [3, 3, 3, 3, 3, 3])
  #expect(atEnds == [nil, nil, 3, nil])
  #expect(gpo.batch.count == 2)

  var never = gpoTinyAgents()
  never.updateAtEpisodeEnd = false
  never.updateEveryFrames = 0
  #expect(throws: RLInputError.self) { try never.validate() }
}
