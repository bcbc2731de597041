// Broadcasting shape rules and the one helper that reduces a gradient back to an input's shape.

extension Tensor {
  /// The NumPy broadcast of two shapes: right-aligned, each axis equal or one of them 1.
  ///
  /// - Precondition: the shapes are broadcast-compatible.
  @usableFromInline
  static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    if a == b { return a }
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      precondition(
        da == db || da == 1 || db == 1, "Tensor: shapes \(a) and \(b) do not broadcast")
      out[i] = da == 1 ? db : da
    }
    return out
  }

  /// Normalizes a possibly negative axis for a tensor of rank `rank`.
  @usableFromInline
  static func normalizedAxis(_ axis: Int, rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "Tensor: axis \(axis) out of range for rank \(rank)")
    return a
  }

  /// Sums this gradient over broadcast axes so that it has shape `target` (the shape of the
  /// input that was broadcast). This is the single place that undoes broadcasting.
  ///
  /// Leading axes missing from `target` and axes where `target` is 1 are summed. No graph.
  @usableFromInline
  func reduced(toShape target: [Int]) -> Tensor {
    if shape == target { return detached() }
    let lead = rank - target.count
    precondition(lead >= 0, "reduced(toShape:): \(shape) cannot reduce to \(target)")
    var axes = Array(0..<lead)
    for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 {
      axes.append(lead + i)
    }
    let summed = rawSum(axes: axes)
    return Tensor(unchecked: target, scalars: summed.scalars)
  }

  /// Sum over `axes` (normalized, any order) with kept dimensions; no graph. Consecutive axes
  /// are reduced in one pass.
  func rawSum(axes: [Int]) -> Tensor {
    var currentShape = shape
    var data = scalars
    let sorted = Set(axes).sorted(by: >)
    var i = 0
    while i < sorted.count {
      // Merge a run of consecutive axes [low ... high].
      let high = sorted[i]
      var low = high
      while i + 1 < sorted.count && sorted[i + 1] == low - 1 {
        low -= 1
        i += 1
      }
      i += 1
      let outer = elementCount(Array(currentShape[..<low]))
      let n = elementCount(Array(currentShape[low...high]))
      let inner = elementCount(Array(currentShape[(high + 1)...]))
      data = Kernels.sumMiddle(data, outer: outer, n: n, inner: inner)
      for axis in low...high { currentShape[axis] = 1 }
    }
    return Tensor(unchecked: currentShape, scalars: data)
  }

  /// The values broadcast (repeated) to `target`; no graph.
  @usableFromInline
  func broadcasted(toShape target: [Int]) -> Tensor {
    if shape == target { return detached() }
    let values = Kernels.broadcastZip(
      scalars, shape, [0], [], outShape: target
    ) { x, _ in x }
    return Tensor(unchecked: target, scalars: values)
  }

  /// Elementwise sum of equally shaped tensors; no graph (gradient accumulation).
  @usableFromInline
  func adding(_ other: Tensor) -> Tensor {
    precondition(shape == other.shape, "adding: \(shape) != \(other.shape)")
    return Tensor(unchecked: shape, scalars: Kernels.zip(scalars, other.scalars, +))
  }

  /// Every element times `factor`; no graph.
  @usableFromInline
  func scaled(by factor: Float) -> Tensor {
    Tensor(unchecked: shape, scalars: Kernels.map(scalars) { $0 * factor })
  }
}
