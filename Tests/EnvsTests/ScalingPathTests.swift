import Foundation
import SeededRandom
import Testing

@testable import Envs

/// The simulator's per-decision and per-slot work costs the eAP's neighbourhood and the slot's
/// dispatches, not the whole system (`experiment scale`). These tests hold those short paths to
/// the definitions they replace.

/// Records every dispatch of the slot and, when the slot ends, recomputes each eAP's reward
/// u_{b,t} from its definition over all targets: dispatches to a target overloaded at the slot
/// end, on-time and failed counts.
private struct RewardCheckingPolicy: DispatchPolicy {
  var inner: RandomValidPolicy
  var dispatches: [[Int]] = []  // [eap][target] this slot
  var slots = 0
  var mismatches = 0

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    if dispatches.isEmpty {
      dispatches = Array(
        repeating: Array(repeating: 0, count: sim.targetCount), count: sim.topology.clusterCount)
    }
    let target = inner.choose(view, sim)
    dispatches[view.decision.eap][target] += 1
    return target
  }

  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    slots += 1
    for b in 0..<outcome.rewards.count {
      var overloaded = 0
      var dispatched = 0
      for a in 0..<sim.targetCount {
        let k = dispatches.isEmpty ? 0 : dispatches[b][a]
        dispatched += k
        let busy = a == sim.topology.cloudTarget ? sim.isCloudOverloaded : sim.isOverloaded(node: a)
        if busy { overloaded += k }
      }
      let expected = EdgeCloudSimulator.slotReward(
        onTime: outcome.completedOnTime[b], failed: outcome.failed[b],
        overloadedDispatches: overloaded, dispatches: dispatched, weights: sim.config.rewards)
      if outcome.rewards[b] != expected { mismatches += 1 }
    }
    for b in dispatches.indices {
      for a in dispatches[b].indices { dispatches[b][a] = 0 }
    }
  }
}

/// A loaded ring of nine clusters with uneven shares: cross-cluster dispatch reaches two
/// neighbours, not the whole system.
private func ringConfig(neighbourhood: ClusterNeighbourhood) -> EdgeCloudConfig {
  var c = EdgeCloudFixtures.config(rate: 1200, slots: 80)
  c.topology.clusterCount = 9
  c.topology.edgeNodesPerCluster = 4
  c.topology.neighbourhood = neighbourhood
  c.workload.clusterShares = [3, 1, 1, 2, 0, 1, 1, 4, 1]
  return c
}

@Test(arguments: [ClusterNeighbourhood.ring, .all, .none])
func masksOverTheNeighbourhoodAreTheFullDefinition(_ neighbourhood: ClusterNeighbourhood) throws {
  let c = ringConfig(neighbourhood: neighbourhood)
  var sim = try EdgeCloudFixtures.simulator(c, seed: 3)
  var policy = MaskCheckingPolicy(inner: RandomValidPolicy(seed: 3, allowCrossCluster: true))
  var hpa = HPAController(config: c.hpa)
  sim.run(dispatch: &policy, orchestration: &hpa)
  #expect(policy.decisions > 1000)
  #expect(policy.mismatches == 0)
  if neighbourhood == .ring {
    #expect(sim.metrics.dispatchedCrossCluster > 0)
  }
}

@Test(arguments: [ClusterNeighbourhood.ring, .all])
func slotRewardsCountOnlyTheSlotsDispatchesAndMatchTheDefinition(
  _ neighbourhood: ClusterNeighbourhood
) throws {
  let c = ringConfig(neighbourhood: neighbourhood)
  var sim = try EdgeCloudFixtures.simulator(c, seed: 5)
  var policy = RewardCheckingPolicy(inner: RandomValidPolicy(seed: 5, allowCrossCluster: true))
  var hpa = HPAController(config: c.hpa)
  sim.run(dispatch: &policy, orchestration: &hpa)
  #expect(policy.slots == 80)
  #expect(policy.mismatches == 0)
  #expect(sim.lastSlotRewards.contains { $0 != 0 })
}

@Test func clusterDrawIsTheFirstCumulativeShareAboveTheDraw() {
  /// The definition: a linear scan.
  func linear(_ cumulative: [Double], _ x: Double) -> Int {
    var i = 0
    while i < cumulative.count - 1 && x >= cumulative[i] { i += 1 }
    return i
  }
  var rng = Xoshiro256(seed: 11)
  for count in [1, 2, 3, 7, 64, 170, 1000] {
    for trial in 0..<20 {
      // Shares with zeros (empty clusters) and ties; every fifth set skewed (one cluster
      // takes almost everything, so guide cells are uneven).
      var shares = (0..<count).map { _ in Double(rng.next() % 4) }
      if trial % 5 == 4 { shares[Int(rng.next() % UInt64(count))] = 1e6 }
      let cumulative = WorkloadGenerator.cumulative(
        shares.allSatisfy { $0 == 0 } ? shares.map { _ in 1 } : shares)
      var draws = cumulative + [0, 1, 0.5]
      for _ in 0..<50 { draws.append(Double(rng.next() % 1_000_000) / 1_000_000) }
      // Draws right at and just around every cell edge of the guide table.
      for j in 0...count {
        let edge = Double(j) / Double(count)
        draws += [edge, edge.nextDown, edge.nextUp].filter { (0..<1).contains($0) }
      }
      let guide = WorkloadGenerator.guide(cumulative)
      for x in draws {
        #expect(WorkloadGenerator.pick(cumulative, x) == linear(cumulative, x))
        #expect(WorkloadGenerator.pick(cumulative, guide: guide, x) == linear(cumulative, x))
      }
    }
  }
}

/// Checks at every decision that the cloud's per-service idle-replica counts equal the sum over
/// the cloud nodes.
private struct CloudIdleCheckingPolicy: DispatchPolicy {
  var inner: RandomValidPolicy
  var checks = 0
  var mismatches = 0

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    for w in 0..<sim.serviceCount {
      var idle = 0
      for n in sim.topology.edgeNodeCount..<sim.topology.nodeCount {
        idle += sim.idleReplicas(service: w, node: n)
      }
      checks += 1
      if Int(sim.cloudIdleReplicas[w]) != idle { mismatches += 1 }
    }
    return inner.choose(view, sim)
  }
}

@Test func cloudIdleCountsFollowEveryStartCompletionAndReplicaChange() throws {
  // Heavy load on a small edge: the cloud queues; besides HPA, every slot removes a replica of
  // one service from a cloud node (pending while busy) and adds one of another.
  var c = EdgeCloudFixtures.config(rate: 2400, slots: 120)
  c.topology.cloudNodeCount = 3
  var sim = try EdgeCloudFixtures.simulator(c, seed: 7)
  var policy = CloudIdleCheckingPolicy(inner: RandomValidPolicy(seed: 7))
  var hpa = HPAController(config: c.hpa)
  var actions: [OrchestrationAction] = []
  var pending = 0
  while sim.beginSlot() {
    actions.removeAll()
    hpa.orchestrate(sim, &actions)
    for a in actions { sim.apply(a) }
    let node = sim.topology.edgeNodeCount + sim.slot % 3
    if sim.removeReplica(service: sim.slot % sim.serviceCount, node: node) == .pending {
      pending += 1
    }
    sim.addReplica(service: (sim.slot + 5) % sim.serviceCount, node: node)
    sim.runDecisionRounds(policy: &policy)
    sim.endSlot()
  }
  #expect(policy.checks > 10_000)
  #expect(policy.mismatches == 0)
  #expect(sim.metrics.dispatchedCloud > 100)
  #expect(pending > 0 && sim.metrics.replicasRemoved > 0)
  sim.reset(seed: 8)
  var again = CloudIdleCheckingPolicy(inner: RandomValidPolicy(seed: 8))
  sim.run(dispatch: &again, orchestration: &hpa)
  #expect(again.checks > 0 && again.mismatches == 0)
}
