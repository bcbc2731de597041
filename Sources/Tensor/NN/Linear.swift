import SeededRandom

/// A fully connected layer `y = x · W + b`.
public struct Linear: Layer {
  /// `[inFeatures, outFeatures]`.
  public var weight: Tensor
  /// `[outFeatures]`.
  public var bias: Tensor

  /// A layer with trainable parameters initialized from `rng`.
  ///
  /// - Parameters:
  ///   - initializer: for the weight `[inFeatures, outFeatures]`.
  ///   - biasInitializer: for the bias `[outFeatures]`; zeros by default.
  public init(
    inFeatures: Int, outFeatures: Int, initializer: Initializer = .glorotUniform,
    biasInitializer: Initializer = .zeros, rng: inout Xoshiro256
  ) {
    weight = .parameter(initializer.make(shape: [inFeatures, outFeatures], rng: &rng))
    bias = .parameter(biasInitializer.make(shape: [outFeatures], rng: &rng))
  }

  /// A layer from given tensors (used as they are: pass parameters to train them).
  ///
  /// - Parameters:
  ///   - weight: `[inFeatures, outFeatures]`.
  ///   - bias: `[outFeatures]`.
  public init(weight: Tensor, bias: Tensor) {
    precondition(
      weight.rank == 2 && bias.shape == [weight.shape[1]],
      "Linear: weight \(weight.shape) and bias \(bias.shape) do not match")
    self.weight = weight
    self.bias = bias
  }

  /// Input features.
  public var inFeatures: Int { weight.shape[0] }
  /// Output features.
  public var outFeatures: Int { weight.shape[1] }

  /// `x · W + b`.
  ///
  /// - Parameter x: `[batch, inFeatures]`.
  /// - Returns: `[batch, outFeatures]`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    callAsFunction(x, activation: .none)
  }

  /// `activation(x · W + b)`. Without any gradient-tracking input this runs one fused kernel
  /// (bias-prefilled `sgemm`/`sgemv` with β = 1, activation in place) and allocates one array.
  ///
  /// - Parameter x: `[batch, inFeatures]`.
  /// - Returns: `[batch, outFeatures]`.
  public func callAsFunction(_ x: Tensor, activation: Activation) -> Tensor {
    precondition(
      x.rank == 2 && x.shape[1] == weight.shape[0],
      "Linear: input \(x.shape) does not match weight \(weight.shape)")
    if x.requiresGradient || weight.requiresGradient || bias.requiresGradient {
      return activation(affine(x, weight, bias))
    }
    let batch = x.shape[0]
    let n = weight.shape[1]
    let values = [Float](unsafeUninitializedCapacity: batch * n) { out, initialized in
      x.scalars.withUnsafeBufferPointer { xp in
        guard let output = out.baseAddress else { return }  // batch · n == 0
        // With no input features x has no storage and is never read.
        self.infer(xp.baseAddress ?? UnsafePointer(output), rows: batch, into: output,
          activation: activation)
      }
      initialized = batch * n
    }
    return Tensor(unchecked: [batch, n], scalars: values)
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
