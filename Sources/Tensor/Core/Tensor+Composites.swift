// Composite operations built from primitives: no gradient code here.

extension Tensor {
  /// `exp(logSoftmax(x))` along `axis` (default: last); stable for large logits.
  public func softmax(alongAxis axis: Int = -1) -> Tensor {
    logSoftmax(alongAxis: axis).exp()
  }

  /// The mean of all elements as a rank-0 tensor.
  public func mean() -> Tensor {
    sum() * (1 / Float(Swift.max(scalarCount, 1)))
  }

  /// The mean over `axes` (negative axes count from the end).
  public func mean(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
    let count = normalizedAxes(axes).reduce(1) { $0 * shape[$1] }
    return sum(alongAxes: axes, keepingDims: keepingDims) * (1 / Float(Swift.max(count, 1)))
  }

  /// Elementwise square.
  public func squared() -> Tensor { self * self }

  /// Elementwise clamp to `[low, high]` (gradient 1 inside, 0 outside).
  public func clamped(min low: Float, max high: Float) -> Tensor {
    minimum(maximum(self, Tensor(low)), Tensor(high))
  }

  /// Elementwise logistic sigmoid, computed as `0.5 · (tanh(x / 2) + 1)` (no overflow).
  public func sigmoid() -> Tensor {
    ((self * 0.5).tanh() + 1) * 0.5
  }

  /// Entropy of the categorical distributions given by logits along the last axis.
  ///
  /// - Parameter self: logits `[..., classes]`.
  /// - Returns: `[...]` (the last axis removed), `-Σ p · log p`.
  public func entropyFromLogits() -> Tensor {
    let logP = logSoftmax(alongAxis: -1)
    return -(logP.exp() * logP).sum(alongAxes: [-1])
  }

  /// Normalizes over the last axis to zero mean and unit variance (no affine part).
  ///
  /// - Parameter epsilon: added to the variance for stability.
  public func layerNormalized(epsilon: Float = 1e-5) -> Tensor {
    let centered = self - mean(alongAxes: [-1], keepingDims: true)
    let variance = centered.squared().mean(alongAxes: [-1], keepingDims: true)
    return centered / (variance + epsilon).sqrt()
  }
}

/// How a loss combines its elementwise terms (PyTorch's `reduction`).
public enum LossReduction: String, Codable, Sendable, CaseIterable {
  /// The mean of the terms, rank 0.
  case mean
  /// The sum of the terms, rank 0.
  case sum
  /// No reduction: the terms themselves, in the shape `prediction` and `target` broadcast to.
  case none

  /// Reduces elementwise loss `terms` (any shape).
  public func callAsFunction(_ terms: Tensor) -> Tensor {
    switch self {
    case .mean: return terms.mean()
    case .sum: return terms.sum()
    case .none: return terms
    }
  }
}

/// Squared error `(prediction − target)²`, reduced by `reduction` (default: the mean).
///
/// - Parameters:
///   - prediction: any shape.
///   - target: broadcastable to `prediction`; usually detached.
public func mse(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean)
  -> Tensor
{
  reduction((prediction - target).squared())
}

/// Huber loss with threshold `delta`, `½d²` for `|d| ≤ δ` and `δ(|d| − ½δ)` beyond
/// (`d = prediction − target`), reduced by `reduction` (default: the mean).
///
/// Written as `q · (d − ½q)` with `q = clamp(d, −δ, δ)`, which is both branches at once and
/// differentiates to `clamp(d, −δ, δ)`.
///
/// - Parameters:
///   - prediction: any shape.
///   - target: broadcastable to `prediction`; usually detached.
public func huber(
  _ prediction: Tensor, _ target: Tensor, delta: Float = 1, reduction: LossReduction = .mean
) -> Tensor {
  let d = prediction - target
  let q = d.clamped(min: -delta, max: delta)
  return reduction(q * (d - q * 0.5))
}
