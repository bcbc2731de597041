import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

/// A contextual bandit with `targets` actions: each target has two features, a "speed" in
/// [0, 1] and a distractor; the reward is 1 when the chosen target is the fastest valid one.
private struct FastestTargetBandit {
  let targets = 6
  var rng: Xoshiro256

  /// An observation (one shared feature, then 2 per target) and a mask with ≥ 2 valid targets.
  mutating func draw() -> (observation: [Float], mask: [Bool]) {
    var observation: [Float] = [Float(rng.nextDouble())]
    var mask: [Bool] = []
    for _ in 0..<targets {
      observation += [Float(rng.nextDouble()), Float(rng.nextDouble())]
      mask.append(rng.nextDouble() < 0.7)
    }
    mask[0] = true
    mask[targets - 1] = true
    return (observation, mask)
  }

  func best(_ observation: [Float], _ mask: [Bool]) -> Int {
    (0..<targets).filter { mask[$0] }.max { observation[1 + 2 * $0] < observation[1 + 2 * $1] }!
  }
}

private func perTargetConfig(oneHot: Bool) -> MAPPOConfig {
  var config = MAPPOConfig()
  config.actorLayout = .perTarget(
    sharedFeatures: 1, targetFeatures: 2, targets: 6, targetOneHot: oneHot)
  config.actorHiddenSizes = [32, 16]
  config.criticHiddenSizes = [32]
  config.maskMode = .logits
  config.gamma = 0
  config.gaeLambda = 0
  config.learningRate = 3e-3
  config.entCoef = 0.001
  return config
}

@Suite struct PerTargetActorTests {
  /// Each row is the shared part, that target's features, then the target's one-hot.
  @Test func layoutWritesOneRowPerTarget() {
    let layout = ActorInputLayout.perTarget(
      sharedFeatures: 2, targetFeatures: 1, targets: 3, targetOneHot: true)
    #expect(layout.rowShape(observationDim: 5) == (3, 6))
    let observation: [Float] = [7, 8, 10, 20, 30]
    var out = [Float](repeating: -1, count: 18)
    observation.withUnsafeBufferPointer { o in
      out.withUnsafeMutableBufferPointer { layout.writeRows(observation: o, into: $0.baseAddress!) }
    }
    #expect(
      out == [
        7, 8, 10, 1, 0, 0,
        7, 8, 20, 0, 1, 0,
        7, 8, 30, 0, 0, 1,
      ])
  }

  @Test func mismatchedLayoutsAreRejectedWithTheField() {
    #expect(throws: RLInputError.self) {
      _ = try MAPPO(
        config: perTargetConfig(oneHot: true), numAgents: 1, observationDim: 12, stateDim: 2,
        actionCount: 6, seed: 1)
    }
    #expect(throws: RLInputError.self) {
      _ = try MAPPO(
        config: perTargetConfig(oneHot: true), numAgents: 1, observationDim: 13, stateDim: 2,
        actionCount: 5, seed: 1)
    }
    var config = perTargetConfig(oneHot: true)
    config.appendAgentID = true
    do {
      try config.validate()
      Issue.record("appendAgentID with a per-target layout was accepted")
    } catch {
      #expect("\(error)".contains("appendAgentID"))
    }
  }

  /// The acting fast path gives the distribution the training graph computes, and without
  /// the one-hot the scorer is permutation-equivariant: permuting the targets' features
  /// permutes the probabilities.
  @Test func fastPathMatchesTrainingAndIsEquivariant() throws {
    let mappo = try MAPPO(
      config: perTargetConfig(oneHot: false), numAgents: 1, observationDim: 13, stateDim: 2,
      actionCount: 6, seed: 4)
    var bandit = FastestTargetBandit(rng: Xoshiro256(seed: 5))
    let (observation, mask) = bandit.draw()
    let policy = mappo.policy
    #expect(policy.actionCount == 6)
    let fast = policy.probabilities(observation: observation, mask: mask, agent: 0)
    var rows = [Float](repeating: 0, count: 6 * 3)
    observation.withUnsafeBufferPointer { o in
      rows.withUnsafeMutableBufferPointer {
        mappo.config.actorLayout.writeRows(observation: o, into: $0.baseAddress!)
      }
    }
    let scores = mappo.agent.actor(Tensor(shape: [6, 3], scalars: rows)).reshaped(to: [1, 6])
    let graph = MaskedCategorical(.logits, outputs: scores.detached(), mask: mask)
    for (a, b) in zip(fast, graph.probabilities.scalars) { #expect(abs(a - b) < 1e-6) }
    for a in 0..<6 where !mask[a] { #expect(fast[a] == 0) }

    // Reverse the targets.
    var reversed: [Float] = [observation[0]]
    for a in (0..<6).reversed() { reversed += [observation[1 + 2 * a], observation[2 + 2 * a]] }
    let swapped = policy.probabilities(
      observation: reversed, mask: Array(mask.reversed()), agent: 0)
    for a in 0..<6 { #expect(abs(swapped[5 - a] - fast[a]) < 1e-6) }
  }

  /// On the bandit, the per-target actor learns to pick the fastest valid target (an
  /// untrained one picks it about as often as random play does).
  @Test func perTargetActorLearnsTheFastestTarget() throws {
    var mappo = try MAPPO(
      config: perTargetConfig(oneHot: true), numAgents: 1, observationDim: 13, stateDim: 13,
      actionCount: 6, seed: 7)
    var bandit = FastestTargetBandit(rng: Xoshiro256(seed: 8))
    var rng = Xoshiro256(seed: 9)
    func accuracy(_ policy: MAPPOPolicy, _ n: Int) -> Double {
      var hits = 0
      for _ in 0..<n {
        let (o, m) = bandit.draw()
        let p = policy.probabilities(observation: o, mask: m, agent: 0)
        let argmax = p.indices.max { p[$0] < p[$1] }!
        if argmax == bandit.best(o, m) { hits += 1 }
      }
      return Double(hits) / Double(n)
    }
    let before = accuracy(mappo.policy, 400)
    for _ in 0..<30 {
      var batch = try MAPPOBatch(numStreams: 1, observationDim: 13, stateDim: 13, actionCount: 6)
      let policy = mappo.policy
      for i in 0..<256 {
        let (o, m) = bandit.draw()
        let (action, logProb) = policy.act(observation: o, mask: m, agent: 0, using: &rng)
        try batch.append(
          stream: 0, observation: o, actionMask: m, action: action, logProb: logProb, state: o,
          reward: action == bandit.best(o, m) ? 1 : 0, terminated: i == 255, truncated: false)
      }
      try mappo.update(&batch)
    }
    let after = accuracy(mappo.policy, 400)
    #expect(before < 0.5, "untrained accuracy \(before)")
    #expect(after > 0.85, "trained accuracy \(after) (before \(before))")
  }

  /// `targetKL` stops an update after the first epoch whose mean approximate KL exceeds it.
  @Test func targetKLStopsTheEpochsEarly() throws {
    var config = perTargetConfig(oneHot: true)
    config.updateEpochs = 6
    config.learningRate = 0.05
    config.targetKL = 1e-6
    var mappo = try MAPPO(
      config: config, numAgents: 1, observationDim: 13, stateDim: 13, actionCount: 6, seed: 3)
    var bandit = FastestTargetBandit(rng: Xoshiro256(seed: 2))
    var batch = try MAPPOBatch(numStreams: 1, observationDim: 13, stateDim: 13, actionCount: 6)
    var rng = Xoshiro256(seed: 1)
    for i in 0..<128 {
      let (o, m) = bandit.draw()
      let (action, logProb) = mappo.policy.act(observation: o, mask: m, agent: 0, using: &rng)
      try batch.append(
        stream: 0, observation: o, actionMask: m, action: action, logProb: logProb, state: o,
        reward: Float(action), terminated: i == 127, truncated: false)
    }
    let stats = try mappo.update(&batch)
    #expect(stats.epochsRun == 1)
    #expect(stats.minibatchesRun == config.numMinibatches)
    config.targetKL = nil
    var full = try MAPPO(
      config: config, numAgents: 1, observationDim: 13, stateDim: 13, actionCount: 6, seed: 3)
    #expect(try full.update(&batch).epochsRun == 6)
  }
}
