import Dispatch
import Foundation
import RL
import SeededRandom
import Synchronization
import Testing

/// Runs `body` on its own thread; true if it returned within `seconds` (a hung body leaks its
/// thread, but the test fails instead of hanging the run).
private func completes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
  let done = DispatchSemaphore(value: 0)
  Thread {
    body()
    done.signal()
  }.start()
  return done.wait(timeout: .now() + seconds) == .success
}

/// A filled buffer: which episode it holds and which of the collector's allocations it is.
private struct EpisodeBatch: Sendable {
  var episode: Int
  var allocation: Int
  var samples: [Int]
}

private struct Boom: Error {}

/// A shareable, lock-protected value for test closures.
private final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>
  init(_ value: Value) { mutex = Mutex(value) }
  func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

@Suite struct DualBufferLearnerTests {
  @Test func everyBatchIsTrainedExactlyOnceWithTwoBuffers() throws {
    let trained = Locked<[Int]>([])
    let learner = DualBufferLearner<EpisodeBatch, Int>(mode: .asynchronous, initialWeights: -1) {
      batch in
      var rng = Xoshiro256(seed: UInt64(batch.episode))
      usleep(UInt32(rng.nextDouble() * 300))
      // The buffer's samples belong to its own episode: nothing was overwritten mid-training.
      precondition(batch.samples.allSatisfy { $0 == batch.episode })
      trained.withLock { $0.append(batch.episode) }
      return batch.episode
    }
    var rng = Xoshiro256(seed: 77)
    var spare: EpisodeBatch?
    var allocations = 0
    var seenVersions: [Int] = []
    var lastWeights = -1
    let episodes = 300
    for episode in 0..<episodes {
      var buffer =
        spare
        ?? {
          allocations += 1
          return EpisodeBatch(episode: -1, allocation: allocations, samples: [])
        }()
      buffer.episode = episode
      buffer.samples = Array(repeating: episode, count: 1 + episode % 7)
      usleep(UInt32(rng.nextDouble() * 300))  // the collector's own pace varies too
      spare = try learner.submit(buffer)
      let (version, weights) = learner.weights.latest()
      seenVersions.append(version)
      #expect(weights >= lastWeights)
      lastWeights = weights
    }
    learner.waitUntilIdle()
    #expect(trained.withLock { $0 } == Array(0..<episodes))
    #expect(allocations == 2)  // dual buffer: the learner always hands the other one back
    #expect(zip(seenVersions, seenVersions.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(seenVersions.last! > 0)
    let (version, weights) = learner.weights.latest()
    #expect(version == episodes && weights == episodes - 1)
    let stats = learner.statistics()
    #expect(stats.submittedBatches == episodes && stats.trainedBatches == episodes)
    learner.shutdown()
  }

  @Test func collectorBlocksWhileTheLearnerIsBusy() throws {
    let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { batch in
      usleep(30_000)
      return batch
    }
    let start = ContinuousClock.now
    for i in 0..<4 { try learner.submit(i) }
    let elapsed = ContinuousClock.now - start
    // Submits 2, 3 and 4 each wait for one 30 ms training run.
    #expect(elapsed >= .milliseconds(85))
    #expect(learner.statistics().collectorWaitSeconds >= 0.085)
    learner.shutdown()
    #expect(learner.statistics().trainedBatches == 4)  // drained
  }

  @Test func weightStoreVersionsAndPolling() {
    let store = WeightStore(initial: "w0")
    #expect(store.version == 0)
    #expect(store.latest(newerThan: 0) == nil)
    #expect(store.publish("w1") == 1)
    #expect(store.publish("w2") == 2)
    let fresh = store.latest(newerThan: 0)
    #expect(fresh?.version == 2 && fresh?.weights == "w2")
    #expect(store.latest(newerThan: 2) == nil)

    var subscription = WeightSubscription(store: store)
    #expect(subscription.version == 2 && subscription.poll() == nil)
    store.publish("w3")
    store.publish("w4")
    #expect(subscription.poll() == "w4")  // skips straight to the newest
    #expect(subscription.version == 4 && subscription.poll() == nil)
  }

  @Test func synchronousModeSerializesConcurrentSubmits() throws {
    let active = Locked(0)
    let maxActive = Locked(0)
    let learner = DualBufferLearner<Int, Int>(mode: .synchronous, initialWeights: 0) { b in
      let now = active.withLock { n -> Int in
        n += 1
        return n
      }
      maxActive.withLock { $0 = max($0, now) }
      usleep(2_000)
      active.withLock { $0 -= 1 }
      return b
    }
    let done = DispatchSemaphore(value: 0)
    for t in 0..<3 {
      Thread {
        for i in 0..<5 { _ = try? learner.submit(t * 10 + i) }
        done.signal()
      }.start()
    }
    for _ in 0..<3 { #expect(done.wait(timeout: .now() + 10) == .success) }
    #expect(maxActive.withLock { $0 } == 1)
    #expect(learner.statistics().trainedBatches == 15)
    #expect(learner.weights.version == 15)
  }

  @Test func synchronousModeTrainsInlineAndIsDeterministic() throws {
    func run() throws -> [[Double]] {
      let model = Locked<[Double]>([0, 0])
      let learner = DualBufferLearner<[Double], [Double]>(
        mode: .synchronous, initialWeights: [0, 0]
      ) { batch in
        model.withLock { w in
          for (i, x) in batch.enumerated() { w[i % 2] = 0.9 * w[i % 2] + 0.1 * x }
          return w
        }
      }
      var rng = Xoshiro256(seed: 5)
      var published: [[Double]] = []
      for i in 0..<50 {
        let batch = (0..<6).map { _ in rng.nextNormal() }
        let returned = try learner.submit(batch)
        #expect(returned == batch)  // a single buffer: the caller gets its own back
        let (version, weights) = learner.weights.latest()
        #expect(version == i + 1)  // trained before submit returned
        published.append(weights)
      }
      learner.shutdown()
      #expect(throws: LearnerError.self) { try learner.submit([1]) }
      return published
    }
    let a = try run()
    #expect(a == (try run()))
    #expect(Set(a.map { $0[0] }).count == 50)
  }

  @Test func shutdownWhileLearnerWaitsIsPromptAndIdempotent() {
    let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { $0 }
    #expect(completes(within: 5) { learner.shutdown() })
    #expect(completes(within: 5) { learner.shutdown() })
    #expect(learner.isShutDown)
    #expect(throws: LearnerError.self) { try learner.submit(1) }
  }

  @Test func shutdownWhileLearnerBusyWaitsForTrainingThenJoins() throws {
    let started = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)
    let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { batch in
      started.signal()
      gate.wait()
      return batch
    }
    try learner.submit(7)
    started.wait()
    let finished = DispatchSemaphore(value: 0)
    Thread {
      learner.shutdown()
      finished.signal()
    }.start()
    // Training is still running, so shutdown must still be waiting.
    #expect(finished.wait(timeout: .now() + 0.05) == .timedOut)
    gate.signal()
    #expect(finished.wait(timeout: .now() + 5) == .success)
    #expect(learner.statistics().trainedBatches == 1)
    #expect(learner.weights.latest().weights == 7)
  }

  @Test func shutdownReleasesACollectorWaitingForAFreeBuffer() throws {
    let started = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)
    let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { batch in
      started.signal()
      gate.wait()
      return batch
    }
    try learner.submit(1)
    started.wait()
    // The collector is now blocked: the learner holds the other buffer.
    let outcome = Locked<String>("pending")
    let collectorDone = DispatchSemaphore(value: 0)
    Thread {
      do {
        try learner.submit(2)
        outcome.withLock { $0 = "accepted" }
      } catch LearnerError.shutDown {
        outcome.withLock { $0 = "shutDown" }
      } catch {
        outcome.withLock { $0 = "other" }
      }
      collectorDone.signal()
    }.start()
    usleep(30_000)
    #expect(outcome.withLock { $0 } == "pending")
    let shutdownDone = DispatchSemaphore(value: 0)
    Thread {
      learner.shutdown(drain: false)
      shutdownDone.signal()
    }.start()
    // The blocked collector is released while training is still running.
    #expect(collectorDone.wait(timeout: .now() + 5) == .success)
    #expect(outcome.withLock { $0 } == "shutDown")
    gate.signal()
    #expect(shutdownDone.wait(timeout: .now() + 5) == .success)
    let stats = learner.statistics()
    #expect(stats.submittedBatches == 1 && stats.trainedBatches == 1)
  }

  @Test func accountingHoldsWhenShuttingDownWithoutDraining() throws {
    for seed in 0..<20 {
      let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { b in
        usleep(200)
        return b
      }
      try learner.submit(0)
      try learner.submit(1)
      #expect(completes(within: 5) { learner.shutdown(drain: seed % 2 == 0) })
      let s = learner.statistics()
      #expect(s.submittedBatches == 2)
      #expect(s.trainedBatches + s.droppedBatches == 2)
      if seed % 2 == 0 { #expect(s.droppedBatches == 0) }
    }
  }

  @Test func learnerReleasedWithoutShutdownDoesNotHang() {
    #expect(
      completes(within: 5) {
        let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { $0 }
        _ = try? learner.submit(1)
      })
  }

  @Test func trainingFailureSurfacesAtTheNextSubmit() throws {
    let learner = DualBufferLearner<Int, Int>(mode: .asynchronous, initialWeights: 0) { b in
      if b == 2 { throw Boom() }
      return b
    }
    for i in 0..<3 { try learner.submit(i) }
    learner.waitUntilIdle()
    #expect {
      try learner.submit(3)
    } throws: { error in
      guard case LearnerError.trainingFailed(let inner) = error else { return false }
      return inner is Boom
    }
    #expect(completes(within: 5) { learner.shutdown() })
    #expect(learner.weights.latest().weights == 1)
  }
}
