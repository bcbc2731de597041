import Envs
import KMPS
import KMPSTestSupport
import RL
import Testing

/// A one-stream batch whose decisions have `rewards`.
private func batch(_ rewards: [Float]) throws -> MAPPOBatch {
  var b = try MAPPOBatch(numStreams: 1, observationDim: 1, stateDim: 1, actionCount: 2)
  for (i, r) in rewards.enumerated() {
    try b.append(
      stream: 0, observation: [0], actionMask: [true, true], action: 0, logProb: 0, state: [0],
      reward: r, terminated: false, truncated: i == rewards.count - 1, finalState: [0])
  }
  return b
}

private func key(_ arrivalMs: Double) -> RequestKey {
  RequestKey(arrivalMs: arrivalMs, eap: 0, service: 0)
}

@Suite struct MultiRolloutBaselineTests {
  /// Two rollouts of requests x, y (rollout 1 decided y first): with γ = 0.5 the returns are
  /// r0 = [1 + 0.5·0, 0] = [1, 0] for (x, y) and r1 = [−1 + 0.5·1, 1] = [−0.5, 1] for (y, x).
  /// Leave-one-out: rollout 0's x is judged against rollout 1's x (1), and so on.
  @Test func advantagesAreReturnsMinusTheOtherRolloutsReturnOfTheSameRequest() throws {
    var rollouts = [try batch([1, 0]), try batch([-1, 1])]
    let keys = [[[key(10), key(20)]], [[key(20), key(10)]]]
    try DispatchTraining.applyInputDependentBaseline(&rollouts, keys: keys, gamma: 0.5)
    #expect(rollouts[0].streams[0].advantageOverrides == [1 - 1, 0 - (-0.5)])
    #expect(rollouts[1].streams[0].advantageOverrides == [-0.5 - 0, 1 - 1])
  }

  @Test func aRequestOnlyOneRolloutDecidedGetsNoAdvantage() throws {
    var rollouts = [try batch([1, 1]), try batch([0])]
    let keys = [[[key(10), key(30)]], [[key(10)]]]
    try DispatchTraining.applyInputDependentBaseline(&rollouts, keys: keys, gamma: 0)
    #expect(rollouts[0].streams[0].advantageOverrides == [1, 0])
    #expect(rollouts[1].streams[0].advantageOverrides == [-1])
  }

  @Test func missingKeysAreANamedError() throws {
    var rollouts = [try batch([1, 1]), try batch([0])]
    #expect(throws: KMPSConfigError.self) {
      try DispatchTraining.applyInputDependentBaseline(
        &rollouts, keys: [[[key(10)]], [[key(10)]]], gamma: 0)
    }
  }

  /// A tiny training run with three rollouts per episode: every episode trains on all of them
  /// (three times the decisions of one rollout), and the config rejects 0 rollouts.
  @Test func trainingWithSeveralRolloutsPerEpisode() throws {
    var training = DispatchTrainingConfig.kmps(quick: true)
    training.environment = gpoTinySystem(rate: 20, slots: 40, frame: 8)
    training.environment.orchestration.orchestrator = .hpa
    training.curriculum = []
    training.episodes = 2
    training.episodeSlots = 40
    training.loadRequestsPerSecond = 20
    training.warmupPlacementSlots = 0
    training.mappo.actorHiddenSizes = [16]
    training.mappo.criticHiddenSizes = [16]
    training.rolloutsPerEpisode = 3
    let result = try DispatchTraining.run(
      series: .b2, seed: 1, config: training, trace: nil)
    #expect(result.episodes.count == 2)
    #expect(result.episodes.allSatisfy { $0.throughput >= 0 && $0.throughput <= 1 })
    // Each update saw the three rollouts: about three times one rollout's decisions (the
    // rollouts share arrivals, not decisions: a request may expire before one of them decides).
    let decisions = result.episodes[1].decisions
    #expect(decisions > 0)
    #expect(result.trainer.lastStats.samples > 2 * decisions)
    training.rolloutsPerEpisode = 0
    #expect(throws: KMPSConfigError.self) { try training.validate() }
  }
}
