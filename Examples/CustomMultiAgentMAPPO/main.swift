// A custom cooperative multi-agent environment trained with MAPPO (shared actor, centralized
// critic on the global state, action masks). Run: swift run -c release CustomMultiAgentMAPPO
import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

/// Three agents each see a private signal (one of four, one-hot) and earn the team reward when
/// their action names it. Each step one wrong action is masked out, so random play scores 1/3.
struct SignalGame: MultiAgentEnvironment {
  let possibleAgents = ["a0", "a1", "a2"]
  let actions = 4
  var signals = [0, 0, 0]
  var masks: [[Bool]] = []
  var steps = 0
  var rng = Xoshiro256(seed: 0)

  func observationSpace(agent: Int) -> Box { Box(low: 0, high: 1, count: actions) }
  func actionSpace(agent: Int) -> Discrete { Discrete(actions) }
  var stateSpace: Box { Box(low: 0, high: 1, count: actions * possibleAgents.count) }
  func state() -> [Float] { signals.flatMap(oneHot) }
  func oneHot(_ k: Int) -> [Float] { (0..<actions).map { $0 == k ? 1 : 0 } }

  /// New signals and masks; every agent is due to act.
  mutating func draw() -> MultiAgentStep {
    signals = possibleAgents.map { _ in Int.random(in: 0..<actions, using: &rng) }
    masks = signals.map { signal in
      var mask = [Bool](repeating: true, count: actions)
      mask[(signal + Int.random(in: 1..<actions, using: &rng)) % actions] = false
      return mask
    }
    let observations = zip(signals, masks).map {
      AgentObservation(observation: oneHot($0), actionMask: $1)
    }
    return MultiAgentStep(agents: [0, 1, 2], observations: observations)
  }

  mutating func reset(seed: UInt64?) -> MultiAgentStep {
    if let seed { rng = Xoshiro256(seed: seed) }
    steps = 0
    return draw()
  }

  mutating func step(_ chosen: [Int]) -> MultiAgentStep {
    let hits = zip(chosen, signals).filter { $0 == $1 }.count
    let team = Double(hits) / Double(possibleAgents.count)
    steps += 1
    var next = draw()
    next.actedAgents = [0, 1, 2]
    next.rewards = [team, team, team]
    next.truncated = steps >= 16
    return next
  }
}

BLAS.setThreadCount(1)
var config = MAPPOConfig()
config.actorHiddenSizes = [32]
config.criticHiddenSizes = [32]
config.maskMode = .logits
config.learningRate = 3e-3
let game = SignalGame()
let mappo = try MAPPO(
  config: config, numAgents: 3, observationDim: game.actions, stateDim: game.stateSpace.count,
  actionCount: game.actions, seed: 1)
let trainer = MAPPOTrainer(mappo)
// Synchronous: each submit trains before returning; `.asynchronous` trains on a second thread
// while the next batch is collected, and the actor picks up `learner.weights.latest()` when ready.
let learner = trainer.makeDualBufferLearner(mode: .synchronous)
defer { learner.shutdown() }
var collector = MAPPOCollector(env: game, seed: 1)
var batch = try MAPPOBatch(
  numStreams: 3, observationDim: game.actions, stateDim: game.stateSpace.count,
  actionCount: game.actions)
var rewards: [Float] = []
for cycle in 1...40 {
  batch.removeAll()
  try collector.collect(steps: 64, policy: learner.weights.latest().weights, into: &batch)
  rewards.append(batch.meanReward)
  try learner.submit(batch)
  if cycle % 10 == 0 { print("cycle \(cycle): team reward per step \(batch.meanReward)") }
}
let first = rewards.prefix(5).reduce(0, +) / 5
let last = rewards.suffix(5).reduce(0, +) / 5
print("team reward per step: first 5 cycles \(first), last 5 cycles \(last) (random 0.33, best 1)")
guard last > first + 0.3 else {
  print("FAILED: the team reward did not rise")
  exit(1)
}
print("OK: MAPPO learned the signal game")
