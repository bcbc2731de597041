import Envs
import Foundation
import KMPS
import KMPSTestSupport
import RL
import SeededRandom
import TensorModule
import Testing

// KaiS: the reward, the cMMAC TD targets, GPG's REINFORCE targets against hand-derived values,
// a contextual-bandit learning test for cMMAC, and the dispatcher and training loop in a tiny
// system.

@Test func kaisRewardMatchesHandValues() {
  #expect(abs(KaiSReward.value(failShare: 0, utilizationStd: 0) - 2) < 1e-12)
  // exp(−0.5) + exp(−0.2) = 0.6065307 + 0.8187308.
  #expect(abs(KaiSReward.value(failShare: 0.5, utilizationStd: 0.2) - 1.4252614) < 1e-6)
  // σ of [0.2, 0.4, 0.6] = sqrt(0.08 / 3).
  #expect(abs(KaiSReward.standardDeviation([0.2, 0.4, 0.6]) - 0.1632993) < 1e-6)
  #expect(KaiSReward.standardDeviation([0.7]) == 0)
}

@Test func cmmacTDTargetsMatchHandValues() {
  // y = r + γ V' : [1 + 0.9·1, 2 + 0.9·0] = [1.9, 2]; δ = y − V = [1.4, 1].
  let (y, delta) = KaiSDispatchAgent.tdTargets(
    rewards: [1, 2], values: [0.5, 1], nextValues: [1, 0], gamma: 0.9)
  #expect(zip(y, [1.9, 2]).allSatisfy { abs($0 - $1) < 1e-6 })
  #expect(zip(delta, [1.4, 1]).allSatisfy { abs($0 - $1) < 1e-6 })
}

@Test func gpgReinforceTargetsMatchHandValues() {
  // Episode A = steps 0, 1 (ends at 1); episode B = step 2. γ = 0.5:
  // G = [1 + 0.5·1, 1, 2] = [1.5, 1, 2]; step indices [0, 1, 0];
  // baseline [1, 0.5] → A = [0.5, 0.5, 1].
  let r = GPOAgent.reinforceTargets(
    rewards: [1, 1, 2], episodeEnds: [false, true, false], gamma: 0.5, baseline: [1, 0.5])
  #expect(r.returns == [1.5, 1, 2])
  #expect(r.stepIndex == [0, 1, 0])
  #expect(r.advantages == [0.5, 0.5, 1])
  // No baseline yet: the advantages are the returns.
  let bare = GPOAgent.reinforceTargets(
    rewards: [1, 1, 2], episodeEnds: [false, true, false], gamma: 0.5, baseline: [])
  #expect(bare.advantages == bare.returns)
}

@Test func cmmacTargetsBootstrapATruncatedTransitionFromTheFinalState() throws {
  var config = KaiSConfig()
  config.actorHiddenSizes = [8]
  config.criticHiddenSizes = [8]
  let agent = try KaiSDispatchAgent(
    config: config, eapCount: 1, observationDim: 2, stateDim: 3, actionCount: 2, seed: 1)
  var batch = KaiSBatch(eapCount: 1, stateDim: 3, observationDim: 2, actionCount: 2)
  let s0: [Float] = [1, 0, 1]
  let s1: [Float] = [0, 1, 1]
  let sEnd: [Float] = [0.5, 0.5, 1]
  s0.withUnsafeBufferPointer { _ = batch.beginTransition(eap: 0, state: $0) }
  s1.withUnsafeBufferPointer { _ = batch.beginTransition(eap: 0, state: $0) }
  batch.setReward(1, eap: 0, transition: 0)
  batch.setReward(0.5, eap: 0, transition: 1)
  batch.truncateLast(eap: 0, finalState: sEnd)
  let v = agent.values(s0 + s1)
  let vEnd = agent.values(sEnd)[0]
  let t = agent.targets(batch)[0]
  #expect(abs(t.targets[0] - (1 + 0.9 * v[1])) < 1e-5)
  #expect(abs(t.targets[1] - (0.5 + 0.9 * vEnd)) < 1e-5)
  #expect(abs(t.advantages[0] - (t.targets[0] - v[0])) < 1e-5)
}

/// P(correct target) of eAP `b`'s actor for context `c` (Eq. 2 over the mask).
private func correctProbability(
  _ agent: KaiSDispatchAgent, eap b: Int, context c: Int, mask: [Bool]
) -> Float {
  let obs: [Float] = c == 0 ? [1, 0] : [0, 1]
  let scores = agent.actors[b].detached()(Tensor(shape: [1, 2], scalars: obs))
  let p = MaskedCategorical(.contextFilter, outputs: scores, mask: mask).probabilities.scalars
  return p[c]
}

@Test func cmmacLearnsAContextualBanditPerEAP() throws {
  // Two eAPs; context c ∈ {0, 1} is one-hot in the observation; target c earns 1, anything
  // else 0; eAP 1 may not use target 2. Random play is right 1/3 (eAP 0) or 1/2 (eAP 1) of
  // the time; the learner must reach ≥ 0.85 for both contexts and both eAPs.
  var config = KaiSConfig()
  config.actorHiddenSizes = [16]
  config.criticHiddenSizes = [16]
  config.learningRate = 1e-2
  config.criticLearningRate = 1e-2
  config.entCoef = 0
  var agent = try KaiSDispatchAgent(
    config: config, eapCount: 2, observationDim: 2, stateDim: 4, actionCount: 3, seed: 7)
  let masks: [[Bool]] = [[true, true, true], [true, true, false]]
  var rng = Xoshiro256(seed: 11)
  for _ in 0..<200 {
    var batch = KaiSBatch(eapCount: 2, stateDim: 4, observationDim: 2, actionCount: 3)
    for b in 0..<2 {
      for _ in 0..<32 {
        let c = Int(rng.next() % 2)
        let obs: [Float] = c == 0 ? [1, 0] : [0, 1]
        let state = obs + (b == 0 ? [1, 0] : [0, 1])
        let scores = agent.actors[b].detached()(Tensor(shape: [1, 2], scalars: obs))
        let action = MaskedCategorical(.contextFilter, outputs: scores, mask: masks[b])
          .sample(using: &rng)[0]
        let t = state.withUnsafeBufferPointer { batch.beginTransition(eap: b, state: $0) }
        batch.setReward(action == c ? 1 : 0, eap: b, transition: t)
        obs.withUnsafeBufferPointer { o in
          masks[b].withUnsafeBufferPointer { m in
            batch.appendDecision(eap: b, transition: t, observation: o, mask: m, action: action)
          }
        }
      }
    }
    try agent.update(batch)
  }
  for b in 0..<2 {
    for c in 0..<2 {
      let p = correctProbability(agent, eap: b, context: c, mask: masks[b])
      #expect(p >= 0.85, "eAP \(b), context \(c): P(correct) = \(p)")
    }
  }
}

@Test func kaisDispatcherStaysInItsClusterAndRecordsSlotTransitions() throws {
  var env = KaiSTraining.environment(gpoTinySystem(rate: 20, slots: 40, frame: 8))
  env.orchestration.orchestrator = .hpa
  var sim = try EdgeCloudSimulator(config: env, seed: 2)
  var kais = KaiSConfig()
  kais.actorHiddenSizes = [16]
  kais.criticHiddenSizes = [16]
  let agent = try KaiSTraining.makeAgent(kais, simulator: sim, seed: 3)
  var dispatcher = try KaiSDispatcher(
    agent: agent, simulator: sim, acting: .sample, record: true, seed: 4)
  var hpa = HPAController(config: env.hpa)
  sim.run(dispatch: &dispatcher, orchestration: &hpa)
  let m = sim.metrics
  #expect(m.decisions > 0 && m.dispatchedCrossCluster == 0 && m.invalidActions == 0)
  #expect(m.arrived == m.completedOnTime + m.failed + sim.requestsInSystem)
  let taken = dispatcher.takeBatch()
  let batch = try #require(taken)
  #expect(batch.decisionCount == m.decisions)
  #expect(batch.transitionCount > 0 && batch.transitionCount <= 2 * 40)
  for b in 0..<2 {
    #expect(batch.rewards[b].allSatisfy { $0 >= 0 && $0 <= 2 })
    #expect(batch.truncated[b].last == true && batch.finalStates[b] != nil)
    #expect(batch.transitionOf[b] == batch.transitionOf[b].sorted())
  }
  // After an update the dispatcher acts with the new actors.
  var trained = agent
  let stats = try trained.update(batch)
  #expect(stats.decisions > 0 && stats.valueLoss.isFinite && stats.policyLoss.isFinite)
}

@Test func gpgReinforceTrainsNoCriticAndKeepsATimeBaseline() throws {
  let env = gpoTinySystem(rate: 8, slots: 40, frame: 8)
  var sim = try EdgeCloudSimulator(config: env, seed: 1)
  var config = gpoTinyAgents(.gpo, h: 2)
  config.agent.algorithmOverride = .reinforceTimeBaseline
  config.singleGlobalCluster = false
  var gpg = try GPOOrchestration(config: config, simulator: sim, seed: 9)
  let criticsBefore = gpg.agent.critics.namedParameters.map(\.tensor.scalars)
  let policyBefore = gpg.agent.policy.namedParameters.map(\.tensor.scalars)
  var dispatch = LeastUtilizedPolicy(allowCrossCluster: false)
  sim.run(dispatch: &dispatch, orchestration: &gpg)
  let finished = try gpg.finishEpisode(sim)
  let stats = try #require(finished)
  // Frames start at slots 8, 16, 24, 32: four decisions, one episode.
  #expect(stats.transitions == 4)
  #expect(gpg.agent.timeBaseline.count == 4 && gpg.agent.timeBaselineCounts == [1, 1, 1, 1])
  #expect(gpg.agent.critics.namedParameters.map(\.tensor.scalars) == criticsBefore)
  #expect(gpg.agent.policy.namedParameters.map(\.tensor.scalars) != policyBefore)
  #expect(stats.valueLoss.isFinite)
}

@Test func kaisTrainsEndToEndOnATinySystem() throws {
  var training = DispatchTrainingConfig.kmps(quick: true)
  training.environment = gpoTinySystem(rate: 20, slots: 40, frame: 8)
  training.curriculum = [
    CurriculumStage(episodes: 1, episodeSlots: 20, loadFraction: 0.5, profile: .steady)
  ]
  training.episodes = 2
  training.episodeSlots = 40
  training.loadRequestsPerSecond = 20
  var kais = KaiSConfig()
  kais.actorHiddenSizes = [16]
  kais.criticHiddenSizes = [16]
  let result = try KaiSTraining.run(seed: 1, config: training, kais: kais, trace: nil)
  #expect(result.throughputs.count == 2)
  #expect(result.throughputs.allSatisfy { $0 >= 0 && $0 <= 1 })
  #expect(result.lastUpdate.decisions > 0)
  #expect(result.orchestrator?.stats.updates == 3)
}

@Test func kaisConfigRejectsBadFieldsByName() {
  var c = KaiSConfig()
  c.gamma = 1.5
  do {
    try c.validate()
    Issue.record("γ 1.5 must be rejected")
  } catch {
    #expect("\(error)".contains("kais.gamma"))
  }
  c = KaiSConfig()
  c.samplesPerUpdate = 0
  #expect(throws: KMPSConfigError.self) { try c.validate() }
}
