import Envs
import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

private func cartPoleTrainer(_ config: PPOConfig, seed: UInt64) throws
  -> PPOTrainer<TimeLimit<CartPole>>
{
  try PPOTrainer(config: config, seed: seed) { _ in CartPole.v1() }
}

@Suite struct PPOTests {
  @Test func configDefaultsAreCleanRLs() throws {
    let c = PPOConfig()
    #expect(c.learningRate == 2.5e-4 && c.numEnvs == 4 && c.numSteps == 128 && c.annealLR)
    #expect(c.gamma == 0.99 && c.gaeLambda == 0.95 && c.numMinibatches == 4 && c.updateEpochs == 4)
    #expect(c.normAdv && c.clipCoef == 0.2 && c.clipVloss && c.entCoef == 0.01 && c.vfCoef == 0.5)
    #expect(c.maxGradNorm == 0.5 && c.targetKL == nil && c.totalTimesteps == 500_000)
    #expect(c.adamEpsilon == 1e-5 && c.batchSize == 512 && c.minibatchSize == 128)
    #expect(c.numIterations == 976)
    let decoded = try JSONDecoder().decode(PPOConfig.self, from: JSONEncoder().encode(c))
    #expect(decoded == c)
    var bad = c
    bad.numMinibatches = 0
    #expect(throws: RLInputError.self) { try bad.validate() }
  }

  @Test func agentHasCleanRLArchitectureAndNames() {
    var rng = Xoshiro256(seed: 1)
    let agent = ActorCritic(observationDim: 4, actionCount: 2, rng: &rng)
    let names = agent.namedParameters.map(\.name)
    #expect(names.first == "actor.0.weight" && names.last == "critic.2.bias")
    #expect(agent.actor.layers.map(\.outFeatures) == [64, 64, 2])
    #expect(agent.critic.layers.map(\.outFeatures) == [64, 64, 1])
    // Orthogonal with gain g: WᵀW = g² I for a tall weight (actor head gain 0.01).
    let head = agent.actor.layers[2].weight.detached()
    let gram = matmul(head, transposed: true, head, transposed: false).scalars
    #expect(abs(gram[0] - 1e-4) < 1e-6 && abs(gram[1]) < 1e-6)
  }

  @Test func learningRateAnnealsLinearlyLikeCleanRL() throws {
    var config = PPOConfig()
    config.totalTimesteps = 512 * 10
    let ppo = try cartPoleTrainer(config, seed: 1)
    #expect(ppo.learner.learningRate(iteration: 1) == 2.5e-4)
    #expect(abs(ppo.learner.learningRate(iteration: 10) - 2.5e-5) < 1e-9)
  }

  // Before the first optimizer step of an update the new policy is the acting policy, so the
  // ratio is 1 (up to matmul rounding) on the whole first minibatch.
  @Test func ratioIsExactlyOneOnTheFirstMinibatch() throws {
    var config = PPOConfig()
    config.totalTimesteps = 512 * 2
    var ppo = try cartPoleTrainer(config, seed: 3)
    for _ in 0..<2 {
      try ppo.collectRollout()
      let stats = try ppo.update()
      #expect(stats.firstMinibatchRatios.count == config.minibatchSize)
      // Rollout (batch 4) and training (batch 128) matmuls round differently in the last bit:
      // the ratio is 1 to within 2 ulps (measured: at most 1 ulp), never a stale policy.
      let deviation = stats.firstMinibatchRatios.map { abs($0 - 1) }.max() ?? 1
      #expect(deviation <= 2 * Float.ulpOfOne, "max |ratio − 1| = \(deviation)")
      #expect(stats.minibatchesRun == 16 && stats.epochsRun == 4)
    }
  }

  /// On the first minibatch the ratio is 1, so the clipped surrogate is `−mean(A)`: 0 once the
  /// advantages are normalized, the raw advantages' negated mean when they are not. (One
  /// minibatch, so "the minibatch" is the whole rollout whatever the shuffle.) Fails when the
  /// per-minibatch normalization is removed.
  @Test(arguments: [true, false])
  func firstMinibatchPolicyLossIsMinusTheMeanAdvantage(normAdv: Bool) throws {
    var config = PPOConfig()
    config.totalTimesteps = 512
    config.numMinibatches = 1
    config.updateEpochs = 1
    config.normAdv = normAdv
    var ppo = try cartPoleTrainer(config, seed: 4)
    try ppo.collectRollout()
    let advantages = ppo.buffer.advantages.map(Double.init)
    let rawMean = advantages.reduce(0, +) / Double(advantages.count)
    #expect(rawMean > 1, "CartPole's advantages start clearly positive: \(rawMean)")
    let stats = try ppo.update()
    let loss = Double(stats.firstMinibatchPolicyLoss)
    let expected = normAdv ? 0 : -rawMean
    #expect(abs(loss - expected) < 1e-5 * max(1, abs(rawMean)), "\(loss) vs \(expected)")
  }

  @Test func targetKLStopsEpochsEarly() throws {
    var config = PPOConfig()
    config.totalTimesteps = 512
    config.learningRate = 1e-2
    config.targetKL = 1e-6
    var ppo = try cartPoleTrainer(config, seed: 5)
    try ppo.collectRollout()
    let stats = try ppo.update()
    #expect(stats.epochsRun == 1 && stats.minibatchesRun == 4)
  }

  @Test func truncationBootstrapsFromTheFinalObservationValue() throws {
    // Episodes cut after 5 steps: every 5th transition is truncated (not terminated) and its
    // advantage uses V(final observation) rather than 0.
    var config = PPOConfig()
    config.numEnvs = 1
    config.numSteps = 10
    config.numMinibatches = 1
    config.totalTimesteps = 10
    var ppo = try PPOTrainer(config: config, seed: 2) { _ in
      TimeLimit(CartPole(), maxEpisodeSteps: 5)
    }
    try ppo.collectRollout()
    let b = ppo.buffer
    #expect(b.truncated[4] && !b.terminated[4] && b.truncated[9])
    #expect(b.truncationValues[4] != 0)
    let delta4 = b.rewards[4] + 0.99 * b.truncationValues[4] - b.values[4]
    #expect(abs(b.advantages[4] - delta4) < 1e-5)
  }

  @Test func checkpointRoundTripsActorAndCritic() throws {
    var config = PPOConfig()
    config.totalTimesteps = 512
    var trained = try cartPoleTrainer(config, seed: 11)
    try trained.collectRollout()
    try trained.update()
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("ppo-\(UInt64.random(in: 0...UInt64.max)).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try trained.saveCheckpoint(to: url)
    #expect(try Checkpoint.load(from: url)["actor.0.weight"]?.shape == [4, 64])
    var fresh = try cartPoleTrainer(config, seed: 12)
    let trainedWeight = trained.learner.agent.actor.layers[0].weight
    #expect(fresh.learner.agent.actor.layers[0].weight != trainedWeight)
    try fresh.loadCheckpoint(from: url)
    let pairs = zip(fresh.learner.agent.namedParameters, trained.learner.agent.namedParameters)
    for (a, b) in pairs {
      #expect(a.name == b.name && a.tensor == b.tensor)
    }
  }

  /// A learner with a flipped advantage sign or a broken gradient stays near random (~22).
  @Test func ppoLearnsCartPoleWithinASmallBudget() throws {
    var config = PPOConfig()
    config.totalTimesteps = 512 * 40
    config.learningRate = 1e-3
    var ppo = try cartPoleTrainer(config, seed: 1)
    try ppo.train()
    let finalReturn = try #require(ppo.meanReturn(lastEpisodes: 20))
    print("PPO CartPole learning test: mean return of the last 20 episodes \(finalReturn)")
    #expect(finalReturn > 100, "mean return of the last 20 episodes: \(finalReturn)")
  }
}
