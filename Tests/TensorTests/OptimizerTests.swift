import Foundation
import SeededRandom
import TensorModule
import TestSupport
import Testing

/// A one-layer model with a 2-element weight and 1-element bias, for hand-computed steps.
func tinyModel(_ w: [Float], _ b: Float) -> Linear {
  Linear(weight: .parameter(Tensor(shape: [2, 1], scalars: w)), bias: .parameter(Tensor([b])))
}

func gradients(_ model: Linear, _ w: [Float], _ b: Float) -> Gradients {
  var g = Gradients()
  g[id: model.weight.parameterID!] = Tensor(shape: [2, 1], scalars: w)
  g[id: model.bias.parameterID!] = Tensor([b])
  return g
}

@Suite("Optimizers, schedules, clipping")
struct OptimizerTests {
  @Test func adamFirstStepsByHand() {
    var model = tinyModel([1, -2], 0)
    var adam = Adam(learningRate: 0.1)
    adam.update(&model, along: gradients(model, [0.5, -1], 0))
    // Step 1: m̂ = g, v̂ = g², so θ moves by lr·sign(g).
    #expect(TestSupport.allClose(model.weight.scalars, [0.9, -1.9], rtol: 1e-6))
    adam.update(&model, along: gradients(model, [1, 0.5], 0))
    // Step 2 (hand/Python): θ = [0.8034818, -1.8733663].
    #expect(TestSupport.allClose(model.weight.scalars, [0.8034818, -1.8733663], rtol: 1e-6))
    // The bias had zero gradient: m = v = 0 → no move (ε keeps 0/0 away).
    #expect(model.bias.scalars == [0])
    #expect(adam.step == 2)
  }

  @Test func adamEpsilonIsConfigurable() {
    var model = tinyModel([0, 0], 0)
    var adam = Adam(learningRate: 1, epsilon: 1)
    adam.update(&model, along: gradients(model, [1, 3], 0))
    // θ −= 1 · g / (|g| + 1)
    #expect(TestSupport.allClose(model.weight.scalars, [-0.5, -0.75]))
  }

  @Test func adamConvergesOnRegression() {
    var rng = Xoshiro256(seed: 5)
    let x = Tensor.uniform(shape: [64, 3], low: -1, high: 1, rng: &rng)
    let trueW = Tensor([[1.5], [-2], [0.5]])
    let y = matmul(x, trueW) + 0.3
    var model = MLP(sizes: [3, 16, 1], activation: .tanh, rng: &rng)
    var adam = Adam(learningRate: 0.02)
    let initialLoss = mse(model(x), y).scalar
    var loss = initialLoss
    for _ in 0..<300 {
      let l = mse(model(x), y)
      loss = l.scalar
      let grads = l.backward()
      adam.update(&model, along: grads)
    }
    #expect(initialLoss > 0.5)
    #expect(loss < 0.01 * initialLoss, "loss \(initialLoss) → \(loss)")
  }

  @Test func sgdMomentumByHand() {
    var model = tinyModel([1, 0], 2)
    var sgd = SGD(learningRate: 0.1, momentum: 0.9)
    // b₁ = 1 → 0.9; b₂ = 1.9 → 0.71; b₃ = 2.71 → 0.439.
    let expected: [Float] = [0.9, 0.71, 0.439]
    for step in 0..<3 {
      sgd.update(&model, along: gradients(model, [1, 0], -1))
      #expect(TestSupport.isClose(model.weight.scalars[0], expected[step], rtol: 1e-6))
      #expect(model.weight.scalars[1] == 0)
    }
    #expect(TestSupport.isClose(model.bias.scalars[0], 2.561, rtol: 1e-6))
    var plain = tinyModel([1, 1], 0)
    var noMomentum = SGD(learningRate: 0.5)
    noMomentum.update(&plain, along: gradients(plain, [1, -2], 0))
    noMomentum.update(&plain, along: gradients(plain, [1, -2], 0))
    #expect(plain.weight.scalars == [0, 3])
  }

  @Test func schedulesByHand() {
    let staircase = LearningRateSchedule.exponentialStaircase(
      initial: 0.001, decayRate: 0.5, decaySteps: 100)
    #expect(staircase.rate(atStep: 0) == 0.001)
    #expect(staircase.rate(atStep: 99) == 0.001)
    #expect(staircase.rate(atStep: 100) == 0.0005)
    #expect(staircase.rate(atStep: 250) == 0.00025)
    let linear = LearningRateSchedule.linear(initial: 1, final: 0.2, totalSteps: 8)
    #expect(linear.rate(atStep: 0) == 1)
    #expect(TestSupport.isClose(linear.rate(atStep: 2), 0.8))
    #expect(TestSupport.isClose(linear.rate(atStep: 8), 0.2))
    #expect(TestSupport.isClose(linear.rate(atStep: 20), 0.2))
    #expect(LearningRateSchedule.constant(0.3).rate(atStep: 1_000) == 0.3)
  }

  @Test func scheduleIsCodable() throws {
    let s = LearningRateSchedule.linear(initial: 1, final: 0, totalSteps: 5)
    let data = try JSONEncoder().encode(s)
    #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: data) == s)
  }

  @Test func clipByGlobalNormByHand() {
    let model = tinyModel([0, 0], 0)
    var grads = gradients(model, [3, 4], 12)
    let norm = clipByGlobalNorm(&grads, maxNorm: 6.5)
    #expect(TestSupport.isClose(norm, 13))
    #expect(TestSupport.allClose(grads[model.weight]!.scalars, [1.5, 2], rtol: 1e-5))
    #expect(TestSupport.allClose(grads[model.bias]!.scalars, [6], rtol: 1e-5))
    #expect(TestSupport.isClose(grads.globalNorm, 6.5, rtol: 1e-5))
    var small = gradients(model, [3, 4], 12)
    #expect(TestSupport.isClose(small.clip(globalNorm: 20), 13))
    #expect(small[model.weight]!.scalars == [3, 4])
  }
}
