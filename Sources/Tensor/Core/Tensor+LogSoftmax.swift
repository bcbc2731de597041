#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Fused, numerically stable log-softmax primitive.

extension Tensor {
  /// `x - max(x) - log(Σ exp(x - max(x)))` along `axis` (default: last). Primitive `.logSoftmax`.
  ///
  /// Subtracting the maximum keeps `exp` from overflowing; fully masked rows (all `-inf`) are not
  /// supported — mask with a large negative finite number instead.
  public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
    let axis = Tensor.normalizedAxis(axis, rank: rank)
    let outer = elementCount(Array(shape[..<axis]))
    let n = shape[axis]
    let inner = elementCount(Array(shape[(axis + 1)...]))
    let count = scalarCount
    let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      scalars.withUnsafeBufferPointer { xp in
        for o in 0..<outer {
          for i in 0..<inner {
            let base = o * n * inner + i
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, xp[base + j * inner]) }
            var s: Float = 0
            for j in 0..<n { s += expf(xp[base + j * inner] - m) }
            // (x − m) − log s, not x − (m + log s): the latter loses digits for large logits.
            let logSum = logf(s)
            for j in 0..<n { out[base + j * inner] = (xp[base + j * inner] - m) - logSum }
          }
        }
      }
      initialized = count
    }
    let out = Tensor(unchecked: shape, scalars: values)
    guard node != nil else { return out }
    let y = out.detached()
    return out.recording([self]) { g in
      // d/dx: g - softmax(x) · Σ_axis g.
      var grad = [Float](repeating: 0, count: count)
      grad.withUnsafeMutableBufferPointer { gp in
        g.scalars.withUnsafeBufferPointer { gin in
          y.scalars.withUnsafeBufferPointer { yp in
            for o in 0..<outer {
              for i in 0..<inner {
                let base = o * n * inner + i
                var s: Float = 0
                for j in 0..<n { s += gin[base + j * inner] }
                for j in 0..<n {
                  let k = base + j * inner
                  gp[k] = gin[k] - expf(yp[k]) * s
                }
              }
            }
          }
        }
      }
      return [Tensor(unchecked: y.shape, scalars: grad)]
    }
  }
}
