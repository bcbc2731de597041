// MARK: - Slot phases: beginSlot, long slot (urgent rescheduling), endSlot and the rewards

extension EdgeCloudSimulator {
  /// Starts the current slot: arrivals of the previous slot join their eAP queues, expired
  /// requests are discarded, and at long slots E_w is updated and urgent requests promoted /
  /// rescheduled. Returns false when the episode is over.
  @discardableResult
  public mutating func beginSlot() -> Bool {
    guard !isEpisodeOver else { return false }
    precondition(!slotOpen, "beginSlot called twice without endSlot")
    slotOpen = true
    requestOutcomes.removeAll(keepingCapacity: true)
    let slotMs = config.timing.slotMs
    nowMs = Double(slot) * slotMs
    clearSlotCounters()
    if isFrameStart {
      recordFrameCounts()
      frameArrivedCount = 0
      frameOnTimeCount = 0
      previousFrameOnTime = onTimeAtFrameStart
      onTimeAtFrameStart = metrics.completedOnTime
    }
    if slot > 0 {
      let now = nowMs
      var specs = arrivalScratch
      arrivalScratch = []
      workload.generate(startMs: now - slotMs, lengthMs: slotMs) { specs.append($0) }
      for spec in specs {
        let id = allocate(spec)
        eapQueues[spec.eap].push(nextQueueEntry(id))
        metrics.arrived += 1
        frameArrivedCount += 1
      }
      specs.removeAll(keepingCapacity: true)
      arrivalScratch = specs
    }
    // Timeouts: discard requests whose deadline has passed (eAP and node/cloud queues).
    var expired: [Int32] = []
    for b in 0..<eapCount {
      eapQueues[b].removeExpired(nowMs: nowMs) { expired.append($0.id) }
      for id in expired { fail(id, inQueue: false, atEAP: true) }
      expired.removeAll(keepingCapacity: true)
    }
    for g in 0..<groupQueues.count where groupQueues[g].count > 0 {
      groupQueues[g].removeExpired(nowMs: nowMs) { expired.append($0.id) }
      for id in expired { fail(id, inQueue: true, atEAP: false) }
      expired.removeAll(keepingCapacity: true)
    }
    if isLongSlot && slot > 0 { longSlot() }
    // Expiry, promotion and rescheduling changed the node and cloud queues.
    for g in groupBlocked.indices { groupBlocked[g] = false }
    return true
  }

  /// Zeroes the per-slot decision, outcome and dispatch counters.
  mutating func clearSlotCounters() {
    for b in 0..<eapCount {
      slotDecisions[b] = 0
      slotOnTime[b] = 0
      slotFailed[b] = 0
    }
    for entry in slotDispatchTouched { slotDispatchOverloadTargets[Int(entry)] = 0 }
    slotDispatchTouched.removeAll(keepingCapacity: true)
  }

  /// Appends the running frame's arrival and on-time counts to the metrics (frame end).
  mutating func recordFrameCounts() {
    metrics.frameArrived.append(frameArrivedCount)
    metrics.frameCompletedOnTime.append(frameOnTimeCount)
  }

  /// Long-slot work: E_w update (Eq. 3) and, with urgent rescheduling, the paper's urgency
  /// detection. Detection runs only every long slot, so "now = deadline − E_w" is read as
  /// "that moment falls before the next opportunity": eAP queues promote requests with
  /// `deadline − now ≤ E_w + LAN latency + slot` (Ψ takes transmission into account), node and
  /// cloud queues those with `deadline − now ≤ E_w + slot` (Ψ' ignores it); requests waiting
  /// in edge node queues with `deadline − now ≤ E_w + long slot` are moved to the nearest
  /// target that can still make it (`now + latency + E_w ≤ deadline`) when there is one.
  mutating func longSlot() {
    estimator.update()
    guard config.dispatch.urgentRescheduling else { return }
    let est = estimator.estimatesMs
    let lan = config.topology.lanLatencyMs
    let slotMs = config.timing.slotMs
    est.withUnsafeBufferPointer { e in
      for b in 0..<eapCount {
        metrics.promotedUrgent += eapQueues[b].promoteUrgent(
          nowMs: nowMs, estimatesMs: e, slackMs: lan + slotMs)
      }
    }
    rescheduleUrgentNodeRequests()
    est.withUnsafeBufferPointer { e in
      for g in 0..<groupQueues.count where groupQueues[g].count > 0 {
        metrics.promotedUrgent += groupQueues[g].promoteUrgent(
          nowMs: nowMs, estimatesMs: e, slackMs: slotMs)
      }
    }
  }

  /// Moves urgent requests (`deadline − now ≤ E_w + long slot`) out of edge node queues to the
  /// nearest target (own cluster, then neighbouring clusters, then the cloud) with an idle
  /// replica and the CPU now, from which `now + latency + E_w ≤ deadline` still holds.
  mutating func rescheduleUrgentNodeRequests() {
    let nc = topology.nodeCount
    let w = serviceCount
    var avail = [Int32](repeating: 0, count: w * nc)
    var cpuFree = [Double](repeating: 0, count: nc)
    for n in 0..<topology.edgeNodeCount {
      cpuFree[n] = topology.nodeCPUCores[n] - cpuUsed[n]
      for s in 0..<w {
        let k = replicaKey(service: s, node: n)
        avail[k] = idleReplicaCount(at: k)
      }
    }
    var moves: [(id: Int32, to: Int)] = []
    var candidates: [QueueEntry] = []
    let horizonMs = Double(config.timing.longSlotEverySlots) * config.timing.slotMs
    // A request is urgent when `deadline − now ≤ E_w + horizon`.
    let limitsMs = estimator.estimatesMs.map { $0 + horizonMs }
    for g in 0..<topology.edgeNodeCount where groupQueues[g].count > 0 {
      candidates.removeAll(keepingCapacity: true)
      limitsMs.withUnsafeBufferPointer { limits in
        groupQueues[g].forEach(nowMs: nowMs, limitsMs: limits) { candidates.append($0) }
      }
      guard !candidates.isEmpty else { continue }
      let fromCluster = topology.nodeCluster[g]
      var taken: [Int32] = []
      for e in candidates {
        let s = Int(e.service)
        let eW = estimator.estimatesMs[s]
        // The first feasible node in (latency, node) order: the nearest, lowest index among
        // equals. `now + latency + E_w` only grows along the row (rounding is monotone), so
        // once it misses the deadline every later node does too.
        var best = -1
        let row = fromCluster * topology.edgeNodeCount
        for j in row..<(row + rescheduleTargetCount[fromCluster]) {
          let n = Int(rescheduleTargets[j])
          guard n != g else { continue }
          guard nowMs + rescheduleLatencyMs[j] + eW <= e.deadlineMs else { break }
          if avail[replicaKey(service: s, node: n)] > 0 && cpuFree[n] >= Double(e.cpuCores) {
            best = n
            break
          }
        }
        if best < 0 {
          let wan = topology.latencyMs(eap: fromCluster, target: topology.cloudTarget)
          if nowMs + wan + eW <= e.deadlineMs { best = topology.cloudTarget }
        }
        guard best >= 0 else { continue }
        if best < topology.edgeNodeCount {
          avail[replicaKey(service: s, node: best)] -= 1
          cpuFree[best] -= Double(e.cpuCores)
        }
        taken.append(e.id)
        moves.append((e.id, best))
      }
      guard !taken.isEmpty else { continue }
      taken.sort()
      groupQueues[g].remove(where: { taken.binarySearchContains($0.id) }) { _ in }
    }
    for (id, to) in moves {
      let i = Int(id)
      let from = Int(requests[i].target)
      let lat = jitter(
        topology.latencyMs(eap: topology.nodeCluster[from], target: to))
      unpend(id)
      requests[i].target = Int32(to)
      pendingCPU[to] += Double(requests[i].cpuCores)
      inTransit[to] += 1
      metrics.rescheduled += 1
      requests[i].queueingMs += nowMs - requests[i].nodeArrivalMs
      requests[i].sentMs = nowMs
      pushEvent(nowMs + lat, SimEvent.nodeArrival, id)
    }
  }

  /// Runs the event loop to the end of the slot, computes u_{b,t} for every eAP and advances
  /// to the next slot.
  @discardableResult
  public mutating func endSlot() -> SlotOutcome {
    precondition(slotOpen, "endSlot without beginSlot")
    let slotEnd = Double(slot + 1) * config.timing.slotMs
    processEvents(until: slotEnd)
    nowMs = slotEnd
    metrics.elapsedMs = slotEnd
    // Rewards u_{b,t} (SPEC §3.6).
    let t = topology.targetCount
    var rewards = [Double](repeating: 0, count: eapCount)
    let cloudOverloaded = isCloudOverloaded
    // Dispatches of each eAP in the slot, and those to an overloaded target: over the entries
    // the slot touched only (integer counts, so the order does not matter).
    var overloaded = [Int](repeating: 0, count: eapCount)
    var dispatched = [Int](repeating: 0, count: eapCount)
    for entry in slotDispatchTouched {
      let (b, a) = Int(entry).quotientAndRemainder(dividingBy: t)
      let k = Int(slotDispatchOverloadTargets[Int(entry)])
      dispatched[b] += k
      if a == topology.cloudTarget ? cloudOverloaded : isOverloaded(node: a) { overloaded[b] += k }
    }
    for b in 0..<eapCount {
      rewards[b] = Self.slotReward(
        onTime: slotOnTime[b], failed: slotFailed[b], overloadedDispatches: overloaded[b],
        dispatches: dispatched[b], weights: config.rewards)
    }
    lastSlotRewards = rewards
    let ended = slot + 1 >= config.timing.episodeSlots
    lastOutcome = SlotOutcome(
      slot: slot, rewards: rewards, decisions: slotDecisions, completedOnTime: slotOnTime,
      failed: slotFailed, episodeEnded: ended)
    slot += 1
    slotOpen = false
    if ended { recordFrameCounts() }
    return lastOutcome
  }

  /// u_{b,t} (SPEC §3.6): ω1·(on-time share) + ω2·(failure share) + ω3·(overload share) of one
  /// eAP in one slot. The on-time and failure shares are of the eAP's requests resolved in the
  /// slot (`onTime + failed`), the overload share of its dispatches in the slot that went to a
  /// target above the overload threshold at the slot end; an empty share is 0.
  public static func slotReward(
    onTime: Int, failed: Int, overloadedDispatches: Int, dispatches: Int,
    weights r: RewardConfig
  ) -> Double {
    let resolved = onTime + failed
    let onTimeShare = resolved > 0 ? Double(onTime) / Double(resolved) : 0
    let failShare = resolved > 0 ? Double(failed) / Double(resolved) : 0
    let overloadShare =
      dispatches > 0 ? Double(overloadedDispatches) / Double(dispatches) : 0
    return r.onTimeWeight * onTimeShare + r.failureWeight * failShare
      + r.overloadWeight * overloadShare
  }
}

extension Array where Element == Int32 {
  /// Whether the sorted array contains `x`.
  @inline(__always)
  func binarySearchContains(_ x: Int32) -> Bool {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if self[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < count && self[lo] == x
  }
}
