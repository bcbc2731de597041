import Envs
import Foundation

/// A dispatch policy that times every `choose` call of the policy it wraps (wall clock,
/// `ContinuousClock`): what Fig. 8 sums and what the sweep's decision latency is calibrated on.
struct TimedDispatcher<Inner: DispatchPolicy>: DispatchPolicy {
  /// The timed policy.
  var inner: Inner
  /// Seconds of each `choose` call, in order.
  var samples: [Double] = []

  init(_ inner: Inner) { self.inner = inner }

  var decisionInputs: DecisionInputs { inner.decisionInputs }

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let start = ContinuousClock.now
    let action = inner.choose(view, sim)
    samples.append((ContinuousClock.now - start).seconds)
    return action
  }

  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    inner.slotEnded(outcome, sim)
  }
}

/// A simulator driven slot by slot with a timed dispatcher, so several series can be advanced
/// in turn (interleaved, so machine noise hits all of them alike). Orchestration: none (the
/// initial placement), as inference cost does not depend on it.
struct TimedDispatchRun<Inner: DispatchPolicy> {
  var sim: EdgeCloudSimulator
  var dispatcher: TimedDispatcher<Inner>
  var episode = 0
  let seed: UInt64

  init(sim: EdgeCloudSimulator, dispatcher: Inner, seed: UInt64) {
    self.sim = sim
    self.dispatcher = TimedDispatcher(dispatcher)
    self.seed = seed
  }

  /// Runs one slot (a new episode when the last one ended).
  mutating func step() {
    if !sim.beginSlot() {
      episode += 1
      sim.reset(seed: seed &+ UInt64(episode))
      return
    }
    sim.runDecisionRounds(policy: &dispatcher)
    _ = sim.endSlot()
  }

  /// Runs slots until at least `count` decisions were timed.
  mutating func collect(atLeast count: Int) {
    while dispatcher.samples.count < count { step() }
  }
}
