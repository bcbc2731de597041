import Envs
import Foundation

/// Why an episode bound could not be computed.
public enum EpisodeBoundError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The instance has impossible values.
  case invalidInstance(String)
  /// The options are impossible.
  case invalidOptions(String)
  /// GLPK found no optimum (or the program was ill-formed).
  case solverFailed(String)

  /// A one-line explanation.
  public var description: String {
    switch self {
    case .invalidInstance(let r): "episode bound: invalid instance: \(r)"
    case .invalidOptions(let r): "episode bound: invalid options: \(r)"
    case .solverFailed(let r): "episode bound: solver failed: \(r)"
    }
  }
}

/// Settings of the relaxation.
public struct EpisodeBoundOptions: Sendable, Equatable {
  /// Width of a capacity time bucket, ms.
  public var bucketMs = 250.0
  /// Memory-time rows (a running request holds its replica's memory and its own).
  public var memoryRows = true
  /// Concurrency rows (at most `maxReplicasPerNode` replicas per node), when memory does not
  /// already imply them.
  public var concurrencyRows = true
  /// Rows for the eAPs' per-slot dispatch budget (`BoundInstance.dispatchBudgetPerSlot`; see
  /// `DispatchRows`).
  public var dispatchBudgetRows = true
  /// Skip the LP when a greedy schedule already serves every deadline-feasible request (then
  /// that count is the optimum; see `allFeasibleFit`).
  public var tryCertificate = true
  /// The GLPK algorithm (interior point: ~4× faster than simplex on episode LPs; optimal to
  /// GLPK's relative tolerance ≈ 1e-8; falls back to the simplex method if it fails).
  public var method = LinearProgramMethod.interiorPoint
  /// GLPK's time limit, s (nil: none; the simplex methods only).
  public var timeLimitSeconds: Double? = 900
  /// Solve the LP when the certificate does not apply; when false, such an instance returns
  /// the fluid bound (valid, looser) with `certified` false.
  public var solveLP = true

  /// The defaults.
  public init() {}
}

/// How tight one kind of capacity row is in the LP optimum.
public struct BindingRows: Sendable, Equatable {
  /// `cpu`, `memory`, `concurrency`, `replicas` or `dispatch` (an eAP's budget per slot).
  public var resource: String
  /// The group's name (for `dispatch`, the eAP's).
  public var group: String
  /// Rows of this kind and group.
  public var rows: Int
  /// Rows at their bound with a positive shadow price.
  public var binding: Int
}

/// The upper bound of one episode and its cross-checks.
public struct EpisodeBoundResult: Sendable {
  /// Requests that arrived.
  public var arrived: Int
  /// Requests that could finish on time on some group if nothing else competed.
  public var deadlineFeasible: Int
  /// Requests served on time in the LP optimum (fractional).
  public var lpServed: Double
  /// Requests served on time in the fluid bound (fractional).
  public var fluidServed: Double
  /// Request classes, LP rows, columns and nonzeros.
  public var classes: Int
  /// LP rows.
  public var rows: Int
  /// LP columns.
  public var columns: Int
  /// LP nonzeros.
  public var nonzeros: Int
  /// Seconds to build the LP.
  public var buildSeconds: Double
  /// Seconds GLPK took.
  public var solveSeconds: Double
  /// Tightness of the capacity rows (empty when certified).
  public var binding: [BindingRows]
  /// The optimum was certified by a greedy schedule serving every feasible request (no LP
  /// solved; classes, rows, columns and nonzeros are then 0).
  public var certified: Bool

  /// Upper bound on the throughput (on-time / arrived) of any policy.
  public var bound: Double { arrived > 0 ? lpServed / Double(arrived) : 1 }
  /// The fluid bound's throughput (≥ `bound`).
  public var fluidBound: Double { arrived > 0 ? fluidServed / Double(arrived) : 1 }
  /// Share of the requests that are deadline-feasible at all (≥ `fluidBound`).
  public var feasibleShare: Double {
    arrived > 0 ? Double(deadlineFeasible) / Double(arrived) : 1
  }
}

/// An upper bound on the on-time throughput of any dispatch, orchestration and dequeue policy
/// on one episode: a time-expanded LP relaxation over the episode's actual arrivals.
///
/// Formulation. Time is cut into buckets u of width Δ over `[0, horizon]`; nodes are pooled per
/// group g (an edge cluster, the cloud). Request j of eAP b can start on g no earlier than
/// `R_jg = entry_j + minDelay[b][g]` and must finish by `F_j = min(deadline_j, horizon)`.
/// Requests with the same eAP, entry slot, service, CPU demand, emergency flag and deadline
/// bucket form a class k (same `R_kg`). Variables:
/// - `z_j ∈ [0, 1]`: request j is served on time (objective: maximize Σ z_j);
/// - `y_kgu ≥ 0`: ms of running time of class k's requests on g within bucket u, at most
///   `Σ_j min(|u ∩ [R_kg, F_j]|, p_j)` over the members j feasible on g
///   (`R_kg + p_j ≤ F_j`).
/// Rows: per class, `Σ_gu y_kgu ≥ Σ_j p_j z_j` (served requests run their execution time);
/// per group and bucket, `Σ_k cpu_k y_kgu ≤ cores_g Δ_u` (CPU), `Σ_k (replicaMem_w + mem_k)
/// y_kgu ≤ memory_g Δ_u` (a running request holds a replica and its own memory; mem_k the
/// smallest in the class), `Σ_k y_kgu ≤ maxReplicas_g Δ_u` (one request per replica), with a
/// fixed placement `Σ_{k of w} y_kgu ≤ replicas_gw Δ_u`, and the eAPs' dispatch budget per slot
/// (`DispatchRows`: served requests that must leave by slot λ left by λ, at most
/// `budgetPerSlot` per eAP and slot).
///
/// Validity. Take any run of the simulator and set z_j = 1 for its on-time completions and y
/// to their running time per class, group and bucket. A completion on g started after its
/// dispatch (a slot start ≥ entry), the decision latency and the transfers (≥ their minimum),
/// ran exactly p_j within `[R_kg, F_j]`, and at every instant its node's CPU, memory and
/// replicas covered everything running there; summing over a group's nodes and a bucket gives
/// the rows; its served requests left their eAPs by their latest dispatch slots, within the
/// budget. So every run is a feasible point and the LP optimum bounds its on-time count. It
/// relaxes preemption, migration between nodes, node packing, replica start-up, the
/// serialization of an eAP's decisions within a slot, the budget used by requests that fail,
/// and the order in which queues are served (any dequeue).
public enum EpisodeBound {
  /// Solves the relaxation of `instance`. Throws `EpisodeBoundError`.
  public static func solve(
    _ instance: BoundInstance, options: EpisodeBoundOptions = EpisodeBoundOptions()
  ) throws -> EpisodeBoundResult {
    try instance.validate()
    let delta = options.bucketMs
    guard delta.isFinite, delta > 0 else { throw EpisodeBoundError.invalidOptions("bucketMs > 0") }
    let buildStart = ContinuousClock.now
    let feasible = instance.requests.indices.filter { j in
      instance.groups.indices.contains { instance.isFeasible(instance.requests[j], group: $0) }
    }
    if options.tryCertificate
      && allFeasibleFit(instance, feasible: feasible, bucketMs: delta, options: options)
    {
      return EpisodeBoundResult(
        arrived: instance.requests.count, deadlineFeasible: feasible.count,
        lpServed: Double(feasible.count), fluidServed: fluidServed(instance, feasible: feasible),
        classes: 0, rows: 0, columns: 0, nonzeros: 0,
        buildSeconds: (ContinuousClock.now - buildStart).seconds, solveSeconds: 0, binding: [],
        certified: true)
    }
    if !options.solveLP {
      let fluid = fluidServed(instance, feasible: feasible)
      return EpisodeBoundResult(
        arrived: instance.requests.count, deadlineFeasible: feasible.count,
        lpServed: fluid, fluidServed: fluid, classes: 0, rows: 0, columns: 0, nonzeros: 0,
        buildSeconds: (ContinuousClock.now - buildStart).seconds, solveSeconds: 0, binding: [],
        certified: false)
    }
    var model = buildModel(instance, bucketMs: delta, options: options)
    let buildSeconds = (ContinuousClock.now - buildStart).seconds
    let solveStart = ContinuousClock.now
    let solution: LinearProgramSolution
    do {
      do {
        solution = try model.lp.solve(
          method: options.method, timeLimitSeconds: options.timeLimitSeconds)
      } catch let e as LinearProgramError where options.method == .interiorPoint {
        guard !e.reason.hasPrefix("glp_interior failed: the program is infeasible") else {
          throw e
        }
        solution = try model.lp.solve(
          method: .simplex, timeLimitSeconds: options.timeLimitSeconds)
      }
    } catch let e as LinearProgramError {
      throw EpisodeBoundError.solverFailed(e.reason)
    }
    let solveSeconds = (ContinuousClock.now - solveStart).seconds
    var binding: [BindingRows] = []
    for (key, rows) in model.capacityRows.sorted(by: { $0.key < $1.key }) {
      var tight = 0
      for i in rows {
        let slack = model.lp.rowUpper[i] - solution.rowActivity[i]
        if slack <= 1e-6 * max(1, model.lp.rowUpper[i]) && abs(solution.rowDuals[i]) > 1e-9 {
          tight += 1
        }
      }
      let name = key.resource == "dispatch" ? "eAP \(key.group)" : instance.groups[key.group].name
      binding.append(
        BindingRows(resource: key.resource, group: name, rows: rows.count, binding: tight))
    }
    model.lp = LinearProgram()
    return EpisodeBoundResult(
      arrived: instance.requests.count, deadlineFeasible: model.feasible.count,
      lpServed: min(solution.objective, Double(model.feasible.count)),
      fluidServed: fluidServed(instance, feasible: model.feasible), classes: model.classes,
      rows: model.rows, columns: model.columns, nonzeros: model.nonzeros,
      buildSeconds: buildSeconds, solveSeconds: solveSeconds, binding: binding, certified: false)
  }

  /// The fluid bound: the most deadline-feasible requests whose summed CPU work (cores × ms)
  /// fits in the total CPU capacity over the horizon, fractionally (smallest work first).
  public static func fluidBound(_ instance: BoundInstance) throws -> Double {
    try instance.validate()
    let feasible = instance.requests.indices.filter { j in
      instance.groups.indices.contains { instance.isFeasible(instance.requests[j], group: $0) }
    }
    let n = instance.requests.count
    return n > 0 ? fluidServed(instance, feasible: feasible) / Double(n) : 1
  }

  static func fluidServed(_ instance: BoundInstance, feasible: [Int]) -> Double {
    var capacity = instance.groups.reduce(0) { $0 + $1.cpuCores } * instance.horizonMs
    let works = feasible.map { instance.requests[$0].cpuCores * instance.requests[$0].executionMs }
      .sorted()
    var served = 0.0
    for w in works {
      if w <= capacity {
        capacity -= w
        served += 1
      } else {
        served += capacity / w
        break
      }
    }
    return served
  }
}
