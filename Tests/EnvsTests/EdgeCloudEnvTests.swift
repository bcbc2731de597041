import Foundation
import Testing

@testable import Envs

@Suite struct EdgeCloudEnvTests {
  /// The multi-agent env and the fast API take identical trajectories for the same policy.
  @Test func multiAgentStepsMatchTheFastAPI() throws {
    var c = EdgeCloudFixtures.config(rate: 200, slots: 60)
    c.orchestration.orchestrator = .hpa
    var env = EdgeCloudEnv(simulator: try EdgeCloudFixtures.simulator(c))
    #expect(env.possibleAgents == ["eap0", "eap1", "eap2", "orchestrator"])
    #expect(env.observationSpace(agent: 0).count == env.sim.observationSize)
    #expect(env.actionSpace(agent: 0).n == 19)
    #expect(env.stateSpace.count == env.sim.globalStateSize)
    var policy = LeastUtilizedPolicy(allowCrossCluster: true)
    var step = env.reset(seed: 11)
    var steps = 0
    var rewardSum = 0.0
    var slotRewardSum = 0.0
    while !step.done {
      #expect(!step.agents.isEmpty)
      #expect(step.observations.count == step.agents.count)
      var actions: [Int] = []
      for (k, a) in step.agents.enumerated() {
        #expect(a < env.sim.eapCount)
        let o = step.observations[k]
        #expect(o.observation.count == env.sim.observationSize)
        #expect(o.actionMask.count == env.sim.targetCount)
        #expect(o.actionMask.last == true)
        let d = env.pending[a]!
        let choice = env.sim.withDecisionView(d, inputs: []) { policy.choose($0, env.sim) }
        #expect(o.actionMask[choice])
        actions.append(choice)
      }
      step = env.step(actions)
      rewardSum += step.rewards.reduce(0, +)
      steps += 1
    }
    #expect(step.truncated && !step.terminated)
    #expect(step.actedAgents.count == 4)
    #expect(steps > 100)
    // The fast API with the same policy, seed and HPA gives the same metrics.
    var sim = try EdgeCloudFixtures.simulator(c)
    sim.reset(seed: 11)
    var h = HPAController(config: c.hpa)
    struct Collect: DispatchPolicy {
      var inner: LeastUtilizedPolicy
      var rewardSum = 0.0
      mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
        inner.choose(view, sim)
      }
      mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
        rewardSum += outcome.rewards.reduce(0, +)
      }
    }
    var collect = Collect(inner: LeastUtilizedPolicy(allowCrossCluster: true))
    sim.run(dispatch: &collect, orchestration: &h)
    slotRewardSum = collect.rewardSum
    let same = sim.metrics == env.sim.metrics
    #expect(same)
    // Every accrued slot reward is delivered exactly once.
    #expect(abs(rewardSum - slotRewardSum) < 1e-9)
  }

  @Test func orchestratorAgentActsAtFrames() throws {
    var c = EdgeCloudFixtures.config(rate: 100, slots: 250)
    c.orchestration.orchestrator = .agent
    c.orchestration.actionsPerFrame = 2
    var env = EdgeCloudEnv(simulator: try EdgeCloudFixtures.simulator(c))
    let orch = env.orchestratorAgent
    #expect(env.actionSpace(agent: orch).n == 18 * 25)
    #expect(env.observationSpace(agent: orch).count == env.orchestratorObservationSize)
    var step = env.reset(seed: 2)
    var orchestratorSteps: [Int] = []
    var added = 0
    while !step.done {
      if step.agents == [orch] {
        orchestratorSteps.append(env.sim.slot)
        let o = step.observations[0]
        #expect(o.observation.count == env.orchestratorObservationSize)
        // Add one replica of service 0 on node 1 (op 1 on node 1).
        let action = 1 * 25 + 1
        #expect(o.actionMask[action] == env.sim.canAddReplica(service: 0, node: 1))
        let before = env.sim.replicaCount(service: 0, node: 1)
        step = env.step([action])
        if env.sim.replicaCount(service: 0, node: 1) == before + 1 { added += 1 }
      } else {
        step = env.step(step.observations.map { $0.actionMask.count - 1 })  // all to the cloud
      }
    }
    // Frames at slots 100 and 200, two actions each.
    #expect(orchestratorSteps == [100, 100, 200, 200])
    #expect(added == 4)
    #expect(env.sim.metrics.dispatchedCloud == env.sim.metrics.decisions)
  }

  @Test func observationLayoutAndSizes() throws {
    let c = EdgeCloudFixtures.config(rate: 300, slots: 40)
    var sim = try EdgeCloudFixtures.simulator(c)
    #expect(sim.observationSize == 12 + 6 + 19 * 9)
    #expect(sim.globalStateSize == 3 * 14 + 18 * 16 + 16 + 1)
    var buffer = [Float](repeating: -1, count: sim.observationSize)
    var state = [Float](repeating: -1, count: sim.globalStateSize)
    var checked = 0
    for _ in 0..<6 {
      sim.beginSlot()
      for b in 0..<sim.eapCount {
        guard let d = sim.nextDecision(eap: b) else { continue }
        buffer.withUnsafeMutableBufferPointer { sim.writeObservation(for: d, into: $0) }
        #expect(buffer == sim.observation(for: d))
        #expect(buffer[0..<12].reduce(0, +) == 1 && buffer[d.service] == 1)
        #expect(abs(buffer[12] - Float((d.deadlineMs - d.nowMs) / 1000)) < 1e-5)
        for a in 0..<sim.targetCount {
          let o = 18 + 9 * a
          #expect(buffer[o + 1] == (sim.isValid(eap: b, target: a) ? 1 : 0))
          #expect(buffer[o + 8] == Float(sim.queueLength(target: a, service: d.service)) / 10)
          let own = a < 18 && sim.topology.nodeCluster[a] == b
          if own { #expect(abs(buffer[o + 2] - 0.05) < 1e-6) }
          // The queue-aware completion estimate, by hand.
          if buffer[o] == 1 {
            let replicas: (active: Int, idle: Int) =
              a == sim.topology.cloudTarget
              ? (18..<24).reduce((0, 0)) {
                ($0.0 + sim.activeReplicas(service: d.service, node: $1),
                  $0.1 + sim.idleReplicas(service: d.service, node: $1))
              }
              : (sim.activeReplicas(service: d.service, node: a),
                sim.idleReplicas(service: d.service, node: a))
            let eW = sim.estimator.estimatesMs[d.service]
            let ahead =
              sim.queueLength(target: a, service: d.service) + sim.inTransitCount(target: a)
            let wait =
              Double(max(0, ahead + 1 - replicas.idle)) / Double(max(1, replicas.active)) * eW
            let finish = sim.topology.latencyMs(eap: b, target: a) + wait + eW
            #expect(
              abs(sim.estimatedCompletionMs(eap: b, service: d.service, target: a) - finish)
                < 1e-9)
          }
        }
        #expect(abs(buffer[18 + 9 * 18 + 2] - 1) < 1e-6)  // cloud: 100 ms WAN
        state.withUnsafeMutableBufferPointer { sim.writeGlobalState(into: $0) }
        #expect(state == sim.globalState())
        #expect(!state.contains { !$0.isFinite })
        sim.dispatch(d, to: sim.topology.cloudTarget)
        checked += 1
      }
      sim.endSlot()
    }
    #expect(checked > 0)
    let g = sim.graphObservation()
    #expect(g.nodeFeatures.count == 24 * g.nodeFeatureCount)
    #expect(g.nodeFeatureCount == 5 + 24)
    #expect(g.nodeEAP[0] == 0 && g.nodeEAP[6] == 1 && g.nodeEAP[17] == 2 && g.nodeEAP[18] == 3)
    #expect(g.eapCluster == [0, 1, 2, 3])
    for n in 0..<24 {
      let nb = g.adjacencyIndices[g.adjacencyOffsets[n]..<g.adjacencyOffsets[n + 1]]
      #expect(nb.count == 5)
      #expect(nb.allSatisfy { g.nodeEAP[$0] == g.nodeEAP[n] && $0 != n })
    }
  }
}

@Suite struct EdgeCloudComponentTests {
  @Test func hpaFormula() {
    let h = HPAConfig()
    #expect(HPAController.recommendedReplicas(current: 4, utilization: 0.9, config: h) == 6)
    #expect(HPAController.recommendedReplicas(current: 4, utilization: 0.75, config: h) == 4)
    #expect(HPAController.recommendedReplicas(current: 4, utilization: 0.2, config: h) == 2)
    #expect(HPAController.recommendedReplicas(current: 0, utilization: 0, config: h) == 1)
    #expect(HPAController.recommendedReplicas(current: 80, utilization: 1, config: h) == 96)  // max
  }

  @Test func hpaScalesUpUnderLoadAndDownOnlyAfterStabilization() throws {
    // Idle system: no scale-down before the 300 s window, scale-down after it.
    var c = EdgeCloudFixtures.config(rate: 0.001, slots: 1400)
    c.workload.source = .poisson
    var sim = try EdgeCloudSimulator(config: c, trace: nil, seed: 1)
    var h = HPAController(config: c.hpa)
    var actions: [OrchestrationAction] = []
    var removalsBefore300s = 0
    while sim.beginSlot() {
      actions.removeAll()
      h.orchestrate(sim, &actions)
      for a in actions { sim.apply(a) }
      if sim.nowMs < 299_000 { removalsBefore300s += actions.filter { $0.kind == .remove }.count }
      sim.endSlot()
    }
    #expect(removalsBefore300s == 0)
    // After the window every (cluster, service) is at minReplicas = 1.
    for cl in 0..<3 {
      for w in 0..<12 {
        let r = sim.topology.nodes(ofCluster: cl).map { sim.replicaCount(service: w, node: $0) }
        #expect(r.reduce(0, +) == 1)
      }
    }
    // Saturated service 0: replicas grow after the first sync.
    var c2 = EdgeCloudFixtures.config(rate: 600, slots: 70)
    c2.services.mapping = .taskType  // the authors' mapping: service 0 carries 89%
    var sim2 = try EdgeCloudFixtures.simulator(c2)
    var h2 = HPAController(config: c2.hpa)
    var p = QueueAwarePolicy()
    let before = sim2.topology.nodes(ofCluster: 0).map { sim2.replicaCount(service: 0, node: $0) }
    sim2.run(dispatch: &p, orchestration: &h2)
    let after = sim2.topology.nodes(ofCluster: 0).map { sim2.replicaCount(service: 0, node: $0) }
    #expect(after.reduce(0, +) > before.reduce(0, +))
  }

  @Test func greedyOrchestratorScalesLongestQueueOnLeastUtilizedNode() throws {
    let c = EdgeCloudFixtures.config(rate: 600, slots: 101)
    var sim = try EdgeCloudFixtures.simulator(c)
    var p = LeastUtilizedPolicy()
    for _ in 0..<100 {
      sim.beginSlot()
      sim.runDecisionRounds(policy: &p)
      sim.endSlot()
    }
    sim.beginSlot()
    #expect(sim.isFrameStart)
    var g = GreedyOrchestrator(actionsPerFrame: 1)
    var actions: [OrchestrationAction] = []
    g.orchestrate(sim, &actions)
    #expect(actions.count == 1)
    let queued = (0..<12).map { sim.queuedRequests(service: $0) }
    #expect(actions[0].service == queued.indices.max { queued[$0] < queued[$1] })
    #expect(actions[0].kind == .add)
    let utils = (0..<18).filter { sim.canAddReplica(service: actions[0].service, node: $0) }
      .map { sim.cpuUtilization(node: $0) }
    #expect(sim.cpuUtilization(node: actions[0].node) == utils.min())
  }

  func entry(_ id: Int32, _ w: Int32, seq: Int64, deadline: Double) -> QueueEntry {
    QueueEntry(id: id, service: w, cpuCores: 0.2, memoryGB: 0, seq: seq, deadlineMs: deadline)
  }

  @Test func dequeueOrders() {
    let est: [Double] = [300, 100, 200]
    est.withUnsafeBufferPointer { e in
      let items = [
        entry(0, 0, seq: 1, deadline: 900), entry(1, 1, seq: 2, deadline: 800),
        entry(2, 2, seq: 3, deadline: 100), entry(3, 1, seq: 4, deadline: 50),
      ]
      func drain(_ kind: DequeueKind) -> [Int32] {
        var q = RequestQueue(kind, serviceCount: 3)
        for i in items { q.push(i) }
        var out: [Int32] = []
        while let x = q.popBest(estimatesMs: e, allowed: { _, _, _ in true }) { out.append(x.id) }
        return out
      }
      #expect(drain(.fifo) == [0, 1, 2, 3])
      #expect(drain(.edf) == [3, 2, 1, 0])
      // Hybrid: shortest E_w service first (service 1, then 2, then 0), FIFO within a service.
      #expect(drain(.hybrid) == [1, 3, 2, 0])
      // Urgent promotion at a long slot: deadline − now ≤ E_w moves to the head (EDF among).
      var q = RequestQueue(.hybrid, serviceCount: 3)
      for i in items { q.push(i) }
      let promoted = q.promoteUrgent(nowMs: 0, estimatesMs: e, slackMs: 0)
      #expect(promoted == 2)  // id 2 (100 ≤ 200) and id 3 (50 ≤ 100)
      var out: [Int32] = []
      while let x = q.popBest(estimatesMs: e, allowed: { _, _, _ in true }) { out.append(x.id) }
      #expect(out == [3, 2, 1, 0])
      // `allowed` filters by service; expiry removes by deadline.
      var f = RequestQueue(.edf, serviceCount: 3)
      for i in items { f.push(i) }
      #expect(f.popBest(estimatesMs: e, allowed: { w, _, _ in w == 0 })?.id == 0)
      var expired: [Int32] = []
      f.removeExpired(nowMs: 100) { expired.append($0.id) }
      #expect(expired.sorted() == [2, 3])
      #expect(f.count == 1)
    }
  }

  @Test func completionTimeEstimatorFollowsEquation3() {
    var e = CompletionTimeEstimator(initialMs: [100, 50], smoothing: 0.8, window: 2)
    e.record(service: 0, completionMs: 200)
    e.record(service: 0, completionMs: 300)
    e.update()
    #expect(abs(e.estimatesMs[0] - (0.8 * 100 + 0.2 * 250)) < 1e-12)
    #expect(e.estimatesMs[1] == 50)  // no observations: unchanged
    e.record(service: 0, completionMs: 400)  // window of 2: mean(300, 400)
    e.update()
    #expect(abs(e.estimatesMs[0] - (0.8 * 130 + 0.2 * 350)) < 1e-12)
  }
}
