/// The registry of differentiable primitives: every operation with hand-written pullback code.
///
/// Everything else (softmax, mean, mse, huber, entropy, layer norm, clamp, ...) is composed of
/// these and needs no gradient code. The test suite walks `Primitive.allCases` with one
/// gradient check per case, so adding a primitive without a gradient test fails CI.
public enum Primitive: String, CaseIterable, Sendable {
  /// `a + b` (broadcasting).
  case add
  /// `a - b` (broadcasting).
  case subtract
  /// `a * b` (broadcasting).
  case multiply
  /// `a / b` (broadcasting).
  case divide
  /// `-x`.
  case negate
  /// `x.exp()`.
  case exp
  /// `x.log()`.
  case log
  /// `x.sqrt()`.
  case sqrt
  /// `x.tanh()`.
  case tanh
  /// `x.relu()`.
  case relu
  /// `x.leakyRelu(alpha:)`.
  case leakyRelu
  /// `minimum(a, b)`.
  case minimum
  /// `maximum(a, b)`.
  case maximum
  /// `Tensor.select(condition:_:_:)`.
  case select
  /// `x.sum(alongAxes:keepingDims:)`.
  case sum
  /// `x.max(alongAxes:keepingDims:)`.
  case max
  /// `matmul(_:transposed:_:transposed:)`.
  case matmul
  /// `affine(_:_:_:)`: `x · W + b`, fused.
  case affine
  /// `x.reshaped(to:)`.
  case reshape
  /// `x.transposed()`.
  case transpose
  /// `Tensor(concatenating:alongAxis:)`.
  case concatenate
  /// `x.slice(lowerBounds:upperBounds:)` / `x.slice(rows:)`.
  case slice
  /// `x.gathering(rows:)`.
  case gather
  /// `x.scatterAdding(rows:count:)`.
  case scatterAdd
  /// `x.logSoftmax(alongAxis:)`.
  case logSoftmax
}
