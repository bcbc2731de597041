// A custom environment trained with PPO: walk right along a corridor to the goal.
// Run: swift run -c release CustomEnvPPO
import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

/// Positions 0..<length; start at 0, the goal is the last cell. Observation: one-hot position.
/// Actions: 0 = left, 1 = right. Reward −0.01 per step, +1 on reaching the goal (terminated);
/// a time limit of 40 steps truncates (PPO bootstraps from the value there).
struct Corridor: Environment {
  let length = 8
  var position = 0
  var steps = 0

  var observationSpace: Box { Box(low: 0, high: 1, count: length) }
  var actionSpace: Discrete { Discrete(2) }

  func observation() -> [Float] {
    (0..<length).map { $0 == position ? 1 : 0 }
  }

  mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    position = 0
    steps = 0
    return (observation(), [:])
  }

  mutating func step(_ action: Int) -> Step<[Float]> {
    position = min(max(position + (action == 1 ? 1 : -1), 0), length - 1)
    steps += 1
    let reached = position == length - 1
    return Step(
      observation: observation(), reward: reached ? 1 : -0.01, terminated: reached,
      truncated: !reached && steps >= 40)
  }
}

// Small budgets and networks make training CPU-cheap; OpenBLAS's default thread count only adds
// contention for networks this small.
BLAS.setThreadCount(1)
var config = PPOConfig()
config.numEnvs = 4
config.numSteps = 64
config.totalTimesteps = 6144
config.hiddenSizes = [32, 32]
config.learningRate = 2.5e-3
var trainer = try PPOTrainer(config: config, seed: 1) { _ in Corridor() }  // numEnvs copies
while trainer.iteration < config.numIterations {
  let log = try trainer.iterate()  // one rollout of 4 × 64 steps, then one PPO update
  if log.iteration % 6 == 0 {
    let recent = trainer.meanReturn(lastEpisodes: 20) ?? .nan
    print("step \(log.globalStep): mean return of the last 20 episodes \(recent)")
  }
}

let first = trainer.episodes.prefix(20).map(\.episodeReturn).reduce(0, +) / 20
let last = trainer.meanReturn(lastEpisodes: 20) ?? 0
print("first 20 episodes: mean return \(first); last 20: \(last)")
// The shortest path takes 7 steps: return 1 − 6 × 0.01 = 0.94.
guard last > first + 0.3, last > 0.8 else {
  print("FAILED: returns did not rise")
  exit(1)
}
print("OK: returns rose from \(first) to \(last) (optimum 0.94)")
