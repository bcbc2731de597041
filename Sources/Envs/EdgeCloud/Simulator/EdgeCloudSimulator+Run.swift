// MARK: - The run loop

extension EdgeCloudSimulator {
  /// Runs the rest of the episode, slot by slot: `beginSlot`, `orchestration` consulted and
  /// its actions applied, `atSlotStart(&policy, self)`, the decision rounds with `policy`,
  /// `endSlot`, then `policy.slotEnded`. No per-decision allocation.
  ///
  /// `atSlotStart` is the one place for work at a slot start that needs the slot's state after
  /// orchestration and before any decision (e.g. picking up newer policy weights); it is
  /// called once per slot, with `self.slot` the slot about to be decided.
  public mutating func run<D: DispatchPolicy, O: OrchestrationPolicy>(
    dispatch policy: inout D, orchestration: inout O,
    atSlotStart: (inout D, borrowing EdgeCloudSimulator) -> Void = { _, _ in }
  ) {
    var actions: [OrchestrationAction] = []
    while beginSlot() {
      actions.removeAll(keepingCapacity: true)
      orchestration.orchestrate(self, &actions)
      for a in actions { apply(a) }
      atSlotStart(&policy, self)
      runDecisionRounds(policy: &policy)
      let outcome = endSlot()
      policy.slotEnded(outcome, self)
    }
  }

  /// Runs the rest of the episode with a dispatch policy and no orchestration.
  public mutating func run<D: DispatchPolicy>(dispatch policy: inout D) {
    var none = NoOrchestration()
    run(dispatch: &policy, orchestration: &none)
  }
}

// MARK: - Forks (lookahead)

extension EdgeCloudSimulator {
  /// An independent copy of the simulator that can run on its own, for lookahead planners and
  /// counterfactual rollouts: the same requests, queues, replicas, event queue and workload
  /// generator (so the same future arrivals). Safe to call from inside a decision round (a
  /// policy's `choose`): the copy gets its own decision buffers, and the requests the round's
  /// other eAPs have already dequeued but not yet dispatched are missing from it (they are
  /// neither queued nor counted in the copy).
  public func forked() -> EdgeCloudSimulator {
    var copy = self
    copy.decisionScratch = DecisionScratch(
      eapCount: eapCount, observationSize: observationSize, globalStateSize: globalStateSize)
    return copy
  }

  /// What follows if decision `d` goes to `target`: a fork (`forked()`) dispatches it there,
  /// runs the rest of the current slot and up to `horizonSlots` more with `continuation`
  /// deciding every other request, and returns the fork's metrics at its end (cumulative since
  /// the episode began, like `metrics`). Forks run no orchestration. Clairvoyant: the fork
  /// replays the episode's own future arrivals and execution times. For lookahead planners
  /// (`LookaheadPolicy`) and counterfactual advantages in training.
  public func forkedOutcome<P: DispatchPolicy>(
    dispatching d: DispatchDecision, to target: Int, horizonSlots: Int, continuation: P
  ) -> EdgeCloudMetrics {
    var fork = forked()
    fork.dispatch(d, to: target)
    var policy = continuation
    fork.runDecisionRounds(policy: &policy)
    _ = fork.endSlot()
    var slots = 0
    while slots < horizonSlots, fork.beginSlot() {
      fork.runDecisionRounds(policy: &policy)
      _ = fork.endSlot()
      slots += 1
    }
    return fork.metrics
  }
}
