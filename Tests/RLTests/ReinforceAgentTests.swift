import RL
import SeededRandom
import Testing

/// The example agent of `LearningAgent` learns a contextual bandit: the observation is a one-hot
/// context, the reward 1 for the action of the same index (random play earns 1/3).
@Suite struct ReinforceAgentTests {
  @Test func reinforceLearnsAContextualBandit() throws {
    var agent = ReinforceAgent(
      config: ReinforceConfig(), observationDim: 3, actionCount: 3, seed: 1)
    var rng = Xoshiro256(seed: 2)
    func play(_ steps: Int, into batch: inout ReinforceBatch) -> Float {
      var total: Float = 0
      for _ in 0..<steps {
        let context = Int(rng.next() % 3)
        let observation = (0..<3).map { $0 == context ? Float(1) : 0 }
        let action = agent.act(observation, rng: &rng)
        let reward: Float = action == context ? 1 : 0
        batch.append(observation: observation, action: action, reward: reward, done: true)
        total += reward
      }
      return total / Float(steps)
    }
    var stats: ReinforceStats?
    for _ in 0..<60 {
      var batch = ReinforceBatch()
      _ = play(32, into: &batch)
      stats = try agent.update(&batch)
    }
    #expect(stats?.scalars.map(\.name) == ["policy_loss", "mean_return"])
    var evaluation = ReinforceBatch()
    let meanReward = play(300, into: &evaluation)
    #expect(meanReward > 0.8, "mean reward \(meanReward), random 1/3")
    var empty = ReinforceBatch()
    #expect(throws: RLInputError.self) { try agent.update(&empty) }
  }
}
