import Foundation
import RL
import TensorModule
import Testing

private func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool {
  abs(a - b) <= tolerance
}

@Suite struct LossesTests {
  // ratio [0.5, 1, 1.5, 1.5], A [1, −1, 2, −1], ε 0.2 → per sample
  // max(−A r, −A clip(r)): max(−0.5, −0.8) = −0.5; 1; max(−3, −2.4) = −2.4; max(1.5, 1.2) = 1.5.
  @Test func clippedSurrogateMatchesHandValuesAndGradients() {
    let ratio = Tensor.parameter(Tensor([0.5, 1.0, 1.5, 1.5]))
    let loss = PPOLoss.clippedSurrogate(
      ratio: ratio, advantages: Tensor([1, -1, 2, -1]), clipCoef: 0.2)
    #expect(close(loss.scalar, (-0.5 + 1 - 2.4 + 1.5) / 4))
    // Gradient −A/n where the unclipped term is active, 0 where the clipped one is.
    let g = loss.backward()[ratio]!.scalars
    #expect(close(g[0], -0.25) && close(g[1], 0.25) && g[2] == 0 && close(g[3], 0.25))
  }

  @Test func valueLossesMatchHandValues() {
    // ½ mean((1 − 0)², (2 − 4)²) = ½ · 2.5.
    #expect(
      close(
        PPOLoss.unclippedValueLoss(values: Tensor([1, 2]), returns: Tensor([0, 4])).scalar, 1.25))
    // V [1.5, 0], V_old [1, 1], R [2, 0], ε 0.2: clipped V [1.2, 0.8]
    // → ½ mean(max(.25, .64), max(0, .64)) = 0.32.
    let clipped = PPOLoss.clippedValueLoss(
      values: Tensor([1.5, 0]), oldValues: Tensor([1, 1]), returns: Tensor([2, 0]), clipCoef: 0.2)
    #expect(close(clipped.scalar, 0.32))
  }

  // d = [−0.5, −2, 3], δ = 1: [½·0.25, 1·(2 − ½), 1·(3 − ½)] = [0.125, 1.5, 2.5].
  @Test func huberMatchesHandValuesAndGradients() {
    let values = Tensor.parameter(Tensor([0, 0, 0]))
    let returns = Tensor([0.5, 2, -3])
    let elementwise = PPOLoss.huberElementwise(values: values, returns: returns, delta: 1)
    #expect(elementwise.scalars == [0.125, 1.5, 2.5])
    let loss = PPOLoss.huberValueLoss(values: values, returns: returns, delta: 1)
    #expect(close(loss.scalar, 4.125 / 3))
    let g = loss.backward()[values]!.scalars
    #expect(close(g[0], -0.5 / 3) && close(g[1], -1.0 / 3) && close(g[2], 1.0 / 3))
    // δ = 0.5 on d = 2: 0.5 · (2 − 0.25) = 0.875.
    #expect(
      close(
        PPOLoss.huberValueLoss(values: Tensor([2]), returns: Tensor([0]), delta: 0.5).scalar, 0.875)
    )
    // Clipped Huber: V 1.5, V_old 1, R 3, ε 0.2 → clipped V 1.2:
    // max(huber(−1.5), huber(−1.8)) = 1.3.
    let clipped = PPOLoss.clippedHuberValueLoss(
      values: Tensor([1.5]), oldValues: Tensor([1]), returns: Tensor([3]), clipCoef: 0.2, delta: 1)
    #expect(close(clipped.scalar, 1.3))
  }

  @Test func entropyBonusIsTheMean() {
    #expect(close(PPOLoss.entropyBonus(entropy: Tensor([0.5, 1.0, 1.5])).scalar, 1.0))
  }

  @Test func diagnosticsMatchHandValues() {
    // r = [1, 2]: ((1 − 1) − 0 + (2 − 1) − ln 2) / 2.
    let logRatios: [Float] = [0, log(2)]
    #expect(close(PPODiagnostics.approxKL(logRatios: logRatios), (1 - log(2)) / 2))
    #expect(close(PPODiagnostics.oldApproxKL(logRatios: logRatios), -log(2) / 2))
    // |r − 1| > 0.2 for r = 1.3 and 0.7, not for 1 and 1.1.
    let fraction = PPODiagnostics.clipFraction(
      logRatios: [0, log(1.1), log(1.3), log(0.7)], clipCoef: 0.2)
    #expect(fraction == 0.5)
    #expect(PPODiagnostics.explainedVariance(predicted: [1, 2, 3], target: [1, 2, 3]) == 1)
    #expect(PPODiagnostics.explainedVariance(predicted: [2, 2, 2], target: [1, 2, 3]) == 0)
    #expect(PPODiagnostics.explainedVariance(predicted: [1, 2], target: [5, 5]).isNaN)
    // mean 2, unbiased std 1 → [−1, 0, 1].
    let normalized = PPODiagnostics.normalized([1, 2, 3])
    #expect(close(normalized[0], -1) && normalized[1] == 0 && close(normalized[2], 1))
  }
}
