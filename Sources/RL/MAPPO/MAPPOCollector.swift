import Envs
import SeededRandom
import TensorModule

/// Collects MAPPO decisions from a `MultiAgentEnvironment` whose rewards arrive with the step
/// that applied the actions (e.g. `TargetCoverageGame`). Environments with delayed rewards
/// append to `MAPPOBatch` themselves.
public struct MAPPOCollector<Env: MultiAgentEnvironment>: Sendable {
  /// The environment.
  public private(set) var env: Env
  /// The result of the last `reset`/`step` (the agents due to act next).
  public private(set) var current: MultiAgentStep
  /// Team return (mean over the agents that acted of their summed rewards) of each finished
  /// episode, in order.
  public private(set) var episodeReturns: [Double] = []
  private var runningReturn: [Double]
  private var rng: Xoshiro256

  /// Resets `env` with `seed` and seeds the action sampling stream from it.
  public init(env: Env, seed: UInt64) {
    var env = env
    current = env.reset(seed: seed)
    self.env = env
    runningReturn = Array(repeating: 0, count: env.possibleAgents.count)
    var rng = Xoshiro256(seed: seed)
    self.rng = rng.split()
  }

  /// Runs `steps` joint steps with `policy`, appending one decision per acting agent to
  /// `batch` (stream = agent index), then sets the bootstrap state of unfinished streams.
  public mutating func collect(steps: Int, policy: MAPPOPolicy, into batch: inout MAPPOBatch)
    throws
  {
    var scratch = InferenceScratch()
    for _ in 0..<steps {
      let state = env.state()
      var actions: [Int] = []
      var logProbs: [Float] = []
      for (agent, observation) in zip(current.agents, current.observations) {
        let (action, logProb) = policy.act(
          observation: observation.observation, mask: observation.actionMask, agent: agent,
          scratch: &scratch, using: &rng)
        actions.append(action)
        logProbs.append(logProb)
      }
      let result = env.step(actions)
      let finalState: [Float]? = result.truncated && !result.terminated ? env.state() : nil
      for (k, agent) in current.agents.enumerated() {
        guard let slot = result.actedAgents.firstIndex(of: agent) else { continue }
        let reward = result.rewards[slot]
        runningReturn[agent] += reward
        try batch.append(
          stream: agent, observation: current.observations[k].observation,
          actionMask: current.observations[k].actionMask, action: actions[k],
          logProb: logProbs[k], state: state, reward: Float(reward),
          terminated: result.terminated, truncated: result.truncated, finalState: finalState)
      }
      if result.done {
        let acted = Set(result.actedAgents)
        let total = runningReturn.enumerated().filter { acted.contains($0.offset) }.map(\.element)
        episodeReturns.append(total.isEmpty ? 0 : total.reduce(0, +) / Double(total.count))
        runningReturn = Array(repeating: 0, count: runningReturn.count)
        current = env.reset(seed: nil)
      } else {
        current = result
      }
    }
    let state = env.state()
    for stream in batch.streams.indices where batch.streams[stream].count > 0 {
      let s = batch.streams[stream]
      if !(s.terminated[s.count - 1] || s.truncated[s.count - 1]) {
        try batch.setBootstrapState(stream: stream, state: state)
      }
    }
  }
}
