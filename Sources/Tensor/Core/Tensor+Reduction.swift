// Reduction primitives: sum and max over axes.

extension Tensor {
  /// Normalized, sorted, unique axes.
  func normalizedAxes(_ axes: [Int]) -> [Int] {
    Set(axes.map { Tensor.normalizedAxis($0, rank: rank) }).sorted()
  }

  /// The shape after reducing `axes` (normalized) with or without kept dimensions.
  func reducedShape(_ axes: [Int], keepingDims: Bool) -> [Int] {
    var out: [Int] = []
    for (i, d) in shape.enumerated() {
      if axes.contains(i) {
        if keepingDims { out.append(1) }
      } else {
        out.append(d)
      }
    }
    return out
  }

  /// Sum over `axes` (negative axes count from the end). Primitive `.sum`.
  ///
  /// - Parameters:
  ///   - axes: the axes to reduce; an empty list returns the tensor unchanged.
  ///   - keepingDims: keep reduced axes with extent 1.
  public func sum(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
    let axes = normalizedAxes(axes)
    let kept = rawSum(axes: axes)
    let outShape = keepingDims ? kept.shape : reducedShape(axes, keepingDims: false)
    let out = Tensor(unchecked: outShape, scalars: kept.scalars)
    guard node != nil else { return out }
    let (inShape, keptShape) = (shape, kept.shape)
    return out.recording([self]) { g in
      [Tensor(unchecked: keptShape, scalars: g.scalars).broadcasted(toShape: inShape)]
    }
  }

  /// Sum of all elements as a rank-0 tensor.
  public func sum() -> Tensor {
    sum(alongAxes: Array(0..<rank))
  }

  /// Maximum over `axes` (negative axes count from the end). Primitive `.max`.
  ///
  /// The gradient is shared equally among tied maxima.
  ///
  /// - Precondition: every reduced axis has extent ≥ 1.
  public func max(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
    let axes = normalizedAxes(axes)
    var currentShape = shape
    var data = scalars
    for axis in axes.reversed() {
      precondition(currentShape[axis] > 0, "Tensor.max: empty axis \(axis) in \(shape)")
      let outer = elementCount(Array(currentShape[..<axis]))
      let inner = elementCount(Array(currentShape[(axis + 1)...]))
      data = Kernels.maxMiddle(data, outer: outer, n: currentShape[axis], inner: inner)
      currentShape[axis] = 1
    }
    let outShape = keepingDims ? currentShape : reducedShape(axes, keepingDims: false)
    let out = Tensor(unchecked: outShape, scalars: data)
    guard node != nil else { return out }
    let x = detached()
    let keptMax = Tensor(unchecked: currentShape, scalars: data)
    return out.recording([self]) { g in
      let m = keptMax.broadcasted(toShape: x.shape)
      let isMax = Tensor(
        unchecked: x.shape,
        scalars: Kernels.zip(x.scalars, m.scalars) {
          $0 == $1 ? 1 : 0
        })
      let ties = isMax.rawSum(axes: axes)
      let share = Tensor(unchecked: keptMax.shape, scalars: Kernels.zip(g.scalars, ties.scalars, /))
      return [share.broadcasted(toShape: x.shape) * isMax]
    }
  }

  /// Maximum of all elements as a rank-0 tensor.
  public func max() -> Tensor {
    max(alongAxes: Array(0..<rank))
  }
}
