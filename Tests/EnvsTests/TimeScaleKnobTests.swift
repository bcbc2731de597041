import Foundation
import Testing

@testable import Envs

/// The knobs the ablation figures (fig13–fig15) turn act in the simulator: each test runs the
/// same episode with the knob in two positions and checks the behaviour it controls.
@Suite struct TimeScaleKnobTests {
  /// One overloaded episode (long node queues, so urgent requests exist) with `edit` applied.
  private func episode(
    slots: Int = 100, orchestration: OrchestratorKind = .hpa,
    _ edit: (inout EdgeCloudConfig) -> Void
  ) throws -> EdgeCloudMetrics {
    var c = EdgeCloudFixtures.config(rate: 700, slots: slots)
    edit(&c)
    var sim = try EdgeCloudFixtures.simulator(c, seed: 5)
    var dispatch = LeastUtilizedPolicy()
    var orchestrator = orchestration.makeHeuristic(c)!
    sim.run(dispatch: &dispatch, orchestration: &orchestrator)
    return sim.metrics
  }

  @Test func urgentReschedulingOffNeitherPromotesNorReschedules() throws {
    let on = try episode { $0.dispatch.urgentRescheduling = true }
    let off = try episode { $0.dispatch.urgentRescheduling = false }
    #expect(on.promotedUrgent > 0)
    #expect(on.rescheduled > 0)
    #expect(off.promotedUrgent == 0)
    #expect(off.rescheduled == 0)
    #expect(on.arrived == off.arrived)
  }

  @Test func urgentWorkHappensOnlyAtLongSlots() throws {
    // A long slot longer than the episode never comes (slot 0 is skipped): no urgent work.
    let never = try episode { $0.timing.longSlotEverySlots = 1000 }
    #expect(never.promotedUrgent == 0)
    #expect(never.rescheduled == 0)
    let every2 = try episode { $0.timing.longSlotEverySlots = 2 }
    let every8 = try episode { $0.timing.longSlotEverySlots = 8 }
    #expect(every2.rescheduled > 0 && every8.rescheduled > 0)
    #expect(every2.promotedUrgent != every8.promotedUrgent)
  }

  @Test func framesSplitTheCountsAndPaceFrameOrchestrators() throws {
    // 200 slots: frames of 50 slots start at 50, 100, 150, plus the last partial frame.
    let f50 = try episode(slots: 200, orchestration: .greedy) { $0.timing.frameEverySlots = 50 }
    #expect(f50.frameArrived.count == 4)
    #expect(f50.frameArrived.reduce(0, +) == f50.arrived)
    // Greedy orchestrates at every frame start; a frame longer than the episode never starts.
    let f1000 = try episode(slots: 200, orchestration: .greedy) {
      $0.timing.frameEverySlots = 1000
    }
    #expect(f1000.frameArrived.count == 1)
    #expect(f1000.replicasAdded == 0)
    #expect(f50.replicasAdded > 0)
  }

  @Test func slotLengthSetsTheSimulatedTime() throws {
    let long = try episode(slots: 80) { $0.timing.slotMs = 250 }
    let short = try episode(slots: 80) { $0.timing.slotMs = 100 }
    #expect(long.elapsedMs == 80 * 250)
    #expect(short.elapsedMs == 80 * 100)
    // Arrivals follow simulated time: 8 s against 20 s of the same rate.
    let ratio = Double(short.arrived) / Double(long.arrived)
    #expect(ratio > 0.25 && ratio < 0.55, "arrival ratio \(ratio)")
  }

  @Test func everyDequeueStrategyGivesItsOwnOutcome() throws {
    let outcomes = try DequeueKind.allCases.map { kind in
      try episode {
        $0.dispatch.eapDequeue = kind
        $0.dispatch.nodeDequeue = kind
      }
    }
    #expect(Set(outcomes.map(\.arrived)).count == 1)
    #expect(Set(outcomes.map(\.completedOnTime)).count == DequeueKind.allCases.count)
  }

  @Test func timeScalesInSecondsBecomeWholeSlots() throws {
    let t = try TimeScaleConfig(slotS: 0.1, longSlotS: 2, frameS: 25, episodeS: 50)
    #expect(t.slotMs == 100)
    #expect(t.longSlotEverySlots == 20)
    #expect(t.frameEverySlots == 250)
    #expect(t.episodeSlots == 500)
    func field(_ slotS: Double, _ longS: Double, _ frameS: Double) -> String? {
      do {
        _ = try TimeScaleConfig(slotS: slotS, longSlotS: longS, frameS: frameS, episodeS: 50)
        return nil
      } catch { return error.field }
    }
    #expect(field(0, 2, 25) == "timing.slotS")
    #expect(field(-0.25, 2, 25) == "timing.slotS")
    #expect(field(0.25, 0.6, 25) == "timing.longSlotS")  // 2.4 slots
    #expect(field(0.25, 2, 0.1) == "timing.frameS")  // shorter than a slot
    #expect(field(0.3, 2.1, 24) == "timing.episodeS")  // 50 s is 166.7 slots of 0.3 s
    #expect(field(0.25, 2, 25) == nil)
    do {
      _ = try TimeScaleConfig(slotS: 0.25, longSlotS: 2, frameS: 0.1, episodeS: 50)
    } catch {
      #expect(error.reason.contains("shorter than one slot"))
    }
  }
}
