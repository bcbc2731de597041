import Envs
import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

/// A contextual bandit where the mask matters: one-step episodes, the observation is the
/// one-hot context `c ∈ {0, 1}` (uniform), and action `k` pays `payoff[c][k]`. In each context
/// the forbidden action pays the most, so a learner that ignores the mask learns to take it.
struct ContextBandit: Environment {
  static let payoff: [[Double]] = [[0.6, 0.3, 1.0], [1.0, 0.3, 0.6]]
  static let forbidden = [2, 0]
  static let bestValid = [0, 2]

  var rng = Xoshiro256(seed: 0)
  var context = 0

  var observationSpace: Box { Box(low: 0, high: 1, count: 2) }
  var actionSpace: Discrete { Discrete(3) }

  mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    if let seed { rng = Xoshiro256(seed: seed) }
    context = Int(rng.next() % 2)
    return (Self.observation(context), [:])
  }

  mutating func step(_ action: Int) -> Step<[Float]> {
    Step(
      observation: Self.observation(context), reward: Self.payoff[context][action],
      terminated: true, truncated: false)
  }

  static func observation(_ context: Int) -> [Float] { context == 0 ? [1, 0] : [0, 1] }
  /// The context of an observation.
  static func context(of observation: ArraySlice<Float>) -> Int {
    observation[observation.startIndex] == 1 ? 0 : 1
  }
}

/// The same bandit reporting its mask: the forbidden action of the current context is invalid.
struct MaskedContextBandit: ActionMaskedEnvironment {
  var base = ContextBandit()

  var observationSpace: Box { base.observationSpace }
  var actionSpace: Discrete { base.actionSpace }
  mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    base.reset(seed: seed)
  }
  mutating func step(_ action: Int) -> Step<[Float]> { base.step(action) }
  func actionMask() -> [Bool] { (0..<3).map { $0 != ContextBandit.forbidden[base.context] } }
}

/// How often a rollout took the forbidden and the best valid action of its context.
private func shares(_ buffer: RolloutBuffer) -> (forbidden: Int, bestValid: Int, count: Int) {
  var forbidden = 0
  var best = 0
  for i in 0..<buffer.count {
    let context = ContextBandit.context(of: buffer.observations[(i * 2)..<(i * 2 + 2)])
    if buffer.actions[i] == ContextBandit.forbidden[context] { forbidden += 1 }
    if buffer.actions[i] == ContextBandit.bestValid[context] { best += 1 }
  }
  return (forbidden, best, buffer.count)
}

private func banditConfig() -> PPOConfig {
  var config = PPOConfig()
  config.numEnvs = 4
  config.numSteps = 32
  config.totalTimesteps = 128 * 25
  config.hiddenSizes = [16]
  config.learningRate = 1e-2
  return config
}

@Suite struct MaskedPPOTests {
  /// Without the mask PPO learns to take the forbidden action (it pays most); with it, PPO never
  /// samples it, not even once, and learns the best valid action instead.
  @Test func theMaskDecidesWhatPPOLearns() throws {
    let config = banditConfig()
    var unmasked = try PPOTrainer(config: config, seed: 1) { _ in ContextBandit() }
    var masked = try PPOTrainer(config: config, seed: 1) { _ in MaskedContextBandit() }
    #expect(unmasked.buffer.actionMaskSize == 0 && masked.buffer.actionMaskSize == 3)
    var unmaskedLate = (forbidden: 0, bestValid: 0, count: 0)
    var maskedLate = (forbidden: 0, bestValid: 0, count: 0)
    var maskedForbidden = 0
    while masked.iteration < config.numIterations {
      _ = try unmasked.iterate()
      _ = try masked.iterate()
      let u = shares(unmasked.buffer)
      let m = shares(masked.buffer)
      maskedForbidden += m.forbidden
      if masked.iteration > config.numIterations - 5 {
        unmaskedLate = (
          unmaskedLate.forbidden + u.forbidden, unmaskedLate.bestValid + u.bestValid,
          unmaskedLate.count + u.count
        )
        maskedLate = (
          maskedLate.forbidden + m.forbidden, maskedLate.bestValid + m.bestValid,
          maskedLate.count + m.count
        )
      }
    }
    let unmaskedForbiddenShare = Double(unmaskedLate.forbidden) / Double(unmaskedLate.count)
    let maskedBestShare = Double(maskedLate.bestValid) / Double(maskedLate.count)
    print(
      "masked bandit: unmasked takes the forbidden action \(unmaskedForbiddenShare) of the last "
        + "5 rollouts; masked takes the best valid action \(maskedBestShare), forbidden "
        + "\(maskedForbidden) times in \(config.numIterations * config.batchSize) steps")
    #expect(unmaskedForbiddenShare > 0.8)
    #expect(maskedForbidden == 0)
    #expect(maskedBestShare > 0.8)
    let maskedReturn = try #require(masked.meanReturn(lastEpisodes: 200))
    #expect(maskedReturn > 0.55, "optimum among valid actions: 0.6; got \(maskedReturn)")
  }

  /// The rollout's log-probabilities are the log-softmax over the valid logits only, by hand in
  /// Double from the agent's own logits; the stored masks are the contexts' masks.
  @Test func maskedLogProbabilitiesMatchAHandComputation() throws {
    var config = banditConfig()
    config.totalTimesteps = config.batchSize
    var ppo = try PPOTrainer(config: config, seed: 7) { _ in MaskedContextBandit() }
    try ppo.collectRollout()
    let b = ppo.buffer
    let observations = Tensor(shape: [b.count, 2], scalars: b.observations)
    let logits = ppo.learner.agent.logits(observations).scalars
    for i in 0..<b.count {
      let context = ContextBandit.context(of: b.observations[(i * 2)..<(i * 2 + 2)])
      let mask = Array(b.actionMasks[(i * 3)..<(i * 3 + 3)])
      #expect(mask == (0..<3).map { $0 != ContextBandit.forbidden[context] })
      #expect(mask[b.actions[i]], "sample \(i) took masked action \(b.actions[i])")
      let row = (0..<3).map { Double(logits[i * 3 + $0]) }
      let logZ = log((0..<3).filter { mask[$0] }.map { exp(row[$0]) }.reduce(0, +))
      let expected = row[b.actions[i]] - logZ
      #expect(abs(Double(b.logProbs[i]) - expected) < 1e-5, "sample \(i)")
    }
    // The update trains the policy that acted: the first minibatch's ratios are 1. Without the
    // masks in the loss they would be π_unmasked / π_masked ≈ 2/3 at the near-uniform start.
    let stats = try ppo.update()
    let deviation = stats.firstMinibatchRatios.map { abs($0 - 1) }.max() ?? 1
    #expect(deviation < 1e-5, "max |ratio − 1| = \(deviation)")
  }

  @Test func badMasksAreNamedErrors() throws {
    let ppo = try PPO(config: banditConfig(), observationDim: 2, actionCount: 3, seed: 1)
    var rng = Xoshiro256(seed: 1)
    let observations = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
    let short = #expect(throws: RLInputError.self) {
      try ppo.act(observations, masks: [true, true, true], using: &rng)
    }
    #expect(short?.component == "PPO.act" && short?.field == "masks")
    #expect(short?.reason == "has 3 entries, outputs of shape [2, 3] need 6")
    let empty = #expect(throws: RLInputError.self) {
      try ppo.act(observations, masks: [true, true, true, false, false, false], using: &rng)
    }
    #expect(empty?.reason == "row 1 masks every action")
    // A buffer whose masks do not fit the agent's actions.
    var ppo2 = ppo
    var buffer = try RolloutBuffer(numSteps: 4, numEnvs: 1, observationDim: 2, actionMaskSize: 2)
    for _ in 0..<4 {
      try buffer.add(
        observations: [1, 0], actions: [0], logProbs: [0], rewards: [0], terminated: [true],
        truncated: [false], values: [0], actionMasks: [true, true])
    }
    try buffer.computeAdvantages(lastValues: [0], gamma: 0.99, lambda: 0.95)
    let mismatch = #expect(throws: RLInputError.self) { try ppo2.update(&buffer) }
    #expect(mismatch?.field == "buffer.actionMaskSize")
  }

  /// The activation is a config field: same seed, same weights, different networks. The relu
  /// network's logits are a hand forward pass with relu (in Double).
  @Test func activationChoiceChangesTheNetwork() throws {
    var tanhConfig = banditConfig()
    tanhConfig.hiddenSizes = [8, 8]
    var reluConfig = tanhConfig
    reluConfig.activation = .relu
    let tanhPPO = try PPO(config: tanhConfig, observationDim: 3, actionCount: 2, seed: 5)
    let reluPPO = try PPO(config: reluConfig, observationDim: 3, actionCount: 2, seed: 5)
    #expect(tanhPPO.agent.actor.activations == [.tanh, .tanh, .none])
    #expect(reluPPO.agent.critic.activations == [.relu, .relu, .none])
    for (a, b) in zip(tanhPPO.agent.namedParameters, reluPPO.agent.namedParameters) {
      #expect(a.name == b.name && a.tensor == b.tensor)
    }
    let x: [Float] = [0.9, -1.3, 0.4, -0.2, 0.7, 1.1]
    let observations = Tensor(shape: [2, 3], scalars: x)
    let reluLogits = reluPPO.agent.logits(observations).scalars
    let tanhLogits = tanhPPO.agent.logits(observations).scalars
    let expectedRelu = handForward(reluPPO.agent.actor, x, rows: 2, activation: { max($0, 0) })
    let expectedTanh = handForward(tanhPPO.agent.actor, x, rows: 2, activation: { tanh($0) })
    for i in 0..<4 {
      #expect(abs(Double(reluLogits[i]) - expectedRelu[i]) < 1e-6)
      #expect(abs(Double(tanhLogits[i]) - expectedTanh[i]) < 1e-6)
    }
    #expect(zip(reluLogits, tanhLogits).contains { abs($0 - $1) > 1e-4 })
    // In a partial JSON config file, by name: it replaces the default (a one-key object used
    // to be merged into the default's, two keys that did not decode).
    let decoded = try PartialDecoding.decode(
      json: Data(#"{"activation": "relu"}"#.utf8), over: PPOConfig())
    #expect(decoded.activation == .relu)
    let leaky = try PartialDecoding.decode(
      json: Data(#"{"activation": {"leakyRelu": {"alpha": 0.1}}}"#.utf8), over: PPOConfig())
    #expect(leaky.activation == .leakyRelu(alpha: 0.1))
    let mappo = try PartialDecoding.decode(
      json: Data(#"{"hiddenActivation": "tanh"}"#.utf8), over: MAPPOConfig())
    #expect(mappo.hiddenActivation == .tanh)
    let typo = #expect(throws: PartialDecodingError.self) {
      try PartialDecoding.decode(json: Data(#"{"activation": "rellu"}"#.utf8), over: PPOConfig())
    }
    #expect(typo?.field == "activation")
    #expect(typo?.reason.contains("unknown activation 'rellu'") == true)
  }

  /// One learner for `numEnvs` given once, in the config: the trainer builds that many.
  @Test func theTrainerBuildsConfigNumEnvsEnvironments() throws {
    var config = banditConfig()
    config.numEnvs = 3
    config.totalTimesteps = 3 * 32
    var made: [Int] = []
    let ppo = try PPOTrainer(config: config, seed: 1) { index in
      made.append(index)
      return ContextBandit()
    }
    #expect(made == [0, 1, 2] && ppo.envs.numEnvs == 3 && ppo.buffer.numEnvs == 3)
  }
}

/// `x` `[rows, in]` through `mlp`'s layers in Double: `activation` on the hidden layers, none on
/// the head.
private func handForward(
  _ mlp: MLP, _ x: [Float], rows: Int, activation: (Double) -> Double
) -> [Double] {
  var current = x.map(Double.init)
  for (k, layer) in mlp.layers.enumerated() {
    let w = layer.weight.scalars.map(Double.init)
    let b = layer.bias.scalars.map(Double.init)
    let (inputs, outputs) = (layer.inFeatures, layer.outFeatures)
    var next = [Double](repeating: 0, count: rows * outputs)
    for r in 0..<rows {
      for o in 0..<outputs {
        var total = b[o]
        for i in 0..<inputs { total += current[r * inputs + i] * w[i * outputs + o] }
        next[r * outputs + o] = k < mlp.layers.count - 1 ? activation(total) : total
      }
    }
    current = next
  }
  return current
}
