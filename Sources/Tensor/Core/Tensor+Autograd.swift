import Synchronization

/// The identity of a trainable parameter, drawn from a process-wide atomic counter.
///
/// Copying a tensor (or a model) copies its identity; `Tensor.detached()` drops it.
public struct ParameterID: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The counter value; increasing in creation order.
  public let rawValue: UInt64

  private static let counter = Atomic<UInt64>(0)

  /// A fresh, never-before-issued identity.
  static func next() -> ParameterID {
    ParameterID(rawValue: counter.add(1, ordering: .relaxed).newValue)
  }

  private init(rawValue: UInt64) { self.rawValue = rawValue }

  /// Orders identities by creation.
  public static func < (lhs: ParameterID, rhs: ParameterID) -> Bool {
    lhs.rawValue < rhs.rawValue
  }

  /// `"param#<n>"`.
  public var description: String { "param#\(rawValue)" }
}

/// Maps the gradient of a node's output to gradients of its inputs (one per input slot; `nil`
/// for inputs that do not track gradients). Pullbacks compute on detached tensors, so they
/// never record a graph themselves (no second-order derivatives).
@usableFromInline
typealias Pullback = @Sendable (_ outputGradient: Tensor) -> [Tensor?]

/// One recorded operation in the autograd graph, or a parameter leaf.
///
/// Immutable after construction and made only of `Sendable` lets, so it is genuinely `Sendable`.
@usableFromInline
final class GraphNode: Sendable {
  /// The parameter identity of a leaf; `nil` for interior nodes.
  let parameterID: ParameterID?
  /// The nodes of the operation's inputs, aligned with the pullback's result; `nil` where the
  /// input does not track gradients.
  let inputs: [GraphNode?]
  /// The operation's pullback; `nil` for leaves.
  let pullback: Pullback?
  /// The shape of the value this node produced (gradients have this shape).
  let shape: [Int]

  init(parameterID: ParameterID, shape: [Int]) {
    self.parameterID = parameterID
    self.inputs = []
    self.pullback = nil
    self.shape = shape
  }

  init(inputs: [GraphNode?], shape: [Int], pullback: @escaping Pullback) {
    self.parameterID = nil
    self.inputs = inputs
    self.pullback = pullback
    self.shape = shape
  }
}

/// Gradients returned by `Tensor.backward()`, keyed by parameter identity.
public struct Gradients: Sendable {
  @usableFromInline var storage: [ParameterID: Tensor]

  /// An empty gradient store.
  public init() { storage = [:] }

  /// The gradient for parameter `p` (same shape as `p`), or `nil` if `p` did not contribute.
  public subscript(_ p: Tensor) -> Tensor? {
    guard let id = p.parameterID else { return nil }
    return storage[id]
  }

  /// The gradient for the parameter with identity `id`.
  public subscript(id id: ParameterID) -> Tensor? {
    get { storage[id] }
    set { storage[id] = newValue }
  }

  /// True when no parameter received a gradient.
  public var isEmpty: Bool { storage.isEmpty }

  /// The number of parameters with a gradient.
  public var count: Int { storage.count }

  /// The parameter identities present, in creation order (deterministic).
  public var parameterIDs: [ParameterID] { storage.keys.sorted() }

  /// Adds `other`'s gradients into this store (used to accumulate over minibatches).
  public mutating func accumulate(_ other: Gradients) {
    for (id, g) in other.storage {
      if let existing = storage[id] {
        storage[id] = existing.adding(g)
      } else {
        storage[id] = g
      }
    }
  }

  /// Multiplies every gradient by `factor`.
  public mutating func scale(by factor: Float) {
    for id in storage.keys { storage[id] = storage[id]!.scaled(by: factor) }
  }
}

extension Tensor {
  /// Returns `value` as a trainable parameter with a fresh `ParameterID` (any history dropped).
  public static func parameter(_ value: Tensor) -> Tensor {
    Tensor(
      unchecked: value.shape, scalars: value.scalars,
      node: GraphNode(parameterID: .next(), shape: value.shape))
  }

  /// The parameter identity, non-nil only for tensors created by `Tensor.parameter(_:)`.
  public var parameterID: ParameterID? { node?.parameterID }

  /// True for parameters and for tensors computed from them.
  @inlinable public var requiresGradient: Bool { node != nil }

  /// The same values with no graph and no parameter identity.
  @inlinable
  public func detached() -> Tensor {
    Tensor(unchecked: shape, scalars: scalars, node: nil)
  }

  /// Attaches a graph node recording `inputs` and `pullback` to `self` (the op's output).
  ///
  /// Callers check first that some input tracks gradients, so no closure is formed on the
  /// gradient-free path.
  @usableFromInline
  func recording(_ inputs: [Tensor], pullback: @escaping Pullback) -> Tensor {
    let node = GraphNode(inputs: inputs.map(\.node), shape: shape, pullback: pullback)
    return Tensor(unchecked: shape, scalars: scalars, node: node)
  }

  /// Reverse-mode differentiation of a one-element tensor (seed 1).
  ///
  /// - Returns: gradients for every parameter this value depends on; empty when it tracks none.
  public func backward() -> Gradients {
    precondition(
      scalarCount == 1, "Tensor.backward(): needs a one-element loss, got shape \(shape)")
    return backward(seed: Tensor(unchecked: shape, scalars: [1]))
  }

  /// Reverse-mode differentiation with an explicit output gradient `seed` (shape of `self`).
  public func backward(seed: Tensor) -> Gradients {
    precondition(seed.shape == shape, "backward(seed:): seed \(seed.shape) != \(shape)")
    var result = Gradients()
    guard let root = node else { return result }

    // Iterative post-order DFS gives a topological order (inputs before users) in O(nodes).
    var order: [GraphNode] = []
    var index: [ObjectIdentifier: Int] = [:]
    var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
    var stack: [(GraphNode, Int)] = [(root, 0)]
    while let (current, next) = stack.popLast() {
      if next < current.inputs.count {
        stack.append((current, next + 1))
        if let child = current.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
          stack.append((child, 0))
        }
      } else {
        index[ObjectIdentifier(current)] = order.count
        order.append(current)
      }
    }

    // One accumulated gradient per node, freed as soon as the node has been processed.
    var grads = [Tensor?](repeating: nil, count: order.count)
    grads[order.count - 1] = seed.detached()
    for position in stride(from: order.count - 1, through: 0, by: -1) {
      guard let g = grads[position] else { continue }
      grads[position] = nil
      let current = order[position]
      if let id = current.parameterID {
        result.storage[id] = g
        continue
      }
      guard let pullback = current.pullback else { continue }
      let inputGrads = pullback(g)
      for (slot, input) in current.inputs.enumerated() {
        guard let input, let ig = inputGrads[slot] else { continue }
        let target = index[ObjectIdentifier(input)]!
        if let existing = grads[target] {
          grads[target] = existing.adding(ig)
        } else {
          grads[target] = ig
        }
      }
    }
    return result
  }
}
