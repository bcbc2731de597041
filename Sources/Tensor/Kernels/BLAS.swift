import CBLAS

// The only file that talks to CBLAS / LAPACKE. Kernels here take buffer pointers and know
// nothing about shapes beyond their arguments, or about graphs.

/// OpenBLAS thread control.
///
/// Use one thread for batch-1 inference; measure before using two for large batches, and never
/// let BLAS threads compete with the learner thread for the cores.
public enum BLAS {
  /// Sets the number of OpenBLAS worker threads (`openblas_set_num_threads`).
  ///
  /// - Parameter count: threads, at least 1.
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS.setThreadCount: count must be >= 1, got \(count)")
    openblas_set_num_threads(Int32(count))
  }

  /// The current number of OpenBLAS worker threads.
  public static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// Kernels backed by BLAS and LAPACK.
enum BLASKernels {
  /// `c[m, n] = alpha * op(a) · op(b) + beta * c`, row-major.
  ///
  /// `a` is stored `[m, k]` (or `[k, m]` when `transposeA`), `b` is stored `[k, n]` (or `[n, k]`
  /// when `transposeB`). Batch 1 (`m == 1`) and single-column (`n == 1`) products go through
  /// `sgemv`, several times faster than `sgemm` at those shapes.
  @inline(__always)
  static func gemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
    _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float = 0
  ) {
    if m == 1 {
      // out[n] = op(b)^T · a-row. op(b) = b [k, n] → transpose; op(b) = bᵀ, b stored [n, k] → no.
      if transposeB {
        cblas_sgemv(
          CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, b, Int32(k), a, 1, beta, c, 1)
      } else {
        cblas_sgemv(
          CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(n), a, 1, beta, c, 1)
      }
      return
    }
    if n == 1 {
      // out[m] = op(a) · b-column (b's k values are contiguous either way).
      if transposeA {
        cblas_sgemv(
          CblasRowMajor, CblasTrans, Int32(k), Int32(m), 1, a, Int32(m), b, 1, beta, c, 1)
      } else {
        cblas_sgemv(
          CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), b, 1, beta, c, 1)
      }
      return
    }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
      a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), beta, c, Int32(n))
  }

  /// Overwrites the column-major-free row-major matrix `q[rows, cols]` (rows ≥ cols) with the
  /// Q factor of its thin QR decomposition, and returns the signs of diag(R) (±1).
  ///
  /// - Returns: `nil` if LAPACK reports an error.
  static func thinQR(_ q: UnsafeMutablePointer<Float>, rows: Int, cols: Int) -> [Float]? {
    precondition(rows >= cols, "thinQR: needs rows >= cols")
    var tau = [Float](repeating: 0, count: cols)
    let m = Int32(rows)
    let n = Int32(cols)
    let info1 = tau.withUnsafeMutableBufferPointer {
      LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, m, n, q, n, $0.baseAddress)
    }
    guard info1 == 0 else { return nil }
    // diag(R) lives on the diagonal of the factored matrix before sorgqr overwrites it.
    var signs = [Float](repeating: 1, count: cols)
    for i in 0..<cols { signs[i] = q[i * cols + i] < 0 ? -1 : 1 }
    let info2 = tau.withUnsafeMutableBufferPointer {
      LAPACKE_sorgqr(LAPACK_ROW_MAJOR, m, n, n, q, n, $0.baseAddress)
    }
    guard info2 == 0 else { return nil }
    return signs
  }
}
