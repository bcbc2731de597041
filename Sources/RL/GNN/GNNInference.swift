import TensorModule

// Gradient-free inference of the hierarchical encoder on one graph: the same function as
// `HierarchicalEncoder.callAsFunction(GraphBatch([graph]))`, without building a `GraphBatch`,
// with every sum over neighbours / children done as one fused loop over raw buffers, and with
// every intermediate in one caller-provided buffer (no allocation per layer).

/// The embeddings of one graph, row-major arrays.
struct GraphEmbeddingValues {
  /// `x_n`, `[N, D]`.
  var nodes: Tensor
  /// `y_b`, `[B, D]`.
  var eaps: Tensor
  /// `z_c`, `[C, D]`.
  var clusters: Tensor
}

/// Where `HierarchicalEncoder.inferenceEmbedding(_:in:)` left the embeddings of one graph:
/// `nodes` `[N, D]`, `eaps` `[B, D]` and `clusters` `[C, D]`, row-major, inside its buffer.
struct GraphEmbeddingPointers {
  var nodes: UnsafeMutablePointer<Float>
  var eaps: UnsafeMutablePointer<Float>
  var clusters: UnsafeMutablePointer<Float>
}

extension HierarchicalEncoder {
  /// Floats of buffer `inferenceEmbedding(_:in:)` needs for `graph`: `s` and `x` `[N, D]`, two
  /// temporaries of `[max(N, B, C), D]`, `y` `[B, D]`, `z` `[C, D]`, and the widest MLP's
  /// hidden scratch.
  func inferenceBufferCount(for graph: GraphInput) -> Int {
    let (n, b, c) = (graph.nodeCount, graph.eapCount, graph.clusterCount)
    let widest = Swift.max(n, b, c)
    let hidden = Swift.max(
      node.f.inferenceScratchCount(rows: n), node.h.inferenceScratchCount(rows: n),
      eap.f.inferenceScratchCount(rows: n), eap.h.inferenceScratchCount(rows: b),
      cluster.f.inferenceScratchCount(rows: b), cluster.h.inferenceScratchCount(rows: c))
    return embeddingDim * (2 * n + 2 * widest + b + c) + hidden
  }

  /// Encodes one graph for acting, every intermediate inside `buffer` (values equal
  /// `self(GraphBatch([graph]))` up to float summation order; no graph is recorded).
  ///
  /// - Parameter buffer: at least `inferenceBufferCount(for: graph)` floats.
  /// - Returns: where the embeddings are, inside `buffer`.
  /// - Precondition: the graph's feature sizes match the encoder's.
  func inferenceEmbedding(
    _ graph: GraphInput, in buffer: UnsafeMutableBufferPointer<Float>
  ) -> GraphEmbeddingPointers {
    precondition(
      graph.featureDim == inputProjection.inFeatures
        && graph.eapFeatureDim == (eapProjection?.inFeatures ?? 0),
      "HierarchicalEncoder: graph feature sizes (\(graph.featureDim), \(graph.eapFeatureDim)) "
        + "do not match the encoder")
    precondition(
      buffer.count >= inferenceBufferCount(for: graph),
      "HierarchicalEncoder: inference buffer too small")
    let (n, b, c, d) = (graph.nodeCount, graph.eapCount, graph.clusterCount, embeddingDim)
    let widest = Swift.max(n, b, c)
    let s = buffer.baseAddress!
    let x = s + n * d
    let t1 = x + n * d
    let t2 = t1 + widest * d
    let y = t2 + widest * d
    let z = y + b * d
    let hiddenStart = (2 * n + 2 * widest + b + c) * d
    let hidden = UnsafeMutableBufferPointer(rebasing: buffer[hiddenStart...])
    graph.nodeFeatures.withUnsafeBufferPointer {
      inputProjection.infer($0.baseAddress!, rows: n, into: s, activation: .none)
    }
    x.update(from: s, count: n * d)
    for _ in 0..<node.hops {
      node.f.infer(x, rows: n, into: t1, hidden: hidden)
      graph.edgeTargets.withUnsafeBufferPointer { to in
        graph.edgeSources.withUnsafeBufferPointer { from in
          sumRows(t1, width: d, from: from.baseAddress, into: to, count: n, out: t2)
        }
      }
      node.h.infer(t2, rows: n, into: x, hidden: hidden)
      for i in 0..<(n * d) { x[i] += s[i] }
    }
    eap.f.infer(x, rows: n, into: t1, hidden: hidden)
    graph.nodeEAP.withUnsafeBufferPointer {
      sumRows(t1, width: d, from: nil, into: $0, count: b, out: t2)
    }
    eap.h.infer(t2, rows: b, into: y, hidden: hidden)
    if let eapProjection {
      graph.eapFeatures.withUnsafeBufferPointer {
        eapProjection.infer($0.baseAddress!, rows: b, into: t1, activation: .none)
      }
      for i in 0..<(b * d) { y[i] += t1[i] }
    }
    cluster.f.infer(y, rows: b, into: t1, hidden: hidden)
    graph.eapCluster.withUnsafeBufferPointer {
      sumRows(t1, width: d, from: nil, into: $0, count: c, out: t2)
    }
    cluster.h.infer(t2, rows: c, into: z, hidden: hidden)
    return GraphEmbeddingPointers(nodes: x, eaps: y, clusters: z)
  }

  /// `inferenceEmbedding(_:in:)` copied out into tensors (tests and one-off use).
  func inferenceEmbedding(_ graph: GraphInput) -> GraphEmbeddingValues {
    var scratch = InferenceScratch()
    let d = embeddingDim
    return scratch.withBuffer(count: inferenceBufferCount(for: graph)) { buffer in
      let e = inferenceEmbedding(graph, in: buffer)
      func tensor(_ p: UnsafeMutablePointer<Float>, rows: Int) -> Tensor {
        Tensor(shape: [rows, d], scalars: Array(UnsafeBufferPointer(start: p, count: rows * d)))
      }
      return GraphEmbeddingValues(
        nodes: tensor(e.nodes, rows: graph.nodeCount), eaps: tensor(e.eaps, rows: graph.eapCount),
        clusters: tensor(e.clusters, rows: graph.clusterCount))
    }
  }
}

/// `out[into[e]] += values[from[e]]` for every `e` (`from[e] = e` when `from` is nil), rows of
/// `width` floats; `out` has `count` rows and is zeroed first.
func sumRows(
  _ values: UnsafePointer<Float>, width: Int, from: UnsafePointer<Int>?,
  into: UnsafeBufferPointer<Int>, count: Int, out: UnsafeMutablePointer<Float>
) {
  out.update(repeating: 0, count: count * width)
  for e in 0..<into.count {
    let row = out + into[e] * width
    let message = values + (from?[e] ?? e) * width
    for j in 0..<width { row[j] += message[j] }
  }
}
