import SeededRandom
import TensorModule

/// The message-passing layer of the paper's Eq. 4, applied for `hops` rounds with shared
/// networks:
///
///     x⁰ = s,   x^{k+1}_n = h( Σ_{n' ∈ ζ(n)} f(x^k_{n'}) ) + s_n
///
/// `ζ(n)` is the set of sources of edges into `n` (an `EdgeList`). `f` and `h` are MLPs
/// `D → hidden… → D` (ReLU inside, linear output), so the residual `+ s_n` is well typed: the
/// states `s` handed to this layer are already `D`-dimensional (the hierarchical encoder
/// projects raw node features to `D` first with a linear layer).
///
/// `f` is evaluated once per node, then its rows are gathered along the edges and
/// scatter-added into the targets, which is `A · f(X)` for the 0/1 adjacency `A[target,
/// source]` without forming `A`. After `k` rounds a node's embedding depends exactly on the
/// nodes within `k` hops of it.
public struct MessagePassing: ParameterVisitable {
  /// The message network `f`, `[*, D] → [*, D]`.
  public var f: MLP
  /// The update network `h`, `[*, D] → [*, D]`.
  public var h: MLP
  /// Rounds of message passing (the paper uses 3).
  public var hops: Int

  /// A layer with fresh parameters.
  ///
  /// - Parameters:
  ///   - dimension: `D`, the embedding width (input = output, 24 in the paper).
  ///   - hiddenSizes: hidden layers of `f` and `h` (64, 32 in the paper).
  ///   - hops: rounds `k` (≥ 1).
  public init(dimension: Int, hiddenSizes: [Int] = [64, 32], hops: Int = 3, rng: inout Xoshiro256) {
    precondition(hops >= 1, "MessagePassing: hops must be ≥ 1, got \(hops)")
    let sizes = [dimension] + hiddenSizes + [dimension]
    f = MLP(sizes: sizes, activation: .relu, rng: &rng)
    h = MLP(sizes: sizes, activation: .relu, rng: &rng)
    self.hops = hops
  }

  /// A layer from existing networks (both `D → D`).
  public init(f: MLP, h: MLP, hops: Int) {
    precondition(hops >= 1, "MessagePassing: hops must be ≥ 1, got \(hops)")
    self.f = f
    self.h = h
    self.hops = hops
  }

  /// The embedding width `D`.
  public var dimension: Int { f.layers[0].inFeatures }

  /// One round: `h(Σ_{n'∈ζ(n)} f(x_{n'})) + s_n`.
  ///
  /// - Parameters:
  ///   - x: current embeddings `[nodes, D]`.
  ///   - s: the residual states `[nodes, D]`.
  ///   - edges: adjacency over `nodes`.
  /// - Returns: `[nodes, D]`.
  public func step(_ x: Tensor, residual s: Tensor, edges: EdgeList) -> Tensor {
    let messages = f(x)
    let aggregated = edges.aggregate(messages)
    return h(aggregated) + s
  }

  /// `hops` rounds starting from `x⁰ = s`.
  ///
  /// - Parameters:
  ///   - s: node states `[nodes, D]`.
  ///   - edges: adjacency over `nodes` (block-diagonal for batched graphs).
  /// - Returns: `x^hops`, `[nodes, D]`.
  public func callAsFunction(_ s: Tensor, edges: EdgeList) -> Tensor {
    precondition(
      s.rank == 2 && s.shape[1] == dimension && s.shape[0] == edges.nodeCount,
      "MessagePassing: states \(s.shape) for \(edges.nodeCount) nodes of width \(dimension)")
    var x = s
    for _ in 0..<hops { x = step(x, residual: s, edges: edges) }
    return x
  }

  /// Visits `"f.*"` then `"h.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    f.visitParameters { body("f.\($0)", $1) }
    h.visitParameters { body("h.\($0)", $1) }
  }

  /// Updates `"f.*"` then `"h.*"`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    f.updateParameters { body("f.\($0)", &$1) }
    h.updateParameters { body("h.\($0)", &$1) }
  }
}

/// Set aggregation one level up the hierarchy: `out_p = h(Σ_{c: parent(c) = p} f(in_c))`,
/// plus an optional residual. Used for eAPs (children: nodes) and clusters (children: eAPs).
public struct SetAggregation: ParameterVisitable {
  /// The per-child network `f`, `[*, D] → [*, D]`.
  public var f: MLP
  /// The per-parent network `h`, `[*, D] → [*, D]`.
  public var h: MLP

  /// Networks `D → hidden… → D` with fresh parameters.
  public init(dimension: Int, hiddenSizes: [Int] = [64, 32], rng: inout Xoshiro256) {
    let sizes = [dimension] + hiddenSizes + [dimension]
    f = MLP(sizes: sizes, activation: .relu, rng: &rng)
    h = MLP(sizes: sizes, activation: .relu, rng: &rng)
  }

  /// `h(Σ_{c ∈ p} f(children_c)) (+ residual_p)`.
  ///
  /// - Parameters:
  ///   - children: `[childCount, D]`.
  ///   - parent: the parent of each child, `[childCount]`, each in `0..<parentCount`.
  ///   - parentCount: rows of the result.
  ///   - residual: optional `[parentCount, D]` added to the output.
  /// - Returns: `[parentCount, D]`.
  public func callAsFunction(
    _ children: Tensor, parent: [Int], parentCount: Int, residual: Tensor? = nil
  ) -> Tensor {
    let pooled = f(children).scatterAdding(rows: parent, count: parentCount)
    let out = h(pooled)
    guard let residual else { return out }
    return out + residual
  }

  /// Visits `"f.*"` then `"h.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    f.visitParameters { body("f.\($0)", $1) }
    h.visitParameters { body("h.\($0)", $1) }
  }

  /// Updates `"f.*"` then `"h.*"`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    f.updateParameters { body("f.\($0)", &$1) }
    h.updateParameters { body("h.\($0)", &$1) }
  }
}
