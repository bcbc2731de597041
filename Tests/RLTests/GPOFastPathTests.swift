import SeededRandom
import TensorModule
import Testing

@testable import RL

/// A graph with two clusters of two eAPs each (3 nodes per eAP, 12 nodes), ring edges plus a
/// chord per eAP, 5 node features and 3 eAP features, all uniform in [0, 1).
private func hierarchyGraph(rng: inout Xoshiro256) throws -> GraphInput {
  let nodes = 12
  var links = (0..<nodes).map { ($0, ($0 + 1) % nodes) }
  for b in 0..<4 { links.append((3 * b, 3 * b + 2)) }
  let (sources, targets) = GraphInput.undirected(links)
  return try GraphInput(
    nodeFeatures: (0..<(nodes * 5)).map { _ in rng.nextFloat() }, featureDim: 5,
    edgeSources: sources, edgeTargets: targets, nodeEAP: (0..<nodes).map { $0 / 3 },
    eapCluster: [0, 0, 1, 1], clusterCount: 2,
    eapFeatures: (0..<12).map { _ in rng.nextFloat() }, eapFeatureDim: 3)
}

/// Largest `|a − b|` relative to `max(1, max |b|)`.
private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
  let scale = Swift.max(1, b.map(abs).max() ?? 0)
  return zip(a, b).map { abs($0 - $1) }.max()! / scale
}

struct GPOFastPathTests {
  private func policy(seed: UInt64) throws -> (GPOPolicy, Xoshiro256) {
    var rng = Xoshiro256(seed: seed)
    let graph = try hierarchyGraph(rng: &rng)
    let topology = GPOTopology(graph: graph, serviceCount: 2)
    return (GPOPolicy(config: GPOConfig(), topology: topology, rng: &rng), rng)
  }

  @Test func oneGraphEmbeddingEqualsTheBatchedEncoder() throws {
    let (policy, seeded) = try policy(seed: 3)
    var rng = seeded
    let graph = try hierarchyGraph(rng: &rng)
    let gnn = try #require(policy.gnn)
    let fast = gnn.detached().inferenceEmbedding(graph)
    let reference = gnn(try GraphBatch([graph]))
    #expect(fast.nodes.shape == [12, 24] && fast.eaps.shape == [4, 24])
    #expect(fast.clusters.shape == [2, 24])
    #expect(relativeError(fast.nodes.scalars, reference.nodes.scalars) < 1e-5)
    #expect(relativeError(fast.eaps.scalars, reference.eaps.scalars) < 1e-5)
    #expect(relativeError(fast.clusters.scalars, reference.clusters.scalars) < 1e-5)
  }

  @Test(arguments: [false, true])
  func actEqualsTheReferencePath(detached: Bool) throws {
    let (trained, seeded) = try policy(seed: 11)
    let policy = detached ? trained.detached() : trained
    var graphRNG = seeded
    let a = policy.topology.actionCount
    for trial in 0..<12 {
      let graph = try hierarchyGraph(rng: &graphRNG)
      // Every other trial: forbid removals on even nodes (action 0 always valid).
      let mask: [Bool]? =
        trial % 2 == 0
        ? nil : (0..<(12 * a)).map { i in (i / a) % 2 == 1 || i % a <= 2 }
      for deterministic in [false, true] {
        var fastRNG = Xoshiro256(seed: UInt64(trial))
        var referenceRNG = fastRNG
        let fast = try policy.act(
          graph, serviceMask: mask, deterministic: deterministic, rng: &fastRNG)
        let reference = try policy.actReference(
          graph, serviceMask: mask, deterministic: deterministic, rng: &referenceRNG)
        #expect(fast.choices == reference.choices)
        #expect(abs(fast.nodeLogProb - reference.nodeLogProb) < 1e-4)
        #expect(abs(fast.serviceLogProb - reference.serviceLogProb) < 1e-4)
        #expect(fastRNG.next() == referenceRNG.next())
      }
    }
  }

  @Test func splitFirstLayerUsesEachInputBlock() throws {
    // Changing only the eAP block (or only the cluster block) of NodeActor's first layer must
    // change the node scores the fast path sees, exactly as in the reference path.
    let (policy, seeded) = try policy(seed: 5)
    var rng = seeded
    let graph = try hierarchyGraph(rng: &rng)
    for block in 0..<3 {
      var changed = policy.detached()
      changed.nodeActor!.updateParameters { name, p in
        guard name == "0.weight" else { return }
        var values = p.scalars
        let width = p.shape[1]
        for i in (block * 24 * width)..<((block + 1) * 24 * width) { values[i] *= 40 }
        p = Tensor(shape: p.shape, scalars: values)
      }
      var fastRNG = Xoshiro256(seed: 9)
      var referenceRNG = fastRNG
      let fast = try changed.act(graph, deterministic: true, rng: &fastRNG)
      let reference = try changed.actReference(graph, deterministic: true, rng: &referenceRNG)
      #expect(fast.choices == reference.choices, "block \(block)")
      #expect(abs(fast.nodeLogProb - reference.nodeLogProb) < 1e-3, "block \(block)")
    }
  }
}
