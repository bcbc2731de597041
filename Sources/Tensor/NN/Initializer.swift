import SeededRandom

/// How to fill a new parameter. For a weight `[inFeatures, outFeatures]`, `fanIn` is
/// `shape[0]` and `fanOut` is `shape[1]`; a 1-D shape `[n]` uses `fanIn = fanOut = n`.
public enum Initializer: Codable, Sendable, Equatable {
  /// Glorot/Xavier uniform: `U(±√(6 / (fanIn + fanOut)))`.
  case glorotUniform
  /// Kaiming/He uniform for ReLU: `U(±√(6 / fanIn))`.
  case kaimingUniform
  /// Kaiming/He normal for ReLU: `N(0, 2 / fanIn)`.
  case kaimingNormal
  /// A (semi-)orthogonal matrix times `gain` (QR of a Gaussian matrix, signs fixed by diag R).
  case orthogonal(gain: Float)
  /// All zeros.
  case zeros
  /// Every element equal to the value.
  case constant(Float)
  /// `U(low, high)`.
  case uniform(low: Float, high: Float)

  /// A new tensor of `shape` drawn from `rng` (not a parameter; wrap with `Tensor.parameter`).
  public func make(shape: [Int], rng: inout Xoshiro256) -> Tensor {
    let fanIn = shape.count >= 2 ? shape[0] : (shape.first ?? 1)
    let fanOut = shape.count >= 2 ? shape[1...].reduce(1, *) : (shape.first ?? 1)
    switch self {
    case .glorotUniform:
      let limit = (6 / Float(Swift.max(fanIn + fanOut, 1))).squareRoot()
      return .uniform(shape: shape, low: -limit, high: limit, rng: &rng)
    case .kaimingUniform:
      let limit = (6 / Float(Swift.max(fanIn, 1))).squareRoot()
      return .uniform(shape: shape, low: -limit, high: limit, rng: &rng)
    case .kaimingNormal:
      return .normal(shape: shape, std: (2 / Float(Swift.max(fanIn, 1))).squareRoot(), rng: &rng)
    case .orthogonal(let gain):
      return Initializer.orthogonal(shape: shape, gain: gain, rng: &rng)
    case .zeros:
      return Tensor(zeros: shape)
    case .constant(let value):
      return Tensor(repeating: value, shape: shape)
    case .uniform(let low, let high):
      return .uniform(shape: shape, low: low, high: high, rng: &rng)
    }
  }

  /// Orthogonal initialization viewing `shape` as `[shape[0], rest]`: orthonormal columns when
  /// `rows >= cols` (`WᵀW = I`), orthonormal rows otherwise (`WWᵀ = I`), times `gain`.
  static func orthogonal(shape: [Int], gain: Float, rng: inout Xoshiro256) -> Tensor {
    let rows = shape.count >= 2 ? shape[0] : 1
    let cols = shape.count >= 2 ? shape[1...].reduce(1, *) : (shape.first ?? 1)
    if rows == 0 || cols == 0 { return Tensor(zeros: shape) }
    let tall = rows >= cols
    let (m, n) = tall ? (rows, cols) : (cols, rows)
    var q = Tensor.normal(shape: [m, n], rng: &rng).scalars
    let signs = q.withUnsafeMutableBufferPointer {
      BLASKernels.thinQR($0.baseAddress!, rows: m, cols: n)
    }
    guard let signs else {
      preconditionFailure("Initializer.orthogonal: LAPACK QR failed for \(m)x\(n)")
    }
    // Multiplying column j by sign(R_jj) makes the factorization unique, so Q is Haar-uniform.
    for r in 0..<m {
      for c in 0..<n { q[r * n + c] *= signs[c] * gain }
    }
    let values = tall ? q : Tensor.transposeKernel(q, rows: m, cols: n)
    return Tensor(shape: shape, scalars: values)
  }
}
