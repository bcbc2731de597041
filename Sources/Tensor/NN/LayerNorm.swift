/// Layer normalization over the last axis with a learned scale and shift.
public struct LayerNorm: Layer {
  /// Scale, `[features]`, initialized to ones.
  public var weight: Tensor
  /// Shift, `[features]`, initialized to zeros.
  public var bias: Tensor
  /// Added to the variance for stability.
  public var epsilon: Float

  /// A layer normalizing `features` values.
  public init(features: Int, epsilon: Float = 1e-5) {
    weight = .parameter(Tensor(ones: [features]))
    bias = .parameter(Tensor(zeros: [features]))
    self.epsilon = epsilon
  }

  /// `(x − mean) / √(var + ε) · weight + bias` over the last axis.
  ///
  /// - Parameter x: `[..., features]`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(
      x.shape.last == weight.shape[0],
      "LayerNorm: input \(x.shape) does not end in \(weight.shape[0]) features")
    return x.layerNormalized(epsilon: epsilon) * weight + bias
  }

  /// Visits `"weight"` then `"bias"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    body("weight", weight)
    body("bias", bias)
  }

  /// Updates `"weight"` then `"bias"`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    body("weight", &weight)
    body("bias", &bias)
  }
}
