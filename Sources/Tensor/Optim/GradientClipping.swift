extension Gradients {
  /// The L2 norm of all gradients concatenated (accumulated in `Double`, in parameter order,
  /// so it is deterministic).
  public var globalNorm: Float {
    var total = 0.0
    for id in parameterIDs {
      storage[id]!.scalars.withUnsafeBufferPointer { gp in
        for x in gp { total += Double(x) * Double(x) }
      }
    }
    return Float(total.squareRoot())
  }

  /// Scales all gradients by `maxNorm / (norm + 1e-6)` when the global norm exceeds `maxNorm`
  /// (PyTorch `clip_grad_norm_`).
  ///
  /// - Returns: the global norm before clipping, for logging.
  @discardableResult
  public mutating func clip(globalNorm maxNorm: Float) -> Float {
    let norm = globalNorm
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 { scale(by: coefficient) }
    return norm
  }
}

/// Clips `grads` to global L2 norm `maxNorm`; see `Gradients.clip(globalNorm:)`.
///
/// - Returns: the global norm before clipping.
@discardableResult
public func clipByGlobalNorm(_ grads: inout Gradients, maxNorm: Float) -> Float {
  grads.clip(globalNorm: maxNorm)
}
