/// The KMPS edge-cloud system as a multi-agent environment (agents: one per eAP, then the
/// orchestrator agent).
///
/// Stepping: eAP agents are due whenever they hold a dequeued request (one decision per `step`
/// for each due eAP; all due eAPs act in parallel on the same state, as in
/// `EdgeCloudSimulator.runDecisionRounds`); when no decision is pending the env advances
/// simulated time (event loop, slot ends, next slots). With
/// `orchestration.orchestrator == .agent` the orchestrator agent alone is due
/// `actionsPerFrame` times at every frame start, before that slot's dispatches; with `.hpa` /
/// `.greedy` / `.none` it never acts and the built-in controller runs.
///
/// Actions: eAP agents pick a target in `0..<N_total + 1` (edge nodes of all clusters, cloud
/// last; masked by F). The orchestrator picks `node · (2W + 1) + op`
/// (`OrchestrationAction.decodeAgentAction`).
///
/// Rewards: an agent's reward in a step is everything it accrued since its previous action,
/// up to the end of this step (AEC convention): eAP b accrues u_{b,t} at the end of every slot
/// t; the orchestrator accrues u_node + u_service of each frame at the next frame start. When
/// the episode ends (`truncated`: a time limit), the final step lists every agent in
/// `actedAgents` with its remaining accrued reward. The fast API
/// (`EdgeCloudSimulator.run` + `DispatchPolicy.slotEnded`) attributes u_{b,t} to each
/// decision of its slot exactly; prefer it for training.
public struct EdgeCloudEnv: MultiAgentEnvironment {
  /// The simulator (read it for metrics, graph observations, etc.).
  public private(set) var sim: EdgeCloudSimulator
  var hpa: HPAController
  var greedy: GreedyOrchestrator
  var pending: [DispatchDecision?]
  var orchestratorDue = 0
  var accrued: [Double]
  var frameGrowth: [Int]
  var frameQueued: [Int]
  var seedCounter: UInt64 = 0
  var finished = false

  /// Creates the env (loads the trace when needed).
  public init(config: EdgeCloudConfig, seed: UInt64 = 0) throws {
    self.init(simulator: try EdgeCloudSimulator(config: config, seed: seed))
  }

  /// Wraps an existing simulator (e.g. one sharing a loaded trace).
  public init(simulator: EdgeCloudSimulator) {
    sim = simulator
    hpa = HPAController(config: simulator.config.hpa)
    greedy = GreedyOrchestrator(actionsPerFrame: simulator.config.orchestration.actionsPerFrame)
    pending = [DispatchDecision?](repeating: nil, count: simulator.eapCount)
    accrued = [Double](repeating: 0, count: simulator.eapCount + 1)
    frameGrowth = [Int](repeating: 0, count: simulator.serviceCount)
    frameQueued = [Int](repeating: 0, count: simulator.serviceCount)
  }

  /// Index of the orchestrator agent (after the eAPs).
  public var orchestratorAgent: Int { sim.eapCount }

  /// `eap0`, `eap1`, …, `orchestrator`.
  public var possibleAgents: [String] {
    (0..<sim.eapCount).map { "eap\($0)" } + ["orchestrator"]
  }

  /// Size of an eAP's observation (`EdgeCloudSimulator.observationSize`).
  public var eapObservationSize: Int { sim.observationSize }
  /// Size of the global state (`EdgeCloudSimulator.globalStateSize`).
  public var globalStateSize: Int { sim.globalStateSize }
  /// eAP actions: N_total + 1.
  public var eapActionCount: Int { sim.targetCount }
  /// Size of the orchestrator's observation: the graph observation's node features of all
  /// nodes, then its eAP features, then the episode progress.
  public var orchestratorObservationSize: Int {
    sim.topology.nodeCount * sim.graphNodeFeatureCount
      + (sim.eapCount + 1) * sim.graphEAPFeatureCount + 1
  }
  /// Orchestrator actions: N_edge · (2W + 1).
  public var orchestratorActionCount: Int {
    OrchestrationAction.agentActionCount(
      edgeNodeCount: sim.topology.edgeNodeCount, serviceCount: sim.serviceCount)
  }

  /// The orchestrator's or an eAP's observation space (unbounded floats).
  public func observationSpace(agent: Int) -> Box {
    let n = agent == orchestratorAgent ? orchestratorObservationSize : eapObservationSize
    return Box(low: -Float.infinity, high: Float.infinity, count: n)
  }

  /// The orchestrator's or an eAP's action space.
  public func actionSpace(agent: Int) -> Discrete {
    Discrete(agent == orchestratorAgent ? orchestratorActionCount : eapActionCount)
  }

  /// The global state's space (`globalStateSize` unbounded floats).
  public var stateSpace: Box {
    Box(low: -Float.infinity, high: Float.infinity, count: globalStateSize)
  }

  /// The simulator's global state (the critic's input).
  public func state() -> [Float] { sim.globalState() }

  /// Starts an episode (nil seed: the next seed of an internal counter).
  public mutating func reset(seed: UInt64?) -> MultiAgentStep {
    reset(seed: seed, workload: nil)
  }

  /// Starts an episode with new workload settings (curriculum: load and profile).
  public mutating func reset(seed: UInt64?, workload: WorkloadConfig?) -> MultiAgentStep {
    let s: UInt64
    if let seed {
      s = seed
    } else {
      seedCounter &+= 1
      s = seedCounter &* 0x9E37_79B9_7F4A_7C15
    }
    sim.reset(seed: s, workload: workload)
    hpa = HPAController(config: sim.config.hpa)
    for i in pending.indices { pending[i] = nil }
    for i in accrued.indices { accrued[i] = 0 }
    for i in frameGrowth.indices { frameGrowth[i] = 0 }
    orchestratorDue = 0
    finished = false
    return advance(acted: [])
  }

  /// Applies the actions of the agents that were asked to act and advances to the next
  /// decision.
  public mutating func step(_ actions: [Int]) -> MultiAgentStep {
    precondition(!finished, "step after the episode ended; call reset")
    var acted: [Int] = []
    if orchestratorDue > 0 {
      precondition(actions.count == 1, "the orchestrator is due: pass exactly one action")
      if let a = OrchestrationAction.decodeAgentAction(
        actions[0], edgeNodeCount: sim.topology.edgeNodeCount, serviceCount: sim.serviceCount)
      {
        switch a.kind {
        case .add:
          if sim.addReplica(service: a.service, node: a.node) { frameGrowth[a.service] += 1 }
        case .remove:
          if sim.removeReplica(service: a.service, node: a.node) != .infeasible {
            frameGrowth[a.service] -= 1
          }
        }
      }
      orchestratorDue -= 1
      acted = [orchestratorAgent]
    } else {
      let due = (0..<sim.eapCount).filter { pending[$0] != nil }
      precondition(
        actions.count == due.count, "expected \(due.count) actions (one per due eAP)")
      for (k, b) in due.enumerated() {
        sim.dispatch(pending[b]!, to: actions[k])
        pending[b] = nil
      }
      acted = due
    }
    return advance(acted: acted)
  }

  /// Runs the simulation until some agent must act or the episode ends.
  mutating func advance(acted: [Int]) -> MultiAgentStep {
    while true {
      if orchestratorDue > 0 {
        return result(due: [orchestratorAgent], acted: acted)
      }
      if sim.slotOpen {
        var any: [Int] = []
        for b in 0..<sim.eapCount {
          if let d = sim.nextDecision(eap: b) {
            pending[b] = d
            any.append(b)
          }
        }
        if !any.isEmpty { return result(due: any, acted: acted) }
        let outcome = sim.endSlot()
        for b in 0..<sim.eapCount { accrued[b] += outcome.rewards[b] }
        continue
      }
      guard sim.beginSlot() else {
        finished = true
        let all = Array(0...sim.eapCount)
        let rewards = all.map { accrued[$0] }
        for i in accrued.indices { accrued[i] = 0 }
        return MultiAgentStep(
          agents: [], observations: [], actedAgents: all, rewards: rewards, terminated: false,
          truncated: true, info: info())
      }
      switch sim.config.orchestration.orchestrator {
      case .agent:
        if sim.isFrameStart {
          let queued = (0..<sim.serviceCount).map { sim.queuedRequests(service: $0) }
          if sim.slot > sim.config.timing.frameEverySlots {
            // Reward of the previous frame's actions, observed now.
            let uNode = OrchestrationReward.nodeReward(
              completedDelta: sim.onTimeAtFrameStart - sim.previousFrameOnTime, sim: sim)
            let uService = OrchestrationReward.serviceReward(
              growth: frameGrowth, queuedPerService: frameQueued, config: sim.config.rewards)
            accrued[orchestratorAgent] += uNode + uService
          }
          frameQueued = queued
          for i in frameGrowth.indices { frameGrowth[i] = 0 }
          orchestratorDue = sim.config.orchestration.actionsPerFrame
        }
      case .hpa:
        var actions: [OrchestrationAction] = []
        hpa.orchestrate(sim, &actions)
        for a in actions { sim.apply(a) }
      case .greedy:
        var actions: [OrchestrationAction] = []
        greedy.orchestrate(sim, &actions)
        for a in actions { sim.apply(a) }
      case .none:
        break
      }
    }
  }

  mutating func result(due: [Int], acted: [Int]) -> MultiAgentStep {
    var obs: [AgentObservation] = []
    obs.reserveCapacity(due.count)
    for a in due {
      if a == orchestratorAgent {
        obs.append(
          AgentObservation(
            observation: orchestratorObservation(), actionMask: orchestratorMask()))
      } else {
        let d = pending[a]!
        let mask = sim.withMask(eap: a) { Array($0) }
        obs.append(AgentObservation(observation: sim.observation(for: d), actionMask: mask))
      }
    }
    var rewards: [Double] = []
    for a in acted {
      rewards.append(accrued[a])
      accrued[a] = 0
    }
    return MultiAgentStep(
      agents: due, observations: obs, actedAgents: acted, rewards: rewards, info: info())
  }

  func info() -> Info {
    let m = sim.metrics
    return [
      "throughput": m.throughput, "arrived": Double(m.arrived),
      "completedOnTime": Double(m.completedOnTime), "failed": Double(m.failed),
      "slot": Double(sim.slot), "timeMs": sim.nowMs,
    ]
  }

  /// The orchestrator's flat observation (see `orchestratorObservationSize`).
  public func orchestratorObservation() -> [Float] {
    let g = sim.graphObservation()
    var out = g.nodeFeatures
    out.append(contentsOf: g.eapFeatures)
    out.append(Float(Double(sim.slot) / Double(sim.config.timing.episodeSlots)))
    return out
  }

  /// The orchestrator's action mask: "nothing" always; add where the node can afford a
  /// replica; remove where a non-pending replica exists.
  public func orchestratorMask() -> [Bool] {
    let w = sim.serviceCount
    let ops = 2 * w + 1
    var m = [Bool](repeating: false, count: orchestratorActionCount)
    for n in 0..<sim.topology.edgeNodeCount {
      m[n * ops] = true
      for s in 0..<w {
        m[n * ops + 1 + s] = sim.canAddReplica(service: s, node: n)
        m[n * ops + 1 + w + s] =
          sim.activeReplicas(service: s, node: n) > 0
      }
    }
    return m
  }
}
