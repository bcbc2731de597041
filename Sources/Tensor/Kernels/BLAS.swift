import CBLAS
import CKernels

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

/// When `BLASKernels.gemm` prefers CKernels' small-matrix kernel over `sgemm`.
///
/// OpenBLAS packs both operands before multiplying; for a `b` of a few thousand floats (the
/// GNN's 24→64→32→24 layers, the actors' later layers) packing costs as much as the product.
/// The small kernel reads `b` in place, which pays while `b` stays in L1. Measured on the
/// 2-core Zen 3 VM, one thread (ratio = sgemm time / small-kernel time): 18×24·24×64 2.6,
/// 18×64·64×32 2.1, 512×24·24×64 1.8, but 64×175·175×256 0.9, so `b` is capped at 8192 floats
/// (32 KB) and the product at 2²¹ multiply-adds (beyond that, BLAS threads may help).
enum SmallGEMM {
  /// Largest `k · n` (floats of `b`) sent to the small kernel.
  static let maxRightOperandFloats = 8192
  /// Largest `m · n · k` sent to the small kernel.
  static let maxMultiplyAdds = 1 << 21

  /// Whether an untransposed `[m, k] · [k, n]` product goes to the small kernel.
  @inline(__always)
  static func suits(m: Int, n: Int, k: Int) -> Bool {
    k * n <= maxRightOperandFloats && m * n * k <= maxMultiplyAdds
  }
}

/// Kernels backed by BLAS and LAPACK.
enum BLASKernels {
  /// `c[m, n] = op(a) · op(b) + beta * c`, row-major, `beta` 0 or 1.
  ///
  /// `a` is stored `[m, k]` (or `[k, m]` when `transposeA`), `b` is stored `[k, n]` (or `[n, k]`
  /// when `transposeB`). When the CPU has AVX2 and FMA, batch 1 (`m == 1`) with an untransposed
  /// `b` goes through CKernels' vector-matrix kernel (as fast as `sgemv` on one thread, and free
  /// of its second-thread wake-up), and untransposed products whose `b` fits in L1 through its
  /// small-matrix kernel (see `SmallGEMM`). Other batch-1 and single-column (`n == 1`) products
  /// go through `sgemv`, several times faster than `sgemm` at those shapes.
  @inline(__always)
  static func gemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
    _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, beta: Float = 0
  ) {
    assert(beta == 0 || beta == 1, "BLASKernels.gemm: beta must be 0 or 1")
    if m == 1 && !transposeB
      && ck_vector_matrix(Int32(n), Int32(k), a, b, Int32(n), c, beta == 0 ? 0 : 1) == 1
    {
      return
    }
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
    if !transposeA && !transposeB && SmallGEMM.suits(m: m, n: n, k: k)
      && ck_small_gemm(
        Int32(m), Int32(n), Int32(k), a, Int32(k), b, Int32(n), c, Int32(n), beta == 0 ? 0 : 1)
        == 1
    {
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
