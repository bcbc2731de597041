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
