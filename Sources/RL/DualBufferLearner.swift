import Foundation
import Synchronization

/// A versioned store of the latest published weights, read by acting agents.
///
/// `publish` bumps the version (starting from 0 for the initial weights); readers poll
/// `version` (one atomic load) and fetch the weights only when a newer version exists.
public final class WeightStore<Weights: Sendable>: Sendable {
  private let current: Mutex<(version: Int, weights: Weights)>
  private let currentVersion: Atomic<Int>

  /// Creates a store holding `initial` as version 0.
  public init(initial: Weights) {
    current = Mutex((version: 0, weights: initial))
    currentVersion = Atomic(0)
  }

  /// The latest version number (cheap; no lock).
  public var version: Int { currentVersion.load(ordering: .acquiring) }

  /// The latest weights and their version.
  public func latest() -> (version: Int, weights: Weights) {
    current.withLock { $0 }
  }

  /// The latest weights if their version is newer than `version`, else nil.
  public func latest(newerThan version: Int) -> (version: Int, weights: Weights)? {
    guard self.version > version else { return nil }
    return latest()
  }

  /// Stores `weights` as the new latest version and returns that version.
  @discardableResult
  public func publish(_ weights: Weights) -> Int {
    let version = current.withLock { state in
      state = (state.version + 1, weights)
      return state.version
    }
    currentVersion.store(version, ordering: .releasing)
    return version
  }
}

/// An acting agent's view of a `WeightStore`: remembers the version it last took.
public struct WeightSubscription<Weights: Sendable>: Sendable {
  /// The store polled.
  public let store: WeightStore<Weights>
  /// The version last returned by `poll` (or the one current at creation).
  public private(set) var version: Int

  /// Subscribes to `store`, starting from its current version.
  public init(store: WeightStore<Weights>) {
    self.store = store
    self.version = store.version
  }

  /// The latest weights if a newer version was published since the last call, else nil.
  public mutating func poll() -> Weights? {
    guard let (newVersion, weights) = store.latest(newerThan: version) else { return nil }
    version = newVersion
    return weights
  }
}

/// How `DualBufferLearner` trains.
public enum LearnerMode: String, Sendable, Codable, CaseIterable {
  /// A learner thread trains on one buffer while the collector fills the other (the paper's
  /// dual-buffer asynchronous training).
  case asynchronous
  /// `submit` trains in-line on the caller's thread and returns when done (single-buffer
  /// synchronous training: the ablation, and the bit-for-bit deterministic mode).
  case synchronous
}

/// Why `DualBufferLearner.submit` refused a batch.
public enum LearnerError: Error, CustomStringConvertible {
  /// The learner was shut down; the batch was not accepted.
  case shutDown
  /// The training function threw; the learner stopped.
  case trainingFailed(any Error)

  /// A readable explanation.
  public var description: String {
    switch self {
    case .shutDown: "DualBufferLearner: shut down; batch not accepted"
    case .trainingFailed(let error): "DualBufferLearner: training failed: \(error)"
    }
  }
}

/// Counters of a `DualBufferLearner`.
public struct LearnerStatistics: Sendable, Equatable {
  /// Batches accepted by `submit`.
  public var submittedBatches = 0
  /// Batches the training function finished.
  public var trainedBatches = 0
  /// Accepted batches discarded by `shutdown(drain: false)` before training.
  public var droppedBatches = 0
  /// Total time `submit` spent waiting for the learner to free a buffer (s).
  public var collectorWaitSeconds = 0.0
  /// Total time spent in the training function (s).
  public var trainingSeconds = 0.0
}

/// Dual-buffer asynchronous training (paper Sec. III-A and IV-A 4; SPEC §4).
///
/// The collector fills one buffer (a `Batch` value) while a learner thread trains on the other.
/// At episode end the collector calls `submit(_:)`, which hands its filled buffer over and
/// returns the buffer the learner finished with (for reuse of its storage), so at most two
/// buffers exist. Each training run returns new `Weights`, published to `weights`, from which
/// acting agents pick them up (`weights.latest(newerThan:)`).
///
/// Back-pressure: if the learner is still busy with the previous buffer when the collector
/// submits, `submit` blocks until training finishes (no third buffer, no sample dropped or
/// trained twice); the wait is counted in `statistics().collectorWaitSeconds`.
///
/// Shutdown never deadlocks: `shutdown` wakes a collector blocked in `submit` (which then throws
/// `LearnerError.shutDown`), lets a running training call finish (it cannot be interrupted),
/// trains or drops the accepted-but-untrained buffer (`drain`), and joins the learner thread.
/// In `.synchronous` mode there is no thread: `submit` trains in-line.
///
/// The training function must not call `shutdown` or `submit` on its own learner (it would wait
/// for itself), nor capture the learner (the thread would keep it alive).
public final class DualBufferLearner<Batch: Sendable, Weights: Sendable>: Sendable {
  private struct State {
    var pending: Batch?
    var training = false
    var recycled: Batch?
    var shuttingDown = false
    var drainOnShutdown = true
    var learnerExited: Bool
    var failure: (any Error)?
    var statistics = LearnerStatistics()
  }

  /// The training mode.
  public let mode: LearnerMode
  /// The published weights (version 0 is `initialWeights`).
  public let weights: WeightStore<Weights>
  private let train: @Sendable (Batch) throws -> Weights
  private let shared: ConditionGuarded<State>

  /// Creates the learner; in `.asynchronous` mode, starts its thread.
  ///
  /// - Parameters:
  ///   - mode: Asynchronous (learner thread) or synchronous (in-line) training.
  ///   - initialWeights: Published as version 0.
  ///   - train: Trains on one filled buffer and returns the weights to publish. Runs on the
  ///     learner thread (asynchronous) or the caller's thread (synchronous), one call at a time.
  public init(
    mode: LearnerMode, initialWeights: Weights,
    train: @escaping @Sendable (Batch) throws -> Weights
  ) {
    self.mode = mode
    self.weights = WeightStore(initial: initialWeights)
    self.train = train
    self.shared = ConditionGuarded(State(learnerExited: mode == .synchronous))
    if mode == .asynchronous {
      let thread = Thread { [shared, weights, train] in
        Self.learnerLoop(shared: shared, weights: weights, train: train)
      }
      thread.name = "DualBufferLearner"
      thread.start()
    }
  }

  deinit { shutdown(drain: false) }

  /// Hands a filled buffer to the learner and returns the buffer the learner finished with
  /// (nil until one exists), for the collector to overwrite.
  ///
  /// Asynchronous mode: blocks while the learner is still busy with the previous buffer.
  /// Synchronous mode: trains on `batch` before returning and returns `batch` itself.
  /// - Throws: `LearnerError.shutDown` after `shutdown`; `LearnerError.trainingFailed` once the
  ///   training function has thrown.
  @discardableResult
  public func submit(_ batch: Batch) throws -> Batch? {
    switch mode {
    case .synchronous: return try submitSynchronously(batch)
    case .asynchronous: return try submitAsynchronously(batch)
    }
  }

  private func submitAsynchronously(_ batch: Batch) throws -> Batch? {
    let start = ContinuousClock.now
    let bufferFreeOrStopped: (State) -> Bool = { s in
      s.shuttingDown || s.failure != nil || (s.pending == nil && !s.training)
    }
    return try shared.withLock(waitingUntil: bufferFreeOrStopped) { s in
      if let failure = s.failure { throw LearnerError.trainingFailed(failure) }
      if s.shuttingDown { throw LearnerError.shutDown }
      s.pending = batch
      s.statistics.submittedBatches += 1
      s.statistics.collectorWaitSeconds += (ContinuousClock.now - start).seconds
      defer { s.recycled = nil }
      return s.recycled
    }
  }

  private func submitSynchronously(_ batch: Batch) throws -> Batch? {
    // `training` serializes concurrent callers so the training function never runs twice at once.
    let idleOrStopped: (State) -> Bool = { s in s.shuttingDown || s.failure != nil || !s.training }
    try shared.withLock(waitingUntil: idleOrStopped) { s in
      if let failure = s.failure { throw LearnerError.trainingFailed(failure) }
      if s.shuttingDown { throw LearnerError.shutDown }
      s.statistics.submittedBatches += 1
      s.training = true
    }
    let start = ContinuousClock.now
    let newWeights: Weights
    do {
      newWeights = try train(batch)
    } catch {
      shared.withLock { s in
        s.failure = error
        s.training = false
      }
      throw LearnerError.trainingFailed(error)
    }
    weights.publish(newWeights)
    shared.withLock { s in
      s.training = false
      s.statistics.trainedBatches += 1
      s.statistics.trainingSeconds += (ContinuousClock.now - start).seconds
    }
    return batch
  }

  /// Blocks until no buffer is pending or in training (or training failed).
  public func waitUntilIdle() {
    shared.wait { s in s.failure != nil || (s.pending == nil && !s.training) }
  }

  /// Stops the learner and joins its thread; idempotent.
  ///
  /// - Parameter drain: Train on an accepted-but-untrained buffer before stopping (true), or
  ///   drop it (false, counted in `droppedBatches`). A training call already running always
  ///   finishes first.
  public func shutdown(drain: Bool = true) {
    shared.withLock { s in
      if !s.shuttingDown { s.drainOnShutdown = drain }
      s.shuttingDown = true
    }
    shared.wait { $0.learnerExited }
  }

  /// Whether `shutdown` was called.
  public var isShutDown: Bool { shared.withLock { $0.shuttingDown } }

  /// A snapshot of the counters.
  public func statistics() -> LearnerStatistics { shared.withLock { $0.statistics } }

  private static func learnerLoop(
    shared: ConditionGuarded<State>, weights: WeightStore<Weights>,
    train: @Sendable (Batch) throws -> Weights
  ) {
    while true {
      let workOrStop: (State) -> Bool = { $0.pending != nil || $0.shuttingDown }
      let next: Batch? = shared.withLock(waitingUntil: workOrStop) { s in
        guard let batch = s.pending else { return nil }
        s.pending = nil
        if s.shuttingDown && !s.drainOnShutdown {
          s.statistics.droppedBatches += 1
          return nil
        }
        s.training = true
        return batch
      }
      guard let batch = next else { break }
      let start = ContinuousClock.now
      do {
        let newWeights = try train(batch)
        weights.publish(newWeights)
        shared.withLock { s in
          s.training = false
          s.recycled = batch
          s.statistics.trainedBatches += 1
          s.statistics.trainingSeconds += (ContinuousClock.now - start).seconds
        }
      } catch {
        shared.withLock { s in
          s.training = false
          s.failure = error
        }
        break
      }
    }
    shared.withLock { $0.learnerExited = true }
  }
}

/// A value guarded by an `NSCondition`: every access holds the lock, waiters re-check their
/// predicate under it, and every critical section ends with a broadcast.
///
/// `@unchecked Sendable` is safe because `value` is private and only touched inside `withLock`,
/// between `condition.lock()` and `condition.unlock()`, so all accesses are serialized and
/// happen-before each other; values enter and leave only through the `Sendable`-checked
/// closures of the owning learner, whose `State` holds only `Sendable` values.
final class ConditionGuarded<Value>: @unchecked Sendable {
  private let condition = NSCondition()
  private var value: Value

  init(_ value: Value) { self.value = value }

  /// Locks, waits until `predicate` holds, runs `body`, broadcasts, unlocks.
  func withLock<R>(
    waitingUntil predicate: (Value) -> Bool = { _ in true }, _ body: (inout Value) throws -> R
  ) rethrows -> R {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    while !predicate(value) { condition.wait() }
    return try body(&value)
  }

  /// Blocks until `predicate` holds.
  func wait(until predicate: (Value) -> Bool) {
    withLock(waitingUntil: predicate) { _ in }
  }
}

extension Duration {
  /// The duration in seconds.
  fileprivate var seconds: Double {
    let (s, attoseconds) = components
    return Double(s) + Double(attoseconds) * 1e-18
  }
}
