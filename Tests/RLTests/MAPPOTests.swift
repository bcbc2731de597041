import Envs
import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

/// Mean team reward per step of a uniformly random masked policy on `game`, measured.
private func randomPolicyStepReward(_ game: TargetCoverageGame, steps: Int, seed: UInt64) -> Double
{
  var env = game
  var rng = Xoshiro256(seed: seed)
  var current = env.reset(seed: seed)
  var total = 0.0
  for _ in 0..<steps {
    let actions = current.observations.map { observation in
      Discrete(observation.actionMask.count).sample(using: &rng, mask: observation.actionMask)
    }
    let result = env.step(actions)
    total += result.rewards.first ?? 0
    current = result.done ? env.reset(seed: nil) : result
  }
  return total / Double(steps)
}

private func smallConfig(_ mode: MaskMode) -> MAPPOConfig {
  var config = MAPPOConfig()
  config.actorHiddenSizes = [64, 64]
  config.criticHiddenSizes = [64, 64]
  config.maskMode = mode
  config.learningRate = 3e-3
  config.lrDecaySteps = 1000
  config.updateEpochs = 4
  config.numMinibatches = 4
  return config
}

/// Trains MAPPO on the coverage game through a synchronous `DualBufferLearner` and returns the
/// mean reward per decision of the final policy, measured greedily-free (sampled) over fresh
/// episodes.
private func trainCoverage(mode: MaskMode, cycles: Int, seed: UInt64, lr: Float? = nil) throws
  -> Double
{
  let game = try TargetCoverageGame(seed: seed)
  var config = smallConfig(mode)
  if let lr { config.learningRate = lr }
  let mappo = try MAPPO(
    config: config, numAgents: 3, observationDim: game.observationDim,
    stateDim: game.stateSpace.count, actionCount: 5, seed: seed)
  let trainer = MAPPOTrainer(mappo)
  let learner = trainer.makeDualBufferLearner(mode: .synchronous)
  defer { learner.shutdown() }
  var collector = MAPPOCollector(env: game, seed: seed)
  var batch = try MAPPOBatch(
    numStreams: 3, observationDim: game.observationDim, stateDim: game.stateSpace.count,
    actionCount: 5)
  for _ in 0..<cycles {
    batch.removeAll()
    let policy = learner.weights.latest().weights
    try collector.collect(steps: 64, policy: policy, into: &batch)
    try learner.submit(batch)
  }
  #expect(learner.weights.version == cycles)
  var evaluation = MAPPOCollector(env: try TargetCoverageGame(seed: seed + 100), seed: seed + 100)
  var evaluationBatch = batch
  evaluationBatch.removeAll()
  try evaluation.collect(
    steps: 400, policy: learner.weights.latest().weights, into: &evaluationBatch)
  return Double(evaluationBatch.meanReward)
}

@Suite struct MAPPOTests {
  /// The random masked policy earns ≈ 0.59 per step, the optimum 1. A learner with the
  /// advantage sign flipped stays at or below random.
  /// Scores of the Eq. 2 filter are linear, not exponential, in the head's output, so that
  /// mode needs a larger step size to become as decisive in the same budget.
  @Test(
    arguments: [(MaskMode.logits, 3e-3, 60), (.contextFilter, 1e-2, 100)]
      as [(MaskMode, Float, Int)])
  func mappoBeatsRandomOnTargetCoverage(mode: MaskMode, learningRate: Float, cycles: Int) throws {
    let game = try TargetCoverageGame(seed: 0)
    let random = randomPolicyStepReward(game, steps: 4000, seed: 9)
    #expect(abs(random - game.randomMaskedPolicyStepReward) < 0.03)
    let learned = try trainCoverage(mode: mode, cycles: cycles, seed: 1, lr: learningRate)
    print("MAPPO \(mode) on TargetCoverageGame: \(learned) per step vs random \(random)")
    #expect(learned > random + 0.15, "learned \(learned) vs random \(random)")
  }

  @Test func batchRejectsBadInputWithNamedFields() throws {
    var batch = try MAPPOBatch(numStreams: 2, observationDim: 3, stateDim: 2, actionCount: 3)
    #expect(throws: RLInputError.self) {
      try batch.append(
        stream: 0, observation: [0, 0, 0], actionMask: [true, false, true], action: 1,
        logProb: -1, state: [0, 0], reward: 0, terminated: false, truncated: false)
    }
    do {
      try batch.append(
        stream: 0, observation: [0, 0], actionMask: [true, true, true], action: 1, logProb: -1,
        state: [0, 0], reward: 0, terminated: false, truncated: false)
      Issue.record("a short observation was accepted")
    } catch let error as RLInputError {
      #expect(error.field == "observation")
    }
    #expect(throws: RLInputError.self) {
      try batch.append(
        stream: 0, observation: [0, 0, 0], actionMask: [true, true, true], action: 1,
        logProb: -1, state: [0, 0], reward: 0, terminated: false, truncated: true)
    }
    // A stream whose last decision does not end an episode needs a bootstrap state.
    try batch.append(
      stream: 1, observation: [0, 0, 0], actionMask: [true, true, true], action: 2,
      logProb: -1, state: [0, 0], reward: 1, terminated: false, truncated: false)
    var mappo = try MAPPO(
      config: smallConfig(.logits), numAgents: 2, observationDim: 3, stateDim: 2, actionCount: 3,
      seed: 1)
    #expect(throws: RLInputError.self) { try mappo.update(&batch) }
    try batch.setBootstrapState(stream: 1, state: [1, 1])
    let stats = try mappo.update(&batch)
    #expect(stats.samples == 1 && batch.streams[1].values.count == 1)
  }

  // One stream, γ = 0.5, λ = 1, ends terminated: with the (target) critic's values V_i, the
  // returns are the discounted rewards-to-go, R = [1 + 0.5·2, 2] = [2, 2], independent of V.
  @Test func gaePerStreamUsesTheStreamsOwnNextValues() throws {
    var config = smallConfig(.contextFilter)
    config.gamma = 0.5
    config.gaeLambda = 1
    config.updateEpochs = 1
    config.numMinibatches = 1
    config.learningRate = 1e-12
    var mappo = try MAPPO(
      config: config, numAgents: 2, observationDim: 1, stateDim: 2, actionCount: 2, seed: 4)
    var batch = try MAPPOBatch(numStreams: 2, observationDim: 1, stateDim: 2, actionCount: 2)
    try batch.append(
      stream: 0, observation: [0], actionMask: [true, true], action: 0, logProb: log(0.5),
      state: [1, 0], reward: 1, terminated: false, truncated: false)
    try batch.append(
      stream: 1, observation: [1], actionMask: [true, false], action: 0, logProb: 0,
      state: [0, 1], reward: 5, terminated: true, truncated: false)
    try batch.append(
      stream: 0, observation: [0], actionMask: [true, true], action: 1, logProb: log(0.5),
      state: [0, 0], reward: 2, terminated: true, truncated: false)
    let v = mappo.values(states: [1, 0, 0, 0, 0, 1])
    let stats = try mappo.update(&batch)
    // (Per-stream critic passes use other batch sizes than `v`: equal up to rounding.)
    let stored = batch.streams[0].values + batch.streams[1].values
    #expect(stored.count == 3 && zip(stored, v).allSatisfy { abs($0 - $1) < 1e-5 })
    // Explained variance from hand returns [2, 2, 5] against those values.
    let expected = PPODiagnostics.explainedVariance(
      predicted: [v[0], v[1], v[2]], target: [2, 2, 5])
    #expect(abs(stats.explainedVariance - expected) < 1e-5)
  }

  /// On the first minibatch the ratio is 1, so the clipped surrogate is `−mean(A)`: 0 once the
  /// advantages are normalized, `−mean(r − V(s))` without (every decision ends its episode, so
  /// `A = r − V(s)` with the values of the critic that computes the targets). One minibatch, so
  /// "the minibatch" is the whole batch whatever the shuffle. Fails when the per-minibatch
  /// normalization is removed.
  @Test(arguments: [true, false])
  func firstMinibatchPolicyLossIsMinusTheMeanAdvantage(normAdv: Bool) throws {
    var config = smallConfig(.contextFilter)
    config.numMinibatches = 1
    config.updateEpochs = 1
    config.normAdv = normAdv
    var mappo = try MAPPO(
      config: config, numAgents: 2, observationDim: 3, stateDim: 4, actionCount: 4, seed: 6)
    var batch = try MAPPOBatch(numStreams: 2, observationDim: 3, stateDim: 4, actionCount: 4)
    var rng = Xoshiro256(seed: 16)
    let policy = mappo.policy
    var states: [Float] = []
    var rewards: [Float] = []
    for i in 0..<40 {
      let observation = (0..<3).map { _ in rng.nextFloat() }
      let state = (0..<4).map { _ in rng.nextFloat() }
      let mask = [true, i % 3 != 0, true, i % 2 == 0]
      let (action, logProb) = policy.act(
        observation: observation, mask: mask, agent: i % 2, using: &rng)
      let reward = 1 + rng.nextFloat()
      try batch.append(
        stream: i % 2, observation: observation, actionMask: mask, action: action,
        logProb: logProb, state: state, reward: reward, terminated: true, truncated: false)
      states += state
      rewards.append(reward)
    }
    let values = mappo.values(states: states)
    let rawMean = zip(rewards, values).reduce(0.0) { $0 + Double($1.0 - $1.1) } / 40
    #expect(rawMean > 0.5, "rewards in [1, 2) against near-zero initial values: \(rawMean)")
    let stats = try mappo.update(&batch)
    let loss = Double(stats.firstMinibatchPolicyLoss)
    let expected = normAdv ? 0 : -rawMean
    #expect(abs(loss - expected) < 1e-5, "\(loss) vs \(expected)")
  }

  /// `samplesPerEpoch` bounds the work per epoch while GAE still covers every decision, and a
  /// subset smaller than the minibatch count is rejected by name.
  @Test func samplesPerEpochTrainsOnASubsetButValuesEveryDecision() throws {
    var config = smallConfig(.logits)
    config.samplesPerEpoch = 6
    config.numMinibatches = 2
    config.updateEpochs = 3
    var mappo = try MAPPO(
      config: config, numAgents: 1, observationDim: 1, stateDim: 1, actionCount: 2, seed: 4)
    var batch = try MAPPOBatch(numStreams: 1, observationDim: 1, stateDim: 1, actionCount: 2)
    for i in 0..<40 {
      try batch.append(
        stream: 0, observation: [Float(i) / 40], actionMask: [true, true], action: i % 2,
        logProb: log(0.5), state: [Float(i) / 40], reward: 1, terminated: i == 39,
        truncated: false)
    }
    let stats = try mappo.update(&batch)
    #expect(stats.samples == 40)
    #expect(stats.samplesPerEpoch == 6)
    #expect(stats.minibatchesRun == 6)
    #expect(batch.streams[0].values.count == 40)
    config.samplesPerEpoch = 1
    #expect(throws: RLInputError.self) { try config.validate() }
  }

  /// A NaN reaching the losses stops the update with a named error and leaves the weights as
  /// they were.
  @Test func nonFiniteTrainingStepThrowsAndKeepsTheWeights() throws {
    var mappo = try MAPPO(
      config: smallConfig(.logits), numAgents: 1, observationDim: 1, stateDim: 1, actionCount: 2,
      seed: 5)
    var batch = try MAPPOBatch(numStreams: 1, observationDim: 1, stateDim: 1, actionCount: 2)
    for i in 0..<8 {
      try batch.append(
        stream: 0, observation: [.nan], actionMask: [true, true], action: i % 2,
        logProb: log(0.5), state: [0.5], reward: 1, terminated: i == 7, truncated: false)
    }
    let before = mappo.agent.actor.layers[0].weight
    #expect(throws: RLInputError.self) { try mappo.update(&batch) }
    #expect(mappo.agent.actor.layers[0].weight == before)
  }

  @Test func targetCriticIsRefreshedEachCycleAndValueNormTracksReturns() throws {
    var config = smallConfig(.logits)
    config.normalizeValues = true
    config.updateEpochs = 2
    config.numMinibatches = 1
    var mappo = try MAPPO(
      config: config, numAgents: 1, observationDim: 1, stateDim: 1, actionCount: 2, seed: 8)
    var batch = try MAPPOBatch(numStreams: 1, observationDim: 1, stateDim: 1, actionCount: 2)
    for i in 0..<8 {
      try batch.append(
        stream: 0, observation: [Float(i)], actionMask: [true, true], action: i % 2,
        logProb: log(0.5), state: [Float(i) / 8], reward: 10, terminated: i == 7,
        truncated: false)
    }
    let before = mappo.targetCritic!
    try mappo.update(&batch)
    for (a, b) in zip(mappo.targetCritic!.namedParameters, mappo.agent.critic.namedParameters) {
      #expect(a.tensor == b.tensor.detached())
    }
    #expect(mappo.targetCritic!.layers[0].weight != before.layers[0].weight)
    #expect(mappo.valueNormalizer!.mean > 10)
  }

  @Test func policyFastPathMatchesTheTrainingDistribution() throws {
    var config = smallConfig(.contextFilter)
    config.appendAgentID = true
    let mappo = try MAPPO(
      config: config, numAgents: 3, observationDim: 4, stateDim: 2, actionCount: 5, seed: 2)
    let policy = mappo.policy
    let observation: [Float] = [0.1, -0.4, 0.3, 0.9]
    let mask = [true, false, true, true, false]
    let fast = policy.probabilities(observation: observation, mask: mask, agent: 1)
    let input = Tensor([observation + [0, 1, 0]])
    let graph = MaskedCategorical(scores: mappo.agent.actor(input).detached(), mask: mask)
    for (a, b) in zip(fast, graph.probabilities.scalars) { #expect(abs(a - b) < 1e-6) }
    #expect(fast[1] == 0 && fast[4] == 0)
    var rng = Xoshiro256(seed: 3)
    let (action, logProb) = policy.act(observation: observation, mask: mask, agent: 1, using: &rng)
    #expect(mask[action] && abs(logProb - log(fast[action])) < 1e-6)
  }

  @Test func checkpointRoundTripsActorCriticAndValueNorm() throws {
    var config = smallConfig(.contextFilter)
    config.normalizeValues = true
    var trained = try MAPPO(
      config: config, numAgents: 1, observationDim: 2, stateDim: 2, actionCount: 2, seed: 5)
    var batch = try MAPPOBatch(numStreams: 1, observationDim: 2, stateDim: 2, actionCount: 2)
    try batch.append(
      stream: 0, observation: [1, 0], actionMask: [true, true], action: 1, logProb: log(0.5),
      state: [0, 1], reward: 3, terminated: true, truncated: false)
    try trained.update(&batch)
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("mappo-\(UInt64.random(in: 0...UInt64.max)).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try trained.saveCheckpoint(to: url)
    let names = try Checkpoint.read(from: url).names
    #expect(names.contains("actor.0.weight") && names.contains("critic.2.bias"))
    var fresh = try MAPPO(
      config: config, numAgents: 1, observationDim: 2, stateDim: 2, actionCount: 2, seed: 6)
    try fresh.loadCheckpoint(from: url)
    for (a, b) in zip(fresh.agent.namedParameters, trained.agent.namedParameters) {
      #expect(a.name == b.name && a.tensor == b.tensor)
    }
    #expect(fresh.valueNormalizer == trained.valueNormalizer)
    #expect(fresh.values(states: [0.3, 0.7]) == trained.values(states: [0.3, 0.7]))
  }
}
