import Testing

@testable import KMPS

/// One merge of the parallel-variance formula (batch of one, batch variance 0), written out.
private func merged(
  count: Double, mean: Double, variance: Double, value: Double
) -> (count: Double, mean: Double, variance: Double) {
  let t = count + 1
  let d = value - mean
  return (t, mean + d / t, (variance * count + d * d * count / t) / t)
}

@Test func returnScalerMatchesHandComputedValuesWithoutClipping() {
  var scaler = ReturnScaler(gamma: 0.5, clip: .infinity)
  // Rewards 1, −1, 3 with γ = 0.5: returns 1, −0.5, 2.75.
  // Step 1: t = 1.0001, mean = 1/1.0001, var = (1e-4 + 1e-4/1.0001)/1.0001 ≈ 1.9997e-4,
  // scaled = 1/√(var + 1e-8) ≈ 70.7142.
  let s1 = scaler.scale(1)
  #expect(abs(scaler.mean - 1 / 1.0001) < 1e-12)
  #expect(abs(scaler.variance - (1e-4 + 1e-4 / 1.0001) / 1.0001) < 1e-15)
  #expect(abs(s1 - 70.7142132106) < 1e-6)
  // Step 2: return −0.5 → mean ≈ 0.2499875, var ≈ 0.562525, scaled ≈ −1.3333037.
  let s2 = scaler.scale(-1)
  #expect(abs(scaler.discountedReturn - -0.5) < 1e-15)
  #expect(abs(scaler.mean - 0.249987500625) < 1e-10)
  #expect(abs(scaler.variance - 0.562524998594) < 1e-10)
  #expect(abs(s2 - -1.33330369451) < 1e-9)
  // Step 3: return 2.75 → var ≈ 1.7639025, scaled ≈ 2.2588321.
  let s3 = scaler.scale(3)
  #expect(abs(scaler.discountedReturn - 2.75) < 1e-15)
  #expect(abs(scaler.variance - 1.76390254454) < 1e-9)
  #expect(abs(s3 - 2.25883214842) < 1e-9)
  #expect(abs(scaler.count - 3.0001) < 1e-12)
}

@Test func returnScalerStartsFromThePriorAndClipsTheFirstReward() {
  // The old scaler started at variance 0: the first reward was divided by √1e-8 (×10⁴).
  var scaler = ReturnScaler(gamma: 0.99)
  #expect(scaler.variance == 1 && scaler.count == 1e-4 && scaler.mean == 0)
  let first = scaler.scale(1000)
  #expect(first == 10)  // 1000/√99.98 ≈ 100, clipped to the references' 10
  let expected = merged(count: 1e-4, mean: 0, variance: 1, value: 1000)
  #expect(abs(scaler.variance - expected.variance) < 1e-9)
  #expect(abs(scaler.variance - 99.9801029896) < 1e-8)
  // A small reward after: return 990 + 1 = 991.
  let next = scaler.scale(1)
  let e2 = merged(
    count: expected.count, mean: expected.mean, variance: expected.variance, value: 991)
  #expect(abs(scaler.variance - e2.variance) < 1e-9)
  #expect(abs(next - 1 / (e2.variance + 1e-8).squareRoot()) < 1e-12)
  var negative = ReturnScaler(gamma: 0.99)
  #expect(negative.scale(-1000) == -10)
}

@Test func returnScalerEndEpisodeRestartsOnlyTheReturn() {
  var scaler = ReturnScaler(gamma: 0.9)
  _ = scaler.scale(2)
  _ = scaler.scale(4)
  let before = (scaler.count, scaler.mean, scaler.variance)
  scaler.endEpisode()
  #expect(scaler.discountedReturn == 0)
  #expect(scaler.count == before.0 && scaler.mean == before.1 && scaler.variance == before.2)
  _ = scaler.scale(3)
  #expect(scaler.discountedReturn == 3)
}
