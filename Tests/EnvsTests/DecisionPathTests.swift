import Testing

@testable import Envs

/// What happened during a run, in order (shared by the orchestration, the policy and the hook).
final class RunLog {
  var entries: [(event: String, slot: Int)] = []
}

/// Orchestration that only logs its calls.
struct LoggingOrchestration: OrchestrationPolicy {
  let log: RunLog
  mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    log.entries.append(("orchestrate", sim.slot))
  }
}

/// Least-utilized dispatch that logs its decisions and slot ends.
struct LoggingPolicy: DispatchPolicy {
  let log: RunLog
  var inner = LeastUtilizedPolicy(allowCrossCluster: true)
  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    log.entries.append(("choose", view.decision.slot))
    return inner.choose(view, sim)
  }
  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    log.entries.append(("slotEnded", outcome.slot))
  }
}

/// Compares every view with what the simulator's pull API gives for the same decision.
struct ViewCheckingPolicy<P: DispatchPolicy>: DispatchPolicy {
  var inner: P
  let decisionInputs: DecisionInputs
  var decisions = 0
  var mismatches = 0

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    decisions += 1
    let d = view.decision
    let mask = sim.withMask(eap: d.eap) { Array($0) }
    if Array(view.mask) != mask { mismatches += 1 }
    let observation = decisionInputs.contains(.observation) ? sim.observation(for: d) : []
    if Array(view.observation) != observation { mismatches += 1 }
    let state = decisionInputs.contains(.globalState) ? sim.globalState() : []
    if Array(view.globalState) != state { mismatches += 1 }
    return inner.choose(view, sim)
  }
}

@Suite struct DecisionPathTests {
  /// The hook runs once per slot, after the slot's orchestration and before its decisions,
  /// with the slot about to be decided; the policy handed to it is the one that decides.
  @Test func slotStartHookRunsOncePerSlotBeforeTheDecisions() throws {
    let c = EdgeCloudFixtures.config(rate: 300, slots: 30)
    var sim = try EdgeCloudFixtures.simulator(c)
    let log = RunLog()
    var policy = LoggingPolicy(log: log)
    var orchestration = LoggingOrchestration(log: log)
    var hookSlots: [Int] = []
    sim.run(dispatch: &policy, orchestration: &orchestration) { policy, sim in
      hookSlots.append(sim.slot)
      policy.log.entries.append(("hook", sim.slot))
    }
    #expect(hookSlots == Array(0..<30))
    var decisions = 0
    var previous: (event: String, slot: Int)? = nil
    for entry in log.entries {
      switch entry.event {
      case "orchestrate":
        #expect(previous == nil || previous?.event == "slotEnded")
      case "hook":
        #expect(previous?.event == "orchestrate" && previous?.slot == entry.slot)
      case "choose":
        decisions += 1
        #expect(previous?.event == "hook" || previous?.event == "choose")
        #expect(previous?.slot == entry.slot)
      default:
        #expect(previous?.slot == entry.slot)
      }
      previous = entry
    }
    #expect(decisions == sim.metrics.decisions)
    #expect(decisions > 100)
  }

  /// A policy that asks for the observation and the global state gets exactly what
  /// `observation(for:)`, `globalState()` and `withMask(eap:)` give for its decision; a
  /// heuristic gets the mask and empty buffers. Either way the run is the same.
  @Test func decisionViewMatchesThePullAPI() throws {
    let c = EdgeCloudFixtures.config(rate: 600, slots: 40)
    var learnedLike = try EdgeCloudFixtures.simulator(c)
    var asking = ViewCheckingPolicy(
      inner: LeastUtilizedPolicy(allowCrossCluster: true),
      decisionInputs: [.observation, .globalState])
    var hpa = HPAController(config: c.hpa)
    learnedLike.run(dispatch: &asking, orchestration: &hpa)
    #expect(asking.decisions > 500)
    #expect(asking.mismatches == 0)

    var heuristic = try EdgeCloudFixtures.simulator(c)
    var plain = ViewCheckingPolicy(
      inner: LeastUtilizedPolicy(allowCrossCluster: true), decisionInputs: [])
    var hpa2 = HPAController(config: c.hpa)
    heuristic.run(dispatch: &plain, orchestration: &hpa2)
    #expect(plain.decisions == asking.decisions)
    #expect(plain.mismatches == 0)
    #expect(heuristic.metrics == learnedLike.metrics)
  }

  /// Only the observation asked for: the global state stays empty.
  @Test func decisionViewCarriesOnlyWhatIsAskedFor() throws {
    let c = EdgeCloudFixtures.config(rate: 300, slots: 10)
    var sim = try EdgeCloudFixtures.simulator(c)
    var policy = ViewCheckingPolicy(
      inner: RoundRobinPolicy(eapCount: 3), decisionInputs: [.observation])
    sim.run(dispatch: &policy)
    #expect(policy.decisions > 0)
    #expect(policy.mismatches == 0)
  }
}
