import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

private func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool {
  abs(a - b) <= tolerance
}

@Suite struct MaskedCategoricalTests {
  // logits [1, 2, 3] with action 1 masked: π = [e, 0, e³] / (e + e³).
  @Test func logitMaskGivesHandDerivedProbabilitiesLogProbAndEntropy() {
    let d = MaskedCategorical(logits: Tensor([[1, 2, 3]]), mask: [true, false, true])
    let z = Float(M_E) + Float(exp(3.0))
    let p0 = Float(M_E) / z
    let p2 = Float(exp(3.0)) / z
    let probabilities = d.probabilities.scalars
    #expect(close(probabilities[0], p0) && probabilities[1] == 0 && close(probabilities[2], p2))
    #expect(close(d.logProbability(of: [2]).scalars[0], 3 - log(z)))
    #expect(close(d.logProbability(of: [0]).scalars[0], 1 - log(z)))
    // p0 = 1 / (1 + e²) = 0.11920: −(p0 ln p0 + p2 ln p2) = 0.36533 (masked action: nothing).
    #expect(close(d.entropy().scalars[0], -(p0 * log(p0) + p2 * log(p2))))
    #expect(close(d.entropy().scalars[0], 0.365_33, 1e-4))
  }

  // Eq. 2: scores [1, 2, 3, 4] with action 2 masked: π = [1, 2, 0, 4] / 7.
  @Test func contextFilterGivesHandDerivedProbabilitiesLogProbAndEntropy() {
    let d = MaskedCategorical(scores: Tensor([[1, 2, 3, 4]]), mask: [true, true, false, true])
    let expected: [Float] = [1.0 / 7, 2.0 / 7, 0, 4.0 / 7]
    for (got, want) in zip(d.probabilities.scalars, expected) { #expect(close(got, want)) }
    #expect(d.probabilities.scalars[2] == 0)
    #expect(close(d.logProbability(of: [1]).scalars[0], log(2.0 / 7)))
    let valid: [Float] = [1.0 / 7, 2.0 / 7, 4.0 / 7]
    var entropy: Float = 0
    for p in valid { entropy -= p * log(p) }
    #expect(close(d.entropy().scalars[0], entropy))
  }

  // d log π₁ / d s_j = δ₁ⱼ / s₁ − 1 / Σ_valid s for valid j, and exactly 0 for masked j.
  @Test func contextFilterGradientIsZeroOnMaskedScoresAndHandDerivedElsewhere() {
    let scores = Tensor.parameter(Tensor([[1, 2, 3, 4]]))
    let d = MaskedCategorical(scores: scores, mask: [true, true, false, true])
    let grads = d.logProbability(of: [1]).sum().backward()
    let g = grads[scores]!.scalars
    #expect(close(g[0], -1.0 / 7) && close(g[1], 0.5 - 1.0 / 7) && close(g[3], -1.0 / 7))
    #expect(g[2] == 0)
    // Entropy gradient also leaves masked scores alone.
    let entropyGrad = MaskedCategorical(scores: scores, mask: [true, true, false, true])
      .entropy().sum().backward()[scores]!.scalars
    #expect(entropyGrad[2] == 0)
    #expect(entropyGrad.enumerated().contains { $0.offset != 2 && $0.element != 0 })
  }

  // d log π₂ / d x_j = δ₂ⱼ − π_j over valid j, 0 on the masked logit.
  @Test func logitMaskGradientIsZeroOnMaskedLogits() {
    let logits = Tensor.parameter(Tensor([[1, 2, 3], [0.5, -1, 0.25]]))
    let mask = [true, false, true, false, true, true]
    let d = MaskedCategorical(logits: logits, mask: mask)
    let g = (d.logProbability(of: [2, 1]).sum() + d.entropy().sum()).backward()[logits]!.scalars
    #expect(g[1] == 0 && g[3] == 0)
    let logPOnly = MaskedCategorical(logits: logits, mask: mask).logProbability(of: [2, 1]).sum()
      .backward()[logits]!.scalars
    let z = Float(M_E) + Float(exp(3.0))
    #expect(close(logPOnly[0], -Float(M_E) / z) && close(logPOnly[2], 1 - Float(exp(3.0)) / z))
    let z2 = Float(exp(-1.0)) + Float(exp(0.25))
    #expect(close(logPOnly[4], 1 - Float(exp(-1.0)) / z2))
    #expect(close(logPOnly[5], -Float(exp(0.25)) / z2))
  }

  @Test func unmaskedMatchesPlainSoftmax() {
    let logits = Tensor([[0.3, -0.2, 1.1, 0.0]])
    let d = MaskedCategorical(logits: logits)
    for (got, want) in zip(d.probabilities.scalars, logits.softmax().scalars) {
      #expect(close(got, want))
    }
    #expect(close(d.entropy().scalars[0], logits.entropyFromLogits().scalars[0]))
  }

  @Test(arguments: MaskMode.allCases)
  func fastPathMatchesGraphPath(mode: MaskMode) {
    let outputs: [Float] = [1.5, 0.2, 2.5, 1.0, 3.0]
    let mask = [true, false, true, true, false]
    let graph = MaskedCategorical(mode, outputs: Tensor([outputs]), mask: mask).probabilities
    var fast = [Float](repeating: -1, count: 5)
    outputs.withUnsafeBufferPointer { op in
      mask.withUnsafeBufferPointer { mp in
        fast.withUnsafeMutableBufferPointer { fp in
          MaskedCategorical.fillProbabilities(outputs: op, mask: mp, mode: mode, into: fp)
        }
      }
    }
    for (a, b) in zip(fast, graph.scalars) { #expect(close(a, b, 1e-6)) }
    #expect(fast[1] == 0 && fast[4] == 0)
  }

  @Test(arguments: MaskMode.allCases)
  func samplingNeverPicksMaskedActionsAndMatchesProbabilities(mode: MaskMode) {
    let outputs = Tensor([[1, 2, 3, 4], [2, 1, 1, 1]])
    let mask = [true, true, false, true, false, true, true, true]
    let d = MaskedCategorical(mode, outputs: outputs, mask: mask)
    var rng = Xoshiro256(seed: 7)
    var counts = [[Int]](repeating: [0, 0, 0, 0], count: 2)
    let draws = 20_000
    for _ in 0..<draws {
      let actions = d.sample(using: &rng)
      counts[0][actions[0]] += 1
      counts[1][actions[1]] += 1
    }
    #expect(counts[0][2] == 0 && counts[1][0] == 0)
    let p = d.probabilities.scalars
    for row in 0..<2 {
      for a in 0..<4 {
        // 4σ of a binomial frequency at 20k draws is ≤ 0.0142.
        #expect(abs(Float(counts[row][a]) / Float(draws) - p[row * 4 + a]) < 0.015)
      }
    }
    #expect(d.mode() == (mode == .logits ? [3, 1] : [3, 1]))
  }

  @Test func allMaskedRowIsAPreconditionFailure() async {
    await #expect(processExitsWith: .failure) {
      _ = MaskedCategorical(logits: Tensor([[1, 2], [3, 4]]), mask: [true, false, false, false])
    }
    await #expect(processExitsWith: .failure) {
      _ = MaskedCategorical(scores: Tensor([[1, 2]]), mask: [false, false])
    }
  }
}

/// Masks given per row (`[[Bool]]`) or as a `[batch, actions]` 0/1 tensor: the same
/// distribution as the flat mask, checked against hand-derived values.
@Suite struct TwoDimensionalMaskTests {
  // Row 0: logits [1, 2, 3], action 1 masked: π = [e, 0, e³] / (e + e³).
  // Row 1: logits [0.5, −1, 0.25], action 0 masked: π = [0, e⁻¹, e^0.25] / (e⁻¹ + e^0.25).
  static let logits = Tensor([[1, 2, 3], [0.5, -1, 0.25]])
  static let rows: [[Bool]] = [[true, false, true], [false, true, true]]

  static func checkHandValues(_ d: MaskedCategorical) {
    let z0 = exp(1.0) + exp(3.0)
    let z1 = exp(-1.0) + exp(0.25)
    let p: [Double] = [exp(1.0) / z0, 0, exp(3.0) / z0, 0, exp(-1.0) / z1, exp(0.25) / z1]
    for (got, want) in zip(d.probabilities.scalars, p) {
      #expect(abs(Double(got) - want) < 1e-6)
    }
    #expect(d.probabilities.scalars[1] == 0 && d.probabilities.scalars[3] == 0)
    let logProbs = d.logProbability(of: [2, 1]).scalars
    #expect(abs(Double(logProbs[0]) - (3 - log(z0))) < 1e-5)
    #expect(abs(Double(logProbs[1]) - (-1 - log(z1))) < 1e-5)
    // Row 0: 0.36533 (as in the flat test); row 1: p = 0.22270, 0.77730 → 0.53030.
    let entropy = d.entropy().scalars
    let h0 = -(p[0] * log(p[0]) + p[2] * log(p[2]))
    let h1 = -(p[4] * log(p[4]) + p[5] * log(p[5]))
    #expect(abs(Double(entropy[0]) - h0) < 1e-5 && abs(Double(entropy[1]) - h1) < 1e-5)
    #expect(abs(h1 - 0.530_30) < 1e-4)
    #expect(d.mask == rows.flatMap { $0 })
  }

  @Test func rowsOfBoolsGiveHandDerivedValues() throws {
    Self.checkHandValues(try MaskedCategorical(logits: Self.logits, mask: Self.rows))
    Self.checkHandValues(try MaskedCategorical(.logits, outputs: Self.logits, mask: Self.rows))
  }

  @Test func aZeroOneTensorGivesHandDerivedValues() throws {
    let mask = Tensor([[1, 0, 1], [0, 1, 1]])
    Self.checkHandValues(try MaskedCategorical(logits: Self.logits, mask: mask))
    Self.checkHandValues(try MaskedCategorical(.logits, outputs: Self.logits, mask: mask))
  }

  // Eq. 2 per row: [1, 2, 0, 4] / 7 and [0, 2, 1, 1] / 4.
  @Test func contextFilterTakesTwoDimensionalMasks() throws {
    let scores = Tensor([[1, 2, 3, 4], [2, 2, 1, 1]])
    let rows: [[Bool]] = [[true, true, false, true], [false, true, true, true]]
    let fromRows = try MaskedCategorical(scores: scores, mask: rows)
    let fromTensor = try MaskedCategorical(
      scores: scores, mask: Tensor([[1, 1, 0, 1], [0, 1, 1, 1]]))
    let expected: [Double] = [1.0 / 7, 2.0 / 7, 0, 4.0 / 7, 0, 0.5, 0.25, 0.25]
    for d in [fromRows, fromTensor] {
      for (got, want) in zip(d.probabilities.scalars, expected) {
        #expect(abs(Double(got) - want) < 1e-6)
      }
      // Row 1: H = −(½ ln ½ + 2 · ¼ ln ¼) = 1.5 ln 2.
      #expect(abs(Double(d.entropy().scalars[1]) - 1.5 * log(2.0)) < 1e-5)
    }
  }

  @Test func shapeMismatchesNameBothShapes() {
    let tooFewRows = #expect(throws: RLInputError.self) {
      try MaskedCategorical(logits: Self.logits, mask: [[true, true, true]])
    }
    #expect(tooFewRows?.reason == "has shape [1, 3], outputs have shape [2, 3]")
    #expect(tooFewRows?.component == "MaskedCategorical.init(logits:mask:)")
    let tooWide = #expect(throws: RLInputError.self) {
      try MaskedCategorical(
        logits: Self.logits, mask: [[true, true, true, true], [true, true, true, true]])
    }
    #expect(tooWide?.reason == "has shape [2, 4], outputs have shape [2, 3]")
    let ragged = #expect(throws: RLInputError.self) {
      try MaskedCategorical(
        scores: Tensor([[1, 2, 3], [1, 1, 1]]), mask: [[true, true, true], [true]])
    }
    #expect(
      ragged?.reason == "has shape ragged (2 rows of [3, 1] entries), outputs have shape [2, 3]")
    let tensorShape = #expect(throws: RLInputError.self) {
      try MaskedCategorical(logits: Self.logits, mask: Tensor([[1, 0], [1, 1], [0, 1]]))
    }
    #expect(
      tensorShape?.reason
        == "has shape [3, 2], outputs have shape [2, 3] (both must be [batch, actions])")
    let notZeroOne = #expect(throws: RLInputError.self) {
      try MaskedCategorical(logits: Self.logits, mask: Tensor([[1, 0, 1], [0, 0.5, 1]]))
    }
    #expect(notZeroOne?.reason.hasPrefix("entry [1, 1] is 0.5") == true)
    let allMasked = #expect(throws: RLInputError.self) {
      try MaskedCategorical(
        logits: Self.logits, mask: [[true, false, true], [false, false, false]])
    }
    #expect(allMasked?.reason == "row 1 masks every action")
  }
}
