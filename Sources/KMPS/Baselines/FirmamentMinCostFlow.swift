import CGLPK
import Foundation

/// Why a min-cost flow could not be solved: an ill-formed network (caught before GLPK sees it,
/// since GLPK aborts the process on some invalid inputs), no feasible flow, or a solver failure.
public struct MinCostFlowError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What kind of failure.
  public enum Kind: String, Sendable, Equatable {
    /// The network is ill-formed (bad endpoint, negative capacity, value out of range).
    case illFormed
    /// No flow satisfies the supplies within the capacities.
    case infeasible
    /// GLPK failed for another reason (overflow, internal failure).
    case solverFailed
  }

  /// The kind of failure.
  public var kind: Kind
  /// What went wrong, in words.
  public var reason: String

  /// Creates an error.
  public init(_ kind: Kind, _ reason: String) {
    self.kind = kind
    self.reason = reason
  }

  /// `min-cost flow (kind): reason`.
  public var description: String { "min-cost flow (\(kind.rawValue)): \(reason)" }
}

/// A min-cost flow problem on a directed network with integer supplies, capacities and costs,
/// solved exactly by GLPK's out-of-kilter algorithm (`glp_mincost_okalg`).
///
/// Vertices are `0..<vertexCount`; `supply[v] > 0` is a source, `< 0` a sink, and the supplies
/// must sum to 0. Every arc has lower bound 0. A solution routes every supply unit at the least
/// total `Σ cost·flow`, or the solve throws `MinCostFlowError`.
public struct MinCostFlow: Sendable {
  /// The largest magnitude of a supply, capacity or cost: GLPK's algorithms work in `int` and
  /// must be able to add costs along paths without overflow.
  public static let maxMagnitude = 1 << 24

  /// Supply of each vertex (positive: source, negative: demand).
  public private(set) var supply: [Int]
  /// Tail of each arc.
  public private(set) var arcTail: [Int32] = []
  /// Head of each arc.
  public private(set) var arcHead: [Int32] = []
  /// Capacity of each arc (its lower bound is 0).
  public private(set) var arcCapacity: [Int] = []
  /// Cost per unit of flow of each arc.
  public private(set) var arcCost: [Int] = []

  /// A network of `vertexCount` vertices without supplies or arcs.
  public init(vertexCount: Int) {
    supply = [Int](repeating: 0, count: max(0, vertexCount))
  }

  /// Vertices.
  public var vertexCount: Int { supply.count }
  /// Arcs so far.
  public var arcCount: Int { arcTail.count }

  /// Adds a vertex; returns its index.
  @discardableResult
  public mutating func addVertex(supply s: Int = 0) -> Int {
    supply.append(s)
    return supply.count - 1
  }

  /// Sets vertex `v`'s supply (positive: source, negative: demand).
  public mutating func setSupply(_ s: Int, of v: Int) { supply[v] = s }

  /// Adds an arc `tail → head` with capacity and unit cost; returns its index.
  @discardableResult
  public mutating func addArc(from tail: Int, to head: Int, capacity: Int, cost: Int) -> Int {
    arcTail.append(Int32(truncatingIfNeeded: tail))
    arcHead.append(Int32(truncatingIfNeeded: head))
    arcCapacity.append(capacity)
    arcCost.append(cost)
    return arcTail.count - 1
  }

  /// Throws `MinCostFlowError.illFormed` for an endpoint out of range, a negative capacity,
  /// a value beyond `maxMagnitude`, or supplies that do not sum to 0.
  public func validate() throws(MinCostFlowError) {
    let limit = Self.maxMagnitude
    guard vertexCount >= 1 else { throw MinCostFlowError(.illFormed, "the network has no vertex") }
    for (v, s) in supply.enumerated() where abs(s) > limit {
      throw MinCostFlowError(.illFormed, "vertex \(v) has supply \(s) beyond ±\(limit)")
    }
    let total = supply.reduce(0, +)
    guard total == 0 else {
      throw MinCostFlowError(.illFormed, "supplies sum to \(total), not 0")
    }
    for k in 0..<arcCount {
      let (t, h) = (Int(arcTail[k]), Int(arcHead[k]))
      guard t >= 0, t < vertexCount, h >= 0, h < vertexCount else {
        throw MinCostFlowError(
          .illFormed, "arc \(k) (\(t) → \(h)) has an endpoint outside 0..<\(vertexCount)")
      }
      guard arcCapacity[k] >= 0, arcCapacity[k] <= limit else {
        throw MinCostFlowError(
          .illFormed, "arc \(k) has capacity \(arcCapacity[k]) outside 0...\(limit)")
      }
      guard abs(arcCost[k]) <= limit else {
        throw MinCostFlowError(.illFormed, "arc \(k) has cost \(arcCost[k]) beyond ±\(limit)")
      }
    }
  }

  /// An optimal flow.
  public struct Solution: Sendable, Equatable {
    /// `Σ cost·flow` over all arcs.
    public var cost: Int
    /// The flow on each arc.
    public var flow: [Int]
  }

  /// Solves the problem to optimality with GLPK's out-of-kilter algorithm.
  ///
  /// - Throws: `MinCostFlowError` (`.illFormed` from `validate`, `.infeasible` when no flow
  ///   meets the supplies, `.solverFailed` otherwise).
  public func solve() throws(MinCostFlowError) -> Solution {
    try validate()
    let result: Result<Solution, MinCostFlowError> = LinearProgram.glpkLock.withLock { _ in
      solveLocked()
    }
    return try result.get()
  }

  // Byte offsets of the per-vertex and per-arc data GLPK reads and writes.
  private static let vertexRHS: Int32 = 0
  private static let vertexSize: Int32 = 8
  private static let arcLow: Int32 = 0
  private static let arcCap: Int32 = 8
  private static let arcCostOffset: Int32 = 16
  private static let arcFlow: Int32 = 24
  private static let arcSize: Int32 = 32

  private func solveLocked() -> Result<Solution, MinCostFlowError> {
    guard let graph = glp_create_graph(Self.vertexSize, Self.arcSize) else {
      return .failure(MinCostFlowError(.solverFailed, "glp_create_graph failed"))
    }
    defer { glp_delete_graph(graph) }
    _ = glp_add_vertices(graph, Int32(vertexCount))
    let vertices = graph.pointee.v!
    for v in 0..<vertexCount {
      // GLPK's vertex list is 1-based.
      vertices[v + 1]!.pointee.data.storeBytes(
        of: Double(supply[v]), toByteOffset: Int(Self.vertexRHS), as: Double.self)
    }
    var arcs: [UnsafeMutablePointer<glp_arc>] = []
    arcs.reserveCapacity(arcCount)
    for k in 0..<arcCount {
      guard let arc = glp_add_arc(graph, arcTail[k] + 1, arcHead[k] + 1) else {
        return .failure(MinCostFlowError(.solverFailed, "glp_add_arc failed"))
      }
      let data = arc.pointee.data!
      data.storeBytes(of: 0.0, toByteOffset: Int(Self.arcLow), as: Double.self)
      data.storeBytes(
        of: Double(arcCapacity[k]), toByteOffset: Int(Self.arcCap), as: Double.self)
      data.storeBytes(
        of: Double(arcCost[k]), toByteOffset: Int(Self.arcCostOffset), as: Double.self)
      arcs.append(arc)
    }
    var total = 0.0
    let code = glp_mincost_okalg(
      graph, Self.vertexRHS, Self.arcLow, Self.arcCap, Self.arcCostOffset, &total,
      Self.arcFlow, -1)
    switch code {
    case 0: break
    case GLP_ENOPFS:
      return .failure(
        MinCostFlowError(.infeasible, "no flow meets the supplies within the capacities"))
    case GLP_EDATA:
      return .failure(MinCostFlowError(.illFormed, "GLPK rejected the data (not integral)"))
    case GLP_ERANGE:
      return .failure(MinCostFlowError(.solverFailed, "integer overflow inside GLPK"))
    default:
      return .failure(MinCostFlowError(.solverFailed, "glp_mincost_okalg returned \(code)"))
    }
    let flow = arcs.map { arc in
      Int(arc.pointee.data.load(fromByteOffset: Int(Self.arcFlow), as: Double.self).rounded())
    }
    return .success(Solution(cost: Int(total.rounded()), flow: flow))
  }
}
