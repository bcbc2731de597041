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
    var training = tinyDispatchTraining()
    training.rolloutsPerEpisode = 3
    let result = try DispatchTraining.run(
      series: .b2, seed: 1, config: training, trace: nil)
    #expect(result.episodes.count == 2)
    #expect(result.episodes.allSatisfy { $0.throughput >= 0 && $0.throughput <= 1 })
    // Every column is a mean over the same three rollouts, so the record keeps the identities
    // of one rollout: throughput and the failure shares add up to 1, the latency parts to the
    // mean latency.
    for e in result.episodes {
      #expect(e.rollouts == 3)
      let f = e.failures
      #expect(abs(e.throughput + f.atEAP + f.inQueue + f.running + f.unfinished - 1) < 1e-9)
      let parts = e.latencyParts.named.reduce(0) { $0 + $1.ms }
      #expect(abs(parts - e.meanLatencyMs) < 1e-9 * max(1, e.meanLatencyMs))
    }
    // Each update saw the three rollouts: about three times one rollout's decisions (the
    // rollouts share arrivals, not decisions: a request may expire before one of them decides).
    let decisions = result.episodes[1].decisions
    #expect(decisions > 0)
    #expect(Double(result.trainer.lastStats.samples) > 2 * decisions)
    training.rolloutsPerEpisode = 0
    #expect(throws: KMPSConfigError.self) { try training.validate() }
  }

  /// The record of three rollouts holds the mean over them of every measured quantity, not the
  /// first rollout's value: throughput, counts, dispatch shares, latency and its parts, and
  /// failure shares.
  @Test func anEpisodesRecordAveragesEveryColumnOverItsRollouts() throws {
    /// A rollout of 10 arrivals: `onTime` on time, the rest failed at the eAP; `decisions`
    /// decisions, `cross` of them across clusters, one to the cloud; every on-time request
    /// took `ms` ms, 1 of it deciding.
    func rollout(onTime: Int, decisions: Int, cross: Int, ms: Double) -> EdgeCloudMetrics {
      var m = EdgeCloudMetrics()
      m.arrived = 10
      m.completedOnTime = onTime
      m.failedAtEAP = 10 - onTime
      m.decisions = decisions
      m.dispatchedCrossCluster = cross
      m.dispatchedCloud = 1
      m.decisionMsSum = Double(onTime)
      m.executionMsSum = Double(onTime) * (ms - 1)
      return m
    }
    let rollouts = [
      rollout(onTime: 9, decisions: 10, cross: 5, ms: 10),
      rollout(onTime: 6, decisions: 8, cross: 2, ms: 20),
      rollout(onTime: 3, decisions: 6, cross: 0, ms: 60),
    ]
    let e = EpisodeRecord(
      episode: 4, rollouts: rollouts, wallSeconds: 2, meanReward: 0.25,
      update: MAPPOUpdateStats(), weightPickups: 1)
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }
    #expect(e.episode == 4 && e.rollouts == 3 && e.wallSeconds == 2 && e.meanReward == 0.25)
    #expect(close(e.throughput, (0.9 + 0.6 + 0.3) / 3))
    #expect(close(e.arrived, 10) && close(e.decisions, 8))
    #expect(close(e.crossClusterShare, (0.5 + 0.25 + 0) / 3))
    #expect(close(e.cloudShare, (0.1 + 0.125 + 1.0 / 6) / 3))
    #expect(close(e.meanLatencyMs, 30))
    #expect(close(e.latencyParts.decisionMs, 1) && close(e.latencyParts.executionMs, 29))
    #expect(close(e.failures.atEAP, (0.1 + 0.4 + 0.7) / 3))
    #expect(close(e.throughput + e.failures.atEAP, 1))
    // One rollout: the record is that rollout's.
    let one = EpisodeRecord(
      episode: 1, rollouts: [rollouts[1]], wallSeconds: 1, meanReward: 0,
      update: MAPPOUpdateStats(), weightPickups: 0)
    #expect(one.throughput == 0.6 && one.decisions == 8 && one.crossClusterShare == 0.25)
    #expect(one.failures == FailureShares(rollouts[1]) && one.latencyParts.executionMs == 19)
  }
}
