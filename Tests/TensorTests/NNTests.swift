import Foundation
import SeededRandom
import TensorModule
import TestSupport
import Testing

/// `Wᵀ·W` (or `W·Wᵀ`) compared with `gain² · I`.
func orthogonalityError(_ w: Tensor, gain: Float) -> Float {
  let (rows, cols) = (w.shape[0], w.shape[1])
  let gram = rows >= cols ? matmul(w, transposed: true, w) : matmul(w, w, transposed: true)
  let n = min(rows, cols)
  var worst: Float = 0
  for i in 0..<n {
    for j in 0..<n {
      let expected: Float = i == j ? gain * gain : 0
      worst = max(worst, abs(gram.scalars[i * n + j] - expected))
    }
  }
  return worst
}

@Suite("Layers and initializers")
struct NNTests {
  @Test(arguments: [[8, 8], [16, 4], [4, 16], [175, 256], [1, 5]])
  func orthogonalInitializer(_ shape: [Int]) {
    var rng = Xoshiro256(seed: 7)
    let w = Initializer.orthogonal(gain: 1.5).make(shape: shape, rng: &rng)
    #expect(w.shape == shape)
    #expect(orthogonalityError(w, gain: 1.5) < 1e-4)
    var other = Xoshiro256(seed: 8)
    #expect(Initializer.orthogonal(gain: 1.5).make(shape: shape, rng: &other) != w)
  }

  @Test func orthogonalIsDeterministicPerSeed() {
    var a = Xoshiro256(seed: 3)
    var b = Xoshiro256(seed: 3)
    let init1 = Initializer.orthogonal(gain: 1).make(shape: [6, 4], rng: &a)
    let init2 = Initializer.orthogonal(gain: 1).make(shape: [6, 4], rng: &b)
    #expect(init1 == init2)
  }

  @Test func scaleOfInitializers() {
    var rng = Xoshiro256(seed: 11)
    let glorot = Initializer.glorotUniform.make(shape: [100, 50], rng: &rng)
    let limit = (6.0 / 150.0).squareRoot()
    #expect(glorot.scalars.allSatisfy { abs($0) <= Float(limit) })
    #expect(glorot.scalars.map(abs).max()! > Float(limit) * 0.95)
    let kaiming = Initializer.kaimingNormal.make(shape: [200, 100], rng: &rng)
    let variance = kaiming.scalars.reduce(0) { $0 + $1 * $1 } / Float(kaiming.scalarCount)
    #expect(abs(variance - 2.0 / 200.0) < 0.001)
    let kaimingU = Initializer.kaimingUniform.make(shape: [24, 10], rng: &rng)
    #expect(kaimingU.scalars.allSatisfy { abs($0) <= 0.5 })
    #expect(Initializer.zeros.make(shape: [3], rng: &rng).scalars == [0, 0, 0])
  }

  @Test func linearComputesAffineMap() {
    let layer = Linear(weight: Tensor([[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, -1]))
    let x = Tensor([[1, 0, -1], [2, 1, 0]])
    #expect(layer(x).scalars == [-3.5, -5, 5.5, 7])
    #expect(layer(x, activation: .relu).scalars == [0, 0, 5.5, 7])
    #expect(layer(Tensor([[1, 1, 1]])).scalars == [9.5, 11])
  }

  @Test func mlpNamesShapesAndHeads() {
    var rng = Xoshiro256(seed: 1)
    let mlp = MLP(
      sizes: [5, 8, 3], activation: .tanh, outputActivation: .positivePlusOne,
      initializer: .orthogonal(gain: 1.4), outputInitializer: .orthogonal(gain: 0.01), rng: &rng)
    let names = mlp.namedParameters.map(\.name)
    #expect(names == ["0.weight", "0.bias", "1.weight", "1.bias"])
    #expect(mlp.namedParameters.map(\.tensor.shape) == [[5, 8], [8], [8, 3], [3]])
    #expect(mlp.parameterCount == 5 * 8 + 8 + 8 * 3 + 3)
    #expect(orthogonalityError(mlp.layers[1].weight, gain: 0.01) < 1e-6)
    let x = uniform([4, 5], -1, 1, seed: 3)
    let y = mlp(x)
    #expect(y.shape == [4, 3])
    #expect(y.scalars.allSatisfy { $0 >= 1 })
    #expect(y.requiresGradient)
  }

  @Test func inferencePathMatchesGraphPath() {
    var rng = Xoshiro256(seed: 2)
    for activation in [Activation.relu, .tanh, .leakyRelu(alpha: 0.2), .sigmoid] {
      let mlp = MLP(
        sizes: [7, 16, 9, 4], activation: activation, outputActivation: .positivePlusOne,
        rng: &rng)
      let fast = mlp.detached()
      for batch in [1, 5] {
        let x = uniform([batch, 7], -2, 2, seed: UInt64(batch))
        let tracked = mlp(x)
        let untracked = fast(x)
        #expect(tracked.requiresGradient && !untracked.requiresGradient)
        #expect(TestSupport.allClose(tracked.scalars, untracked.scalars, rtol: 1e-5, atol: 1e-6))
      }
    }
  }

  @Test func rawBufferInferenceMatchesTensorPath() {
    var rng = Xoshiro256(seed: 5)
    let mlp = MLP(
      sizes: [7, 16, 9, 4], activation: .tanh, outputActivation: .positivePlusOne, rng: &rng)
    var scratch = InferenceScratch()
    for batch in [1, 5] {
      let x = uniform([batch, 7], -2, 2, seed: UInt64(10 + batch))
      var y = [Float](repeating: .nan, count: batch * 4)
      x.scalars.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { mlp.infer(xp, rows: batch, into: $0, scratch: &scratch) }
      }
      #expect(TestSupport.allClose(y, mlp(x).scalars, rtol: 1e-5, atol: 1e-6))
      // From layer 1: the input is layer 0's output.
      let h = mlp.layers[0](x, activation: .tanh)
      var tail = [Float](repeating: .nan, count: batch * 4)
      h.scalars.withUnsafeBufferPointer { hp in
        tail.withUnsafeMutableBufferPointer {
          mlp.infer(hp, rows: batch, into: $0, scratch: &scratch, fromLayer: 1)
        }
      }
      #expect(TestSupport.allClose(tail, mlp(x).scalars, rtol: 1e-5, atol: 1e-6))
    }
    // Two ping-pong buffers of the widest hidden layer (16) per row; the last layer needs none.
    #expect(mlp.inferenceScratchCount(rows: 5) == 2 * 5 * 16)
    #expect(mlp.inferenceScratchCount(rows: 5, fromLayer: 1) == 2 * 5 * 9)
    #expect(mlp.inferenceScratchCount(rows: 5, fromLayer: 2) == 0)
    // Warm: the scratch has grown to the largest request and stays there.
    #expect(scratch.capacity == mlp.inferenceScratchCount(rows: 5))
    let layer = Linear(weight: Tensor([[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, -1]))
    var out = [Float](repeating: 0, count: 2)
    [Float](arrayLiteral: 1, 0, -1).withUnsafeBufferPointer { xp in
      out.withUnsafeMutableBufferPointer {
        layer.infer(xp.baseAddress!, rows: 1, into: $0.baseAddress!, activation: .relu)
      }
    }
    #expect(out == [0, 0])
  }

  @Test func detachedAndFreshCopies() {
    var rng = Xoshiro256(seed: 4)
    var mlp = MLP(sizes: [3, 4, 2], rng: &rng)
    let snapshot = mlp.detached()
    snapshot.visitParameters { _, p in #expect(p.parameterID == nil) }
    let fresh = mlp.withNewParameterIdentities()
    var originalIDs: [ParameterID] = []
    mlp.visitParameters { originalIDs.append($1.parameterID!) }
    var freshIDs: [ParameterID] = []
    fresh.visitParameters { freshIDs.append($1.parameterID!) }
    #expect(Set(originalIDs).isDisjoint(with: freshIDs))
    // Training the original leaves the snapshot unchanged (value semantics).
    let before = snapshot.layers[0].weight
    var grads = Gradients()
    mlp.visitParameters { grads[id: $1.parameterID!] = Tensor(ones: $1.shape) }
    var sgd = SGD(learningRate: 0.1)
    sgd.update(&mlp, along: grads)
    #expect(snapshot.layers[0].weight == before)
    #expect(mlp.layers[0].weight != before)
    // assignParameters copies values but keeps identities.
    var target = fresh
    target.assignParameters(from: mlp)
    #expect(target.layers[0].weight == mlp.layers[0].weight)
    #expect(target.layers[0].weight.parameterID == freshIDs[0])
  }

  @Test func layerNormByHand() {
    let norm = LayerNorm(features: 3, epsilon: 0)
    let y = norm(Tensor([[1, 2, 3], [2, 2, 5]]))
    let sd = Float(2.0 / 3.0).squareRoot()
    #expect(TestSupport.allClose(Array(y.scalars[0..<3]), [-1 / sd, 0, 1 / sd], rtol: 1e-5))
    #expect(norm.namedParameters.map(\.name) == ["weight", "bias"])
    let grads = y.sum().backward()
    #expect(grads[norm.weight] != nil && grads[norm.bias]!.scalars == [2, 2, 2])
  }

  @Test func randomConstructors() {
    var rng = Xoshiro256(seed: 9)
    let u = Tensor.uniform(shape: [1000], low: -2, high: 3, rng: &rng)
    #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
    let mean = u.scalars.reduce(0, +) / 1000
    #expect(abs(mean - 0.5) < 0.15)
    let n = Tensor.normal(shape: [2000], mean: 1, std: 2, rng: &rng)
    let nMean = n.scalars.reduce(0, +) / 2000
    let nVar = n.scalars.reduce(0) { $0 + ($1 - nMean) * ($1 - nMean) } / 2000
    #expect(abs(nMean - 1) < 0.15)
    #expect(abs(nVar.squareRoot() - 2) < 0.15)
  }
}

/// Config files name activations as strings; `.leakyRelu` keeps its payload object; the
/// one-key objects synthesized `Codable` used to write still decode.
@Test func activationsEncodeAsNamesAndDecodeBothForms() throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  func json(_ a: Activation) throws -> String {
    String(decoding: try encoder.encode([a]), as: UTF8.self)
  }
  func decode(_ text: String) throws -> Activation {
    try JSONDecoder().decode([Activation].self, from: Data(text.utf8))[0]
  }
  #expect(try json(.relu) == #"["relu"]"#)
  #expect(try json(.none) == #"["none"]"#)
  #expect(try json(.leakyRelu(alpha: 0.25)) == #"[{"leakyRelu":{"alpha":0.25}}]"#)
  let all: [Activation] = [.none, .relu, .leakyRelu(alpha: 0.1), .tanh, .sigmoid, .positivePlusOne]
  for a in all { #expect(try decode(try json(a)) == a) }
  #expect(try decode(#"[{"tanh": {}}]"#) == .tanh)
  #expect(try decode(#"[{"positivePlusOne": {}}]"#) == .positivePlusOne)
  #expect(throws: DecodingError.self) { try decode(#"["swish"]"#) }
  #expect(throws: DecodingError.self) { try decode(#"[{"relu": {}, "tanh": {}}]"#) }
}
