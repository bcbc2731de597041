import SeededRandom

/// A multilayer perceptron: `Linear` layers each followed by its own activation.
///
/// Parameters are named `"<layer index>.weight"` and `"<layer index>.bias"`.
public struct MLP: Layer {
  /// The layers, input first.
  public var layers: [Linear]
  /// One activation per layer (the last is the output activation).
  public var activations: [Activation]

  /// Builds layers `sizes[0] → sizes[1] → … → sizes.last`.
  ///
  /// - Parameters:
  ///   - sizes: feature counts, at least two, e.g. `[175, 256, 128, 32, 13]`.
  ///   - activation: after every hidden layer.
  ///   - outputActivation: after the last layer (e.g. `.positivePlusOne` for a positive head).
  ///   - initializer: for hidden-layer weights.
  ///   - outputInitializer: for the last weight; `initializer` when nil (PPO uses
  ///     `.orthogonal(gain: 0.01)` for policy heads).
  ///   - rng: the source of initial values.
  public init(
    sizes: [Int], activation: Activation = .relu, outputActivation: Activation = .none,
    initializer: Initializer = .glorotUniform, outputInitializer: Initializer? = nil,
    rng: inout Xoshiro256
  ) {
    precondition(sizes.count >= 2, "MLP: needs at least input and output sizes, got \(sizes)")
    var layers: [Linear] = []
    for i in 0..<(sizes.count - 1) {
      let isLast = i == sizes.count - 2
      layers.append(
        Linear(
          inFeatures: sizes[i], outFeatures: sizes[i + 1],
          initializer: isLast ? (outputInitializer ?? initializer) : initializer, rng: &rng))
    }
    self.layers = layers
    self.activations =
      Array(repeating: activation, count: sizes.count - 2) + [outputActivation]
  }

  /// An MLP from explicit layers and per-layer activations.
  public init(layers: [Linear], activations: [Activation]) {
    precondition(
      !layers.isEmpty && layers.count == activations.count,
      "MLP: \(layers.count) layers need as many activations, got \(activations.count)")
    for i in 1..<layers.count {
      precondition(
        layers[i - 1].outFeatures == layers[i].inFeatures,
        "MLP: layer \(i - 1) outputs \(layers[i - 1].outFeatures), "
          + "layer \(i) expects \(layers[i].inFeatures)")
    }
    self.layers = layers
    self.activations = activations
  }

  /// Applies every layer and its activation.
  ///
  /// - Parameter x: `[batch, sizes.first]`.
  /// - Returns: `[batch, sizes.last]`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    var h = x
    for i in layers.indices {
      h = layers[i](h, activation: activations[i])
    }
    return h
  }

  /// Visits `"i.weight"`, `"i.bias"` for each layer `i` in order.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    for (i, layer) in layers.enumerated() {
      layer.visitParameters { body("\(i).\($0)", $1) }
    }
  }

  /// Updates `"i.weight"`, `"i.bias"` for each layer `i` in order.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    for i in layers.indices {
      layers[i].updateParameters { body("\(i).\($0)", &$1) }
    }
  }
}
