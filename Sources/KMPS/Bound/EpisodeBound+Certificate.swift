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
    // Requests in entry order, activated bucket by bucket.
    let order = feasible.sorted { a, b in
      (inst.requests[a].entryMs, a) < (inst.requests[b].entryMs, b)
    }
    var need = [Double](repeating: 0, count: inst.requests.count)
    for j in feasible { need[j] = inst.requests[j].executionMs }
    var next = 0
    var active: [Int] = []
    for u in 0..<bucketCount {
      let start = Double(u) * delta
      let end = min(Double(u + 1) * delta, inst.horizonMs)
      while next < order.count && inst.requests[order[next]].entryMs < end {
        active.append(order[next])
        next += 1
      }
      // Least laxity first (time left in the window minus work left), then deadline.
      func laxity(_ j: Int) -> Double {
        let r = inst.requests[j]
        let release = (0..<groupCount).map { inst.earliestStartMs(r, group: $0) }.min()!
        return inst.latestFinishMs(r) - max(start, release) - need[j]
      }
      let keys = Dictionary(uniqueKeysWithValues: active.map { ($0, laxity($0)) })
      active.sort { a, b in
        (keys[a]!, inst.latestFinishMs(inst.requests[a]), a)
          < (keys[b]!, inst.latestFinishMs(inst.requests[b]), b)
      }
      for j in active {
        let r = inst.requests[j]
        let finish = inst.latestFinishMs(r)
        let memGB = inst.replicaMemoryGB[r.service] + r.memoryGB
        let groups = (0..<groupCount).filter { inst.isFeasible(r, group: $0) }
          .sorted { inst.earliestStartMs(r, group: $0) < inst.earliestStartMs(r, group: $1) }
        for g in groups where need[j] > 1e-9 {
          let overlap = min(end, finish) - max(start, inst.earliestStartMs(r, group: g))
          let i = g * bucketCount + u
          var take = min(overlap, r.executionMs, need[j], cpuLeft[i] / r.cpuCores)
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
}
