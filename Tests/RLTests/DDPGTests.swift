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

/// A DDPG learner on 3 observation floats and one torque in [−2, 2] with hidden width 4, every
/// weight and bias zero except those `set` assigns; the targets are copies.
private func handSetDDPG(
  tau: Float = 0.005, set: (inout DeterministicActor, inout QNetwork) -> Void
) throws -> DDPG {
  var config = DDPGConfig()
  config.hiddenSizes = [4]
  config.gamma = 0.5
  config.tau = tau
  config.policyFrequency = 1
  config.learningRate = 1e-3
  var agent = try DDPG(
    config: config, observationDim: 3, actionLow: [-2], actionHigh: [2], seed: 1)
  agent.actor.updateParameters { _, p in p.assign(Tensor(zeros: p.shape)) }
  agent.critic.updateParameters { _, p in p.assign(Tensor(zeros: p.shape)) }
  set(&agent.actor, &agent.critic)
  agent.resetTargetNetworks()
  return agent
}

/// Two transitions: rewards [1, −1], the second terminal.
private let handSample = ReplayBuffer.Sample(
  observations: [0.1, 0.2, 0.3, -0.4, 0.5, 0.6], actions: [0.5, 1.5], rewards: [1, -1],
  nextObservations: [0.7, 0.8, 0.9, 1.0, 1.1, 1.2], terminated: [false, true])

@Suite struct DDPGTests {
  @Test func configDefaultsAreCleanRLs() throws {
    let c = DDPGConfig()
    #expect(c.learningRate == 3e-4 && c.bufferSize == 1_000_000 && c.gamma == 0.99)
    #expect(c.tau == 0.005 && c.batchSize == 256 && c.explorationNoise == 0.1)
    #expect(c.learningStarts == 25_000 && c.policyFrequency == 2 && c.hiddenSizes == [256, 256])
    let decoded = try JSONDecoder().decode(DDPGConfig.self, from: JSONEncoder().encode(c))
    #expect(decoded == c)
    var bad = c
    bad.tau = 2
    #expect(throws: RLInputError.self) { try bad.validate() }
  }

  @Test func replayBufferIsARingSampledWithTheSeededStream() throws {
    var buffer = try ReplayBuffer(capacity: 3, observationDim: 2, actionDim: 1)
    for k in 0..<5 {
      let x = Float(k)
      try buffer.add(
        observation: [x, x], action: [x], reward: x, nextObservation: [x + 1, x + 1],
        terminated: k == 4)
    }
    #expect(buffer.count == 3 && buffer.position == 2)
    #expect(buffer.rewards == [3, 4, 2])  // transitions 3 and 4 overwrote 0 and 1
    let rows = buffer.gather([1, 2])
    #expect(rows.observations == [4, 4, 2, 2] && rows.nextObservations == [5, 5, 3, 3])
    #expect(rows.actions == [4, 2] && rows.terminated == [true, false])
    var a = Xoshiro256(seed: 5)
    var b = Xoshiro256(seed: 5)
    let sample = buffer.sample(batchSize: 300, using: &a)
    #expect(sample == buffer.sample(batchSize: 300, using: &b))
    #expect(Set(sample.rewards) == [2, 3, 4] && sample.count == 300)
    #expect(throws: RLInputError.self) {
      try buffer.add(
        observation: [1], action: [1], reward: 0, nextObservation: [1, 1], terminated: false)
    }
  }

  @Test func actorIsBoundedAndTargetsAreDetachedCopies() throws {
    var rng = Xoshiro256(seed: 3)
    let agent = try DDPG(
      config: DDPGConfig(), observationDim: 3, actionLow: [-2, 0], actionHigh: [2, 1], seed: 2)
    #expect(agent.actor.actionScale.scalars == [2, 0.5])
    #expect(agent.actor.actionBias.scalars == [0, 0.5])
    let observations = (0..<300).map { _ in Float(rng.nextNormal()) * 50 }
    for explore in [false, true] {
      let actions = agent.act(observations: observations, explore: explore, using: &rng)
      #expect(actions.count == 200)
      for (i, a) in actions.enumerated() {
        #expect(i % 2 == 0 ? (-2...2).contains(a) : (0...1).contains(a))
      }
    }
    for (online, target) in zip(agent.actor.namedParameters, agent.targetActor.namedParameters) {
      #expect(online.tensor.parameterID != nil && target.tensor.parameterID == nil)
      #expect(online.tensor == target.tensor)
    }
    #expect(agent.targetCritic.namedParameters.allSatisfy { $0.tensor.parameterID == nil })
  }

  /// With zero weights and Q's output bias c = 2, Q ≡ 2: y = r + γ(1 − d)·2 = [2, −1] for
  /// γ = ½, so the Q loss is mean([0, 9]) = 4.5. Its gradient on c is mean(2(Q − y)) = 3, so
  /// Adam's first step lowers c by lr, and the actor loss is then −mean(Q) = −(2 − lr).
  @Test func qTargetAndLossesMatchTheFormula() throws {
    var agent = try handSetDDPG { _, critic in
      critic.network.layers[1].bias.assign(Tensor([2]))
    }
    let stats = agent.update(on: handSample)
    #expect(abs(stats.qValues - 2) < 1e-6 && abs(stats.qLoss - 4.5) < 1e-6)
    #expect(abs(stats.actorLoss - -(2 - 1e-3)) < 1e-6, "actor loss \(stats.actorLoss)")
    #expect(stats.actorUpdated)
    #expect(stats.scalars.map(\.name) == ["qf_values", "qf_loss", "actor_loss"])
  }

  /// Q(s, a) = relu(a) and μ(s) = 2 tanh(b) with b = ½ > 0: ∂Q/∂μ = 1, so the actor's loss
  /// −mean(Q) falls as b grows, and Adam's first step raises b by exactly lr; the target
  /// actor then holds τ(b + lr) + (1 − τ)b = b + τ·lr. Flipping the actor loss's sign
  /// lowers b instead.
  @Test func firstActorStepClimbsQAndTargetsFollowByTau() throws {
    let (lr, tau, b): (Float, Float, Float) = (1e-3, 0.1, 0.5)
    var agent = try handSetDDPG(tau: tau) { actor, critic in
      actor.network.layers[1].bias.assign(Tensor([b]))
      let actionToFirstUnit = [Float](repeating: 0, count: 12) + [1, 0, 0, 0]
      critic.network.layers[0].weight.assign(Tensor(shape: [4, 4], scalars: actionToFirstUnit))
      critic.network.layers[1].weight.assign(Tensor(shape: [4, 1], scalars: [1, 0, 0, 0]))
    }
    let stats = agent.update(on: handSample)
    #expect(abs(stats.actorLoss - -2 * tanhf(b)) < 1e-2)  // Q moved by O(lr) first
    let bias = agent.actor.network.layers[1].bias.scalar
    let targetBias = agent.targetActor.network.layers[1].bias.scalar
    #expect(abs(bias - (b + lr)) < 1e-3 * lr, "actor output bias \(bias)")
    #expect(abs(targetBias - (b + tau * lr)) < 1e-3 * lr, "target output bias \(targetBias)")
    #expect(agent.targetActor.network.layers[1].bias.parameterID == nil)
  }

  @Test func trainerActsRandomlyBeforeLearningStartsAndStoresFinalObservations() throws {
    var config = DDPGConfig()
    config.numEnvs = 2
    config.learningStarts = 12
    config.batchSize = 4
    config.hiddenSizes = [8]
    let envs = try SyncVectorEnv(count: 2) { _ in TimeLimit(Pendulum(), maxEpisodeSteps: 5) }
    var trainer = try DDPGTrainer(config: config, envs: envs, seed: 4)
    for _ in 0..<6 {
      let (stats, _) = try trainer.step()
      #expect(stats == nil)
    }
    #expect(trainer.episodes.count == 2 && trainer.replayBuffer.count == 12)
    // Slots alternate env 0, env 1. Within an episode a transition's next observation is the
    // following one's observation (slots 6 → 8); env 0's fifth transition (slot 8) ended the
    // episode, so its next observation is the final one, not the reset one of slot 10.
    let buffer = trainer.replayBuffer
    func row(_ a: [Float], _ slot: Int) -> [Float] { Array(a[(slot * 3)..<(slot * 3 + 3)]) }
    #expect(row(buffer.nextObservations, 6) == row(buffer.observations, 8))
    #expect(row(buffer.nextObservations, 8) != row(buffer.observations, 10))
    #expect(buffer.terminated.allSatisfy { !$0 })
    let (stats, _) = try trainer.step()
    #expect(stats != nil && trainer.agent.updateCount == 1)
  }

  /// Pendulum-v1 counts as learned once the mean return of the last 10 episodes reaches −300
  /// (random torques score about −1200; CleanRL's DDPG ends near −150 to −200). The networks
  /// and minibatch are small and τ large so that a debug build learns in seconds: seeds 1–10
  /// crossed −300 after 4.8k–11.4k steps (seed 1: 4.8k); the budget is 15k. A learner whose
  /// actor descends Q instead of climbing it never gets near.
  @Test func ddpgLearnsPendulumWithinASmallBudget() throws {
    var config = DDPGConfig()
    config.hiddenSizes = [32, 32]
    config.learningRate = 1e-3
    config.batchSize = 64
    config.tau = 0.01
    config.learningStarts = 500
    config.totalTimesteps = 15_000
    config.bufferSize = config.totalTimesteps
    let envs = try SyncVectorEnv(count: 1) { _ in Pendulum.v1() }
    var trainer = try DDPGTrainer(config: config, envs: envs, seed: 1)
    let start = ContinuousClock.now
    try trainer.train { trainer in
      trainer.episodes.count >= 10 && trainer.meanReturn(lastEpisodes: 10)! >= -300
    }
    let mean = trainer.meanReturn(lastEpisodes: 10) ?? -.infinity
    print(
      "DDPG Pendulum: mean return of the last 10 episodes \(mean) after \(trainer.globalStep) "
        + "steps, \(ContinuousClock.now - start)")
    #expect(trainer.episodes.count >= 10 && mean >= -300, "last 10 episodes: \(mean)")
  }
}
