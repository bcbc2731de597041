import Envs
import Foundation
import KMPS
import KMPSTestSupport
import SeededRandom
import Testing

// Firmament_Native: the GLPK min-cost flow wrapper against hand-solved and brute-forced
// instances, the infeasible and ill-formed paths, and the scheduler in the simulator.

@Test func minCostFlowSolvesASmallTransportProblem() throws {
  // Sources 0 (2 units) and 1 (1 unit); sinks 2 and 3 (demand 1 and 2).
  // Arcs: 0→2 cost 1, 0→3 cost 4, 1→2 cost 2, 1→3 cost 1, capacities 2.
  // Optimum by hand: 0→2 one unit (1), 0→3 one unit (4), 1→3 one unit (1) = 6.
  var net = MinCostFlow(vertexCount: 4)
  net.setSupply(2, of: 0)
  net.setSupply(1, of: 1)
  net.setSupply(-1, of: 2)
  net.setSupply(-2, of: 3)
  net.addArc(from: 0, to: 2, capacity: 2, cost: 1)
  net.addArc(from: 0, to: 3, capacity: 2, cost: 4)
  net.addArc(from: 1, to: 2, capacity: 2, cost: 2)
  net.addArc(from: 1, to: 3, capacity: 2, cost: 1)
  let s = try net.solve()
  #expect(s.cost == 6)
  #expect(s.flow == [1, 1, 0, 1])
}

@Test func minCostFlowReportsInfeasibleAndIllFormedNetworks() {
  // Two units must cross an arc of capacity 1.
  var tight = MinCostFlow(vertexCount: 2)
  tight.setSupply(2, of: 0)
  tight.setSupply(-2, of: 1)
  tight.addArc(from: 0, to: 1, capacity: 1, cost: 1)
  #expect(throws: MinCostFlowError.self) { try tight.solve() }
  do {
    _ = try tight.solve()
  } catch {
    #expect(error.kind == .infeasible)
  }
  var unbalanced = MinCostFlow(vertexCount: 2)
  unbalanced.setSupply(1, of: 0)
  do {
    _ = try unbalanced.solve()
    Issue.record("unbalanced supplies must not solve")
  } catch {
    #expect(error.kind == .illFormed && error.reason.contains("sum"))
  }
  var badArc = MinCostFlow(vertexCount: 2)
  badArc.addArc(from: 0, to: 7, capacity: 1, cost: 0)
  do {
    _ = try badArc.solve()
    Issue.record("an arc to a missing vertex must not solve")
  } catch {
    #expect(error.kind == .illFormed && error.reason.contains("arc 0"))
  }
  var negative = MinCostFlow(vertexCount: 2)
  negative.addArc(from: 0, to: 1, capacity: -1, cost: 0)
  #expect(throws: MinCostFlowError.self) { try negative.solve() }
}

/// The cheapest assignment of `tasks` by enumeration: each task to a target with a cost and
/// a free slot, or unscheduled when allowed; nil when none is feasible.
private func bruteForce(
  _ tasks: [FirmamentTask], targets: Int, slots: [[Int]], cost: [[[Int?]]]
) -> Int? {
  var best: Int? = nil
  var used = slots.map { $0.map { _ in 0 } }
  func go(_ i: Int, _ total: Int) {
    if i == tasks.count {
      best = min(best ?? .max, total)
      return
    }
    let t = tasks[i]
    if let u = t.unscheduledCost { go(i + 1, total + u) }
    for a in 0..<targets {
      guard let c = cost[t.eap][t.service][a], used[t.service][a] < slots[t.service][a]
      else { continue }
      used[t.service][a] += 1
      go(i + 1, total + c)
      used[t.service][a] -= 1
    }
  }
  go(0, 0)
  return best
}

@Test func firmamentGraphMatchesBruteForceOnRandomSmallRounds() throws {
  var rng = Xoshiro256(seed: 18)
  var checked = 0
  var infeasible = 0
  for _ in 0..<60 {
    let eaps = 2
    let services = 2
    let targets = 3
    let n = 1 + Int(rng.next() % 5)
    let allowUnscheduled = rng.next() % 3 != 0
    let tasks = (0..<n).map { _ in
      FirmamentTask(
        eap: Int(rng.next() % UInt64(eaps)), service: Int(rng.next() % UInt64(services)),
        unscheduledCost: allowUnscheduled ? 20 + Int(rng.next() % 30) : nil)
    }
    let slots = (0..<services).map { _ in (0..<targets).map { _ in Int(rng.next() % 3) } }
    let cost: [[[Int?]]] = (0..<eaps).map { _ in
      (0..<services).map { _ in
        (0..<targets).map { _ in rng.next() % 4 == 0 ? nil : Int(rng.next() % 40) }
      }
    }
    let graph = FirmamentGraph(
      tasks: tasks, targetCount: targets, slots: { w, a in slots[w][a] },
      cost: { b, w, a in cost[b][w][a] })
    let expected = bruteForce(tasks, targets: targets, slots: slots, cost: cost)
    guard let expected else {
      #expect(throws: MinCostFlowError.self) { try graph.solve() }
      infeasible += 1
      continue
    }
    let (assignment, solved) = try graph.solve()
    #expect(solved == expected)
    // The assignment itself is feasible and has the optimal cost.
    var used = slots.map { $0.map { _ in 0 } }
    var total = 0
    for (i, a) in assignment.enumerated() {
      let t = tasks[i]
      if a < 0 {
        #expect(t.unscheduledCost != nil)
        total += t.unscheduledCost ?? 0
      } else {
        let c = try #require(cost[t.eap][t.service][a])
        used[t.service][a] += 1
        total += c
      }
    }
    for w in 0..<services {
      for a in 0..<targets { #expect(used[w][a] <= slots[w][a]) }
    }
    #expect(total == expected)
    checked += 1
  }
  #expect(checked > 20 && infeasible > 0)
}

@Test func firmamentGraphWithoutFeasibleAssignmentThrowsInfeasible() {
  // Three requests must be placed, one slot exists.
  let tasks = (0..<3).map { _ in FirmamentTask(eap: 0, service: 0, unscheduledCost: nil) }
  let graph = FirmamentGraph(
    tasks: tasks, targetCount: 2, slots: { _, a in a == 0 ? 1 : 0 }, cost: { _, _, _ in 5 })
  do {
    _ = try graph.solve()
    Issue.record("three requests cannot fit one slot")
  } catch {
    #expect(error.kind == .infeasible)
  }
}

@Test func firmamentPrefersTheCheapTargetAndLeavesTheOverflowUnscheduled() throws {
  // Two slots at target 0 (cost 10), none elsewhere; unscheduled costs 50 and 90: the three
  // requests → the two cheapest to place are the two with the highest unscheduled cost.
  let tasks = [50, 90, 70].map { FirmamentTask(eap: 0, service: 0, unscheduledCost: $0) }
  let graph = FirmamentGraph(
    tasks: tasks, targetCount: 2, slots: { _, a in a == 0 ? 2 : 0 },
    cost: { _, _, a in a == 0 ? 10 : nil })
  let (assignment, cost) = try graph.solve()
  #expect(assignment == [-1, 0, 0])
  #expect(cost == 10 + 10 + 50)
}

/// A loaded tiny system for the scheduler.
private func firmamentSystem(rate: Double) -> EdgeCloudConfig {
  var c = gpoTinySystem(rate: rate, slots: 60, frame: 20)
  c.dispatch.decisionMode = .centralized
  c.dispatch.centralSolverLatencyMs = 0.05
  return c
}

@Test func firmamentSchedulerDispatchesEveryRoundAndLosesNothing() throws {
  var sim = try EdgeCloudSimulator(config: firmamentSystem(rate: 40), seed: 3)
  var scheduler = try FirmamentScheduler()
  var hpa = HPAController(config: sim.config.hpa)
  scheduler.run(&sim, orchestration: &hpa)
  let m = sim.metrics
  let s = scheduler.stats
  #expect(s.solves > 0 && s.failedSolves == 0)
  #expect(m.decisions > 0 && m.invalidActions == 0)
  #expect(s.placed >= m.decisions)
  #expect(m.arrived == m.completedOnTime + m.failed + sim.requestsInSystem)
  #expect(sim.requestsInSystem == sim.liveRequests)
  #expect(m.completedOnTime > 0)
}

@Test func aFailedSolveKeepsEveryRequestInTheSystem() throws {
  // Without unscheduled arcs, a round with more requests than free slots has no feasible
  // flow: the documented fallback leaves the whole round in the eAP queues.
  var config = FirmamentConfig()
  config.unscheduledArcs = false
  config.slotsPerReplica = 1
  var sim = try EdgeCloudSimulator(config: firmamentSystem(rate: 200), seed: 4)
  var scheduler = try FirmamentScheduler(config: config)
  var none = NoOrchestration()
  scheduler.run(&sim, orchestration: &none)
  let m = sim.metrics
  let s = scheduler.stats
  #expect(s.failedSolves > 0)
  #expect(s.firstError?.contains("infeasible") == true)
  #expect(m.deferred > 0)
  #expect(m.arrived == m.completedOnTime + m.failed + sim.requestsInSystem)
  #expect(sim.requestsInSystem == sim.liveRequests)
  #expect(sim.monotonicityViolations == 0 && sim.capacityViolations == 0)
}

@Test func firmamentCalibrationMeasuresThePerDecisionSolverTime() throws {
  var sim = try EdgeCloudSimulator(config: firmamentSystem(rate: 40), seed: 5)
  var hpa = HPAController(config: sim.config.hpa)
  let r = try FirmamentCalibration.measure(simulator: &sim, orchestration: &hpa)
  #expect(r.secondsPerRound > 0 && r.decisionsPerRound > 0)
  #expect(abs(r.solverMsPerDecision - r.secondsPerRound * 1000 / r.decisionsPerRound) < 1e-12)
}

@Test func firmamentConfigRejectsBadFieldsByName() {
  var c = FirmamentConfig()
  c.slotsPerReplica = 0
  #expect(throws: KMPSConfigError.self) { try FirmamentScheduler(config: c) }
  c = FirmamentConfig()
  c.loadCostMs = .nan
  do {
    _ = try FirmamentScheduler(config: c)
  } catch {
    #expect("\(error)".contains("loadCostMs"))
  }
}
