import Foundation

extension EpisodeBound {
  /// Tries to prove that the LP serves every deadline-feasible request, without solving it:
  /// builds a feasible point with all `z_j = 1` greedily (time-forward least laxity first:
  /// bucket by bucket, the released requests with the least slack take the capacity left,
  /// each on the groups it reaches first, within its window). The LP optimum can never exceed
  /// the feasible count, so when the greedy succeeds that count *is* the optimum. Returns false
  /// when some request does not fit (then the LP must be solved; the greedy proves nothing).
  ///
  /// The point respects every LP row: a request's time in a bucket is at most its window's
  /// overlap and its execution time (the class caps are sums of these), the balance rows hold
  /// with equality, and the capacity rows are charged with each request's own memory (at
  /// least its class's coefficient).
  static func allFeasibleFit(
    _ inst: BoundInstance, feasible: [Int], bucketMs delta: Double,
    options: EpisodeBoundOptions
  ) -> Bool {
    let groupCount = inst.groups.count
    let bucketCount = max(1, Int((inst.horizonMs / delta).rounded(.up)))
    let services = inst.replicaMemoryGB.count
    let minReplicaGB = inst.replicaMemoryGB.min() ?? 0
    var cpuLeft = [Double](repeating: 0, count: groupCount * bucketCount)
    var memLeft = cpuLeft
    var countLeft = cpuLeft
    var replicaLeft: [Double] = []  // [(g · W + w) · buckets + u]; empty without fixed placement
    if inst.groups.contains(where: { $0.fixedReplicas != nil }) {
      replicaLeft = [Double](repeating: .infinity, count: groupCount * services * bucketCount)
    }
    for g in 0..<groupCount {
      let group = inst.groups[g]
      let memoryImpliesCount =
        options.memoryRows && minReplicaGB > 0
        && group.memoryGB / minReplicaGB <= group.maxConcurrent
      for u in 0..<bucketCount {
        let len = min(Double(u + 1) * delta, inst.horizonMs) - Double(u) * delta
        let i = g * bucketCount + u
        cpuLeft[i] = group.cpuCores * len
        memLeft[i] = options.memoryRows ? group.memoryGB * len : .infinity
        countLeft[i] =
          options.concurrencyRows && !memoryImpliesCount ? group.maxConcurrent * len : .infinity
        if let d = group.fixedReplicas {
          for w in 0..<services {
            replicaLeft[(g * services + w) * bucketCount + u] = Double(d[w]) * len
          }
        }
      }
    }
    guard let dispatchMs = dispatchTimes(inst, feasible: feasible, options: options) else {
      return false
    }
    // Release on group g: dispatch + the delay to g.
    func release(_ j: Int, _ g: Int) -> Double {
      dispatchMs[j] + inst.minDelayMs[inst.requests[j].eap][g]
    }
    let nearest = inst.minDelayMs.map { $0.min() ?? .infinity }
    // Requests in dispatch order, activated bucket by bucket.
    let order = feasible.sorted { a, b in (dispatchMs[a], a) < (dispatchMs[b], b) }
    var need = [Double](repeating: 0, count: inst.requests.count)
    for j in feasible { need[j] = inst.requests[j].executionMs }
    var next = 0
    var active: [Int] = []
    for u in 0..<bucketCount {
      let start = Double(u) * delta
      let end = min(Double(u + 1) * delta, inst.horizonMs)
      while next < order.count && dispatchMs[order[next]] < end {
        active.append(order[next])
        next += 1
      }
      // Least laxity first (time left in the window minus work left), then deadline.
      let keys = Dictionary(
        uniqueKeysWithValues: active.map { j in
          let r = inst.requests[j]
          let first = dispatchMs[j] + nearest[r.eap]
          return (j, inst.latestFinishMs(r) - max(start, first) - need[j])
        })
      active.sort { a, b in
        (keys[a]!, inst.latestFinishMs(inst.requests[a]), a)
          < (keys[b]!, inst.latestFinishMs(inst.requests[b]), b)
      }
      for j in active {
        let r = inst.requests[j]
        let finish = inst.latestFinishMs(r)
        let memGB = inst.replicaMemoryGB[r.service] + r.memoryGB
        // On one node at a time: at most the bucket's time after reaching the nearest group.
        var room = max(0, min(end, finish) - max(start, dispatchMs[j] + nearest[r.eap]))
        let groups = (0..<groupCount).filter { release(j, $0) + r.executionMs <= finish }
          .sorted { release(j, $0) < release(j, $1) }
        for g in groups where need[j] > 1e-9 && room > 1e-9 {
          let overlap = min(end, finish) - max(start, release(j, g))
          let i = g * bucketCount + u
          var take = min(overlap, room, need[j], cpuLeft[i] / r.cpuCores)
          if memGB > 0 { take = min(take, memLeft[i] / memGB) }
          take = min(take, countLeft[i])
          let k = (g * services + r.service) * bucketCount + u
          if !replicaLeft.isEmpty { take = min(take, replicaLeft[k]) }
          guard take > 1e-9 else { continue }
          cpuLeft[i] -= take * r.cpuCores
          memLeft[i] -= take * memGB
          countLeft[i] -= take
          if !replicaLeft.isEmpty { replicaLeft[k] -= take }
          need[j] -= take
          room -= take
        }
      }
      // A request whose window closed with work left does not fit.
      for j in active where need[j] > 1e-6 && inst.latestFinishMs(inst.requests[j]) <= end {
        return false
      }
      active.removeAll { need[$0] <= 1e-6 }
    }
    return active.isEmpty && next == order.count
  }

  /// Dispatch times for the certificate: each eAP dispatches at most its budget per slot,
  /// earliest latest-dispatch time first (optimal for unit jobs); nil when some feasible
  /// request would be dispatched too late. Without budget rows, every request leaves at entry.
  static func dispatchTimes(
    _ inst: BoundInstance, feasible: [Int], options: EpisodeBoundOptions
  ) -> [Double]? {
    var out = inst.requests.map(\.entryMs)
    guard options.dispatchBudgetRows && inst.dispatchBudgetPerSlot < Int.max else { return out }
    let slot = inst.slotMs
    let nearest = inst.minDelayMs.map { $0.min() ?? .infinity }
    func latestDispatch(_ j: Int) -> Double {
      let r = inst.requests[j]
      return inst.latestFinishMs(r) - r.executionMs - nearest[r.eap]
    }
    for b in inst.minDelayMs.indices {
      let mine = feasible.filter { inst.requests[$0].eap == b }
        .sorted { (inst.requests[$0].entryMs, $0) < (inst.requests[$1].entryMs, $1) }
      var next = 0
      var pending: [Int] = []
      var sigma = 0
      while next < mine.count || !pending.isEmpty {
        let now = Double(sigma) * slot
        while next < mine.count && inst.requests[mine[next]].entryMs <= now + 1e-9 {
          pending.append(mine[next])
          next += 1
        }
        pending.sort { (latestDispatch($0), $0) > (latestDispatch($1), $1) }
        for _ in 0..<min(inst.dispatchBudgetPerSlot, pending.count) {
          let j = pending.removeLast()
          guard now <= latestDispatch(j) else { return nil }
          out[j] = now
        }
        sigma += 1
      }
    }
    return out
  }
}
