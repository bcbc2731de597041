import Dispatch
import Synchronization

/// Runs independent jobs (e.g. one series × one seed each) on a few worker threads and returns the
/// results in job order. Each job must own all its state (simulator, agent, RNG), so results do
/// not depend on scheduling.
enum ParallelJobs {
  /// Calls `body(i)` for every `i` in `0..<count` on up to `workers` threads.
  ///
  /// - Returns: the results indexed like the jobs.
  /// - Throws: the error of the lowest-numbered failing job (the others still finish).
  static func run<Result: Sendable>(
    count: Int, workers: Int, _ body: @escaping @Sendable (Int) throws -> Result
  ) throws -> [Result] {
    guard count > 0 else { return [] }
    let next = Mutex(0)
    let slots = Mutex([Swift.Result<Result, any Error>?](repeating: nil, count: count))
    let threads = max(1, min(workers, count))
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while true {
        let job = next.withLock { value -> Int in
          defer { value += 1 }
          return value
        }
        guard job < count else { return }
        let outcome = Swift.Result { try body(job) }
        slots.withLock { $0[job] = outcome }
      }
    }
    return try slots.withLock { results in try results.map { try $0!.get() } }
  }

  /// `transform` applied to every element with at most `jobs` running at once, results in
  /// input order (see `run(count:workers:_:)`).
  static func map<T: Sendable, R: Sendable>(
    _ items: [T], jobs: Int, _ transform: @escaping @Sendable (T) throws -> R
  ) throws -> [R] {
    try run(count: items.count, workers: jobs) { try transform(items[$0]) }
  }
}
