import Foundation

extension EpisodeBound {
  /// A capacity row family: resource kind and group (for `dispatch`, the eAP).
  struct RowKey: Hashable, Comparable {
    var resource: String
    var group: Int
    static func < (a: RowKey, b: RowKey) -> Bool {
      (a.group, a.resource) < (b.group, b.resource)
    }
  }

  /// Requests that share the LP's view: same eAP, entry, service, CPU, emergency flag and
  /// deadline bucket.
  struct ClassKey: Hashable {
    var eap: Int
    var entryBits: UInt64
    var service: Int
    var cpuBits: UInt64
    var emergency: Bool
    var deadlineBucket: Int
  }

  /// The LP of `instance` and its bookkeeping.
  struct Model {
    var lp = LinearProgram()
    var feasible: [Int] = []
    var capacityRows: [RowKey: [Int]] = [:]
    var classes = 0
    var rows = 0
    var columns = 0
    var nonzeros = 0
  }

  static func buildModel(
    _ inst: BoundInstance, bucketMs delta: Double, options: EpisodeBoundOptions
  ) -> Model {
    var m = Model()
    let groupCount = inst.groups.count
    let bucketCount = max(1, Int((inst.horizonMs / delta).rounded(.up)))
    func bucketStart(_ u: Int) -> Double { Double(u) * delta }
    func bucketEnd(_ u: Int) -> Double { min(Double(u + 1) * delta, inst.horizonMs) }
    // Capacity rows, per group and bucket.
    let minReplicaGB = inst.replicaMemoryGB.min() ?? 0
    var cpuRow = [Int](repeating: -1, count: groupCount * bucketCount)
    var memRow = cpuRow
    var countRow = cpuRow
    var replicaRow: [Int: Int] = [:]  // (g · W + w) · bucketCount + u → row
    for g in 0..<groupCount {
      let group = inst.groups[g]
      let memoryImpliesCount =
        options.memoryRows && minReplicaGB > 0
        && group.memoryGB / minReplicaGB <= group.maxConcurrent
      for u in 0..<bucketCount {
        let len = bucketEnd(u) - bucketStart(u)
        let i = g * bucketCount + u
        cpuRow[i] = m.lp.addRow(upper: group.cpuCores * len)
        m.capacityRows[RowKey(resource: "cpu", group: g), default: []].append(cpuRow[i])
        if options.memoryRows {
          memRow[i] = m.lp.addRow(upper: group.memoryGB * len)
          m.capacityRows[RowKey(resource: "memory", group: g), default: []].append(memRow[i])
        }
        if options.concurrencyRows && !memoryImpliesCount {
          countRow[i] = m.lp.addRow(upper: group.maxConcurrent * len)
          m.capacityRows[RowKey(resource: "concurrency", group: g), default: []]
            .append(countRow[i])
        }
      }
    }
    // Classes.
    var classIndex: [ClassKey: Int] = [:]
    var members: [[Int]] = []
    for (j, r) in inst.requests.enumerated() {
      guard (0..<groupCount).contains(where: { inst.isFeasible(r, group: $0) }) else { continue }
      m.feasible.append(j)
      let key = ClassKey(
        eap: r.eap, entryBits: r.entryMs.bitPattern, service: r.service,
        cpuBits: r.cpuCores.bitPattern, emergency: r.emergency,
        deadlineBucket: Int((inst.latestFinishMs(r) / delta).rounded(.down)))
      if let k = classIndex[key] {
        members[k].append(j)
      } else {
        classIndex[key] = members.count
        members.append([j])
      }
    }
    m.classes = members.count
    let serviceCount = inst.replicaMemoryGB.count
    let budgeted = options.dispatchBudgetRows && inst.dispatchBudgetPerSlot < Int.max
    var dispatch = DispatchRows(inst)
    var entries: [(row: Int, value: Double)] = []
    for list in members {
      let first = inst.requests[list[0]]
      let w = first.service
      let cpu = first.cpuCores
      let memGB = inst.replicaMemoryGB[w] + list.map { inst.requests[$0].memoryGB }.min()!
      let balance = m.lp.addRow(lower: 0)
      for j in list {
        let r = inst.requests[j]
        let z = m.lp.addColumn(upper: 1, objective: 1, entries: [(balance, -r.executionMs)])
        if budgeted { dispatch.add(r, finishMs: inst.latestFinishMs(r), column: z) }
      }
      for g in 0..<groupCount {
        let onG = list.filter { inst.isFeasible(inst.requests[$0], group: g) }
        guard !onG.isEmpty else { continue }
        let release = inst.earliestStartMs(first, group: g)
        let finish = onG.map { inst.latestFinishMs(inst.requests[$0]) }.max()!
        let firstBucket = max(0, Int((release / delta).rounded(.down)))
        let lastBucket = min(bucketCount - 1, Int((finish / delta).rounded(.up)) - 1)
        guard firstBucket <= lastBucket else { continue }
        for u in firstBucket...lastBucket {
          var cap = 0.0
          for j in onG {
            let r = inst.requests[j]
            let overlap =
              min(bucketEnd(u), inst.latestFinishMs(r)) - max(bucketStart(u), release)
            cap += max(0, min(overlap, r.executionMs))
          }
          guard cap > 1e-9 else { continue }
          let i = g * bucketCount + u
          entries.removeAll(keepingCapacity: true)
          entries.append((balance, 1))
          entries.append((cpuRow[i], cpu))
          if memRow[i] >= 0 { entries.append((memRow[i], memGB)) }
          if countRow[i] >= 0 { entries.append((countRow[i], 1)) }
          if let replicas = inst.groups[g].fixedReplicas {
            let key = (g * serviceCount + w) * bucketCount + u
            let row: Int
            if let existing = replicaRow[key] {
              row = existing
            } else {
              row = m.lp.addRow(upper: Double(replicas[w]) * (bucketEnd(u) - bucketStart(u)))
              replicaRow[key] = row
              m.capacityRows[RowKey(resource: "replicas", group: g), default: []].append(row)
            }
            entries.append((row, 1))
          }
          m.lp.addColumn(upper: cap, entries: entries)
        }
      }
    }
    if budgeted {
      for (b, rows) in dispatch.addRows(lp: &m.lp) {
        m.capacityRows[RowKey(resource: "dispatch", group: b)] = rows
      }
    }
    m.rows = m.lp.rowCount
    m.columns = m.lp.columnCount
    m.nonzeros = m.lp.nonzeroCount
    return m
  }
}
