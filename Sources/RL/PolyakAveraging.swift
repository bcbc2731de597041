import TensorModule

extension ParameterVisitable {
  /// Soft target update `θ_target ← τ θ + (1 − τ) θ_target` (Polyak averaging), parameter by
  /// parameter in visiting order, keeping this model's parameter identities (none for a
  /// detached target network).
  ///
  /// - Parameters:
  ///   - source: the online network (same architecture).
  ///   - tau: the weight of the online values, in `[0, 1]`; 1 copies them.
  /// - Precondition: both models visit parameters of the same shapes in the same order.
  public mutating func polyakUpdate(toward source: Self, tau: Float) {
    var sourceValues: [Tensor] = []
    source.visitParameters { _, p in sourceValues.append(p) }
    var index = 0
    updateParameters { name, target in
      precondition(
        index < sourceValues.count && sourceValues[index].shape == target.shape,
        "polyakUpdate: \(name) has no counterpart of shape \(target.shape) in the source")
      var blended = target.scalars
      sourceValues[index].scalars.withUnsafeBufferPointer { online in
        blended.withUnsafeMutableBufferPointer { out in
          for j in out.indices { out[j] = tau * online[j] + (1 - tau) * out[j] }
        }
      }
      target.assign(Tensor(shape: target.shape, scalars: blended))
      index += 1
    }
  }
}
