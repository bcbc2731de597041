import Foundation
import RL
import SeededRandom
import Testing

/// A two-armed bandit driven by an input: each of `elements` input elements carries a large
/// exogenous reward z ~ N(0, 5²) that no observation reveals, and arm 1 adds 0.2. Every update
/// sees `rollouts` rollouts of the same inputs. Returns the final probability of arm 1.
private func trainInputDrivenBandit(
  rollouts: Int, updates: Int, seed: UInt64, flipAdvantages: Bool = false
) throws -> Float {
  var config = MAPPOConfig()
  config.actorHiddenSizes = [16]
  config.criticHiddenSizes = [16]
  config.maskMode = .logits
  config.learningRate = 1e-2
  config.entCoef = 0
  config.gamma = 0
  config.gaeLambda = 0
  config.numMinibatches = 2
  var mappo = try MAPPO(
    config: config, numAgents: 1, observationDim: 2, stateDim: 2, actionCount: 2, seed: seed)
  var rng = Xoshiro256(seed: seed &+ 1)
  let observation: [Float] = [1, 0]
  let mask = [true, true]
  for _ in 0..<updates {
    let inputs = (0..<64).map { _ in Float(5 * rng.nextNormal()) }
    let policy = mappo.policy
    var batches: [MAPPOBatch] = []
    var keys: [[Int]] = []
    for _ in 0..<rollouts {
      var batch = try MAPPOBatch(numStreams: 1, observationDim: 2, stateDim: 2, actionCount: 2)
      for (j, z) in inputs.enumerated() {
        let (action, logProb) = policy.act(
          observation: observation, mask: mask, agent: 0, using: &rng)
        try batch.append(
          stream: 0, observation: observation, actionMask: mask, action: action,
          logProb: logProb, state: observation, reward: z + (action == 1 ? 0.2 : 0),
          terminated: j == inputs.count - 1, truncated: false)
      }
      batches.append(batch)
      keys.append(Array(inputs.indices))
    }
    if rollouts > 1 {
      let returns = batches.map {
        InputDependentBaseline.discountedReturns($0.streams[0].rewards, gamma: 0)
      }
      let baselines = try InputDependentBaseline.leaveOneOut(returns: returns, keys: keys)
      for k in batches.indices {
        let advantages = zip(returns[k], baselines[k]).map { g, b in
          (g - b!) * (flipAdvantages ? -1 : 1)
        }
        try batches[k].setAdvantages(advantages, stream: 0)
      }
    }
    var merged = batches[0]
    for other in batches.dropFirst() { try merged.appendStreams(of: other) }
    try mappo.update(&merged)
  }
  return mappo.policy.probabilities(observation: observation, mask: mask, agent: 0)[1]
}

/// A fresh one-agent MAPPO and a batch of four decisions of reward 100 (the last terminal).
private func fourDecisionsOfReward100() throws -> (MAPPO, MAPPOBatch) {
  let mappo = try MAPPO(
    config: MAPPOConfig(), numAgents: 1, observationDim: 1, stateDim: 1, actionCount: 2,
    seed: 1)
  var batch = try MAPPOBatch(numStreams: 1, observationDim: 1, stateDim: 1, actionCount: 2)
  for i in 0..<4 {
    try batch.append(
      stream: 0, observation: [1], actionMask: [true, true], action: i % 2,
      logProb: log(0.5), state: [1], reward: 100, terminated: i == 3, truncated: false)
  }
  return (mappo, batch)
}

@Suite struct InputDependentBaselineTests {
  @Test func discountedReturnsByHand() {
    // G2 = 2, G1 = 0 + 0.5·2 = 1, G0 = 1 + 0.5·1 = 1.5.
    #expect(InputDependentBaseline.discountedReturns([1, 0, 2], gamma: 0.5) == [1.5, 1, 2])
    #expect(InputDependentBaseline.discountedReturns([], gamma: 0.9) == [])
  }

  @Test func leaveOneOutMeansOverTheOtherRollouts() throws {
    let returns: [[Float]] = [[1, 2, 7], [4, 3], [5]]
    let keys = [["a", "b", "only0"], ["b", "a"], ["a"]]
    let b = try InputDependentBaseline.leaveOneOut(returns: returns, keys: keys)
    // a: returns 1 (r0), 3 (r1), 5 (r2); b: 2 (r0), 4 (r1).
    #expect(b[0] == [4, 4, nil])  // a: (3+5)/2, b: 4, only0: no other rollout
    #expect(b[1] == [2, 3])  // b: 2, a: (1+5)/2
    #expect(b[2] == [2])  // a: (1+3)/2
  }

  @Test func leaveOneOutRejectsBadShapes() {
    #expect(throws: RLInputError.self) {
      try InputDependentBaseline.leaveOneOut(returns: [[1]], keys: [[0]])
    }
    #expect(throws: RLInputError.self) {
      try InputDependentBaseline.leaveOneOut(returns: [[1], [2]], keys: [[0]])
    }
    #expect(throws: RLInputError.self) {
      try InputDependentBaseline.leaveOneOut(returns: [[1], [2]], keys: [[0, 1], [0]])
    }
  }

  @Test func mappoTrainsOnSuppliedAdvantages() throws {
    var (mappo, batch) = try fourDecisionsOfReward100()
    #expect(throws: RLInputError.self) { try batch.setAdvantages([1, 2, 3], stream: 0) }
    #expect(throws: RLInputError.self) { try batch.setAdvantages([1, 2, .nan, 3], stream: 0) }
    #expect(throws: RLInputError.self) { try batch.setAdvantages([1, 2, 3, 6], stream: 1) }
    try batch.setAdvantages([1, 2, 3, 6], stream: 0)
    var stale = batch
    let stats = try mappo.update(&batch)
    // The raw advantages are the supplied ones (mean 3), not reward − value (≈ 100).
    #expect(abs(stats.advantageMean - 3) < 1e-6)
    // Decisions added after setAdvantages make the overrides stale: an error, not a mix-up.
    try stale.append(
      stream: 0, observation: [1], actionMask: [true, true], action: 0, logProb: log(0.5),
      state: [1], reward: 0, terminated: true, truncated: false)
    #expect(throws: RLInputError.self) { try mappo.update(&stale) }
  }

  /// Per-decision advantages win over GAE's and over a stream's `setAdvantages`; bad indices,
  /// streams and values are named errors; `removeAll` forgets them.
  @Test func mappoTrainsOnPerDecisionAdvantages() throws {
    var (mappo, batch) = try fourDecisionsOfReward100()
    #expect(throws: RLInputError.self) { try batch.setAdvantage(1, stream: 1, index: 0) }
    #expect(throws: RLInputError.self) { try batch.setAdvantage(1, stream: 0, index: 4) }
    #expect(throws: RLInputError.self) { try batch.setAdvantage(.infinity, stream: 0, index: 0) }
    try batch.setAdvantages([1, 2, 3, 6], stream: 0)
    try batch.setAdvantage(10, stream: 0, index: 0)
    var emptied = batch
    let stats = try mappo.update(&batch)
    // (10 + 2 + 3 + 6) / 4: decision 0's own advantage replaced the stream's.
    #expect(abs(stats.advantageMean - 5.25) < 1e-6)
    emptied.removeAll()
    #expect(emptied.streams[0].decisionAdvantages.isEmpty)
  }

  /// The exogenous reward (σ 5) drowns arm 1's bonus (0.2) for a baseline that cannot see the
  /// input; two rollouts of the same inputs cancel it exactly. Flipping the advantages' sign
  /// must drive the policy the other way.
  @Test func inputDependentBaselineLearnsThroughInputNoise() throws {
    let learned = try trainInputDrivenBandit(rollouts: 2, updates: 30, seed: 3)
    let flipped = try trainInputDrivenBandit(
      rollouts: 2, updates: 30, seed: 3, flipAdvantages: true)
    #expect(learned > 0.9)
    #expect(flipped < 0.1)
  }
}
