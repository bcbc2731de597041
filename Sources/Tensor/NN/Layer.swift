/// A model whose parameters can be visited in a fixed order under stable names.
///
/// Optimizers and checkpoints reach parameters only through these two methods (no reflection).
/// Names are dot-separated paths such as `"0.weight"`; a model that nests others prefixes their
/// names (`"actor.0.weight"`). Both methods must visit the same parameters in the same order.
public protocol ParameterVisitable: Sendable {
  /// Calls `body(name, parameter)` for every parameter, in a fixed order.
  func visitParameters(_ body: (String, Tensor) -> Void)
  /// Calls `body(name, &parameter)` for every parameter, in the same order as
  /// `visitParameters`, letting the caller replace values (keep the shape).
  mutating func updateParameters(_ body: (String, inout Tensor) -> Void)
}

/// A differentiable layer: a struct called like a function.
public protocol Layer: ParameterVisitable {
  /// Applies the layer.
  ///
  /// - Parameter x: `[batch, inFeatures]` (see each layer).
  func callAsFunction(_ x: Tensor) -> Tensor
}

extension ParameterVisitable {
  /// A copy whose parameters are detached snapshots (no identity, no graph): calling it
  /// records no graph. Use for old-policy and target networks and for publishing weights.
  public func detached() -> Self {
    var copy = self
    copy.updateParameters { _, p in p = p.detached() }
    return copy
  }

  /// A copy whose parameters are fresh, independent trainable parameters (new identities)
  /// with the same values.
  public func withNewParameterIdentities() -> Self {
    var copy = self
    copy.updateParameters { _, p in p = .parameter(p) }
    return copy
  }

  /// The parameters as `(name, tensor)` pairs in visiting order.
  public var namedParameters: [(name: String, tensor: Tensor)] {
    var result: [(name: String, tensor: Tensor)] = []
    visitParameters { result.append((name: $0, tensor: $1)) }
    return result
  }

  /// The total number of scalars over all parameters.
  public var parameterCount: Int {
    var n = 0
    visitParameters { n += $1.scalarCount }
    return n
  }

  /// Copies the values of `source`'s parameters into this model's (matched by name), keeping
  /// this model's parameter identities. Used to sync target/old-policy networks.
  ///
  /// - Precondition: both models have the same parameter names and shapes.
  public mutating func assignParameters(from source: Self) {
    var values: [String: Tensor] = [:]
    source.visitParameters { values[$0] = $1 }
    updateParameters { name, p in
      guard let v = values[name] else { preconditionFailure("assignParameters: no \(name)") }
      p.assign(v)
    }
  }
}
