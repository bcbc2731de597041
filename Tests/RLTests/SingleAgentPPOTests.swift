import Foundation
import RL
import SeededRandom
import TensorModule
import Testing

/// Fig. 7's "B3 single-agent PPO" is `MAPPO` with one agent, no agent id and a critic on the
/// local observation. These tests show that this *is* PPO: with PPO's settings (logit masking,
/// clipped ½ MSE critic loss, constant learning rate) one MAPPO update on a one-stream batch
/// and one `PPO.update` on the same rollout leave the same weights.
@Suite struct SingleAgentPPOTests {
  static let observationDim = 4
  static let actionCount = 3
  static let steps = 24

  /// MAPPO and PPO with the same hyperparameters (tanh networks, as CleanRL).
  static func configs() -> (MAPPOConfig, PPOConfig) {
    var mappo = MAPPOConfig()
    mappo.actorHiddenSizes = [8, 8]
    mappo.criticHiddenSizes = [8, 8]
    mappo.hiddenActivation = .tanh
    mappo.maskMode = .logits
    mappo.valueLoss = .mse
    mappo.clipValueLoss = true
    mappo.learningRate = 3e-3
    mappo.lrDecaySteps = 1000
    mappo.updateEpochs = 2
    mappo.numMinibatches = 3
    var ppo = PPOConfig()
    ppo.hiddenSizes = [8, 8]
    ppo.numEnvs = 1
    ppo.numSteps = steps
    ppo.totalTimesteps = steps
    ppo.learningRate = mappo.learningRate
    ppo.adamEpsilon = mappo.adamEpsilon
    ppo.updateEpochs = mappo.updateEpochs
    ppo.numMinibatches = mappo.numMinibatches
    ppo.gamma = mappo.gamma
    ppo.gaeLambda = mappo.gaeLambda
    ppo.clipCoef = mappo.clipCoef
    ppo.entCoef = mappo.entCoef
    ppo.vfCoef = mappo.vfCoef
    ppo.maxGradNorm = mappo.maxGradNorm
    ppo.normAdv = mappo.normAdv
    ppo.clipVloss = mappo.clipValueLoss
    return (mappo, ppo)
  }

  /// Masked: each step masks a random non-empty subset of the actions; PPO acts with
  /// `act(_:masks:using:)` and its buffer stores the masks, MAPPO's batch holds the same ones.
  @Test(arguments: [false, true])
  func oneAgentMAPPOWithALocalCriticIsPPO(masked: Bool) throws {
    let (n, d) = (Self.steps, Self.observationDim)
    let (mappoConfig, ppoConfig) = Self.configs()
    // Same seed: same shuffle stream (both split one generator for the weights first).
    var mappo = try MAPPO(
      config: mappoConfig, numAgents: 1, observationDim: d, stateDim: d,
      actionCount: Self.actionCount, seed: 3)
    var ppo = try PPO(
      config: ppoConfig, observationDim: d, actionCount: Self.actionCount, seed: 3)
    ppo.agent = ActorCritic(actor: mappo.agent.actor, critic: mappo.agent.critic)

    // One trajectory: episodes end by termination at step 7 and by truncation at step 15; the
    // last step continues (bootstrapped).
    var rng = Xoshiro256(seed: 13)
    let observations = (0..<(n * d)).map { _ in rng.nextFloat() * 2 - 1 }
    let finalObservation = (0..<d).map { _ in rng.nextFloat() }
    let nextObservation = (0..<d).map { _ in rng.nextFloat() }
    var masks = [Bool](repeating: true, count: n * Self.actionCount)
    if masked {
      for t in 0..<n {
        let row = (0..<Self.actionCount).map { _ in rng.nextDouble() < 0.6 }
        let valid = row.contains(true) ? row : [false, true, false]
        masks.replaceSubrange((t * Self.actionCount)..<((t + 1) * Self.actionCount), with: valid)
      }
      #expect(masks.contains(false))
    }
    let acted = try ppo.act(
      Tensor(shape: [n, d], scalars: observations), masks: masked ? masks : nil, using: &rng)
    let rewards = (0..<n).map { _ in rng.nextFloat() }
    let terminated = (0..<n).map { $0 == 7 }
    let truncated = (0..<n).map { $0 == 15 }

    var batch = try MAPPOBatch(
      numStreams: 1, observationDim: d, stateDim: d, actionCount: Self.actionCount)
    // PPO's values come from one batched critic call, as MAPPO's do (same rounding).
    let values = ppo.values(Tensor(shape: [n, d], scalars: observations))
    let extra = ppo.values(Tensor(shape: [2, d], scalars: finalObservation + nextObservation))
    var buffer = try RolloutBuffer(
      numSteps: n, numEnvs: 1, observationDim: d, actionMaskSize: masked ? Self.actionCount : 0)
    for t in 0..<n {
      let observation = Array(observations[(t * d)..<((t + 1) * d)])
      let mask = Array(masks[(t * Self.actionCount)..<((t + 1) * Self.actionCount)])
      try batch.append(
        stream: 0, observation: observation, actionMask: mask,
        action: acted.actions[t], logProb: acted.logProbs[t], state: observation,
        reward: rewards[t], terminated: terminated[t], truncated: truncated[t],
        finalState: truncated[t] ? finalObservation : nil)
      try buffer.add(
        observations: observation, actions: [acted.actions[t]], logProbs: [acted.logProbs[t]],
        rewards: [rewards[t]], terminated: [terminated[t]], truncated: [truncated[t]],
        values: [values[t]], actionMasks: masked ? mask : nil,
        truncationValues: [truncated[t] ? extra[0] : 0])
    }
    try batch.setBootstrapState(stream: 0, state: nextObservation)
    try buffer.computeAdvantages(
      lastValues: [extra[1]], gamma: ppoConfig.gamma, lambda: ppoConfig.gaeLambda)

    let initial = mappo.agent.namedParameters.map(\.tensor.scalars)
    let mappoStats = try mappo.update(&batch)
    let ppoStats = try ppo.update(&buffer)
    #expect(batch.streams[0].values == values)
    #expect(mappoStats.minibatchesRun == 6 && ppoStats.minibatchesRun == 6)
    #expect(mappoStats.firstMinibatchPolicyLoss == ppoStats.firstMinibatchPolicyLoss)
    #expect(mappoStats.policyLoss == ppoStats.policyLoss)
    #expect(mappoStats.valueLoss == ppoStats.valueLoss)
    #expect(mappoStats.entropy == ppoStats.entropy)
    #expect(mappoStats.clipFraction == ppoStats.clipFraction)
    #expect(mappoStats.explainedVariance == ppoStats.explainedVariance)
    let trained = mappo.agent.namedParameters
    #expect(zip(trained, initial).allSatisfy { $0.tensor.scalars != $1 }, "not every tensor moved")
    for ((name, a), (otherName, b)) in zip(trained, ppo.agent.namedParameters) {
      #expect(name == otherName)
      #expect(a.scalars == b.scalars, "\(name) differs after one update")
    }
  }
}
