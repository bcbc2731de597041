import Testing

@testable import Envs

/// A request's row is filled from its spec (deadline = arrival + budget, demands narrowed to
/// `Float`, lifecycle fields reset), and a released id is reused with every field overwritten.
@Test func requestTableFillsRowsAndRecyclesIDs() throws {
  var c = EdgeCloudFixtures.config(rate: 0.001, slots: 4)
  c.workload.source = .poisson
  var sim = try EdgeCloudFixtures.simulator(c)
  let first = RequestSpec(
    arrivalMs: 10, service: 3, eap: 2, budgetMs: 750, cpuCores: 0.3, memoryGB: 0.7,
    executionMs: 120, emergency: true)
  let a = sim.allocate(first)
  #expect(a == 0)
  let r = sim.requests[0]
  #expect(r.service == 3 && r.eap == 2 && r.emergency)
  #expect(r.arrivalMs == 10 && r.deadlineMs == 760 && r.executionMs == 120)
  #expect(r.cpuCores == Float(0.3) && r.memoryGB == Float(0.7))
  #expect(r.target == -1 && r.node == -1)
  #expect(r.decisionStartMs == 0 && r.queueingMs == 0 && r.transmissionMs == 0)
  #expect(sim.liveRequests == 1)

  // Dirty the row, release it: the next allocation reuses id 0 with a clean row.
  sim.requests[0].target = 5
  sim.requests[0].queueingMs = 42
  sim.release(a)
  #expect(sim.liveRequests == 0)
  let second = RequestSpec(
    arrivalMs: 20, service: 1, eap: 0, budgetMs: 500, cpuCores: 0.1, memoryGB: 0.2,
    executionMs: 50, emergency: false)
  #expect(sim.allocate(second) == 0)
  let s = sim.requests[0]
  #expect(s.service == 1 && s.eap == 0 && !s.emergency && s.deadlineMs == 520)
  #expect(s.target == -1 && s.queueingMs == 0)
  // A second live request gets a new row.
  #expect(sim.allocate(first) == 1)
  #expect(sim.requests.count == 2 && sim.liveRequests == 2)
}

/// The rescheduling table lists, per cluster, exactly the reachable edge nodes at finite
/// latency, nearest first and by index among equals: own-cluster nodes (LAN) before the
/// neighbours' (cross-cluster latency); none of another cluster without cross-cluster routing.
@Test func rescheduleTargetsAreReachableNodesByLatencyThenIndex() throws {
  for crossCluster in [true, false] {
    var c = EdgeCloudFixtures.config(rate: 0.001, slots: 4)
    c.workload.source = .poisson
    c.topology.clusterCount = 4
    c.topology.edgeNodesPerCluster = 3
    c.topology.neighbourhood = .ring
    c.workload.clusterShares = [0.25, 0.25, 0.25, 0.25]
    c.dispatch.crossCluster = crossCluster
    let sim = try EdgeCloudFixtures.simulator(c)
    let edge = sim.topology.edgeNodeCount
    #expect(edge == 12)
    for cluster in 0..<4 {
      let row = (0..<sim.rescheduleTargetCount[cluster]).map {
        Int(sim.rescheduleTargets[cluster * edge + $0])
      }
      let own = Array((3 * cluster)..<(3 * cluster + 3))
      // Ring: clusters cluster ± 1 (mod 4), in node order.
      let neighbours = [(cluster + 3) % 4, (cluster + 1) % 4].sorted().flatMap {
        Array((3 * $0)..<(3 * $0 + 3))
      }
      #expect(row == (crossCluster ? own + neighbours : own))
      for j in 0..<row.count {
        #expect(
          sim.rescheduleLatencyMs[cluster * edge + j]
            == (j < 3 ? c.topology.lanLatencyMs : c.topology.crossClusterLatencyMs))
      }
    }
  }
}
