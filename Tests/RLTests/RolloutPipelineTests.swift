import Envs
import RL
import SeededRandom
import Testing

@Suite struct RolloutPipelineTests {
  /// CartPole under a 10-step limit in a same-step autoreset vector env, with a critic that
  /// values a state by its pole angle: truncated steps bootstrap from the *final* observation
  /// (not the reset observation in the batch), terminated steps not at all.
  @Test func vectorEnvIntoBufferBootstrapsFromFinalObservations() throws {
    func critic(_ obs: ArraySlice<Float>) -> Float { 1 + 10 * obs[obs.startIndex + 2] }
    let numEnvs = 3
    let numSteps = 40
    var venv = try SyncVectorEnv(count: numEnvs) {
      TimeLimit(CartPole(seed: UInt64($0)), maxEpisodeSteps: 10)
    }
    var buffer = try RolloutBuffer(numSteps: numSteps, numEnvs: numEnvs, observationDim: 4)
    var policyRng = Xoshiro256(seed: 1)
    var obs = venv.reset(seed: 100).observations
    var finals: [Int: [Float]] = [:]  // flat index → final observation of a truncated episode
    for t in 0..<numSteps {
      let values = (0..<numEnvs).map { critic(obs[($0 * 4)..<($0 * 4 + 4)]) }
      let actions = (0..<numEnvs).map { _ in venv.singleActionSpace.sample(using: &policyRng) }
      let step = venv.step(actions)
      var truncationValues = [Float](repeating: 0, count: numEnvs)
      for e in 0..<numEnvs {
        if let final = step.finalObservations[e], step.truncated[e] && !step.terminated[e] {
          truncationValues[e] = critic(final[...])
          finals[t * numEnvs + e] = final
        }
      }
      try buffer.add(
        observations: obs, actions: actions, logProbs: Array(repeating: -0.69, count: numEnvs),
        rewards: step.rewards.map(Float.init), terminated: step.terminated,
        truncated: step.truncated, values: values, truncationValues: truncationValues)
      obs = step.observations
    }
    let lastValues = (0..<numEnvs).map { critic(obs[($0 * 4)..<($0 * 4 + 4)]) }
    let gamma: Float = 0.99
    try buffer.computeAdvantages(lastValues: lastValues, gamma: gamma, lambda: 0.9)
    #expect(finals.count >= 6)  // ≥ 2 truncations per env in 40 steps of 10-step episodes
    for i in 0..<buffer.count {
      let reward = buffer.rewards[i]
      let value = buffer.values[i]
      if buffer.terminated[i] {
        #expect(abs(buffer.advantages[i] - (reward - value)) < 1e-5)
      } else if buffer.truncated[i] {
        let final = try #require(finals[i])
        let expected = reward + gamma * critic(final[...]) - value
        #expect(abs(buffer.advantages[i] - expected) < 1e-5)
        // The reset observation stored at the next step would give a different value.
        if i + numEnvs < buffer.count {
          #expect(buffer.values[i + numEnvs] != critic(final[...]))
        }
      }
    }
    #expect(buffer.returns == zip(buffer.advantages, buffer.values).map { $0 + $1 })
  }
}
