import Foundation
import TensorModule

extension PPO {
  /// Saves the actor and critic (`"actor.0.weight"`, …, `"critic.2.bias"`) as safetensors, with
  /// the update count and `metadata` in the metadata.
  public func saveCheckpoint(to url: URL, metadata: [String: String] = [:]) throws {
    let own = ["algorithm": "PPO", "updateCount": "\(updateCount)"]
    try Checkpoint.save(
      agent, to: url, metadata: own.merging(metadata) { _, extra in extra })
  }

  /// Loads actor and critic weights saved by `saveCheckpoint` (parameter identities and the
  /// optimizer state are kept).
  ///
  /// - Throws: `CheckpointError` naming the file and every missing or mismatched tensor.
  public mutating func loadCheckpoint(from url: URL) throws {
    try Checkpoint.load(into: &agent, from: url)
  }
}

extension PPOTrainer {
  /// Saves the learner's actor and critic (`PPO.saveCheckpoint`) with the iteration and step
  /// count in the metadata.
  public func saveCheckpoint(to url: URL) throws {
    try learner.saveCheckpoint(
      to: url, metadata: ["iteration": "\(iteration)", "globalStep": "\(globalStep)"])
  }

  /// Loads weights saved by `saveCheckpoint` into the learner.
  ///
  /// - Throws: `CheckpointError` naming the file and every missing or mismatched tensor.
  public mutating func loadCheckpoint(from url: URL) throws {
    try learner.loadCheckpoint(from: url)
  }
}

extension MAPPO {
  /// Saves the shared actor and the critic (`"actor.*"`, `"critic.*"`) as safetensors; the
  /// value normalizer's statistics and the update count go into the metadata.
  public func saveCheckpoint(to url: URL) throws {
    var metadata = [
      "algorithm": "MAPPO", "updateCount": "\(updateCount)",
      "optimizerSteps": "\(optimizerSteps)",
    ]
    if let valueNormalizer {
      metadata["valueNormMean"] = "\(valueNormalizer.mean)"
      metadata["valueNormVariance"] = "\(valueNormalizer.variance)"
      metadata["valueNormCount"] = "\(valueNormalizer.count)"
    }
    try Checkpoint.save(agent, to: url, metadata: metadata)
  }

  /// Loads actor and critic weights saved by `saveCheckpoint`, refreshes the target critic
  /// from the loaded critic, and restores the value normalizer's statistics when present.
  ///
  /// - Throws: `CheckpointError` naming the file and every missing or mismatched tensor.
  public mutating func loadCheckpoint(from url: URL) throws {
    let metadata = try Checkpoint.load(into: &agent, from: url)
    if targetCritic != nil { targetCritic = agent.critic.detached() }
    if valueNormalizer != nil, let mean = metadata["valueNormMean"].flatMap(Double.init),
      let variance = metadata["valueNormVariance"].flatMap(Double.init),
      let count = metadata["valueNormCount"].flatMap(Double.init)
    {
      valueNormalizer = RunningMeanStd(mean: mean, variance: variance, count: count)
    }
  }
}
