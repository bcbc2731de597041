import Envs
import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An A2C learner on 3 actions and 2 observation floats whose weights are all zero and whose
/// value head has bias `value`: π is uniform over the valid actions and V ≡ `value`, so the loss
/// terms can be derived by hand.
private func zeroedA2C(value: Float, entCoef: Float = 0.01) throws -> A2C {
  var config = A2CConfig()
  config.numEnvs = 1
  config.numSteps = 3
  config.gamma = 0.5
  config.gaeLambda = 1
  config.entCoef = entCoef
  config.hiddenSizes = [4]
  config.learningRate = 1e-3
  var agent = try A2C(config: config, observationDim: 2, actionCount: 3, seed: 1)
  agent.networks.updateParameters { name, p in
    p.assign(Tensor(repeating: name == "critic.1.bias" ? value : 0, shape: p.shape))
  }
  return agent
}

/// Rewards [1, 2, 4], the episode terminates at step 1, actions [2, 1, 0], action 2 masked at
/// step 1. With γ = ½ and V ≡ 1: returns R = [1 + ½·2, 2, 4 + ½·1] = [2, 2, 4.5], advantages
/// A = R − 1 = [1, 1, 3.5].
private func handBatch(_ agent: A2C) throws -> A2CBatch {
  var batch = try A2CBatch(config: agent.config, observationDim: 2, actionMaskSize: 3)
  let masks: [[Bool]] = [[true, true, true], [true, true, false], [true, true, true]]
  for (t, (reward, action)) in zip([Float(1), 2, 4], [2, 1, 0]).enumerated() {
    let logProb: Float = t == 1 ? -logf(2) : -logf(3)
    try batch.rollout.add(
      observations: [Float(t), 1], actions: [action], logProbs: [logProb], rewards: [reward],
      terminated: [t == 1], truncated: [false], values: [1], actionMasks: masks[t])
  }
  batch.lastObservations = [3, 1]
  return batch
}

@Suite struct ActorCriticTests {
  @Test func configDefaultsRoundTripAndValidate() throws {
    let c = A2CConfig()
    #expect(c.learningRate == 7e-4 && c.numEnvs == 8 && c.numSteps == 5 && c.gaeLambda == 1)
    #expect(c.entCoef == 0.01 && c.vfCoef == 0.5 && c.maxGradNorm == 0.5 && c.batchSize == 40)
    let decoded = try JSONDecoder().decode(A2CConfig.self, from: JSONEncoder().encode(c))
    #expect(decoded == c)
    var bad = c
    bad.gaeLambda = 1.5
    #expect(throws: RLInputError.self) { try bad.validate() }
  }

  @Test(arguments: [false, true])
  func networksAreSharedOrSeparate(shared: Bool) throws {
    var config = A2CConfig()
    config.sharedNetwork = shared
    let agent = try A2C(config: config, observationDim: 4, actionCount: 2, seed: 1)
    let names = agent.networks.namedParameters.map(\.name)
    #expect(names.contains("torso.0.weight") == shared)
    #expect(names.last == (shared ? "critic.0.bias" : "critic.2.bias"))
    var rng = Xoshiro256(seed: 2)
    let out = agent.act(observations: [Float](repeating: 0.1, count: 12), using: &rng)
    #expect(out.actions.count == 3 && out.logProbs.count == 3 && out.values.count == 3)
    #expect(out.values == agent.values(observations: [Float](repeating: 0.1, count: 12)))
  }

  /// policy loss = −mean(log π(a)·A), value loss = ½ mean((V − R)²), entropy = mean H over the
  /// valid actions, each checked against the numbers derived in `handBatch`.
  @Test func lossTermsMatchTheFormulaOnATinyBatch() throws {
    var agent = try zeroedA2C(value: 1)
    var batch = try handBatch(agent)
    let stats = try agent.update(&batch)
    #expect(batch.rollout.returns == [2, 2, 4.5])
    #expect(batch.rollout.advantages == [1, 1, 3.5])
    let (log2, log3) = (Float(M_LN2), logf(3))
    let policyLoss = (log3 * 1 + log2 * 1 + log3 * 3.5) / 3
    let valueLoss: Float = 0.5 * (1 + 1 + 3.5 * 3.5) / 3
    let entropy = (2 * log3 + log2) / 3
    #expect(abs(stats.policyLoss - policyLoss) < 1e-5, "\(stats.policyLoss) vs \(policyLoss)")
    #expect(abs(stats.valueLoss - valueLoss) < 1e-5, "\(stats.valueLoss) vs \(valueLoss)")
    #expect(abs(stats.entropy - entropy) < 1e-5, "\(stats.entropy) vs \(entropy)")
    #expect(stats.samples == 3)
    #expect(stats.scalars.map(\.name).prefix(3) == ["policy_loss", "value_loss", "entropy"])
  }

  /// With zero weights only the two head biases get gradients. Without entropy bonus,
  /// ∂L/∂b_k = −(1/T) Σ_t A_t (1[a_t = k] − π_t(k)) = [−½, ⅓, ⅙] for the actor and
  /// vfCoef · mean(V − R) = −11/12 for the critic; Adam's first step moves each by lr against
  /// the sign of its (clipped) gradient.
  @Test func firstStepMovesTheHeadBiasesAsDerived() throws {
    var agent = try zeroedA2C(value: 1, entCoef: 0)
    var batch = try handBatch(agent)
    let stats = try agent.update(&batch)
    let norm = (0.25 + 1.0 / 9 + 1.0 / 36 + 121.0 / 144).squareRoot()
    #expect(abs(Double(stats.gradNorm) - norm) < 1e-5, "\(stats.gradNorm) vs \(norm)")
    let lr: Float = 1e-3
    let parameters = Dictionary(uniqueKeysWithValues: agent.networks.namedParameters)
    let actorBias = try #require(parameters["actor.1.bias"]).scalars
    let criticBias = try #require(parameters["critic.1.bias"]).scalar
    for (got, want) in zip(actorBias, [lr, -lr, -lr]) {
      #expect(abs(got - want) < 1e-3 * lr, "actor bias \(actorBias)")
    }
    #expect(abs(criticBias - (1 + lr)) < 1e-3 * lr, "critic bias \(criticBias)")
    let untouched = try #require(parameters["actor.0.weight"]).scalars
    #expect(untouched.allSatisfy { $0 == 0 })
  }

  @Test func truncationBootstrapsFromTheFinalObservationValue() throws {
    var config = A2CConfig()
    config.numEnvs = 1
    config.numSteps = 10
    let envs = try SyncVectorEnv(count: 1) { _ in TimeLimit(CartPole(), maxEpisodeSteps: 5) }
    var trainer = try A2CTrainer(config: config, envs: envs, seed: 2)
    var (batch, episodes) = try trainer.collect()
    #expect(episodes.count == 2 && episodes.allSatisfy { !$0.terminated })
    _ = try trainer.agent.update(&batch)
    let b = batch.rollout
    #expect(b.truncated[4] && !b.terminated[4] && b.truncationValues[4] != 0)
    let delta4 = b.rewards[4] + 0.99 * b.truncationValues[4] - b.values[4]
    #expect(abs(b.advantages[4] - delta4) < 1e-5)
  }

  /// CartPole-v1 is "solved" when the mean return of the last 100 episodes reaches 195. With the
  /// defaults every one of seeds 1–10 got there in 26k–31k steps (about 10 s each in a debug
  /// build); the budget is 100k. A learner with a flipped advantage sign learns to fall (mean
  /// return ≈ 9 after 100k steps).
  @Test func a2cSolvesCartPoleOnTwoOfThreeSeeds() throws {
    var config = A2CConfig()
    config.totalTimesteps = 100_000
    var solved: [Bool] = []
    for seed in [UInt64(1), 2, 3] {
      let envs = try SyncVectorEnv(count: config.numEnvs) { _ in CartPole.v1() }
      var trainer = try A2CTrainer(config: config, envs: envs, seed: seed)
      let start = ContinuousClock.now
      try trainer.train { trainer, _ in
        trainer.episodes.count >= 100 && trainer.meanReturn(lastEpisodes: 100)! >= 195
      }
      let mean = trainer.meanReturn(lastEpisodes: 100) ?? 0
      print(
        "A2C CartPole seed \(seed): mean return of the last 100 episodes \(mean) after "
          + "\(trainer.globalStep) steps, \(ContinuousClock.now - start)")
      solved.append(trainer.episodes.count >= 100 && mean >= 195)
      if solved.filter({ $0 }).count >= 2 || solved.filter({ !$0 }).count >= 2 { break }
    }
    #expect(solved.filter { $0 }.count >= 2, "solved per seed: \(solved)")
  }
}
