// Raw loops over buffer pointers. No graphs, no shapes beyond the integers passed in.

/// Elementwise and reduction kernels used by the primitives and their pullbacks.
@usableFromInline
enum Kernels {
  /// `out[i] = f(x[i])`.
  @inline(__always) @usableFromInline
  static func map(_ x: [Float], _ f: (Float) -> Float) -> [Float] {
    let count = x.count
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.withUnsafeBufferPointer { xp in
        for i in 0..<count { out[i] = f(xp[i]) }
      }
      initialized = count
    }
  }

  /// `out[i] = f(a[i], b[i])` for equally long `a` and `b`.
  @inline(__always) @usableFromInline
  static func zip(_ a: [Float], _ b: [Float], _ f: (Float, Float) -> Float) -> [Float] {
    let count = a.count
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          for i in 0..<count { out[i] = f(ap[i], bp[i]) }
        }
      }
      initialized = count
    }
  }

  /// `out[i] = f(a[i], b[i], c[i])` for equally long inputs.
  @inline(__always)
  static func zip3(
    _ a: [Float], _ b: [Float], _ c: [Float], _ f: (Float, Float, Float) -> Float
  ) -> [Float] {
    let count = a.count
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          c.withUnsafeBufferPointer { cp in
            for i in 0..<count { out[i] = f(ap[i], bp[i], cp[i]) }
          }
        }
      }
      initialized = count
    }
  }

  /// Applies `f` with NumPy broadcasting of `a` (shape `aShape`) and `b` (shape `bShape`) to
  /// `outShape` (already validated).
  @inline(__always)
  static func broadcastZip(
    _ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int], outShape: [Int],
    _ f: (Float, Float) -> Float
  ) -> [Float] {
    let count = elementCount(outShape)
    if aShape == bShape && a.count == count { return zip(a, b, f) }
    if b.count == 1 && a.count == count {
      let bv = b[0]
      return map(a) { f($0, bv) }
    }
    if a.count == 1 && b.count == count {
      let av = a[0]
      return map(b) { f(av, $0) }
    }
    // Row broadcast (e.g. [batch, n] + [n]): one operand repeats over the other's rows.
    if a.count == count && b.count > 0 && isTrailing(bShape, of: outShape) {
      return rowZip(a, b, f)
    }
    if b.count == count && a.count > 0 && isTrailing(aShape, of: outShape) {
      return rowZip(b, a) { f($1, $0) }
    }
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          broadcastLoop(
            ap, aShape, bp, bShape, outShape: outShape, out: out.baseAddress!, f)
        }
      }
      initialized = count
    }
  }

  /// The strided broadcast loop: the innermost axis runs as a tight loop, outer axes via an
  /// index counter.
  @inline(__always)
  static func broadcastLoop(
    _ a: UnsafeBufferPointer<Float>, _ aShape: [Int], _ b: UnsafeBufferPointer<Float>,
    _ bShape: [Int], outShape: [Int], out: UnsafeMutablePointer<Float>,
    _ f: (Float, Float) -> Float
  ) {
    let rank = outShape.count
    let count = elementCount(outShape)
    if count == 0 { return }
    let aStrides = broadcastStrides(aShape, toRank: rank)
    let bStrides = broadcastStrides(bShape, toRank: rank)
    let inner = rank == 0 ? 1 : outShape[rank - 1]
    let aInner = rank == 0 ? 0 : aStrides[rank - 1]
    let bInner = rank == 0 ? 0 : bStrides[rank - 1]
    var indexCounter = [Int](repeating: 0, count: max(rank, 1))
    var aBase = 0
    var bBase = 0
    var o = 0
    while o < count {
      var ai = aBase
      var bi = bBase
      for j in 0..<inner {
        out[o + j] = f(a[ai], b[bi])
        ai += aInner
        bi += bInner
      }
      o += inner
      // Advance the outer index (axes rank-2 ... 0).
      var axis = rank - 2
      while axis >= 0 {
        indexCounter[axis] += 1
        aBase += aStrides[axis]
        bBase += bStrides[axis]
        if indexCounter[axis] < outShape[axis] { break }
        aBase -= aStrides[axis] * outShape[axis]
        bBase -= bStrides[axis] * outShape[axis]
        indexCounter[axis] = 0
        axis -= 1
      }
    }
  }

  /// Row-major strides of `shape` right-aligned to `rank` axes, 0 on broadcast (size-1 or
  /// missing) axes.
  static func broadcastStrides(_ shape: [Int], toRank rank: Int) -> [Int] {
    var strides = [Int](repeating: 0, count: rank)
    var step = 1
    let offset = rank - shape.count
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis + offset] = shape[axis] == 1 ? 0 : step
      step *= shape[axis]
    }
    return strides
  }

  /// Sums `x` viewed as `[outer, n, inner]` over the middle axis → `[outer, inner]`.
  static func sumMiddle(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    let count = outer * inner
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.withUnsafeBufferPointer { xp in
        if inner == 1 {
          for o in 0..<outer {
            var s: Float = 0
            let base = o * n
            for j in 0..<n { s += xp[base + j] }
            out[o] = s
          }
        } else {
          // Whole rows at a time through raw pointers, so the inner loop vectorizes.
          guard let source = xp.baseAddress, let target = out.baseAddress else { return }
          for o in 0..<outer {
            let row = target + o * inner
            row.initialize(repeating: 0, count: inner)
            for j in 0..<n {
              let values = source + (o * n + j) * inner
              for i in 0..<inner { row[i] += values[i] }
            }
          }
        }
      }
      initialized = count
    }
  }

  /// Maxima of `x` viewed as `[outer, n, inner]` over the middle axis (`n >= 1`).
  static func maxMiddle(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    let count = outer * inner
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.withUnsafeBufferPointer { xp in
        for o in 0..<outer {
          let dst = o * inner
          let first = o * n * inner
          for i in 0..<inner { out[dst + i] = xp[first + i] }
          for j in 1..<max(n, 1) {
            let src = (o * n + j) * inner
            for i in 0..<inner { out[dst + i] = Swift.max(out[dst + i], xp[src + i]) }
          }
        }
      }
      initialized = count
    }
  }

  /// True when `shape`, without leading 1s, equals the trailing axes of `outShape`.
  static func isTrailing(_ shape: [Int], of outShape: [Int]) -> Bool {
    let trimmed = shape.drop { $0 == 1 }
    guard trimmed.count <= outShape.count else { return false }
    return trimmed.elementsEqual(outShape.suffix(trimmed.count))
  }

  /// `out[r, j] = f(full[r, j], row[j])`, `full` viewed as `[full.count / row.count, row.count]`.
  @inline(__always)
  static func rowZip(_ full: [Float], _ row: [Float], _ f: (Float, Float) -> Float) -> [Float] {
    let width = row.count
    let count = full.count
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      full.withUnsafeBufferPointer { ap in
        row.withUnsafeBufferPointer { bp in
          var base = 0
          while base < count {
            for j in 0..<width { out[base + j] = f(ap[base + j], bp[j]) }
            base += width
          }
        }
      }
      initialized = count
    }
  }
}
