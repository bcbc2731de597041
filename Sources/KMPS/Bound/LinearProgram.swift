import CGLPK
import Foundation
import Synchronization

/// Why a linear program could not be solved: an ill-formed model (caught before GLPK sees it,
/// since GLPK aborts the process on invalid input) or a solver outcome other than an optimum.
public struct LinearProgramError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What went wrong.
  public var reason: String

  /// Creates an error.
  public init(_ reason: String) { self.reason = reason }

  /// `linear program: reason`.
  public var description: String { "linear program: \(reason)" }
}

/// A sparse linear program `max cᵀx` subject to `rowLower ≤ Ax ≤ rowUpper` and
/// `colLower ≤ x ≤ colUpper`, built column by column and solved with GLPK's simplex method.
/// Bounds may be infinite (`-.infinity` / `.infinity`); everything else must be finite.
public struct LinearProgram: Sendable {
  /// Lower bound of each row (`-.infinity`: none).
  public private(set) var rowLower: [Double] = []
  /// Upper bound of each row (`.infinity`: none).
  public private(set) var rowUpper: [Double] = []
  /// Lower bound of each column.
  public private(set) var colLower: [Double] = []
  /// Upper bound of each column.
  public private(set) var colUpper: [Double] = []
  /// Objective coefficient of each column (maximized).
  public private(set) var objective: [Double] = []
  // Nonzeros (0-based row, 0-based column, value).
  var entryRow: [Int32] = []
  var entryCol: [Int32] = []
  var entryValue: [Double] = []

  /// An empty program.
  public init() {}

  /// Rows so far.
  public var rowCount: Int { rowLower.count }
  /// Columns so far.
  public var columnCount: Int { colLower.count }
  /// Nonzero coefficients so far.
  public var nonzeroCount: Int { entryValue.count }

  /// Adds a row `lower ≤ aᵀx ≤ upper` (coefficients come with the columns); returns its index.
  @discardableResult
  public mutating func addRow(lower: Double = -.infinity, upper: Double = .infinity) -> Int {
    rowLower.append(lower)
    rowUpper.append(upper)
    return rowLower.count - 1
  }

  /// Adds a column with bounds, objective coefficient and its nonzeros `(row, value)`;
  /// returns its index.
  @discardableResult
  public mutating func addColumn(
    lower: Double = 0, upper: Double = .infinity, objective c: Double = 0,
    entries: [(row: Int, value: Double)]
  ) -> Int {
    let j = colLower.count
    colLower.append(lower)
    colUpper.append(upper)
    objective.append(c)
    for e in entries { addEntry(row: e.row, column: j, value: e.value) }
    return j
  }

  /// Adds the coefficient `value` at (`row`, `column`); zeros are dropped. Each (row, column)
  /// pair may be set once.
  public mutating func addEntry(row: Int, column: Int, value: Double) {
    guard value != 0 else { return }
    entryRow.append(Int32(row))
    entryCol.append(Int32(column))
    entryValue.append(value)
  }

  /// Throws `LinearProgramError` for NaN or infinite coefficients, crossed bounds or entries
  /// out of range — the inputs on which GLPK would abort.
  public func validate() throws {
    func check(_ lower: [Double], _ upper: [Double], _ what: String) throws {
      for i in lower.indices {
        let (l, u) = (lower[i], upper[i])
        guard !l.isNaN, !u.isNaN, l != .infinity, u != -.infinity else {
          throw LinearProgramError("\(what) \(i) has an invalid bound [\(l), \(u)]")
        }
        guard l <= u else {
          throw LinearProgramError("\(what) \(i) has crossed bounds [\(l), \(u)] (infeasible)")
        }
      }
    }
    try check(rowLower, rowUpper, "row")
    try check(colLower, colUpper, "column")
    for (j, c) in objective.enumerated() where !c.isFinite {
      throw LinearProgramError("column \(j) has a non-finite objective coefficient \(c)")
    }
    for k in entryValue.indices {
      let (i, j, v) = (Int(entryRow[k]), Int(entryCol[k]), entryValue[k])
      guard i >= 0, i < rowCount, j >= 0, j < columnCount else {
        throw LinearProgramError("coefficient (\(i), \(j)) is outside the \(rowCount) rows")
      }
      guard v.isFinite else {
        throw LinearProgramError("coefficient (\(i), \(j)) is not finite (\(v))")
      }
    }
    guard columnCount < Int(Int32.max), nonzeroCount < Int(Int32.max) - 1 else {
      throw LinearProgramError("too large for GLPK (\(columnCount) columns)")
    }
  }

  /// GLPK keeps global state per thread and some builds are not thread-safe: one solve at a
  /// time.
  static let glpkLock = Mutex<Void>(())

  /// Solves the program to optimality with GLPK. Throws `LinearProgramError` for an ill-formed
  /// program, or when GLPK reports no optimum (infeasible, unbounded, iteration or time limit,
  /// numerical failure).
  public func solve(
    method: LinearProgramMethod = .simplex, timeLimitSeconds: Double? = nil
  ) throws -> LinearProgramSolution {
    try validate()
    return try Self.glpkLock.withLock { _ in
      try solveLocked(method: method, timeLimitSeconds: timeLimitSeconds)
    }
  }

  func solveLocked(
    method: LinearProgramMethod, timeLimitSeconds: Double?
  ) throws -> LinearProgramSolution {
    _ = glp_term_out(GLP_OFF)
    guard let lp = glp_create_prob() else { throw LinearProgramError("glp_create_prob failed") }
    defer { glp_delete_prob(lp) }
    glp_set_obj_dir(lp, GLP_MAX)
    if rowCount > 0 { glp_add_rows(lp, Int32(rowCount)) }
    if columnCount > 0 { glp_add_cols(lp, Int32(columnCount)) }
    func kind(_ l: Double, _ u: Double) -> Int32 {
      switch (l.isFinite, u.isFinite) {
      case (false, false): GLP_FR
      case (true, false): GLP_LO
      case (false, true): GLP_UP
      case (true, true): l == u ? GLP_FX : GLP_DB
      }
    }
    func finite(_ x: Double) -> Double { x.isFinite ? x : 0 }
    for i in 0..<rowCount {
      let (l, u) = (rowLower[i], rowUpper[i])
      glp_set_row_bnds(lp, Int32(i + 1), kind(l, u), finite(l), finite(u))
    }
    for j in 0..<columnCount {
      let (l, u) = (colLower[j], colUpper[j])
      glp_set_col_bnds(lp, Int32(j + 1), kind(l, u), finite(l), finite(u))
      glp_set_obj_coef(lp, Int32(j + 1), objective[j])
    }
    // GLPK's arrays are 1-based: element 0 is ignored.
    let n = nonzeroCount
    var ia = [Int32](repeating: 0, count: n + 1)
    var ja = [Int32](repeating: 0, count: n + 1)
    var ar = [Double](repeating: 0, count: n + 1)
    for k in 0..<n {
      ia[k + 1] = entryRow[k] + 1
      ja[k + 1] = entryCol[k] + 1
      ar[k + 1] = entryValue[k]
    }
    glp_load_matrix(lp, Int32(n), ia, ja, ar)
    switch method {
    case .interiorPoint: return try interiorPoint(lp)
    case .simplex, .primalSimplex: break
    }
    var parm = glp_smcp()
    glp_init_smcp(&parm)
    parm.msg_lev = GLP_MSG_OFF
    parm.presolve = GLP_ON
    parm.meth = method == .simplex ? GLP_DUALP : GLP_PRIMAL
    if let t = timeLimitSeconds { parm.tm_lim = Int32(min(max(t, 0.001), 2e6) * 1000) }
    let code = glp_simplex(lp, &parm)
    guard code == 0 else {
      throw LinearProgramError("glp_simplex failed: \(Self.describe(returnCode: code))")
    }
    let status = glp_get_status(lp)
    guard status == GLP_OPT else {
      throw LinearProgramError("no optimum: \(Self.describe(status: status))")
    }
    var x = [Double](repeating: 0, count: columnCount)
    for j in 0..<columnCount { x[j] = glp_get_col_prim(lp, Int32(j + 1)) }
    var activity = [Double](repeating: 0, count: rowCount)
    var dual = [Double](repeating: 0, count: rowCount)
    for i in 0..<rowCount {
      activity[i] = glp_get_row_prim(lp, Int32(i + 1))
      dual[i] = glp_get_row_dual(lp, Int32(i + 1))
    }
    return LinearProgramSolution(
      objective: glp_get_obj_val(lp), columnValues: x, rowActivity: activity, rowDuals: dual)
  }

  /// GLPK's primal-dual interior-point method on the loaded problem `lp`.
  func interiorPoint(_ lp: OpaquePointer) throws -> LinearProgramSolution {
    var parm = glp_iptcp()
    glp_init_iptcp(&parm)
    parm.msg_lev = GLP_MSG_OFF
    parm.ord_alg = GLP_ORD_AMD
    let code = glp_interior(lp, &parm)
    guard code == 0 else {
      throw LinearProgramError("glp_interior failed: \(Self.describe(returnCode: code))")
    }
    let status = glp_ipt_status(lp)
    guard status == GLP_OPT else {
      throw LinearProgramError("no optimum (interior point): \(Self.describe(status: status))")
    }
    var x = [Double](repeating: 0, count: columnCount)
    for j in 0..<columnCount { x[j] = glp_ipt_col_prim(lp, Int32(j + 1)) }
    var activity = [Double](repeating: 0, count: rowCount)
    var dual = [Double](repeating: 0, count: rowCount)
    for i in 0..<rowCount {
      activity[i] = glp_ipt_row_prim(lp, Int32(i + 1))
      dual[i] = glp_ipt_row_dual(lp, Int32(i + 1))
    }
    return LinearProgramSolution(
      objective: glp_ipt_obj_val(lp), columnValues: x, rowActivity: activity, rowDuals: dual)
  }

  static func describe(returnCode c: Int32) -> String {
    switch c {
    case GLP_EBADB: "invalid initial basis"
    case GLP_ESING: "singular basis matrix"
    case GLP_ECOND: "ill-conditioned basis matrix"
    case GLP_EBOUND: "invalid (crossed) bounds"
    case GLP_EFAIL: "solver failure"
    case GLP_EITLIM: "iteration limit exceeded"
    case GLP_ETMLIM: "time limit exceeded"
    case GLP_ENOPFS: "the program is infeasible (presolver)"
    case GLP_ENODFS: "the program is unbounded (presolver: no dual feasible solution)"
    default: "GLPK return code \(c)"
    }
  }

  static func describe(status s: Int32) -> String {
    switch s {
    case GLP_FEAS: "feasible, optimality not proven"
    case GLP_INFEAS: "infeasible intermediate solution"
    case GLP_NOFEAS: "the program is infeasible"
    case GLP_UNBND: "the program is unbounded"
    case GLP_UNDEF: "solution undefined"
    default: "GLPK status \(s)"
    }
  }
}

/// Which GLPK algorithm solves a `LinearProgram`.
public enum LinearProgramMethod: String, Sendable, Codable, CaseIterable {
  /// Presolved simplex, dual first (falls back to primal).
  case simplex
  /// Presolved primal simplex.
  case primalSimplex
  /// Primal-dual interior point (optimal to GLPK's tolerance).
  case interiorPoint
}

/// An optimal solution of a `LinearProgram`.
public struct LinearProgramSolution: Sendable {
  /// The optimal objective value.
  public var objective: Double
  /// The value of each column.
  public var columnValues: [Double]
  /// `Ax` of each row.
  public var rowActivity: [Double]
  /// The dual value (shadow price) of each row.
  public var rowDuals: [Double]
}
