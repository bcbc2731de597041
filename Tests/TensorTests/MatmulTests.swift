import CKernels
import TensorModule
import TestSupport
import Testing

/// The naive triple loop reference for `op(a) · op(b)`.
func naiveMatmul(_ a: Tensor, _ ta: Bool, _ b: Tensor, _ tb: Bool) -> [Float] {
  let m = ta ? a.shape[1] : a.shape[0]
  let k = ta ? a.shape[0] : a.shape[1]
  let n = tb ? b.shape[0] : b.shape[1]
  var out = [Float](repeating: 0, count: m * n)
  for i in 0..<m {
    for j in 0..<n {
      var s: Double = 0
      for p in 0..<k {
        let av = ta ? a.scalars[p * m + i] : a.scalars[i * k + p]
        let bv = tb ? b.scalars[j * k + p] : b.scalars[p * n + j]
        s += Double(av) * Double(bv)
      }
      out[i * n + j] = Float(s)
    }
  }
  return out
}

@Suite("Matmul against a naive loop")
struct MatmulTests {
  @Test(arguments: [(1, 7, 5), (1, 175, 256), (4, 7, 5), (6, 3, 1), (1, 4, 1), (33, 17, 9)])
  func matchesNaive(_ dims: (Int, Int, Int)) {
    let (m, k, n) = dims
    for ta in [false, true] {
      for tb in [false, true] {
        let a = uniform(ta ? [k, m] : [m, k], -1, 1, seed: UInt64(m * 100 + k))
        let b = uniform(tb ? [n, k] : [k, n], -1, 1, seed: UInt64(n * 100 + k))
        let c = matmul(a, transposed: ta, b, transposed: tb)
        #expect(c.shape == [m, n])
        let reference = naiveMatmul(a, ta, b, tb)
        #expect(
          TestSupport.maxAbsDifference(c.scalars, reference) < 1e-4,
          "m=\(m) k=\(k) n=\(n) ta=\(ta) tb=\(tb)")
      }
    }
  }

  @Test func emptyInnerDimensionGivesZeros() {
    let c = matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3]))
    #expect(c.shape == [2, 3])
    #expect(c.scalars == [0, 0, 0, 0, 0, 0])
  }

  /// Every tile shape of the small-matrix kernel (1–6 remaining rows; 16-wide, 8-wide and masked
  /// column tails) and both sides of its size limits, untransposed and through `Linear.infer`
  /// (bias-prefilled accumulation).
  @Test func smallKernelShapesMatchNaive() {
    var shapes: [(Int, Int, Int)] = []
    for m in [2, 3, 5, 6, 7, 12, 13, 18] {
      for n in [2, 7, 8, 9, 15, 16, 17, 24, 33, 64] {
        shapes.append((m, [1, 24, 64][(m + n) % 3], n))
      }
    }
    shapes += [(18, 128, 64), (40, 100, 82), (64, 175, 256), (300, 24, 64)]
    for (m, k, n) in shapes {
      let a = uniform([m, k], -1, 1, seed: UInt64(m * 1000 + k))
      let b = uniform([k, n], -1, 1, seed: UInt64(n * 1000 + k))
      let reference = naiveMatmul(a, false, b, false)
      #expect(
        TestSupport.maxAbsDifference(matmul(a, b).scalars, reference) < 1e-4,
        "m=\(m) k=\(k) n=\(n)")
      let bias = uniform([n], -1, 1, seed: UInt64(n))
      let layer = Linear(weight: b, bias: bias)
      var expected = reference
      for i in 0..<m { for j in 0..<n { expected[i * n + j] += bias.scalars[j] } }
      #expect(
        TestSupport.maxAbsDifference(layer(a).scalars, expected) < 1e-4,
        "Linear m=\(m) k=\(k) n=\(n)")
      #expect(
        TestSupport.maxAbsDifference(affine(a, b, bias).scalars, expected) < 1e-4,
        "affine m=\(m) k=\(k) n=\(n)")
    }
  }

  /// The C kernels themselves, with leading dimensions wider than the matrices (sub-blocks of
  /// larger arrays) and both accumulate modes; they must leave everything outside `c`'s block
  /// untouched. The batch-1 kernel also covers every column tail (64-, 32-, 16-, 8-wide tiles
  /// and a masked rest).
  @Test func cKernelsWithStridesMatchNaive() {
    guard ck_small_gemm_available() == 1 else {
      #if arch(x86_64)
        Issue.record("this x86-64 CPU lacks AVX2/FMA: the C kernels are untested here")
      #endif
      return
    }
    for (m, k, n) in [(7, 5, 19), (13, 24, 40), (6, 1, 3)] {
      checkStridedKernel(m: m, k: k, n: n) { a, lda, b, ldb, c, ldc, accumulate in
        ck_small_gemm(Int32(m), Int32(n), Int32(k), a, lda, b, ldb, c, ldc, accumulate)
      }
    }
    for (k, n) in [(175, 256), (3, 1), (9, 7), (17, 120), (40, 127), (0, 5)] {
      checkStridedKernel(m: 1, k: k, n: n) { a, _, b, ldb, c, _, accumulate in
        ck_vector_matrix(Int32(n), Int32(k), a, b, ldb, c, accumulate)
      }
    }
  }
}

/// Runs `kernel(a, lda, b, ldb, c, ldc, accumulate)` on random row-major operands stored with
/// leading dimensions wider than `k`, `n`, `n`, and checks `c` against a `Double` loop: the
/// `m × n` block holds the product (plus its old values when accumulating), the padding is
/// untouched, and the kernel reports that it ran.
func checkStridedKernel(
  m: Int, k: Int, n: Int,
  _ kernel: (
    UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, UnsafeMutablePointer<Float>?,
    Int32, Int32
  ) -> Int32
) {
  let (lda, ldb, ldc) = (k + 3, n + 5, n + 2)
  let a = uniform([m, lda], -1, 1, seed: 1).scalars
  let b = uniform([max(k, 1), ldb], -1, 1, seed: 2).scalars
  let start = uniform([m, ldc], -1, 1, seed: 3).scalars
  for accumulate in [Int32(0), 1] {
    var c = start
    let done = a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          kernel(
            ap.baseAddress, Int32(lda), bp.baseAddress, Int32(ldb), cp.baseAddress, Int32(ldc),
            accumulate)
        }
      }
    }
    #expect(done == 1)
    for i in 0..<m {
      for j in 0..<ldc {
        var expected = start[i * ldc + j]
        if j < n {
          var sum: Double = accumulate == 1 ? Double(expected) : 0
          for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
          expected = Float(sum)
        }
        #expect(
          abs(c[i * ldc + j] - expected) < 1e-4,
          "m=\(m) k=\(k) n=\(n) (\(i), \(j)) accumulate=\(accumulate)")
      }
    }
  }
}
