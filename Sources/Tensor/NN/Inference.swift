// Gradient-free forward passes on raw buffers: the acting path of agents (batch-1 decisions,
// GNN inference), where a `Tensor` per layer would cost two heap allocations each.

/// Reusable memory for gradient-free forward passes (`Linear.infer`, `MLP.infer`).
///
/// The buffer grows to the largest size asked for and is then reused, so a warm inference loop
/// allocates nothing. Give each acting thread its own scratch (it is a value; copies share
/// storage only until one of them writes).
public struct InferenceScratch: Sendable {
  @usableFromInline var storage: [Float]

  /// A scratch that already holds `capacity` floats.
  public init(capacity: Int = 0) {
    precondition(capacity >= 0, "InferenceScratch: capacity must be ≥ 0, got \(capacity)")
    storage = [Float](repeating: 0, count: capacity)
  }

  /// Floats available without growing.
  public var capacity: Int { storage.count }

  /// Calls `body` with `count` floats of scratch memory (contents unspecified), growing the
  /// storage first if it is smaller.
  @inlinable
  public mutating func withBuffer<R>(
    count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    precondition(count >= 0, "InferenceScratch: count must be ≥ 0, got \(count)")
    if storage.count < count { storage = [Float](repeating: 0, count: count) }
    return try storage.withUnsafeMutableBufferPointer { all in
      try body(UnsafeMutableBufferPointer(rebasing: all[0..<count]))
    }
  }
}

extension Linear {
  /// `activation(x · W + b)` on raw rows, with no graph and no allocation: the values of the
  /// parameters are used as they are, whether or not they track gradients.
  ///
  /// - Parameters:
  ///   - x: `rows × inFeatures` floats, row-major.
  ///   - rows: the batch size (≥ 0).
  ///   - y: room for `rows × outFeatures` floats; must not overlap `x`.
  ///   - activation: applied in place after the affine map.
  public func infer(
    _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
    activation: Activation
  ) {
    inferBlock(x, rows: rows, weightRows: 0..<weight.shape[0], addingBias: true, into: y)
    activation.apply(inPlace: UnsafeMutableBufferPointer(start: y, count: rows * outFeatures))
  }

  /// `x · W[weightRows, :]`, plus `b` when `addingBias`, on raw rows with no graph and no
  /// allocation: the contribution of one block of input features, for a layer whose input is a
  /// concatenation (`[u, v]·W = u·W_u + v·W_v`) whose blocks are cheaper to transform apart.
  ///
  /// - Parameters:
  ///   - x: `rows × weightRows.count` floats, row-major.
  ///   - weightRows: the input features this block covers, within `0..<inFeatures`.
  ///   - y: room for `rows × outFeatures` floats, overwritten; must not overlap `x`.
  public func inferBlock(
    _ x: UnsafePointer<Float>, rows: Int, weightRows: Range<Int>, addingBias: Bool,
    into y: UnsafeMutablePointer<Float>
  ) {
    precondition(
      weightRows.lowerBound >= 0 && weightRows.upperBound <= weight.shape[0],
      "Linear.inferBlock: rows \(weightRows) outside 0..<\(weight.shape[0])")
    let (k, n) = (weightRows.count, weight.shape[1])
    let count = rows * n
    guard count > 0 else { return }
    if addingBias {
      bias.scalars.withUnsafeBufferPointer { bp in
        for r in 0..<rows { (y + r * n).update(from: bp.baseAddress!, count: n) }
      }
    } else {
      y.update(repeating: 0, count: count)
    }
    if k > 0 {
      weight.scalars.withUnsafeBufferPointer { wp in
        BLASKernels.gemm(
          x, transposeA: false, wp.baseAddress! + weightRows.lowerBound * n, transposeB: false,
          y, m: rows, n: n, k: k, beta: 1)
      }
    }
  }
}

extension MLP {
  /// Floats of scratch that `infer(_:rows:into:hidden:fromLayer:)` needs for `rows` rows: two
  /// ping-pong buffers of the widest hidden layer after `first`.
  public func inferenceScratchCount(rows: Int, fromLayer first: Int = 0) -> Int {
    var widest = 0
    guard first < layers.count - 1 else { return 0 }
    for i in first..<(layers.count - 1) { widest = Swift.max(widest, layers[i].outFeatures) }
    return 2 * rows * widest
  }

  /// Layers `first…` with their activations on raw rows, with no graph and no allocation (the
  /// same function as `callAsFunction` on detached parameters).
  ///
  /// - Parameters:
  ///   - x: `rows × layers[first].inFeatures` floats, row-major.
  ///   - rows: the batch size.
  ///   - y: room for `rows × layers.last.outFeatures` floats.
  ///   - hidden: at least `inferenceScratchCount(rows:fromLayer:)` floats for hidden layers;
  ///     none of the three buffers may overlap.
  ///   - first: the first layer to apply.
  public func infer(
    _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
    hidden: UnsafeMutableBufferPointer<Float>, fromLayer first: Int = 0
  ) {
    precondition(
      first >= 0 && first < layers.count, "MLP.infer: no layer \(first) in \(layers.count)")
    let half = inferenceScratchCount(rows: rows, fromLayer: first) / 2
    precondition(
      hidden.count >= 2 * half, "MLP.infer: needs \(2 * half) scratch floats, got \(hidden.count)")
    var source = x
    for i in first..<layers.count {
      let target = i == layers.count - 1 ? y : hidden.baseAddress! + ((i - first) % 2) * half
      layers[i].infer(source, rows: rows, into: target, activation: activations[i])
      source = UnsafePointer(target)
    }
  }

  /// Layers `first…` on `rows` rows of `x`, hidden activations in `scratch`; allocation-free
  /// once `scratch` has grown to `inferenceScratchCount(rows:fromLayer:)`.
  ///
  /// - Parameters:
  ///   - x: `rows × layers[first].inFeatures` floats.
  ///   - y: `rows × layers.last.outFeatures` floats, overwritten.
  public func infer(
    _ x: UnsafeBufferPointer<Float>, rows: Int, into y: UnsafeMutableBufferPointer<Float>,
    scratch: inout InferenceScratch, fromLayer first: Int = 0
  ) {
    precondition(
      x.count == rows * layers[first].inFeatures
        && y.count == rows * layers[layers.count - 1].outFeatures,
      "MLP.infer: \(x.count) inputs and \(y.count) outputs do not fit \(rows) rows of "
        + "\(layers[first].inFeatures) → \(layers[layers.count - 1].outFeatures)")
    guard rows > 0 else { return }
    scratch.withBuffer(count: inferenceScratchCount(rows: rows, fromLayer: first)) { hidden in
      infer(x.baseAddress!, rows: rows, into: y.baseAddress!, hidden: hidden, fromLayer: first)
    }
  }
}
