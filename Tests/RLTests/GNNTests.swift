import RL
import SeededRandom
import TensorModule
import TestSupport
import Testing

/// A random tensor with entries uniform in [low, high).
private func randomTensor(_ shape: [Int], seed: UInt64, _ low: Float = -1, _ high: Float = 1)
  -> Tensor
{
  var rng = TestSupport.TestRNG(seed: seed)
  return Tensor(shape: shape, scalars: rng.uniformArray(shape.reduce(1, *), low, high))
}

/// Dense reference of k rounds: `x ← h(A·f(x)) + s` with `A[target, source]` = edge count.
private func denseReference(
  _ layer: MessagePassing, s: Tensor, sources: [Int], targets: [Int]
) -> Tensor {
  let n = s.shape[0]
  var adjacency = [Float](repeating: 0, count: n * n)
  for (src, dst) in zip(sources, targets) { adjacency[dst * n + src] += 1 }
  let a = Tensor(shape: [n, n], scalars: adjacency)
  var x = s
  for _ in 0..<layer.hops { x = layer.h(matmul(a, layer.f(x))) + s }
  return x
}

/// A small graph with a self-loop, a duplicated edge and an isolated node.
private let sampleSources = [0, 1, 1, 2, 3, 3, 4, 2, 2]
private let sampleTargets = [1, 0, 2, 1, 4, 4, 3, 2, 3]

@Suite struct GNNTests {
  @Test(arguments: [1, 3])
  func messagePassingMatchesDenseAdjacencyValuesAndGradients(hops: Int) throws {
    var rng = Xoshiro256(seed: 7)
    let layer = MessagePassing(dimension: 5, hiddenSizes: [6, 4], hops: hops, rng: &rng)
    let s = Tensor.parameter(randomTensor([6, 5], seed: 1))
    let edges = try EdgeList(sources: sampleSources, targets: sampleTargets, nodeCount: 6)
    let weights = randomTensor([6, 5], seed: 2)

    let out = layer(s, edges: edges)
    let reference = denseReference(layer, s: s, sources: sampleSources, targets: sampleTargets)
    #expect(out.shape == [6, 5])
    #expect(TestSupport.maxAbsDifference(out.scalars, reference.scalars) < 1e-5)
    // The gradient-free path (detached weights, fused aggregation) computes the same values.
    let inference = layer.detached()(s.detached(), edges: edges)
    #expect(!inference.requiresGradient)
    #expect(TestSupport.maxAbsDifference(inference.scalars, out.scalars) < 1e-6)
    // Node 5 has no incoming edge: x = h(0) + s in every round.
    let isolated = layer.h(Tensor(zeros: [1, 5])) + s.slice(rows: 5..<6)
    #expect(TestSupport.maxAbsDifference(out[row: 5], isolated.scalars) < 1e-6)

    let grads = (out * weights).sum().backward()
    let referenceGrads = (reference * weights).sum().backward()
    var checked = 0
    for (name, p) in layer.namedParameters + [(name: "s", tensor: s)] {
      let g = try #require(grads[p], "no gradient for \(name)")
      let r = try #require(referenceGrads[p], "no reference gradient for \(name)")
      #expect(g.shape == p.shape, "\(name)")
      #expect(TestSupport.maxAbsDifference(g.scalars, r.scalars) < 1e-4, "\(name)")
      checked += 1
    }
    #expect(checked == 13)  // 12 weights/biases of f and h, and the input

    // Independent check against central differences along a random direction of s, with
    // smooth (tanh) networks so that the stencil never straddles a ReLU kink.
    var tanhRNG = Xoshiro256(seed: 8)
    let smooth = MessagePassing(
      f: MLP(sizes: [5, 6, 4, 5], activation: .tanh, rng: &tanhRNG),
      h: MLP(sizes: [5, 6, 4, 5], activation: .tanh, rng: &tanhRNG), hops: hops)
    let smoothGrads = (smooth(s, edges: edges) * weights).sum().backward()
    var dirRNG = TestSupport.TestRNG(seed: 3)
    let direction = dirRNG.uniformArray(30)
    let detachedLayer = smooth.detached()
    let numeric = TestSupport.directionalDerivative(
      of: { xs in
        let y = detachedLayer(Tensor(shape: [6, 5], scalars: xs[0]), edges: edges)
        return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
      }, at: [s.scalars], along: [direction], step: 1e-2)
    let analytic = zip(smoothGrads[s]!.scalars, direction).reduce(0.0) { $0 + Double($1.0 * $1.1) }
    #expect(abs(analytic - numeric) <= 2e-3 * max(1, abs(numeric)))
  }

  @Test func relabelingNodesRelabelsOutputs() throws {
    var rng = Xoshiro256(seed: 11)
    let layer = MessagePassing(dimension: 4, hiddenSizes: [8, 6], hops: 3, rng: &rng).detached()
    let s = randomTensor([6, 4], seed: 5)
    let edges = try EdgeList(sources: sampleSources, targets: sampleTargets, nodeCount: 6)
    let permutation = [3, 5, 0, 4, 1, 2]  // old node i becomes new node permutation[i]
    var inverse = [Int](repeating: 0, count: 6)
    for (old, new) in permutation.enumerated() { inverse[new] = old }
    let permutedS = s.gathering(rows: inverse)
    let permutedEdges = try EdgeList(
      sources: sampleSources.map { permutation[$0] },
      targets: sampleTargets.map { permutation[$0] },
      nodeCount: 6)
    let out = layer(s, edges: edges)
    let permutedOut = layer(permutedS, edges: permutedEdges)
    for old in 0..<6 {
      #expect(
        TestSupport.maxAbsDifference(out[row: old], permutedOut[row: permutation[old]]) < 1e-5)
    }
    // And a non-equivariant relabeling (features moved, edges not) does change the output.
    let wrong = layer(permutedS, edges: edges)
    #expect(
      TestSupport.maxAbsDifference(wrong.gathering(rows: permutation).scalars, out.scalars) > 1e-3)
  }

  @Test(arguments: [1, 2, 3])
  func embeddingDependsOnlyOnNodesWithinKHops(hops: Int) throws {
    // Path 0 − 1 − 2 − … − 7.
    let links = (0..<7).map { ($0, $0 + 1) }
    let (sources, targets) = GraphInput.undirected(links)
    let edges = try EdgeList(sources: sources, targets: targets, nodeCount: 8)
    var rng = Xoshiro256(seed: 21)
    let layer = MessagePassing(dimension: 4, hops: hops, rng: &rng).detached()
    let s = randomTensor([8, 4], seed: 9)
    let base = layer(s, edges: edges)[row: 0]
    func perturbed(node: Int) -> [Float] {
      var values = s.scalars
      for j in 0..<4 { values[node * 4 + j] += 3 }
      return layer(Tensor(shape: [8, 4], scalars: values), edges: edges)[row: 0]
    }
    #expect(perturbed(node: hops + 1) == base, "node at distance k+1 must not matter")
    // Any change at all (the computation is deterministic, so k+1 gives bit-equal output).
    #expect(TestSupport.maxAbsDifference(perturbed(node: hops), base) > 1e-6)
  }

  @Test func batchedGraphsEncodeLikeSeparateGraphs() throws {
    let a = try GraphInput(
      nodeFeatures: randomTensor([5, 3], seed: 31).scalars, featureDim: 3,
      edgeSources: [0, 1, 2, 3], edgeTargets: [1, 2, 3, 4], nodeEAP: [0, 0, 1, 1, 1],
      eapCluster: [0, 0], eapFeatures: [0.5, -0.5], eapFeatureDim: 1)
    let b = try GraphInput(
      nodeFeatures: randomTensor([4, 3], seed: 32).scalars, featureDim: 3,
      edgeSources: [1, 0, 3], edgeTargets: [0, 1, 2], nodeEAP: [0, 1, 1, 2],
      eapCluster: [0, 1, 1], clusterCount: 2, eapFeatures: [1, 2, 3], eapFeatureDim: 1)
    var rng = Xoshiro256(seed: 3)
    let encoder = HierarchicalEncoder(nodeFeatureDim: 3, eapFeatureDim: 1, rng: &rng).detached()
    let both = encoder(try GraphBatch([a, b]))
    let onlyA = encoder(try GraphBatch([a]))
    let onlyB = encoder(try GraphBatch([b]))
    #expect(both.nodes.shape == [9, 24] && both.eaps.shape == [5, 24])
    #expect(both.clusters.shape == [3, 24])
    let tolerance: Float = 1e-5
    #expect(
      TestSupport.maxAbsDifference(
        both.nodes.scalars, onlyA.nodes.scalars + onlyB.nodes.scalars) < tolerance)
    #expect(
      TestSupport.maxAbsDifference(
        both.eaps.scalars, onlyA.eaps.scalars + onlyB.eaps.scalars) < tolerance)
    #expect(
      TestSupport.maxAbsDifference(
        both.clusters.scalars, onlyA.clusters.scalars + onlyB.clusters.scalars) < tolerance)
  }

  @Test func hierarchyLevelsFollowTheirFormulas() throws {
    let graph = try GraphInput(
      nodeFeatures: randomTensor([4, 2], seed: 41).scalars, featureDim: 2,
      edgeSources: [0, 1, 2], edgeTargets: [1, 2, 3], nodeEAP: [0, 1, 0, 1],
      eapCluster: [0, 0], eapFeatures: [0.3, -0.7], eapFeatureDim: 1)
    var rng = Xoshiro256(seed: 4)
    let encoder = HierarchicalEncoder(nodeFeatureDim: 2, eapFeatureDim: 1, rng: &rng).detached()
    let out = encoder(try GraphBatch([graph]))
    let fx = encoder.eap.f(out.nodes)
    let pooled0 = Tensor(shape: [1, 24], scalars: zip(fx[row: 0], fx[row: 2]).map { $0 + $1 })
    let pooled1 = Tensor(shape: [1, 24], scalars: zip(fx[row: 1], fx[row: 3]).map { $0 + $1 })
    let residual = encoder.eapProjection!(Tensor(shape: [2, 1], scalars: [0.3, -0.7]))
    let y0 = encoder.eap.h(pooled0).scalars.enumerated().map { $1 + residual.scalars[$0] }
    let y1 = encoder.eap.h(pooled1).scalars.enumerated().map { $1 + residual.scalars[24 + $0] }
    #expect(TestSupport.maxAbsDifference(out.eaps.scalars, y0 + y1) < 1e-5)
    let fy = encoder.cluster.f(out.eaps)
    let z = encoder.cluster.h(fy.sum(alongAxes: [0], keepingDims: true))
    #expect(TestSupport.maxAbsDifference(out.clusters.scalars, z.scalars) < 1e-5)
  }

  @Test func parameterCountOfThePaperSizedEncoder() {
    var rng = Xoshiro256(seed: 1)
    // 4,472 per f_i/h_i (24·64+64 + 64·32+32 + 32·24+24) × 6, plus the 16 → 24 projection.
    let encoder = HierarchicalEncoder(nodeFeatureDim: 16, rng: &rng)
    #expect(encoder.parameterCount == 6 * 4_472 + 16 * 24 + 24)
    #expect(encoder.namedParameters.first?.name == "inputProjection.weight")
    #expect(encoder.namedParameters.contains { $0.name == "node.f.2.bias" })
  }

  @Test func malformedGraphsAreRejectedWithTheField() {
    func field(_ body: () throws -> Void) -> String? {
      do {
        try body()
        return nil
      } catch let error as RLInputError {
        return error.field
      } catch {
        return "unexpected"
      }
    }
    let features: [Float] = [1, 2, 3, 4]
    #expect(
      field {
        _ = try GraphInput(
          nodeFeatures: features, featureDim: 2, edgeSources: [0], edgeTargets: [2],
          nodeEAP: [0, 0], eapCluster: [0])
      } == "edgeTargets")
    #expect(
      field {
        _ = try GraphInput(
          nodeFeatures: features, featureDim: 3, edgeSources: [], edgeTargets: [],
          nodeEAP: [0], eapCluster: [0])
      } == "nodeFeatures")
    #expect(
      field {
        _ = try GraphInput(
          nodeFeatures: features, featureDim: 2, edgeSources: [], edgeTargets: [],
          nodeEAP: [0, 0], eapCluster: [0, 0])
      } == "nodeEAP")
    #expect(
      field {
        _ = try GraphInput(
          nodeFeatures: [1, .nan], featureDim: 2, edgeSources: [], edgeTargets: [],
          nodeEAP: [0], eapCluster: [0])
      } == "nodeFeatures")
    #expect(
      field {
        _ = try GraphInput(
          nodeFeatures: features, featureDim: 2, edgeSources: [], edgeTargets: [],
          nodeEAP: [0, 0], eapCluster: [1], clusterCount: 1)
      } == "eapCluster")
  }
}
