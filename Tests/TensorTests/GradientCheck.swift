import TensorModule
import TestSupport
import Testing

/// Checks reverse-mode gradients of `f` against central differences, one random direction per
/// input (so an error in one input's gradient cannot be hidden by another's), and checks that
/// every gradient has its input's shape.
///
/// The scalar being differentiated is `Σ f(x) ⊙ R` for a fixed random `R`, which exercises a
/// non-uniform output gradient.
func checkGradients(
  _ label: String, _ inputs: [Tensor], tolerance: Double = 2e-3, step: Double = 1e-2,
  sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
) {
  var rng = TestSupport.TestRNG(seed: 0xC0FFEE)
  let params = inputs.map { Tensor.parameter($0) }
  let output = f(params)
  #expect(
    output.requiresGradient, "\(label): output does not track gradients",
    sourceLocation: sourceLocation)
  let weights = Tensor(shape: output.shape, scalars: rng.uniformArray(output.scalarCount))
  let grads = (output * weights).sum().backward()

  func objective(_ xs: [[Float]]) -> Double {
    let tensors = zip(xs, inputs).map { Tensor(shape: $1.shape, scalars: $0) }
    let y = f(tensors)
    #expect(!y.requiresGradient, "\(label): graph recorded without parameters")
    return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
  }

  for (k, p) in params.enumerated() {
    guard let g = grads[p] else {
      Issue.record("\(label): no gradient for input \(k)", sourceLocation: sourceLocation)
      continue
    }
    #expect(
      g.shape == p.shape, "\(label): gradient shape \(g.shape) != input \(p.shape)",
      sourceLocation: sourceLocation)
    let direction = inputs.enumerated().map { j, t in
      j == k ? rng.uniformArray(t.scalarCount) : [Float](repeating: 0, count: t.scalarCount)
    }
    let numeric = TestSupport.directionalDerivative(
      of: objective, at: inputs.map(\.scalars), along: direction, step: step)
    let analytic = zip(g.scalars, direction[k]).reduce(0.0) {
      $0 + Double($1.0) * Double($1.1)
    }
    let error = abs(analytic - numeric)
    #expect(
      error <= tolerance * max(1, abs(numeric)),
      "\(label): input \(k) analytic \(analytic) vs numeric \(numeric)",
      sourceLocation: sourceLocation)
  }
}

/// A tensor of `shape` with entries of magnitude in [0.2, 1) and random signs.
func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
  var rng = TestSupport.TestRNG(seed: seed)
  return Tensor(shape: shape, scalars: rng.awayFromZero(shape.reduce(1, *)))
}

/// A tensor of `shape` with entries uniform in [low, high).
func uniform(_ shape: [Int], _ low: Float, _ high: Float, seed: UInt64) -> Tensor {
  var rng = TestSupport.TestRNG(seed: seed)
  return Tensor(shape: shape, scalars: rng.uniformArray(shape.reduce(1, *), low, high))
}

/// A tensor of `shape` with distinct entries on a 0.1 grid (no ties for max/min).
func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
  let count = shape.reduce(1, *)
  var order = Array(0..<count)
  var rng = TestSupport.TestRNG(seed: seed)
  for i in stride(from: count - 1, to: 0, by: -1) {
    let j = Int(rng.uniform(0, Float(i + 1)))
    order.swapAt(i, min(j, i))
  }
  return Tensor(shape: shape, scalars: order.map { Float($0) * 0.1 - Float(count) * 0.05 })
}

/// The broadcast patterns every binary primitive is checked on.
let broadcastPatterns: [([Int], [Int])] = [
  ([2, 3], [2, 3]), ([3, 4], [4]), ([3, 1], [1, 4]), ([3, 4], []), ([], [3, 4]),
  ([2, 3, 4], [3, 1]), ([4], [3, 4]),
]

@Suite("Gradient checks for every primitive")
struct PrimitiveGradientTests {
  @Test(arguments: Primitive.allCases)
  func gradient(of primitive: Primitive) {
    switch primitive {
    case .add:
      for (a, b) in broadcastPatterns {
        checkGradients("add \(a)+\(b)", [awayFromZero(a, seed: 1), awayFromZero(b, seed: 2)]) {
          $0[0] + $0[1]
        }
      }
      checkGradients("add const", [awayFromZero([2, 3], seed: 3)]) { 1.5 + $0[0] + 2 }
    case .subtract:
      for (a, b) in broadcastPatterns {
        checkGradients("sub \(a)-\(b)", [awayFromZero(a, seed: 4), awayFromZero(b, seed: 5)]) {
          $0[0] - $0[1]
        }
      }
      checkGradients("sub const", [awayFromZero([2, 3], seed: 6)]) { 1.5 - ($0[0] - 2) }
    case .multiply:
      for (a, b) in broadcastPatterns {
        checkGradients("mul \(a)*\(b)", [awayFromZero(a, seed: 7), awayFromZero(b, seed: 8)]) {
          $0[0] * $0[1]
        }
      }
      checkGradients("mul same tensor", [awayFromZero([2, 3], seed: 9)]) { $0[0] * $0[0] }
      checkGradients("mul const", [awayFromZero([2, 3], seed: 10)]) { 3 * $0[0] * -0.5 }
    case .divide:
      for (a, b) in broadcastPatterns {
        checkGradients(
          "div \(a)/\(b)", [awayFromZero(a, seed: 11), uniform(b, 0.5, 1.5, seed: 12)]
        ) { $0[0] / $0[1] }
      }
      checkGradients("div const", [uniform([2, 3], 0.5, 1.5, seed: 13)]) {
        2 / $0[0] + $0[0] / 4
      }
    case .negate:
      checkGradients("neg", [awayFromZero([3, 2], seed: 14)]) { -$0[0] }
    case .exp:
      checkGradients("exp", [uniform([3, 4], -1, 1, seed: 15)]) { $0[0].exp() }
    case .log:
      checkGradients("log", [uniform([3, 4], 0.5, 2, seed: 16)]) { $0[0].log() }
    case .sqrt:
      checkGradients("sqrt", [uniform([3, 4], 0.5, 2, seed: 17)]) { $0[0].sqrt() }
    case .tanh:
      checkGradients("tanh", [uniform([3, 4], -2, 2, seed: 18)]) { $0[0].tanh() }
    case .relu:
      checkGradients("relu", [awayFromZero([4, 5], seed: 19)]) { $0[0].relu() }
    case .leakyRelu:
      checkGradients("leakyRelu", [awayFromZero([4, 5], seed: 20)]) {
        $0[0].leakyRelu(alpha: 0.1)
      }
    case .minimum, .maximum:
      let op = primitive == .minimum ? minimum : maximum
      // Values on a 0.1 grid, offset by 0.05 between a and b: never tied.
      let a = distinct([3, 4], seed: 21)
      let b = distinct([4], seed: 22) + 0.05
      checkGradients("\(primitive) [3,4],[4]", [a, b]) { op($0[0], $0[1]) }
      checkGradients("\(primitive) same shape", [a, distinct([3, 4], seed: 23) + 0.05]) {
        op($0[0], $0[1])
      }
    case .select:
      let mask = Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0 % 3 == 0 ? 1 : 0) })
      checkGradients(
        "select broadcast", [awayFromZero([3, 4], seed: 24), awayFromZero([4], seed: 25)]
      ) { Tensor.select(condition: mask, $0[0], $0[1]) }
      let bools = (0..<6).map { $0 % 2 == 0 }
      checkGradients(
        "select [Bool]", [awayFromZero([2, 3], seed: 26), awayFromZero([], seed: 27)]
      ) { Tensor.select(condition: bools, $0[0], $0[1]) }
    case .sum:
      let x = awayFromZero([2, 3, 4], seed: 28)
      checkGradients("sum all", [x]) { $0[0].sum() }
      checkGradients("sum [1]", [x]) { $0[0].sum(alongAxes: [1]) }
      checkGradients("sum [0,2] keep", [x]) { $0[0].sum(alongAxes: [0, 2], keepingDims: true) }
      checkGradients("sum [-1]", [x]) { $0[0].sum(alongAxes: [-1]) }
      checkGradients("sum [0,1]", [x]) { $0[0].sum(alongAxes: [0, 1]) }
    case .max:
      let x = distinct([2, 3, 4], seed: 29)
      checkGradients("max all", [x]) { $0[0].max() }
      checkGradients("max [1]", [x]) { $0[0].max(alongAxes: [1]) }
      checkGradients("max [0,2] keep", [x]) { $0[0].max(alongAxes: [0, 2], keepingDims: true) }
      checkGradients("max [-1]", [x]) { $0[0].max(alongAxes: [-1]) }
    case .matmul:
      // Square cases too: with m = k = n a pullback that uses the wrong transpose still has the
      // right shape, so only the numbers can catch it.
      for (m, k, n) in [(1, 5, 4), (3, 5, 4), (3, 5, 1), (1, 5, 1), (4, 4, 4)] {
        for ta in [false, true] {
          for tb in [false, true] {
            let a = awayFromZero(ta ? [k, m] : [m, k], seed: 30)
            let b = awayFromZero(tb ? [n, k] : [k, n], seed: 31)
            checkGradients("matmul \(m)x\(k)x\(n) ta=\(ta) tb=\(tb)", [a, b]) {
              matmul($0[0], transposed: ta, $0[1], transposed: tb)
            }
          }
        }
      }
    case .affine:
      for (m, k, n) in [(1, 5, 4), (3, 5, 4), (3, 5, 1), (4, 1, 3), (4, 4, 4)] {
        let x = awayFromZero([m, k], seed: 32)
        let w = awayFromZero([k, n], seed: 33)
        let b = awayFromZero([n], seed: 34)
        checkGradients("affine \(m)x\(k)x\(n)", [x, w, b]) { affine($0[0], $0[1], $0[2]) }
      }
    case .reshape:
      let w = Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init))
      checkGradients("reshape", [awayFromZero([2, 6], seed: 32)]) {
        $0[0].reshaped(to: [3, -1]) * w
      }
    case .transpose:
      let w = Tensor(shape: [5, 2], scalars: (0..<10).map(Float.init))
      checkGradients("transpose", [awayFromZero([2, 5], seed: 33)]) { $0[0].transposed() * w }
    case .concatenate:
      let parts = [
        awayFromZero([2, 3], seed: 34), awayFromZero([2, 1], seed: 35),
        awayFromZero([2, 2], seed: 36),
      ]
      checkGradients("concat axis 1", parts) { Tensor(concatenating: $0, alongAxis: 1) }
      let rows = [awayFromZero([1, 3], seed: 37), awayFromZero([2, 3], seed: 38)]
      checkGradients("concat axis 0", rows) { Tensor(concatenating: $0, alongAxis: 0) }
    case .slice:
      let x = awayFromZero([4, 5, 3], seed: 39)
      checkGradients("slice box", [x]) {
        $0[0].slice(lowerBounds: [1, 2, 0], upperBounds: [3, 5, 2])
      }
      checkGradients("slice rows", [x]) { $0[0].slice(rows: 1..<3) }
    case .gather:
      let x = awayFromZero([4, 3], seed: 40)
      checkGradients("gather repeated", [x]) { $0[0].gathering(rows: [2, 0, 2, 2, 3]) }
    case .scatterAdd:
      let x = awayFromZero([5, 2], seed: 41)
      checkGradients("scatterAdd repeated", [x]) {
        $0[0].scatterAdding(rows: [1, 3, 1, 1, 0], count: 4)
      }
    case .logSoftmax:
      let x = uniform([3, 5], -3, 3, seed: 42)
      checkGradients("logSoftmax last", [x]) { $0[0].logSoftmax() }
      checkGradients("logSoftmax axis 0", [x]) { $0[0].logSoftmax(alongAxis: 0) }
      checkGradients("logSoftmax 3-D middle", [uniform([2, 3, 2], -3, 3, seed: 43)]) {
        $0[0].logSoftmax(alongAxis: 1)
      }
    }
  }
}

@Suite("Gradient checks for composites")
struct CompositeGradientTests {
  @Test func composites() {
    let x = uniform([3, 4], -2, 2, seed: 50)
    let t = uniform([3, 4], -2, 2, seed: 51)
    checkGradients("softmax", [x]) { $0[0].softmax() }
    checkGradients("mean", [x]) { $0[0].mean() }
    checkGradients("mean axes", [x]) { $0[0].mean(alongAxes: [0]) }
    for reduction in LossReduction.allCases {
      checkGradients("mse \(reduction)", [x, t]) { mse($0[0], $0[1], reduction: reduction) }
      checkGradients("huber \(reduction)", [x, t + 0.03]) {
        huber($0[0], $0[1], delta: 1, reduction: reduction)
      }
      // A broadcast target: its gradient is reduced back to its shape [4].
      checkGradients("mse broadcast \(reduction)", [x, uniform([4], -2, 2, seed: 53)]) {
        mse($0[0], $0[1], reduction: reduction)
      }
      checkGradients("huber δ=0.5 broadcast \(reduction)", [x, uniform([4], -2, 2, seed: 54)]) {
        huber($0[0], $0[1], delta: 0.5, reduction: reduction)
      }
    }
    checkGradients("entropy", [x]) { $0[0].entropyFromLogits() }
    checkGradients("layerNorm", [x]) { $0[0].layerNormalized() }
    checkGradients("sigmoid", [x]) { $0[0].sigmoid() }
    checkGradients("clamp", [awayFromZero([3, 4], seed: 52) * 2]) {
      $0[0].clamped(min: -1.1, max: 1.1)
    }
  }
}
