/// The shape every learning agent in `RL` follows (`PPO`, `MAPPO`, `GPOAgent`, `A2C`, `DDPG`,
/// and the example `ReinforceAgent`).
///
/// An agent is a value holding four things and nothing else:
///
/// 1. **`config`**: a `Codable` struct of hyperparameters with CleanRL's names (`clipCoef`,
///    `entCoef`, `vfCoef`, `gaeLambda`, `maxGradNorm`, `updateEpochs`, `numMinibatches`), one
///    `///` line per field, and a `validate()` that throws `RLInputError`.
/// 2. **Networks and optimizers** as stored properties (parameter trees that are
///    `ParameterVisitable`, so checkpoints and optimizers reach them by name).
/// 3. **`act`**: the acting side. Its signature depends on what the agent observes, so it is not
///    a protocol requirement: a vector observation (`PPO.act(_:using:)`), an observation with an
///    action mask through a detached policy snapshot (`MAPPO.policy`), or a graph
///    (`GPOAgent.act(_:serviceMask:deterministic:rng:)`). Acting never builds a graph and never
///    changes the agent; it returns what the batch needs (actions, their log-probabilities).
/// 4. **`update(_:)`**: one training step on a batch, returning named statistics.
///
/// Collection lives **outside** the agent: a collector or trainer owns the environment(s), calls
/// `act`, and fills the agent's `Batch` (`PPOTrainer` fills a `RolloutBuffer`,
/// `MAPPOCollector` or the dispatcher fills a `MAPPOBatch`, `GPOOrchestration` fills a
/// `GPOBatch`). The update may write derived values into the batch (critic values, say) but
/// never empties it: the collector decides when to start a new one.
///
/// The loss terms, advantage normalization, diagnostics and the minibatch split are shared:
/// `PPOLoss`, `PPODiagnostics` and `Minibatches`. A new agent composes them in an `update` that
/// reads top to bottom, one named `let` per loss term, as CleanRL's inner loop does.
///
/// The smallest complete agent in this shape is `ReinforceAgent`
/// (`Sources/RL/Examples/ReinforceAgent.swift`), the template to copy:
///
///     var agent = ReinforceAgent(
///       config: ReinforceConfig(), observationDim: 3, actionCount: 3, seed: 1)
///     var batch = ReinforceBatch()
///     // collection, outside the agent:
///     let action = agent.act(observation, rng: &rng)
///     batch.append(observation: observation, action: action, reward: reward, done: done)
///     // training:
///     let stats = try agent.update(&batch)
///     for (name, value) in stats.scalars { print(name, value) }
public protocol LearningAgent {
  /// The hyperparameters (`Codable`, CleanRL names).
  associatedtype Config: Codable & Sendable
  /// What a collector fills and `update` trains on.
  associatedtype Batch
  /// What one update measured.
  associatedtype Stats: UpdateStatistics

  /// The agent's hyperparameters.
  var config: Config { get }

  /// One training step (all epochs and minibatches) on `batch`.
  ///
  /// - Throws: `RLInputError` when the batch does not fit the agent or training diverged.
  mutating func update(_ batch: inout Batch) throws -> Stats
}

/// Statistics of one update, by name, in a stable order (for logs, CSV and TensorBoard).
///
/// Names follow CleanRL's logs where one exists: `"learning_rate"`, `"policy_loss"`,
/// `"value_loss"`, `"entropy"`, `"old_approx_kl"`, `"approx_kl"`, `"clipfrac"`,
/// `"explained_variance"`, `"grad_norm"`.
public protocol UpdateStatistics: Sendable {
  /// Every scalar statistic as `(name, value)`, in a fixed order.
  var scalars: [(name: String, value: Double)] { get }
}

extension UpdateStatistics {
  /// The statistic called `name`, or nil.
  public subscript(name: String) -> Double? {
    scalars.first { $0.name == name }?.value
  }
}
