import Synchronization

/// A thread-safe home for a `MAPPO` learner, so that its update can run as the training closure
/// of a `DualBufferLearner` (on the learner thread) while other threads read statistics.
public final class MAPPOTrainer: Sendable {
  private let learner: Mutex<MAPPO>
  private let lastStatistics = Mutex(MAPPOUpdateStats())

  /// Takes ownership of `mappo`.
  public init(_ mappo: MAPPO) { learner = Mutex(mappo) }

  /// Trains one cycle on `batch` and returns the new actor snapshot to publish.
  public func train(_ batch: MAPPOBatch) throws -> MAPPOPolicy {
    var batch = batch
    let (stats, policy) = try learner.withLock { mappo in
      let stats = try mappo.update(&batch)
      return (stats, mappo.policy)
    }
    lastStatistics.withLock { $0 = stats }
    return policy
  }

  /// The statistics of the most recent update.
  public var lastStats: MAPPOUpdateStats { lastStatistics.withLock { $0 } }

  /// The current actor snapshot.
  public var policy: MAPPOPolicy { learner.withLock { $0.policy } }

  /// Runs `body` with exclusive access to the learner (checkpointing, inspection).
  public func withLearner<R: Sendable>(_ body: (inout MAPPO) throws -> R) rethrows -> R {
    try learner.withLock { try body(&$0) }
  }

  /// A dual-buffer learner whose training function is `train(_:)`, publishing actor snapshots
  /// (version 0 is the current policy).
  public func makeDualBufferLearner(mode: LearnerMode) -> DualBufferLearner<MAPPOBatch, MAPPOPolicy>
  {
    DualBufferLearner(mode: mode, initialWeights: policy) { [self] batch in
      try self.train(batch)
    }
  }
}
