import RL
import SeededRandom
import Testing

@Suite struct RolloutBufferTests {
  /// The two-env rollout of `GAETests.multiEnvTimeMajorLayoutWithEpisodeBoundaries`, with
  /// observation `[flat index, −flat index]` and masks `[index is even, true]`.
  private func filledBuffer() throws -> RolloutBuffer {
    var buffer = try RolloutBuffer(numSteps: 3, numEnvs: 2, observationDim: 2, actionMaskSize: 2)
    let rewards: [[Float]] = [[1, 0], [2, 0], [3, 1]]
    let values: [[Float]] = [[1, 2], [1, 2], [1, 2]]
    let terminated = [[true, false], [false, false], [false, false]]
    let truncated = [[false, false], [false, true], [false, false]]
    for t in 0..<3 {
      let i0 = Float(2 * t)
      try buffer.add(
        observations: [i0, -i0, i0 + 1, -(i0 + 1)], actions: [t, 10 + t],
        logProbs: [-0.1 * Float(t), -0.2], rewards: rewards[t], terminated: terminated[t],
        truncated: truncated[t], values: values[t], actionMasks: [true, true, false, true],
        truncationValues: t == 1 ? [99, 6] : nil)
    }
    return buffer
  }

  @Test func storesTimeMajorAndComputesGAEWithTruncationValues() throws {
    var buffer = try filledBuffer()
    #expect(buffer.isFull && buffer.count == 6)
    #expect(buffer.actions == [0, 10, 1, 11, 2, 12])
    #expect(buffer.truncationValues == [0, 0, 99, 6, 0, 0])
    #expect(Array(buffer.observations[6..<8]) == [3, -3])
    try buffer.computeAdvantages(lastValues: [4, 0], gamma: 0.5, lambda: 0.5)
    // Env 0's truncation value (99) is ignored: env 0 was not truncated at t = 1.
    #expect(buffer.advantages == [0, -0.75, 2.5, 1, 4, -1])
    #expect(buffer.returns == [1, 1.25, 3.5, 3, 5, 1])
    #expect(buffer.gatherObservations([5, 0]) == [5, -5, 0, 0])
    #expect(buffer.gatherActionMasks([1, 2]) == [false, true, true, true])
    #expect(RolloutBuffer.gather(buffer.actions, [3, 4]) == [11, 2])
  }

  @Test func minibatchesPartitionTheBatchReproducibly() throws {
    let buffer = try filledBuffer()
    var rngA = Xoshiro256(seed: 3)
    var rngB = Xoshiro256(seed: 3)
    let a = buffer.minibatchIndices(numMinibatches: 4, rng: &rngA)
    #expect(a == buffer.minibatchIndices(numMinibatches: 4, rng: &rngB))
    #expect(a.map(\.count) == [2, 2, 1, 1])
    #expect(a.flatMap { $0 }.sorted() == Array(0..<6))
    // The shuffle moves things: over many draws every index lands first at least once.
    var firsts = Set<Int>()
    for _ in 0..<200 { firsts.insert(buffer.minibatchIndices(numMinibatches: 2, rng: &rngA)[0][0]) }
    #expect(firsts == Set(0..<6))
  }

  @Test func rejectsBadInput() throws {
    var buffer = try filledBuffer()
    #expect(throws: RLInputError.self) {
      try buffer.add(
        observations: [0, 0, 0, 0], actions: [0, 0], logProbs: [0, 0], rewards: [0, 0],
        terminated: [false, false], truncated: [false, false], values: [0, 0],
        actionMasks: [true, true, true, true])
    }
    buffer.reset()
    #expect(buffer.count == 0)
    #expect(
      throws: RLInputError(
        component: "RolloutBuffer.add", field: "actionMasks", reason: "has 0 entries, expected 4")
    ) {
      try buffer.add(
        observations: [0, 0, 0, 0], actions: [0, 0], logProbs: [0, 0], rewards: [0, 0],
        terminated: [false, false], truncated: [false, false], values: [0, 0])
    }
    #expect(throws: RLInputError.self) {
      try buffer.computeAdvantages(lastValues: [0, 0], gamma: 0.9, lambda: 0.9)
    }
    #expect(throws: RLInputError.self) {
      try RolloutBuffer(numSteps: 0, numEnvs: 1, observationDim: 1)
    }
  }
}
