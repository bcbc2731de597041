// Shape and indexing primitives: reshape, transpose, concatenate, slice, gather, scatter-add.

extension Tensor {
  // MARK: reshape

  /// The same scalars with a new shape; one extent may be `-1` (inferred). Primitive `.reshape`.
  public func reshaped(to newShape: [Int]) -> Tensor {
    var target = newShape
    if let inferred = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) {
        $0 * $1.element
      }
      precondition(
        known > 0 && scalarCount % known == 0, "reshaped: cannot infer \(newShape) from \(shape)")
      target[inferred] = scalarCount / known
    }
    precondition(
      target.allSatisfy { $0 >= 0 } && elementCount(target) == scalarCount,
      "reshaped: \(shape) (\(scalarCount) scalars) cannot become \(newShape)")
    let out = Tensor(unchecked: target, scalars: scalars)
    guard node != nil else { return out }
    let inShape = shape
    return out.recording([self]) { g in [Tensor(unchecked: inShape, scalars: g.scalars)] }
  }

  // MARK: transpose

  /// The transpose of a 2-D tensor `[r, c]` → `[c, r]`. Primitive `.transpose`.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed: needs a 2-D tensor, got \(shape)")
    let out = Tensor(
      unchecked: [shape[1], shape[0]],
      scalars: Tensor.transposeKernel(scalars, rows: shape[0], cols: shape[1]))
    guard node != nil else { return out }
    return out.recording([self]) { g in [g.transposed()] }
  }

  /// Row-major transpose of `x[rows, cols]`.
  static func transposeKernel(_ x: [Float], rows: Int, cols: Int) -> [Float] {
    let count = rows * cols
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.withUnsafeBufferPointer { xp in
        // 32×32 tiles keep both access patterns cache-friendly.
        let tile = 32
        var r0 = 0
        while r0 < rows {
          let r1 = Swift.min(r0 + tile, rows)
          var c0 = 0
          while c0 < cols {
            let c1 = Swift.min(c0 + tile, cols)
            for r in r0..<r1 {
              for c in c0..<c1 { out[c * rows + r] = xp[r * cols + c] }
            }
            c0 = c1
          }
          r0 = r1
        }
      }
      initialized = count
    }
  }

  // MARK: concatenate

  /// Joins tensors along `axis` (negative counts from the end); all other extents must agree.
  /// Primitive `.concatenate`.
  public init(concatenating tensors: [Tensor], alongAxis axis: Int = 0) {
    precondition(!tensors.isEmpty, "Tensor(concatenating:): no tensors")
    let first = tensors[0]
    let axis = Tensor.normalizedAxis(axis, rank: first.rank)
    for t in tensors {
      precondition(
        t.rank == first.rank
          && t.shape.enumerated().allSatisfy {
            $0.offset == axis || $0.element == first.shape[$0.offset]
          },
        "Tensor(concatenating:): shape \(t.shape) does not match \(first.shape) off axis \(axis)")
    }
    let outer = elementCount(Array(first.shape[..<axis]))
    let inner = elementCount(Array(first.shape[(axis + 1)...]))
    let extents = tensors.map { $0.shape[axis] }
    let total = extents.reduce(0, +)
    var outShape = first.shape
    outShape[axis] = total
    let count = outer * total * inner
    let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      var offset = 0
      for (t, extent) in zip(tensors, extents) {
        let chunk = extent * inner
        t.scalars.withUnsafeBufferPointer { tp in
          for o in 0..<outer {
            let dst = out.baseAddress! + o * total * inner + offset
            if chunk > 0 { dst.update(from: tp.baseAddress! + o * chunk, count: chunk) }
          }
        }
        offset += chunk
      }
      initialized = count
    }
    let out = Tensor(unchecked: outShape, scalars: values)
    guard tensors.contains(where: { $0.node != nil }) else {
      self = out
      return
    }
    let needs = tensors.map { $0.node != nil }
    self = out.recording(tensors) { g in
      var grads: [Tensor?] = []
      var start = 0
      for (need, extent) in zip(needs, extents) {
        grads.append(need ? g.rawSlice(axis: axis, range: start..<(start + extent)) : nil)
        start += extent
      }
      return grads
    }
  }

  // MARK: slice

  /// The sub-tensor `lowerBounds[i] ..< upperBounds[i]` on every axis. Primitive `.slice`.
  public func slice(lowerBounds: [Int], upperBounds: [Int]) -> Tensor {
    precondition(
      lowerBounds.count == rank && upperBounds.count == rank
        && (0..<rank).allSatisfy {
          0 <= lowerBounds[$0] && lowerBounds[$0] <= upperBounds[$0] && upperBounds[$0] <= shape[$0]
        },
      "slice: bounds \(lowerBounds)..<\(upperBounds) invalid for shape \(shape)")
    let out = Tensor.copyBox(
      from: self, lower: lowerBounds, extents: zip(lowerBounds, upperBounds).map { $1 - $0 })
    guard node != nil else { return out }
    let inShape = shape
    return out.recording([self]) { g in
      [Tensor.embed(g, into: inShape, at: lowerBounds)]
    }
  }

  /// Rows `range` along axis 0 (same primitive as `slice(lowerBounds:upperBounds:)`).
  public func slice(rows range: Range<Int>) -> Tensor {
    precondition(rank >= 1, "slice(rows:): needs rank >= 1")
    var lower = [Int](repeating: 0, count: rank)
    var upper = shape
    lower[0] = range.lowerBound
    upper[0] = range.upperBound
    return slice(lowerBounds: lower, upperBounds: upper)
  }

  /// Slice along one axis without graph (concatenate's pullback).
  func rawSlice(axis: Int, range: Range<Int>) -> Tensor {
    var lower = [Int](repeating: 0, count: rank)
    var extents = shape
    lower[axis] = range.lowerBound
    extents[axis] = range.count
    return Tensor.copyBox(from: self, lower: lower, extents: extents)
  }

  /// Copies the box at `lower` with `extents` out of `source`; no graph.
  static func copyBox(from source: Tensor, lower: [Int], extents: [Int]) -> Tensor {
    let count = elementCount(extents)
    let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      source.scalars.withUnsafeBufferPointer { sp in
        boxWalk(shape: source.shape, lower: lower, extents: extents) { src, dst, run in
          (out.baseAddress! + dst).update(from: sp.baseAddress! + src, count: run)
        }
      }
      initialized = count
    }
    return Tensor(unchecked: extents, scalars: values)
  }

  /// Zeros of `shape` with `box` written at `lower`; no graph (slice's pullback).
  static func embed(_ box: Tensor, into shape: [Int], at lower: [Int]) -> Tensor {
    var values = [Float](repeating: 0, count: elementCount(shape))
    values.withUnsafeMutableBufferPointer { op in
      box.scalars.withUnsafeBufferPointer { bp in
        boxWalk(shape: shape, lower: lower, extents: box.shape) { big, small, run in
          (op.baseAddress! + big).update(from: bp.baseAddress! + small, count: run)
        }
      }
    }
    return Tensor(unchecked: shape, scalars: values)
  }

  /// Visits a box inside a row-major array of `shape` as contiguous runs along the last axis:
  /// `body(offsetInLarge, offsetInBox, runLength)`.
  static func boxWalk(
    shape: [Int], lower: [Int], extents: [Int], _ body: (Int, Int, Int) -> Void
  ) {
    let rank = shape.count
    let total = elementCount(extents)
    if total == 0 { return }
    if rank == 0 {
      body(0, 0, 1)
      return
    }
    var strides = [Int](repeating: 1, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    let run = extents[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var small = 0
    while small < total {
      var big = 0
      for axis in 0..<rank { big += (lower[axis] + index[axis]) * strides[axis] }
      body(big, small, run)
      small += run
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < extents[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
  }

  // MARK: gather / scatter-add

  /// `out[i] = self[indices[i]]` along axis 0. Primitive `.gather`.
  ///
  /// - Parameter indices: row indices into `self` (`[rows, ...]`), repeats allowed.
  /// - Returns: `[indices.count, ...]`.
  public func gathering(rows indices: [Int]) -> Tensor {
    precondition(rank >= 1, "gathering(rows:): needs rank >= 1")
    let rows = shape[0]
    precondition(
      indices.allSatisfy { $0 >= 0 && $0 < rows },
      "gathering(rows:): an index is outside 0..<\(rows)")
    let out = Tensor.gatherKernel(self, indices)
    guard node != nil else { return out }
    return out.recording([self]) { g in [Tensor.scatterKernel(g, indices, count: rows)] }
  }

  /// Segment sum along axis 0: `out[indices[i]] += self[i]`, `out` has `count` rows.
  /// Primitive `.scatterAdd`.
  ///
  /// - Parameters:
  ///   - indices: one destination row per row of `self` (`indices.count == shape[0]`).
  ///   - count: rows of the result.
  public func scatterAdding(rows indices: [Int], count: Int) -> Tensor {
    precondition(
      rank >= 1 && indices.count == shape[0],
      "scatterAdding(rows:): \(indices.count) indices for shape \(shape)")
    precondition(
      indices.allSatisfy { $0 >= 0 && $0 < count },
      "scatterAdding(rows:): an index is outside 0..<\(count)")
    let out = Tensor.scatterKernel(self, indices, count: count)
    guard node != nil else { return out }
    return out.recording([self]) { g in [Tensor.gatherKernel(g, indices)] }
  }

  static func gatherKernel(_ x: Tensor, _ indices: [Int]) -> Tensor {
    let width = x.shape[0] == 0 ? 0 : x.scalarCount / x.shape[0]
    let count = indices.count * width
    let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.scalars.withUnsafeBufferPointer { xp in
        for (i, row) in indices.enumerated() where width > 0 {
          (out.baseAddress! + i * width).update(from: xp.baseAddress! + row * width, count: width)
        }
      }
      initialized = count
    }
    var shape = x.shape
    shape[0] = indices.count
    return Tensor(unchecked: shape, scalars: values)
  }

  static func scatterKernel(_ x: Tensor, _ indices: [Int], count rows: Int) -> Tensor {
    let width =
      x.shape[0] == 0 ? elementCount(Array(x.shape.dropFirst())) : x.scalarCount / x.shape[0]
    var values = [Float](repeating: 0, count: rows * width)
    values.withUnsafeMutableBufferPointer { op in
      x.scalars.withUnsafeBufferPointer { xp in
        for (i, row) in indices.enumerated() {
          let dst = row * width
          let src = i * width
          for j in 0..<width { op[dst + j] += xp[src + j] }
        }
      }
    }
    var shape = x.shape
    shape[0] = rows
    return Tensor(unchecked: shape, scalars: values)
  }
}
