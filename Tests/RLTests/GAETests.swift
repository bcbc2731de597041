import RL
import Testing

private func expectClose(
  _ got: [Float], _ want: [Float], tolerance: Float = 1e-5,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.count == want.count, sourceLocation: sourceLocation)
  for (g, w) in zip(got, want) {
    #expect(abs(g - w) <= tolerance, "\(got) vs \(want)", sourceLocation: sourceLocation)
  }
}

@Suite struct GAETests {
  @Test func terminatedEpisodeDoesNotBootstrap() throws {
    // γ = 0.9, λ = 0.8 (γλ = 0.72); V = 0.5 everywhere; terminal after step 2, so the last
    // value (10) is ignored: δ2 = 0.5, δ1 = δ0 = 1 + 0.45 − 0.5 = 0.95.
    let r = try GAE.compute(
      rewards: [1, 1, 1], values: [0.5, 0.5, 0.5], terminated: [false, false, true],
      truncated: [false, false, false], truncationValues: [0, 0, 0], lastValues: [10],
      gamma: 0.9, lambda: 0.8)
    expectClose(r.advantages, [0.95 + 0.72 * 1.31, 0.95 + 0.72 * 0.5, 0.5])
    expectClose(r.returns, [2.3932, 1.81, 1.0])
  }

  @Test func truncatedEpisodeBootstrapsFromFinalObservationValue() throws {
    // Same rollout truncated after step 2 with V(final obs) = 2: δ2 = 1 + 1.8 − 0.5 = 2.3.
    let r = try GAE.compute(
      rewards: [1, 1, 1], values: [0.5, 0.5, 0.5], terminated: [false, false, false],
      truncated: [false, false, true], truncationValues: [0, 0, 2], lastValues: [10],
      gamma: 0.9, lambda: 0.8)
    expectClose(r.advantages, [0.95 + 0.72 * 2.606, 0.95 + 0.72 * 2.3, 2.3])
  }

  @Test func terminationWinsWhenBothFlagsAreSet() throws {
    let r = try GAE.compute(
      rewards: [1, 1], values: [0.5, 0.5], terminated: [false, true], truncated: [false, true],
      truncationValues: [0, 100], lastValues: [100], gamma: 0.9, lambda: 0.8)
    expectClose(r.advantages, [0.95 + 0.72 * 0.5, 0.5])
  }

  @Test func multiEnvTimeMajorLayoutWithEpisodeBoundaries() throws {
    // γ = λ = 0.5. Env 0: terminal at t = 0, then running, last value 4.
    //   t2: δ = 3 + 2 − 1 = 4; t1: δ = 2 + 0.5 − 1 = 1.5, A = 1.5 + 0.25·4 = 2.5; t0: A = 1 − 1.
    // Env 1: truncated at t = 1 with V(final) = 6, last value 0.
    //   t2: A = 1 − 2 = −1; t1: A = 0 + 3 − 2 = 1 (nothing flows back); t0: −1 + 0.25 = −0.75.
    let r = try GAE.compute(
      rewards: [1, 0, 2, 0, 3, 1], values: [1, 2, 1, 2, 1, 2],
      terminated: [true, false, false, false, false, false],
      truncated: [false, false, false, true, false, false],
      truncationValues: [0, 0, 0, 6, 0, 0], lastValues: [4, 0], gamma: 0.5, lambda: 0.5)
    expectClose(r.advantages, [0, -0.75, 2.5, 1, 4, -1])
    expectClose(r.returns, [1, 1.25, 3.5, 3, 5, 1])
  }

  @Test func lambdaOneIsMonteCarloAndLambdaZeroIsTDError() throws {
    let rewards: [Float] = [1, 2, 3]
    let values: [Float] = [0.5, 0.25, 2]
    func run(gamma: Float, lambda: Float) throws -> GAE.Result {
      try GAE.compute(
        rewards: rewards, values: values, terminated: [false, false, false],
        truncated: [false, false, false], truncationValues: [0, 0, 0], lastValues: [10],
        gamma: gamma, lambda: lambda)
    }
    // λ = 1: G2 = 3 + 9 = 12, G1 = 2 + 10.8 = 12.8, G0 = 1 + 11.52 = 12.52; A = G − V.
    let mc = try run(gamma: 0.9, lambda: 1)
    expectClose(mc.returns, [12.52, 12.8, 12])
    expectClose(mc.advantages, [12.02, 12.55, 10])
    // λ = 0: one-step TD errors.
    expectClose(try run(gamma: 0.9, lambda: 0).advantages, [0.725, 3.55, 10])
    // γ = 0: the reward minus the value.
    expectClose(try run(gamma: 0, lambda: 0.95).advantages, [0.5, 1.75, 1])
  }

  @Test func explicitNextValuesMatchConvenienceForm() throws {
    let a = try GAE.compute(
      rewards: [1, 0, 2, 0, 3, 1], values: [1, 2, 1, 2, 1, 2], nextValues: [9, 2, 1, 6, 4, 0],
      terminated: [true, false, false, false, false, false],
      truncated: [false, false, false, true, false, false], numEnvs: 2, gamma: 0.5,
      lambda: 0.5)
    expectClose(a.advantages, [0, -0.75, 2.5, 1, 4, -1])
  }

  @Test func rejectsInconsistentInput() {
    #expect(
      throws: RLInputError(
        component: "GAE.compute", field: "values", reason: "has 2 entries, rewards has 3")
    ) {
      try GAE.compute(
        rewards: [1, 1, 1], values: [0, 0], terminated: [false, false, false],
        truncated: [false, false, false], truncationValues: [0, 0, 0], lastValues: [0],
        gamma: 0.9, lambda: 0.9)
    }
    #expect(throws: RLInputError.self) {
      try GAE.compute(
        rewards: [1], values: [0], terminated: [false], truncated: [false],
        truncationValues: [0], lastValues: [0], gamma: 1.5, lambda: 0.9)
    }
    #expect(throws: RLInputError.self) {
      try GAE.compute(
        rewards: [1, 2, 3], values: [0, 0, 0], terminated: [false, false, false],
        truncated: [false, false, false], truncationValues: [0, 0, 0], lastValues: [0, 0],
        gamma: 0.9, lambda: 0.9)
    }
  }
}
