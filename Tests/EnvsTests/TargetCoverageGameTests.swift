import Envs
import SeededRandom
import Testing

@Suite struct TargetCoverageGameTests {
  @Test func masksSignalsAndObservationLayout() throws {
    var game = try TargetCoverageGame(seed: 1)
    var result = game.reset(seed: 1)
    var validCounts = Set<Int>()
    for _ in 0..<200 {
      if result.done { result = game.reset(seed: nil) }
      #expect(result.agents == [0, 1, 2])
      let state = game.state()
      #expect(state.count == 14)
      #expect(Array(state[0..<3]) == [1, 1, 1])  // everyone is due by default
      let mask = Array(state[3..<8]).map { $0 == 1 }
      let demanded = Array(state[8..<13]).map { $0 == 1 }
      let validCount = mask.filter { $0 }.count
      validCounts.insert(validCount)
      #expect((3...5).contains(validCount))
      #expect(demanded.filter { $0 }.count == 3)
      #expect(zip(demanded, mask).allSatisfy { !$0 || $1 })  // demanded ⊆ valid
      for (i, agentObs) in result.observations.enumerated() {
        #expect(agentObs.actionMask == mask)
        #expect(agentObs.observation.count == game.observationDim)
        #expect(Array(agentObs.observation[0..<3]) == (0..<3).map { $0 == i ? 1 : 0 })
        #expect(Array(agentObs.observation[3...]) == state)
        #expect(game.observationSpace(agent: i).contains(agentObs.observation))
      }
      result = game.step(game.conventionActions())
    }
    #expect(validCounts == [3, 4, 5])  // V is drawn over the whole range
  }

  @Test func rewardRules() throws {
    var game = try TargetCoverageGame(seed: 4)
    _ = game.reset(seed: 4)
    let demandedTargets = game.conventionActions()
    #expect(demandedTargets.count == 3)

    // Optimal: distinct demanded targets, reward 1 for every acted agent.
    var step = game.step(demandedTargets)
    #expect(step.actedAgents == [0, 1, 2])
    #expect(step.rewards == [1, 1, 1])
    #expect(step.info["covered"] == 3)

    // Everyone on the same demanded target covers only one: reward 1/3.
    let target = game.conventionActions()[0]
    step = game.step([target, target, target])
    #expect(step.rewards.allSatisfy { abs($0 - 1.0 / 3) < 1e-12 })

    // A masked target (if any this step) and an out-of-range one cost the penalty each.
    let demanded = game.conventionActions()
    let maskedTarget = game.mask.firstIndex(of: false)
    step = game.step([demanded[0], maskedTarget ?? -1, 17])
    #expect(step.info["invalidActions"] == 2)
    #expect(step.rewards.allSatisfy { abs($0 - (1.0 - 2) / 3) < 1e-12 })

    // A valid but undemanded target covers nothing and costs nothing.
    let validNotDemanded = game.mask.indices.filter { game.mask[$0] && !game.demanded[$0] }
    if let spare = validNotDemanded.first {
      let d = game.conventionActions()
      step = game.step([d[0], d[1], spare])
      #expect(step.rewards.allSatisfy { abs($0 - 2.0 / 3) < 1e-12 })
    }
  }

  @Test func episodeTerminatesAfterEpisodeLength() throws {
    var game = try TargetCoverageGame(config: .init(episodeLength: 4), seed: 2)
    var result = game.reset(seed: 2)
    var total = 0.0
    var steps = 0
    while !result.done {
      result = game.step(game.conventionActions())
      total += result.rewards[0]
      steps += 1
    }
    #expect(steps == 4)
    #expect(result.terminated && !result.truncated)
    #expect(result.agents.isEmpty && result.observations.isEmpty)
    #expect(total == 4)  // optimum: 1 per step
  }

  @Test func randomMaskedPolicyEarnsTheHandComputedReward() throws {
    // N = 3, V uniform in {3, 4, 5}: E[1 − (1 − 1/V)^3] = (19/27 + 37/64 + 61/125) / 3.
    let expected = (19.0 / 27 + 37.0 / 64 + 61.0 / 125) / 3
    var game = try TargetCoverageGame(seed: 8)
    #expect(abs(game.randomMaskedPolicyStepReward - expected) < 1e-12)
    var policyRng = Xoshiro256(seed: 123)
    var result = game.reset(seed: 8)
    var total = 0.0
    let steps = 8000
    for _ in 0..<steps {
      if result.done { result = game.reset(seed: nil) }
      let actions = result.observations.map {
        game.actionSpace(agent: 0).sample(using: &policyRng, mask: $0.actionMask)
      }
      result = game.step(actions)
      total += result.rewards[0]
    }
    // Per-step sd ≤ 0.33, so the mean's sd ≤ 0.004; allow 4 sd.
    #expect(abs(total / Double(steps) - expected) < 0.016)
    #expect(expected < 0.6)  // the optimum (1 per step) is far above random
  }

  @Test func partialParticipation() throws {
    // N = 2, K = 3, p = 1/2: P(D = 1) = 2/4 + 1/4 (nobody drawn → one agent), P(D = 2) = 1/4.
    // D = 1: mean of 1/V over V in {1, 2, 3} = 11/18; D = 2: mean of 3/4 and 5/9 = 47/72.
    let expected = 0.75 * 11 / 18 + 0.25 * 47 / 72
    let config = TargetCoverageGame.Config(numAgents: 2, numTargets: 3, actProbability: 0.5)
    var game = try TargetCoverageGame(config: config, seed: 3)
    #expect(abs(game.randomMaskedPolicyStepReward - expected) < 1e-12)
    var result = game.reset(seed: 3)
    var policyRng = Xoshiro256(seed: 4)
    var dueSets = Set<[Int]>()
    var total = 0.0
    let steps = 8000
    for _ in 0..<steps {
      if result.done { result = game.reset(seed: nil) }
      #expect(!result.agents.isEmpty && result.agents == game.dueAgents)
      dueSets.insert(result.agents)
      let state = game.state()
      for (j, agent) in result.agents.enumerated() {
        #expect(result.observations[j].observation[agent] == 1)
        #expect(Array(result.observations[j].observation[2...]) == state)
      }
      #expect(Array(state[0..<2]) == (0..<2).map { result.agents.contains($0) ? 1 : 0 })
      #expect(game.demanded.filter { $0 }.count == result.agents.count)
      let acting = result.agents
      let actions = result.observations.map {
        game.actionSpace(agent: 0).sample(using: &policyRng, mask: $0.actionMask)
      }
      result = game.step(actions)
      #expect(result.actedAgents == acting)
      #expect(result.rewards.count == acting.count)
      total += result.rewards[0]
    }
    #expect(dueSets == [[0], [1], [0, 1]])
    #expect(abs(total / Double(steps) - expected) < 0.016)

    // The convention still earns 1 per step.
    result = game.reset(seed: 9)
    for _ in 0..<8 {
      result = game.step(game.conventionActions())
      #expect(result.rewards.allSatisfy { $0 == 1 })
    }
  }

  @Test func sameSeedSameSignals() throws {
    func signals(seed: UInt64) throws -> [[Float]] {
      var game = try TargetCoverageGame(seed: 0)
      var result = game.reset(seed: seed)
      var out: [[Float]] = []
      for _ in 0..<30 {
        if result.done { result = game.reset(seed: nil) }
        out.append(game.state())
        result = game.step(game.conventionActions())
      }
      return out
    }
    #expect(try signals(seed: 5) == signals(seed: 5))
    #expect(try signals(seed: 5) != signals(seed: 6))
  }

  @Test func rejectsBadConfig() {
    #expect(throws: TargetCoverageGame.ConfigError.self) {
      try TargetCoverageGame(config: .init(numAgents: 4, numTargets: 3))
    }
    #expect(throws: TargetCoverageGame.ConfigError.self) {
      try TargetCoverageGame(config: .init(episodeLength: 0))
    }
    #expect(throws: TargetCoverageGame.ConfigError.self) {
      try TargetCoverageGame(config: .init(actProbability: 0))
    }
  }
}
