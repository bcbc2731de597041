#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Elementwise primitives. Each one: the forward kernel call and, right below it, the pullback.
// Binary ops broadcast with NumPy rules and reduce gradients through `reduced(toShape:)`.

extension Tensor {
  /// Forward of a broadcasting binary op; no graph.
  @inline(__always)
  static func binaryForward(
    _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float
  ) -> Tensor {
    let outShape = broadcastShape(a.shape, b.shape)
    let values = Kernels.broadcastZip(a.scalars, a.shape, b.scalars, b.shape, outShape: outShape, f)
    return Tensor(unchecked: outShape, scalars: values)
  }

  // MARK: add, subtract

  /// Elementwise sum with broadcasting. Primitive `.add`.
  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = binaryForward(lhs, rhs, +)
    guard lhs.node != nil || rhs.node != nil else { return out }
    let (aShape, bShape) = (lhs.shape, rhs.shape)
    let (needA, needB) = (lhs.node != nil, rhs.node != nil)
    return out.recording([lhs, rhs]) { g in
      [needA ? g.reduced(toShape: aShape) : nil, needB ? g.reduced(toShape: bShape) : nil]
    }
  }

  /// Elementwise difference with broadcasting. Primitive `.subtract`.
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = binaryForward(lhs, rhs, -)
    guard lhs.node != nil || rhs.node != nil else { return out }
    let (aShape, bShape) = (lhs.shape, rhs.shape)
    let (needA, needB) = (lhs.node != nil, rhs.node != nil)
    return out.recording([lhs, rhs]) { g in
      [
        needA ? g.reduced(toShape: aShape) : nil,
        needB ? g.reduced(toShape: bShape).scaled(by: -1) : nil,
      ]
    }
  }

  // MARK: multiply, divide

  /// Elementwise product with broadcasting. Primitive `.multiply`.
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = binaryForward(lhs, rhs, *)
    guard lhs.node != nil || rhs.node != nil else { return out }
    let (a, b) = (lhs.detached(), rhs.detached())
    let (needA, needB) = (lhs.node != nil, rhs.node != nil)
    return out.recording([lhs, rhs]) { g in
      [
        needA ? (g * b).reduced(toShape: a.shape) : nil,
        needB ? (g * a).reduced(toShape: b.shape) : nil,
      ]
    }
  }

  /// Elementwise quotient with broadcasting. Primitive `.divide`.
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = binaryForward(lhs, rhs, /)
    guard lhs.node != nil || rhs.node != nil else { return out }
    let (b, quotient) = (rhs.detached(), out.detached())
    let aShape = lhs.shape
    let (needA, needB) = (lhs.node != nil, rhs.node != nil)
    return out.recording([lhs, rhs]) { g in
      // d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b.
      let gOverB = g / b
      return [
        needA ? gOverB.reduced(toShape: aShape) : nil,
        needB ? (gOverB * quotient).reduced(toShape: b.shape).scaled(by: -1) : nil,
      ]
    }
  }

  // MARK: scalar forms (same primitives, constant operand)

  /// Adds a constant to every element (primitive `.add` with a constant operand).
  public static func + (lhs: Tensor, rhs: Float) -> Tensor {
    let out = Tensor(unchecked: lhs.shape, scalars: Kernels.map(lhs.scalars) { $0 + rhs })
    guard lhs.node != nil else { return out }
    return out.recording([lhs]) { g in [g] }
  }

  /// Adds a constant to every element.
  public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }

  /// Subtracts a constant from every element.
  public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }

  /// `lhs - x` for every element `x` (primitive `.subtract` with a constant operand).
  public static func - (lhs: Float, rhs: Tensor) -> Tensor {
    let out = Tensor(unchecked: rhs.shape, scalars: Kernels.map(rhs.scalars) { lhs - $0 })
    guard rhs.node != nil else { return out }
    return out.recording([rhs]) { g in [g.scaled(by: -1)] }
  }

  /// Multiplies every element by a constant (primitive `.multiply` with a constant operand).
  public static func * (lhs: Tensor, rhs: Float) -> Tensor {
    let out = lhs.scaled(by: rhs)
    guard lhs.node != nil else { return out }
    return out.recording([lhs]) { g in [g.scaled(by: rhs)] }
  }

  /// Multiplies every element by a constant.
  public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

  /// Divides every element by a constant.
  public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }

  /// `lhs / x` for every element `x` (primitive `.divide` with a constant numerator).
  public static func / (lhs: Float, rhs: Tensor) -> Tensor {
    let out = Tensor(unchecked: rhs.shape, scalars: Kernels.map(rhs.scalars) { lhs / $0 })
    guard rhs.node != nil else { return out }
    let (x, quotient) = (rhs.detached(), out.detached())
    return out.recording([rhs]) { g in
      [
        Tensor(
          unchecked: x.shape,
          scalars: Kernels.zip3(g.scalars, quotient.scalars, x.scalars) {
            -$0 * $1 / $2
          })
      ]
    }
  }

  // MARK: negate

  /// Elementwise negation. Primitive `.negate`.
  public static prefix func - (x: Tensor) -> Tensor {
    let out = x.scaled(by: -1)
    guard x.node != nil else { return out }
    return out.recording([x]) { g in [g.scaled(by: -1)] }
  }

  // MARK: unary math

  /// Elementwise `e^x`. Primitive `.exp`.
  public func exp() -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { cExpf($0) })
    guard node != nil else { return out }
    let y = out.detached()
    return out.recording([self]) { g in [g * y] }
  }

  /// Elementwise natural logarithm. Primitive `.log`.
  public func log() -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { cLogf($0) })
    guard node != nil else { return out }
    let x = detached()
    return out.recording([self]) { g in [g / x] }
  }

  /// Elementwise square root. Primitive `.sqrt`.
  public func sqrt() -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { $0.squareRoot() })
    guard node != nil else { return out }
    let y = out.detached()
    return out.recording([self]) { g in
      [Tensor(unchecked: y.shape, scalars: Kernels.zip(g.scalars, y.scalars) { 0.5 * $0 / $1 })]
    }
  }

  /// Elementwise hyperbolic tangent. Primitive `.tanh`.
  public func tanh() -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { cTanhf($0) })
    guard node != nil else { return out }
    let y = out.detached()
    return out.recording([self]) { g in
      [
        Tensor(
          unchecked: y.shape, scalars: Kernels.zip(g.scalars, y.scalars) { $0 * (1 - $1 * $1) })
      ]
    }
  }

  /// Elementwise `max(x, 0)`. Primitive `.relu`.
  public func relu() -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { $0 > 0 ? $0 : 0 })
    guard node != nil else { return out }
    let x = detached()
    return out.recording([self]) { g in
      [Tensor(unchecked: x.shape, scalars: Kernels.zip(g.scalars, x.scalars) { $1 > 0 ? $0 : 0 })]
    }
  }

  /// Elementwise `x > 0 ? x : alpha * x`. Primitive `.leakyRelu`.
  public func leakyRelu(alpha: Float = 0.01) -> Tensor {
    let out = Tensor(unchecked: shape, scalars: Kernels.map(scalars) { $0 > 0 ? $0 : alpha * $0 })
    guard node != nil else { return out }
    let x = detached()
    return out.recording([self]) { g in
      [
        Tensor(
          unchecked: x.shape,
          scalars: Kernels.zip(g.scalars, x.scalars) {
            $1 > 0 ? $0 : alpha * $0
          })
      ]
    }
  }

  // MARK: select

  /// `condition ? a : b` elementwise (NumPy `where`); `a` and `b` broadcast to
  /// `condition`'s shape. Primitive `.select`.
  ///
  /// - Parameters:
  ///   - condition: a mask; nonzero elements pick `a`. Its shape is the output shape, and `a`,
  ///     `b` must broadcast to it. The mask itself receives no gradient.
  public static func select(condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let outShape = condition.shape
    precondition(
      broadcastShape(broadcastShape(a.shape, b.shape), outShape) == outShape,
      "Tensor.select: \(a.shape) and \(b.shape) do not broadcast to condition \(outShape)")
    let aFull = a.broadcasted(toShape: outShape)
    let bFull = b.broadcasted(toShape: outShape)
    let values = Kernels.zip3(condition.scalars, aFull.scalars, bFull.scalars) {
      $0 != 0 ? $1 : $2
    }
    let out = Tensor(unchecked: outShape, scalars: values)
    guard a.node != nil || b.node != nil else { return out }
    let mask = condition.detached()
    let (aShape, bShape) = (a.shape, b.shape)
    let (needA, needB) = (a.node != nil, b.node != nil)
    return out.recording([a, b]) { g in
      let ga = Kernels.zip(mask.scalars, g.scalars) { $0 != 0 ? $1 : 0 }
      let gb = Kernels.zip(mask.scalars, g.scalars) { $0 != 0 ? 0 : $1 }
      return [
        needA ? Tensor(unchecked: outShape, scalars: ga).reduced(toShape: aShape) : nil,
        needB ? Tensor(unchecked: outShape, scalars: gb).reduced(toShape: bShape) : nil,
      ]
    }
  }

  /// `condition[i] ? a : b` with a Boolean mask in row-major order of the output shape
  /// (the broadcast of `a` and `b`).
  public static func select(condition: [Bool], _ a: Tensor, _ b: Tensor) -> Tensor {
    let outShape = broadcastShape(a.shape, b.shape)
    precondition(
      condition.count == elementCount(outShape),
      "Tensor.select: \(condition.count) conditions for output shape \(outShape)")
    let mask = Tensor(unchecked: outShape, scalars: condition.map { $0 ? 1 : 0 })
    return select(condition: mask, a, b)
  }

  /// A 0/1 mask with `1` where `predicate(element)` holds; no graph.
  public func mask(where predicate: (Float) -> Bool) -> Tensor {
    Tensor(unchecked: shape, scalars: Kernels.map(scalars) { predicate($0) ? 1 : 0 })
  }
}

// MARK: minimum, maximum

/// Elementwise minimum with broadcasting; ties route the gradient to `a`. Primitive `.minimum`.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
  extremum(a, b, pickA: { $0 <= $1 })
}

/// Elementwise maximum with broadcasting; ties route the gradient to `a`. Primitive `.maximum`.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
  extremum(a, b, pickA: { $0 >= $1 })
}

/// Shared forward and pullback of `minimum`/`maximum`: the gradient flows to the picked input.
@inline(__always)
private func extremum(_ a: Tensor, _ b: Tensor, pickA: @escaping @Sendable (Float, Float) -> Bool)
  -> Tensor
{
  let out = Tensor.binaryForward(a, b) { pickA($0, $1) ? $0 : $1 }
  guard a.node != nil || b.node != nil else { return out }
  let (x, y) = (a.detached(), b.detached())
  let (needA, needB) = (a.node != nil, b.node != nil)
  return out.recording([a, b]) { g in
    let picked = Tensor.binaryForward(x, y) { pickA($0, $1) ? 1 : 0 }
    let ga = Kernels.zip(picked.scalars, g.scalars) { $0 != 0 ? $1 : 0 }
    let gb = Kernels.zip(picked.scalars, g.scalars) { $0 != 0 ? 0 : $1 }
    return [
      needA ? Tensor(unchecked: g.shape, scalars: ga).reduced(toShape: x.shape) : nil,
      needB ? Tensor(unchecked: g.shape, scalars: gb).reduced(toShape: y.shape) : nil,
    ]
  }
}

@inline(__always) func cExpf(_ x: Float) -> Float { expf(x) }
@inline(__always) func cLogf(_ x: Float) -> Float { logf(x) }
@inline(__always) func cTanhf(_ x: Float) -> Float { tanhf(x) }
