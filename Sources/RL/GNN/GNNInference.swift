import TensorModule

// Gradient-free inference of the hierarchical encoder on one graph: the same function as
// `HierarchicalEncoder.callAsFunction(GraphBatch([graph]))`, without building a `GraphBatch`
// and with every sum over neighbours / children done as one fused loop over raw buffers.

/// The embeddings of one graph, row-major arrays.
struct GraphEmbeddingValues {
  /// `x_n`, `[N, D]`.
  var nodes: Tensor
  /// `y_b`, `[B, D]`.
  var eaps: Tensor
  /// `z_c`, `[C, D]`.
  var clusters: Tensor
}

extension HierarchicalEncoder {
  /// Encodes one graph for acting (values equal `self(GraphBatch([graph]))` up to float
  /// summation order; no graph is recorded when the parameters are detached).
  ///
  /// - Precondition: the graph's feature sizes match the encoder's.
  func inferenceEmbedding(_ graph: GraphInput) -> GraphEmbeddingValues {
    precondition(
      graph.featureDim == inputProjection.inFeatures
        && graph.eapFeatureDim == (eapProjection?.inFeatures ?? 0),
      "HierarchicalEncoder: graph feature sizes (\(graph.featureDim), \(graph.eapFeatureDim)) "
        + "do not match the encoder")
    let n = graph.nodeCount
    let d = embeddingDim
    let s = inputProjection(Tensor(shape: [n, graph.featureDim], scalars: graph.nodeFeatures))
    var x = s
    for _ in 0..<node.hops {
      let messages = node.f.forward(x)
      let aggregated = sumRows(
        messages.scalars, width: d, from: graph.edgeSources, into: graph.edgeTargets, count: n)
      let updated = node.h.forward(Tensor(shape: [n, d], scalars: aggregated))
      x = Tensor(shape: [n, d], scalars: added(updated.scalars, s.scalars))
    }
    let b = graph.eapCount
    let eapPooled = sumRows(
      eap.f.forward(x).scalars, width: d, from: nil, into: graph.nodeEAP, count: b)
    var y = eap.h.forward(Tensor(shape: [b, d], scalars: eapPooled))
    if let eapProjection {
      let features = Tensor(shape: [b, graph.eapFeatureDim], scalars: graph.eapFeatures)
      y = Tensor(shape: [b, d], scalars: added(y.scalars, eapProjection(features).scalars))
    }
    let c = graph.clusterCount
    let clusterPooled = sumRows(
      cluster.f.forward(y).scalars, width: d, from: nil, into: graph.eapCluster, count: c)
    let z = cluster.h.forward(Tensor(shape: [c, d], scalars: clusterPooled))
    return GraphEmbeddingValues(nodes: x, eaps: y, clusters: z)
  }
}

/// `out[into[e]] += values[from[e]]` for every `e` (`from[e] = e` when `from` is nil), rows of
/// `width` floats; `out` has `count` rows and starts at zero.
func sumRows(_ values: [Float], width: Int, from: [Int]?, into: [Int], count: Int) -> [Float] {
  let total = count * width
  return [Float](unsafeUninitializedCapacity: total) { out, initialized in
    guard let target = out.baseAddress else { return }
    target.initialize(repeating: 0, count: total)
    values.withUnsafeBufferPointer { vp in
      into.withUnsafeBufferPointer { to in
        guard let source = vp.baseAddress else { return }
        if let from {
          from.withUnsafeBufferPointer { fp in
            for e in 0..<to.count {
              let row = target + to[e] * width
              let message = source + fp[e] * width
              for j in 0..<width { row[j] += message[j] }
            }
          }
        } else {
          for e in 0..<to.count {
            let row = target + to[e] * width
            let message = source + e * width
            for j in 0..<width { row[j] += message[j] }
          }
        }
      }
    }
    initialized = total
  }
}

/// `a + b` elementwise (same count) into a new array.
func added(_ a: [Float], _ b: [Float]) -> [Float] {
  precondition(a.count == b.count, "added: \(a.count) and \(b.count) values")
  return [Float](unsafeUninitializedCapacity: a.count) { out, initialized in
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        for i in 0..<ap.count { out[i] = ap[i] + bp[i] }
      }
    }
    initialized = a.count
  }
}
