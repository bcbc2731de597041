/// The buffers of the decision rounds, owned by the simulator so that deciding allocates
/// nothing: each eAP's pending decision and chosen target, and the observation and global
/// state written for policies that ask for them.
struct DecisionScratch: Sendable {
  var pending: [DispatchDecision?] = []
  /// The queue entry each pending decision was dequeued as (to put a deferred one back).
  var pendingEntries: [QueueEntry] = []
  /// Requests deferred in the current slot, `(eAP, entry)`, pushed back after the rounds.
  var deferred: [(eap: Int, entry: QueueEntry)] = []
  var chosen: [Int] = []
  var observation: [Float] = []
  var globalState: [Float] = []

  /// Empty buffers (no storage).
  init() {}

  /// Buffers for `eapCount` eAPs and the given observation and state sizes.
  init(eapCount: Int, observationSize: Int, globalStateSize: Int) {
    pending = [DispatchDecision?](repeating: nil, count: eapCount)
    pendingEntries = [QueueEntry](
      repeating: QueueEntry(id: 0, service: 0, cpuCores: 0, memoryGB: 0, seq: 0, deadlineMs: 0),
      count: eapCount)
    chosen = [Int](repeating: 0, count: eapCount)
    observation = [Float](repeating: 0, count: observationSize)
    globalState = [Float](repeating: 0, count: globalStateSize)
  }
}

// MARK: - Dispatch: decisions, masks, views, rounds

extension EdgeCloudSimulator {
  /// Dequeues the next request of eAP `eap` by Ψ and prepares its action mask, or returns nil
  /// when the eAP's queue is empty or its per-slot dispatch budget is used up.
  public mutating func nextDecision(eap b: Int) -> DispatchDecision? {
    nextDecisionEntry(eap: b)?.decision
  }

  /// `nextDecision(eap:)` with the queue entry the request was dequeued as.
  mutating func nextDecisionEntry(eap b: Int) -> (decision: DispatchDecision, entry: QueueEntry)? {
    guard slotDecisions[b] < config.dispatch.budgetPerSlot, eapQueues[b].count > 0 else {
      return nil
    }
    let popped = estimator.estimatesMs.withUnsafeBufferPointer { e in
      eapQueues[b].popBest(estimatesMs: e) { _, _, _ in true }
    }
    guard let qe = popped else { return nil }
    let id = qe.id
    let i = Int(id)
    let r = requests[i]
    let w = Int(r.service)
    let cpu = Double(r.cpuCores)
    let mem = Double(r.memoryGB)
    computeMask(eap: b, service: w, cpuCores: cpu, memoryGB: mem)
    let d = DispatchDecision(
      eap: b, requestID: id, service: w, cpuCores: cpu, memoryGB: mem,
      arrivalMs: r.arrivalMs, deadlineMs: r.deadlineMs, nowMs: nowMs,
      emergency: r.emergency, slot: slot, indexInSlot: slotDecisions[b],
      decisionIndex: decisionCounter)
    slotDecisions[b] += 1
    decisionCounter += 1
    return (d, qe)
  }

  /// Writes eAP `b`'s action mask F for a request of `service` with the given demands: an edge
  /// node is valid when reachable, hosting an active replica of the service, and with the CPU
  /// and memory free; the cloud always is.
  ///
  /// Only the eAP's reachable edge nodes are written: the entries of unreachable ones are false
  /// from the start and stay false, so a decision costs the eAP's neighbourhood.
  @inline(__always)
  mutating func computeMask(eap b: Int, service w: Int, cpuCores: Double, memoryGB: Double) {
    let t = topology.targetCount
    let base = b * t
    let sc = serviceCount
    let reachable = reachableEdgeStart[b]..<reachableEdgeStart[b + 1]
    reachableEdgeNodes.withUnsafeBufferPointer { reach in
      replicas.withUnsafeBufferPointer { rep in
        pendingRemoval.withUnsafeBufferPointer { pr in
          cpuUsed.withUnsafeBufferPointer { cu in
            memUsed.withUnsafeBufferPointer { mu in
              topology.nodeCPUCores.withUnsafeBufferPointer { cc in
                topology.nodeMemoryGB.withUnsafeBufferPointer { mc in
                  masks.withUnsafeMutableBufferPointer { m in
                    // Pointers rebased to this eAP's row and this service's replica counts
                    // (node n's at n · serviceCount).
                    let repRow = rep.baseAddress! + w
                    let prRow = pr.baseAddress! + w
                    let maskRow = m.baseAddress! + base
                    for k in reachable {
                      let n = Int(reach[k])
                      maskRow[n] =
                        Self.active(replicas: repRow[n * sc], pendingRemoval: prRow[n * sc]) > 0
                        && Self.fits(
                          cpuCores: cpuCores, memoryGB: memoryGB, cpuCapacity: cc[n],
                          cpuUsed: cu[n], memoryCapacity: mc[n], memoryUsed: mu[n])
                    }
                    m[base + t - 1] = true
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Whether `target` is valid for eAP `eap`'s pending decision (the context F).
  @inline(__always)
  public func isValid(eap: Int, target: Int) -> Bool {
    target >= 0 && target < topology.targetCount && masks[eap * topology.targetCount + target]
  }

  /// Calls `body` with eAP `eap`'s current action mask (`targetCount` entries, cloud last).
  public func withMask<R>(eap: Int, _ body: (UnsafeBufferPointer<Bool>) -> R) -> R {
    masks.withUnsafeBufferPointer { m in
      body(UnsafeBufferPointer(rebasing: m[(eap * targetCount)..<((eap + 1) * targetCount)]))
    }
  }

  /// Calls `body` with the decision view of `d` (its eAP's current mask, and the observation
  /// and global state when `inputs` asks for them, written into temporary buffers). For
  /// callers outside the decision rounds (the multi-agent env, tests); the rounds build the
  /// same view without allocating.
  public func withDecisionView<R>(
    _ d: DispatchDecision, inputs: DecisionInputs, _ body: (DecisionView) -> R
  ) -> R {
    let observation =
      inputs.contains(.observation) ? self.observation(for: d) : []
    let state = inputs.contains(.globalState) ? globalState() : []
    return withMask(eap: d.eap) { mask in
      observation.withUnsafeBufferPointer { o in
        state.withUnsafeBufferPointer { s in
          body(DecisionView(decision: d, mask: mask, observation: o, globalState: s))
        }
      }
    }
  }

  /// Applies a dispatch decision: `target` in `0..<targetCount` (cloud last). A target outside
  /// the mask is counted in `metrics.invalidActions` and redirected to the cloud.
  public mutating func dispatch(_ d: DispatchDecision, to target: Int) {
    let b = d.eap
    var a = target
    if !isValid(eap: b, target: a) {
      metrics.invalidActions += 1
      a = topology.cloudTarget
    }
    let id = d.requestID
    let i = Int(id)
    // Decision latency (SPEC §3.8).
    let dc = config.dispatch
    let doneMs: Double
    switch dc.decisionMode {
    case .distributed:
      let start = max(nowMs, eapBusyUntilMs[b])
      doneMs = start + dc.inferenceLatencyMs
      eapBusyUntilMs[b] = doneMs
      metrics.decisionCPUMs += dc.inferenceLatencyMs
    case .centralized:
      let start = max(nowMs + dc.centralLinkLatencyMs, centralBusyUntilMs)
      centralBusyUntilMs = start + dc.centralSolverLatencyMs
      doneMs = centralBusyUntilMs + dc.centralLinkLatencyMs
      metrics.decisionCPUMs += dc.centralSolverLatencyMs
    }
    do {
      var r = requests[i]
      r.decisionStartMs = nowMs
      r.dispatchMs = doneMs
      r.sentMs = doneMs
      r.target = Int32(a)
      requests[i] = r
    }
    inTransit[a] += 1
    pendingCPU[a] += d.cpuCores
    metrics.decisions += 1
    if a == topology.cloudTarget {
      metrics.dispatchedCloud += 1
    } else if topology.nodeCluster[a] == b {
      metrics.dispatchedLocal += 1
    } else {
      metrics.dispatchedCrossCluster += 1
    }
    let entry = b * topology.targetCount + a
    if slotDispatchOverloadTargets[entry] == 0 { slotDispatchTouched.append(Int32(entry)) }
    slotDispatchOverloadTargets[entry] += 1
    let lat = jitter(topology.latencyMs(eap: b, target: a))
    pushEvent(doneMs + lat, SimEvent.nodeArrival, id)
  }

  /// Takes all dispatch decisions of the current slot: in rounds, each eAP with a request and
  /// budget left dequeues one; all of a round's decisions are chosen on the same state (each
  /// policy call gets its `DecisionView`), then applied in eAP order. A policy may return
  /// `deferTarget` to leave a request in its queue until the next slot. Allocates nothing
  /// (once the deferral buffer has grown).
  public mutating func runDecisionRounds<D: DispatchPolicy>(policy: inout D) {
    // Move the buffers out, so that writing them does not overlap the reads of `self`.
    var scratch = decisionScratch
    decisionScratch = DecisionScratch()
    while true {
      var any = false
      for b in 0..<eapCount {
        if let next = nextDecisionEntry(eap: b) {
          scratch.pending[b] = next.decision
          scratch.pendingEntries[b] = next.entry
          any = true
        } else {
          scratch.pending[b] = nil
        }
      }
      guard any else { break }
      for b in 0..<eapCount {
        guard let d = scratch.pending[b] else { continue }
        let target = choose(d, policy: &policy, scratch: &scratch)
        scratch.chosen[b] = target
      }
      for b in 0..<eapCount {
        guard let d = scratch.pending[b] else { continue }
        if scratch.chosen[b] == Self.deferTarget {
          // Left in the queue: not a decision, so it gives its budget back.
          slotDecisions[b] -= 1
          metrics.deferred += 1
          scratch.deferred.append((b, scratch.pendingEntries[b]))
        } else {
          dispatch(d, to: scratch.chosen[b])
        }
      }
    }
    for (b, entry) in scratch.deferred { eapQueues[b].push(entry) }
    scratch.deferred.removeAll(keepingCapacity: true)
    decisionScratch = scratch
  }

  /// Builds decision `d`'s view in `scratch` (observation and global state only when `policy`
  /// asks for them) and returns the policy's target.
  @inline(__always)
  func choose<D: DispatchPolicy>(
    _ d: DispatchDecision, policy: inout D, scratch: inout DecisionScratch
  ) -> Int {
    let inputs = policy.decisionInputs
    let wantsObservation = inputs.contains(.observation)
    let wantsState = inputs.contains(.globalState)
    if wantsObservation {
      scratch.observation.withUnsafeMutableBufferPointer { writeObservation(for: d, into: $0) }
    }
    if wantsState {
      scratch.globalState.withUnsafeMutableBufferPointer { writeGlobalState(into: $0) }
    }
    let t = targetCount
    // Passing `self` (a mutating method's inout) to the policy as a borrow makes Swift copy
    // the simulator's stored properties (a memcpy) once per call.
    return masks.withUnsafeBufferPointer { m in
      scratch.observation.withUnsafeBufferPointer { o in
        scratch.globalState.withUnsafeBufferPointer { s in
          let view = DecisionView(
            decision: d, mask: UnsafeBufferPointer(rebasing: m[(d.eap * t)..<((d.eap + 1) * t)]),
            observation: wantsObservation ? o : UnsafeBufferPointer(start: nil, count: 0),
            globalState: wantsState ? s : UnsafeBufferPointer(start: nil, count: 0))
          return policy.choose(view, self)
        }
      }
    }
  }
}
