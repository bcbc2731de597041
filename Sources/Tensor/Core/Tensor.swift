import SeededRandom

/// A dense Float32 tensor: row-major, contiguous `[Float]` storage, a shape, and an optional
/// autograd node.
///
/// `Tensor` is a value type. A graph node is attached only when some input of the operation that
/// produced it tracks gradients (a parameter, or a tensor computed from one); otherwise
/// operations run eagerly with no bookkeeping. Call `backward()` on a scalar loss to obtain
/// `Gradients` keyed by parameter identity.
public struct Tensor: Sendable {
  /// The extent of each axis; `[]` for a scalar (rank 0).
  public internal(set) var shape: [Int]
  /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
  public internal(set) var scalars: [Float]
  /// The autograd node; non-nil when this tensor tracks gradients.
  @usableFromInline internal var node: GraphNode?

  /// Creates a tensor from a shape and row-major scalars.
  ///
  /// - Precondition: `scalars.count` equals the product of `shape`, and no extent is negative.
  public init(shape: [Int], scalars: [Float]) {
    precondition(
      shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count,
      "Tensor: shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
    self.node = nil
  }

  /// Internal initializer that skips validation (callers guarantee consistency).
  @usableFromInline
  internal init(unchecked shape: [Int], scalars: [Float], node: GraphNode? = nil) {
    self.shape = shape
    self.scalars = scalars
    self.node = node
  }

  /// A tensor of the given shape filled with zeros.
  public init(zeros shape: [Int]) {
    self.init(repeating: 0, shape: shape)
  }

  /// A tensor of the given shape filled with ones.
  public init(ones shape: [Int]) {
    self.init(repeating: 1, shape: shape)
  }

  /// A tensor of the given shape with every element equal to `value`.
  public init(repeating value: Float, shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
    self.init(unchecked: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
  }

  /// A rank-0 tensor holding `scalar`.
  public init(_ scalar: Float) {
    self.init(unchecked: [], scalars: [scalar])
  }

  /// A rank-1 tensor of shape `[values.count]`.
  public init(_ values: [Float]) {
    self.init(unchecked: [values.count], scalars: values)
  }

  /// A rank-2 tensor of shape `[rows.count, columns]` from equally long rows.
  ///
  /// - Precondition: every row has the same length.
  public init(_ rows: [[Float]]) {
    let columns = rows.first?.count ?? 0
    precondition(
      rows.allSatisfy { $0.count == columns }, "Tensor: rows have different lengths")
    self.init(unchecked: [rows.count, columns], scalars: rows.flatMap { $0 })
  }

  /// The number of elements (product of the shape).
  @inlinable public var scalarCount: Int { scalars.count }

  /// The number of axes.
  @inlinable public var rank: Int { shape.count }

  /// The single value of a one-element tensor (any rank).
  ///
  /// - Precondition: `scalarCount == 1`.
  public var scalar: Float {
    precondition(scalars.count == 1, "Tensor.scalar: tensor has shape \(shape), not one element")
    return scalars[0]
  }

  /// The scalars of row `row` of a tensor of rank ≥ 1 (all trailing elements of that index).
  public subscript(row row: Int) -> [Float] {
    precondition(rank >= 1 && row >= 0 && row < shape[0], "Tensor[row:]: \(row) out of range")
    let width = shape[0] == 0 ? 0 : scalars.count / shape[0]
    return Array(scalars[(row * width)..<((row + 1) * width)])
  }

  /// Replaces this tensor's values with `other`'s, keeping this tensor's parameter identity.
  ///
  /// Used by optimizers, checkpoint loading and target-network updates. Any graph history of
  /// `other` is dropped.
  ///
  /// - Precondition: `other.shape == shape`.
  public mutating func assign(_ other: Tensor) {
    precondition(other.shape == shape, "Tensor.assign: shape \(other.shape) != \(shape)")
    scalars = other.scalars
  }

  /// Mutates the scalars in place through a buffer pointer, keeping identity and shape.

  internal mutating func withMutableScalars<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    // A plain (non-inout) buffer: the body's loops need not reload it after every store.
    try scalars.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
  }
}

extension Tensor: CustomStringConvertible {
  /// A short description: shape and (up to 8) leading scalars.
  public var description: String {
    let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    let more = scalars.count > 8 ? ", …" : ""
    let grad = requiresGradient ? ", requiresGradient" : ""
    return "Tensor(shape: \(shape), [\(head)\(more)]\(grad))"
  }
}

extension Tensor: Equatable {
  /// Two tensors are equal when shapes and scalars are equal (graph state is ignored).
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
  }
}

/// Row-major element count of `shape`.
@inlinable
internal func elementCount(_ shape: [Int]) -> Int {
  var n = 1
  for d in shape { n *= d }
  return n
}
