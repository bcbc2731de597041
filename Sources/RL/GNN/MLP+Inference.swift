import TensorModule

extension MLP {
  /// The same function as `callAsFunction`, used on the GNN and GPO inference paths. Without
  /// any gradient-tracking input or parameter, each `Linear` runs TensorModule's fused kernel
  /// (bias-prefilled `sgemm`/`sgemv`, activation applied in place with a branch-free loop), so
  /// every layer allocates exactly one output array.
  ///
  /// - Parameter x: `[batch, sizes.first]`.
  /// - Returns: `[batch, sizes.last]`.
  func forward(_ x: Tensor) -> Tensor {
    forward(x, fromLayer: 0)
  }

  /// Layers `first…` applied to `x` (the input of layer `first`).
  ///
  /// - Parameter x: `[batch, layers[first].inFeatures]`.
  /// - Returns: `[batch, sizes.last]`.
  func forward(_ x: Tensor, fromLayer first: Int) -> Tensor {
    var h = x
    for i in first..<layers.count {
      h = layers[i](h, activation: activations[i])
    }
    return h
  }
}
