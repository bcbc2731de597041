// Save a trained PPO agent to a safetensors checkpoint, load it into a fresh agent, and run
// greedy inference on CartPole-v1. Run: swift run -c release CheckpointInference
import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

BLAS.setThreadCount(1)
var config = PPOConfig()
config.totalTimesteps = 8192  // short: enough to move well away from the initial weights
var trainer = try PPOTrainer(config: config, seed: 7) { _ in CartPole.v1() }
try trainer.train()
let trainedReturn = trainer.meanReturn(lastEpisodes: 20) ?? 0
print("trained \(trainer.globalStep) steps, mean return of the last 20 episodes \(trainedReturn)")

// Save: every parameter by its name ("actor.0.weight", ...), plus the config as metadata.
let url = FileManager.default.temporaryDirectory.appendingPathComponent("cartpole-ppo.safetensors")
try trainer.learner.saveCheckpoint(to: url)
print("saved \(url.path)")

// Load into an agent built with another seed (different initial weights).
var restored = try PPO(config: config, observationDim: 4, actionCount: 2, seed: 999)
try restored.loadCheckpoint(from: url)

// Round trip: the same logits for the same observations.
var rng = Xoshiro256(seed: 3)
let probe = Tensor(
  shape: [16, 4], scalars: (0..<64).map { _ in Float.random(in: -0.2...0.2, using: &rng) })
let before = trainer.learner.agent.logits(probe).scalars
let after = restored.agent.logits(probe).scalars
let largest = zip(before, after).map { abs($0 - $1) }.max() ?? .infinity
print("largest logit difference after the round trip: \(largest)")
guard largest == 0 else {
  print("FAILED: the checkpoint did not round-trip")
  exit(1)
}

// Inference: greedy actions (argmax of the logits), one observation at a time.
var env = CartPole.v1()
var returns: [Double] = []
for episode in 0..<5 {
  var observation = env.reset(seed: UInt64(100 + episode)).observation
  var total = 0.0
  while true {
    let logits = restored.agent.logits(Tensor(shape: [1, 4], scalars: observation)).scalars
    let action = logits[1] > logits[0] ? 1 : 0
    let step = env.step(action)
    total += step.reward
    observation = step.observation
    if step.done { break }
  }
  returns.append(total)
}
print("greedy returns of the restored agent: \(returns)")
print("OK: checkpoint round-tripped; the restored agent runs inference")
