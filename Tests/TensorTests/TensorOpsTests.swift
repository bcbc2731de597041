import TensorModule
import TestSupport
import Testing

@Suite("Forward values of primitives")
struct TensorOpsTests {
  @Test func constructorsAndShape() {
    let t = Tensor([[1, 2, 3], [4, 5, 6]])
    #expect(t.shape == [2, 3])
    #expect(t.rank == 2)
    #expect(t.scalarCount == 6)
    #expect(t[row: 1] == [4, 5, 6])
    #expect(Tensor(7).shape == [])
    #expect(Tensor(7).scalar == 7)
    #expect(Tensor(zeros: [2, 2]).scalars == [0, 0, 0, 0])
    #expect(Tensor(ones: [3]).scalars == [1, 1, 1])
    #expect(Tensor(repeating: 2.5, shape: [1, 2]).scalars == [2.5, 2.5])
  }

  @Test func broadcastingValues() {
    let a = Tensor([[1, 2, 3], [4, 5, 6]])
    #expect((a + Tensor([10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
    let col = Tensor(shape: [2, 1], scalars: [1, 2])
    let row = Tensor(shape: [1, 3], scalars: [10, 20, 30])
    let outer = col * row
    #expect(outer.shape == [2, 3])
    #expect(outer.scalars == [10, 20, 30, 20, 40, 60])
    #expect((a - Tensor(1)).scalars == [0, 1, 2, 3, 4, 5])
    #expect((Tensor(12) / a).scalars == [12, 6, 4, 3, 2.4, 2])
    let cube = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
    let b = Tensor(shape: [3, 1], scalars: [100, 200, 300])
    #expect(
      (cube + b).scalars == [100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311])
    #expect((2 - a).scalars == [1, 0, -1, -2, -3, -4])
    #expect((-a).scalars == [-1, -2, -3, -4, -5, -6])
  }

  @Test func unaryValues() {
    let x = Tensor([-2, -0.5, 0.5, 2])
    #expect(x.relu().scalars == [0, 0, 0.5, 2])
    #expect(x.leakyRelu(alpha: 0.1).scalars == [-0.2, -0.05, 0.5, 2])
    #expect(TestSupport.allClose(x.tanh().scalars, [-0.9640276, -0.4621172, 0.4621172, 0.9640276]))
    #expect(TestSupport.allClose(Tensor([0, 1]).exp().scalars, [1, 2.7182817]))
    #expect(TestSupport.allClose(Tensor([1, 2.7182817]).log().scalars, [0, 1]))
    #expect(Tensor([4, 9]).sqrt().scalars == [2, 3])
    #expect(minimum(x, Tensor(0)).scalars == [-2, -0.5, 0, 0])
    #expect(maximum(x, Tensor(0)).scalars == [0, 0, 0.5, 2])
    #expect(x.clamped(min: -1, max: 1).scalars == [-1, -0.5, 0.5, 1])
    #expect(
      Tensor.select(condition: [true, false, true, false], x, Tensor(9)).scalars
        == [-2, 9, 0.5, 9])
  }

  @Test func reductions() {
    let t = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
    #expect(t.sum().scalar == 66)
    #expect(t.sum().shape == [])
    let s1 = t.sum(alongAxes: [1])
    #expect(s1.shape == [2, 2])
    #expect(s1.scalars == [6, 9, 24, 27])
    let s02 = t.sum(alongAxes: [0, 2], keepingDims: true)
    #expect(s02.shape == [1, 3, 1])
    #expect(s02.scalars == [14, 22, 30])
    #expect(t.sum(alongAxes: [-1]).scalars == [1, 5, 9, 13, 17, 21])
    #expect(t.max(alongAxes: [1]).scalars == [4, 5, 10, 11])
    #expect(t.max().scalar == 11)
    #expect(t.mean().scalar == 5.5)
    #expect(t.mean(alongAxes: [0]).scalars == [3, 4, 5, 6, 7, 8])
  }

  @Test func maxSharesGradientAmongTies() {
    let x = Tensor.parameter(Tensor([1, 3, 3, 2]))
    let g = x.max().backward()[x]!
    #expect(g.scalars == [0, 0.5, 0.5, 0])
  }

  @Test func shapeOps() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(t.transposed().shape == [3, 2])
    #expect(t.transposed().scalars == [1, 4, 2, 5, 3, 6])
    #expect(t.reshaped(to: [3, -1]).shape == [3, 2])
    let c1 = Tensor(concatenating: [t, Tensor([[7], [8]])], alongAxis: 1)
    #expect(c1.shape == [2, 4])
    #expect(c1.scalars == [1, 2, 3, 7, 4, 5, 6, 8])
    let c0 = Tensor(concatenating: [t, Tensor([[7, 8, 9]])], alongAxis: 0)
    #expect(c0.scalars == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    #expect(t.slice(lowerBounds: [0, 1], upperBounds: [2, 3]).scalars == [2, 3, 5, 6])
    #expect(t.slice(rows: 1..<2).scalars == [4, 5, 6])
    #expect(t.gathering(rows: [1, 1, 0]).scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3])
    let s = t.scatterAdding(rows: [2, 2], count: 3)
    #expect(s.shape == [3, 3])
    #expect(s.scalars == [0, 0, 0, 0, 0, 0, 5, 7, 9])
    // A large transpose crosses tile boundaries.
    let big = Tensor(shape: [37, 70], scalars: (0..<(37 * 70)).map(Float.init))
    let bt = big.transposed()
    #expect(bt.scalars[5 * 37 + 3] == big.scalars[3 * 70 + 5])
    #expect(bt.transposed() == big)
  }

  @Test func logSoftmaxIsStable() {
    let x = Tensor([[1000, 1001, 1002], [-5, 0, 5]])
    let y = x.logSoftmax()
    #expect(y.scalars.allSatisfy { $0.isFinite })
    let expected: [Float] = [-2.4076059, -1.4076059, -0.4076059]
    #expect(TestSupport.allClose(Array(y.scalars[0..<3]), expected, rtol: 1e-5))
    let p = x.softmax()
    #expect(TestSupport.isClose(p.sum(alongAxes: [1]).scalars[1], 1))
    let uniformEntropy = Tensor([[0, 0, 0, 0]]).entropyFromLogits()
    #expect(TestSupport.isClose(uniformEntropy.scalars[0], Float(4).logNatural()))
  }

  @Test func lossesByHand() {
    let p = Tensor([0, 2, -3])
    let t = Tensor([0.5, 0, 0])
    // mse = (0.25 + 4 + 9) / 3
    #expect(TestSupport.isClose(mse(p, t).scalar, 13.25 / 3))
    // huber δ=1: 0.5·0.25, 1·(2 − 0.5), 1·(3 − 0.5) → mean
    #expect(TestSupport.isClose(huber(p, t, delta: 1).scalar, (0.125 + 1.5 + 2.5) / 3))
    // The same terms summed, and unreduced (shape kept).
    #expect(TestSupport.isClose(mse(p, t, reduction: .sum).scalar, 13.25))
    #expect(mse(p, t, reduction: .none).scalars == [0.25, 4, 9])
    #expect(mse(p, t, reduction: .none).shape == [3])
    #expect(TestSupport.isClose(huber(p, t, delta: 1, reduction: .sum).scalar, 4.125))
    #expect(huber(p, t, delta: 1, reduction: .none).scalars == [0.125, 1.5, 2.5])
    // δ = 2: |−3| > 2 gives 2·(3 − 1) = 4; |2| ≤ 2 gives ½·4 = 2.
    #expect(huber(p, t, delta: 2, reduction: .none).scalars == [0.125, 2, 4])
    // A broadcast target: the unreduced terms take the broadcast shape [2, 3].
    let rows = Tensor([[0, 2, -3], [1, 1, 1]])
    let squared = mse(rows, Tensor([1]), reduction: .none)
    #expect(squared.shape == [2, 3] && squared.scalars == [1, 1, 16, 0, 0, 0])
    #expect(TestSupport.isClose(mse(rows, Tensor([1])).scalar, 18.0 / 6))
    let ln = Tensor([[1, 2, 3]]).layerNormalized(epsilon: 0)
    let sd = Float(2.0 / 3.0).squareRoot()
    #expect(TestSupport.allClose(ln.scalars, [-1 / sd, 0, 1 / sd], rtol: 1e-5))
  }
}

extension Float {
  fileprivate func logNatural() -> Float { Tensor(self).log().scalar }
}
