// Matrix product primitive (BLAS sgemm, or sgemv for batch 1).

/// The matrix product `op(a) · op(b)` of 2-D tensors. Primitive `.matmul`.
///
/// - Parameters:
///   - a: `[m, k]`, or `[k, m]` when `transposeA`.
///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
/// - Returns: `[m, n]`. Batch 1 (`m == 1`) runs through `cblas_sgemv`.
public func matmul(
  _ a: Tensor, transposed transposeA: Bool = false, _ b: Tensor,
  transposed transposeB: Bool = false
) -> Tensor {
  precondition(
    a.rank == 2 && b.rank == 2, "matmul: needs 2-D tensors, got \(a.shape) and \(b.shape)")
  let m = transposeA ? a.shape[1] : a.shape[0]
  let k = transposeA ? a.shape[0] : a.shape[1]
  let kB = transposeB ? b.shape[1] : b.shape[0]
  let n = transposeB ? b.shape[0] : b.shape[1]
  precondition(
    k == kB,
    "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · "
      + "\(b.shape)\(transposeB ? "ᵀ" : "")")
  let out = Tensor(unchecked: [m, n], scalars: Tensor.gemm(a, transposeA, b, transposeB, m, n, k))
  guard a.node != nil || b.node != nil else { return out }
  let (x, y) = (a.detached(), b.detached())
  let (needA, needB) = (a.node != nil, b.node != nil)
  return out.recording([a, b]) { g in
    // C = op(A)·op(B): d op(A) = G·op(B)ᵀ, d op(B) = op(A)ᵀ·G; transpose back where stored so.
    let ga: Tensor? =
      needA
      ? (transposeA
        ? matmul(y, transposed: transposeB, g, transposed: true)
        : matmul(g, transposed: false, y, transposed: !transposeB))
      : nil
    let gb: Tensor? =
      needB
      ? (transposeB
        ? matmul(g, transposed: true, x, transposed: transposeA)
        : matmul(x, transposed: !transposeA, g, transposed: false))
      : nil
    return [ga, gb]
  }
}

/// `x · w + b` with `b` broadcast over rows, fused: the output starts as the bias rows and the
/// product accumulates into it (one pass over the output instead of a product, a zeroing and a
/// broadcasting add). Primitive `.affine`; `Linear`'s training path.
///
/// - Parameters:
///   - x: `[m, k]`.
///   - w: `[k, n]`.
///   - b: `[n]`.
/// - Returns: `[m, n]`.
public func affine(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
  precondition(
    x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0] && b.shape == [w.shape[1]],
    "affine: x \(x.shape), w \(w.shape) and b \(b.shape) do not fit x · w + b")
  let (m, k, n) = (x.shape[0], x.shape[1], w.shape[1])
  let values = [Float](unsafeUninitializedCapacity: m * n) { out, initialized in
    guard let target = out.baseAddress else { return }  // m · n == 0
    b.scalars.withUnsafeBufferPointer { bp in
      for r in 0..<m { (target + r * n).initialize(from: bp.baseAddress!, count: n) }
    }
    if k > 0 {
      x.scalars.withUnsafeBufferPointer { xp in
        w.scalars.withUnsafeBufferPointer { wp in
          BLASKernels.gemm(
            xp.baseAddress!, transposeA: false, wp.baseAddress!, transposeB: false, target,
            m: m, n: n, k: k, beta: 1)
        }
      }
    }
    initialized = m * n
  }
  let out = Tensor(unchecked: [m, n], scalars: values)
  guard x.node != nil || w.node != nil || b.node != nil else { return out }
  let (xv, wv) = (x.detached(), w.detached())
  let (needX, needW, needB) = (x.node != nil, w.node != nil, b.node != nil)
  return out.recording([x, w, b]) { g in
    [
      needX ? matmul(g, transposed: false, wv, transposed: true) : nil,
      needW ? matmul(xv, transposed: true, g, transposed: false) : nil,
      needB ? g.rawSum(axes: [0]).reshaped(to: [n]) : nil,
    ]
  }
}

extension Tensor {
  /// `self · other` for 2-D tensors (no transposes).
  public func matmul(_ other: Tensor) -> Tensor {
    TensorModule.matmul(self, other)
  }

  /// Row-major scalars of `op(a) · op(b)` with shape `[m, n]`.
  @usableFromInline
  static func gemm(
    _ a: Tensor, _ transposeA: Bool, _ b: Tensor, _ transposeB: Bool, _ m: Int, _ n: Int,
    _ k: Int
  ) -> [Float] {
    let count = m * n
    if k == 0 || count == 0 { return [Float](repeating: 0, count: count) }
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      a.scalars.withUnsafeBufferPointer { ap in
        b.scalars.withUnsafeBufferPointer { bp in
          BLASKernels.gemm(
            ap.baseAddress!, transposeA: transposeA, bp.baseAddress!, transposeB: transposeB,
            out.baseAddress!, m: m, n: n, k: k)
        }
      }
      initialized = count
    }
  }
}

/// `a · op(b)`: shorthand for `matmul(a, transposed: false, b, transposed: transposeB)`.
///
/// - Parameters:
///   - a: `[m, k]`.
///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
public func matmul(_ a: Tensor, _ b: Tensor, transposed transposeB: Bool) -> Tensor {
  matmul(a, transposed: false, b, transposed: transposeB)
}
