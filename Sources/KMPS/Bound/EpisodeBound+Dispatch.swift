import Foundation

extension EpisodeBound {
  /// The per-slot dispatch budget of the eAPs in the LP.
  ///
  /// A cohort is the requests of one eAP b entering at one slot s. Request j must leave its eAP
  /// by its latest dispatch slot `ℓ_j` (the last slot start σ with `σ·slot + minDelay_b + p_j ≤
  /// F_j`). Columns `D_cσ ≥ 0` count the cohort's requests dispatched at slot σ ∈ [s, max ℓ].
  /// Rows:
  /// - budget, per eAP and slot: `Σ_c D_cσ ≤ budgetPerSlot`;
  /// - deadline, per cohort and each of its ℓ values λ: `Σ_{σ ≤ λ} D_cσ ≥ Σ_{j ∈ c, ℓ_j ≤ λ} z_j`
  ///   (served requests that must leave by λ left by λ).
  /// In any run, the served requests' dispatch slots give such D (a request dispatched after
  /// ℓ_j cannot finish on time); unserved requests also consume budget in the simulator, so
  /// leaving them out only relaxes. Requests still run from their entry in the LP (the rows
  /// bound how many leave by when, not when each one runs).
  struct DispatchRows {
    /// Identifies a cohort.
    struct CohortKey: Hashable {
      var eap: Int
      var entryBits: UInt64
    }

    let slotMs: Double
    let budget: Double
    /// Smallest delay eAP → any group, per eAP.
    let minDelayMs: [Double]
    var index: [CohortKey: Int] = [:]
    var eap: [Int] = []
    var entrySlot: [Int] = []
    /// Per cohort: (latest dispatch slot, z column) of each member.
    var members: [[(slot: Int, column: Int)]] = []

    init(_ inst: BoundInstance) {
      slotMs = inst.slotMs
      budget = Double(inst.dispatchBudgetPerSlot)
      minDelayMs = inst.minDelayMs.map { $0.min() ?? .infinity }
    }

    /// Records request `r` (served-ness in column `column`) in its cohort.
    mutating func add(_ r: BoundRequest, finishMs: Double, column: Int) {
      let key = CohortKey(eap: r.eap, entryBits: r.entryMs.bitPattern)
      let c: Int
      if let existing = index[key] {
        c = existing
      } else {
        c = eap.count
        index[key] = c
        eap.append(r.eap)
        entrySlot.append(Int((r.entryMs / slotMs).rounded(.down)))
        members.append([])
      }
      let latestMs = finishMs - r.executionMs - minDelayMs[r.eap]
      let latest = max(entrySlot[c], Int((latestMs / slotMs).rounded(.down)))
      members[c].append((latest, column))
    }

    /// Adds the D columns, the deadline rows and the budget rows; returns the budget rows per
    /// eAP.
    func addRows(lp: inout LinearProgram) -> [Int: [Int]] {
      var byEAP: [Int: [Int]] = [:]
      var budgetRow: [Int: Int] = [:]  // eap · slots + σ → row
      let slots = (members.flatMap { $0.map(\.slot) }.max() ?? 0) + 1
      var entries: [(row: Int, value: Double)] = []
      for c in eap.indices {
        let list = members[c].sorted { $0.slot < $1.slot }
        // One deadline row per distinct ℓ: z_j enters every row with λ ≥ ℓ_j.
        var lambdas: [Int] = []
        for m in list where lambdas.last != m.slot { lambdas.append(m.slot) }
        let rows = lambdas.map { _ in lp.addRow(lower: 0) }
        for m in list {
          for (i, lambda) in lambdas.enumerated() where lambda >= m.slot {
            lp.addEntry(row: rows[i], column: m.column, value: -1)
          }
        }
        let b = eap[c]
        for sigma in entrySlot[c]...lambdas.last! {
          entries.removeAll(keepingCapacity: true)
          for (i, lambda) in lambdas.enumerated() where lambda >= sigma {
            entries.append((rows[i], 1))
          }
          let key = b * slots + sigma
          let row: Int
          if let existing = budgetRow[key] {
            row = existing
          } else {
            row = lp.addRow(upper: budget)
            budgetRow[key] = row
            byEAP[b, default: []].append(row)
          }
          entries.append((row, 1))
          lp.addColumn(upper: Double(list.count), entries: entries)
        }
      }
      return byEAP
    }
  }
}
