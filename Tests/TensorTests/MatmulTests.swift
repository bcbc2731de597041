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
}
