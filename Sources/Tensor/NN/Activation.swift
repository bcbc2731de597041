/// An elementwise activation applied after a layer.
public enum Activation: Codable, Sendable, Equatable {
  /// Identity.
  case none
  /// `max(x, 0)`.
  case relu
  /// `x > 0 ? x : alpha · x`.
  case leakyRelu(alpha: Float)
  /// Hyperbolic tangent.
  case tanh
  /// Logistic sigmoid.
  case sigmoid
  /// `relu(x) + 1`: a positive output head (≥ 1), e.g. for Beta-distribution concentrations.
  case positivePlusOne

  /// Applies the activation (records a graph if `x` tracks gradients).
  public func callAsFunction(_ x: Tensor) -> Tensor {
    switch self {
    case .none: return x
    case .relu: return x.relu()
    case .leakyRelu(let alpha): return x.leakyRelu(alpha: alpha)
    case .tanh: return x.tanh()
    case .sigmoid: return x.sigmoid()
    case .positivePlusOne: return x.relu() + 1
    }
  }

  /// Applies the activation in place on a raw buffer (gradient-free inference path).
  public func apply(inPlace values: UnsafeMutableBufferPointer<Float>) {
    switch self {
    case .none: return
    case .relu:
      // Branch-free bodies so the loops vectorize.
      for i in values.indices { values[i] = Swift.max(values[i], 0) }
    case .leakyRelu(let alpha):
      for i in values.indices { values[i] = values[i] > 0 ? values[i] : alpha * values[i] }
    case .tanh:
      for i in values.indices { values[i] = cTanhf(values[i]) }
    case .sigmoid:
      for i in values.indices { values[i] = 0.5 * (cTanhf(0.5 * values[i]) + 1) }
    case .positivePlusOne:
      for i in values.indices { values[i] = Swift.max(values[i], 0) + 1 }
    }
  }
}
