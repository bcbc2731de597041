import Foundation
import Synchronization

/// Progress lines on standard error for long runs: label, done/total, rate, elapsed, ETA and the
/// latest metrics, e.g.
///
///     [fig7 KMPS seed 1] 12/50 (24%) 3.10 episodes/s elapsed 0:04 ETA 0:12 | throughput=0.931
///
/// Throttled to one line per `minimumIntervalSeconds` (default 0.5 s, so at most ~2 lines/s);
/// the line that reaches `total` is always printed. Silent when `total` is 0. Thread-safe: any
/// thread may report (state and output are serialized by a `Mutex`).
public final class ProgressReporter: Sendable {
  /// Where lines go (one call per line, without the trailing newline).
  public typealias Sink = @Sendable (String) -> Void
  /// Monotonic seconds.
  public typealias TimeSource = @Sendable () -> Double

  private struct State {
    var done = 0
    var metrics: [(name: String, value: Double)] = []
    var lastPrintSeconds = -Double.infinity
    var printedFinal = false
  }

  /// Label in brackets at the start of each line.
  public let label: String
  /// Total units of work (0 disables output).
  public let total: Int
  /// Unit name for the rate (`"episodes"`).
  public let unit: String
  /// Minimum seconds between two printed lines.
  public let minimumIntervalSeconds: Double
  private let startSeconds: Double
  private let now: TimeSource
  private let sink: Sink
  private let state = Mutex(State())

  /// A reporter; starts its clock now.
  public init(
    label: String, total: Int, unit: String = "it", minimumIntervalSeconds: Double = 0.5,
    now: @escaping TimeSource = ProgressReporter.monotonicSeconds,
    sink: @escaping Sink = ProgressReporter.standardError
  ) {
    self.label = label
    self.total = max(0, total)
    self.unit = unit
    self.minimumIntervalSeconds = minimumIntervalSeconds
    self.now = now
    self.sink = sink
    self.startSeconds = now()
  }

  /// Marks `count` more units done and merges `metrics` (new names are appended, known ones
  /// updated in place).
  public func advance(by count: Int = 1, metrics: KeyValuePairs<String, Double> = [:]) {
    report(metrics: metrics) { $0 += count }
  }

  /// Sets the absolute number of units done.
  public func update(done: Int, metrics: KeyValuePairs<String, Double> = [:]) {
    report(metrics: metrics) { $0 = done }
  }

  /// Prints the final line if it has not been printed (e.g. the loop stopped early).
  public func finish() {
    guard total > 0 else { return }
    let time = now()
    state.withLock { state in
      guard !state.printedFinal else { return }
      state.printedFinal = true
      state.lastPrintSeconds = time
      sink(line(state: state, time: time))
    }
  }

  private func report(metrics: KeyValuePairs<String, Double>, change: (inout Int) -> Void) {
    guard total > 0 else { return }
    let time = now()
    state.withLock { state in
      change(&state.done)
      for (name, value) in metrics {
        if let index = state.metrics.firstIndex(where: { $0.name == name }) {
          state.metrics[index].value = value
        } else {
          state.metrics.append((name, value))
        }
      }
      let reachedTotal = state.done >= total
      if reachedTotal {
        if state.printedFinal { return }
        state.printedFinal = true
      } else if time - state.lastPrintSeconds < minimumIntervalSeconds {
        return
      }
      state.lastPrintSeconds = time
      sink(line(state: state, time: time))
    }
  }

  private func line(state: State, time: Double) -> String {
    let elapsed = max(0, time - startSeconds)
    let done = state.done
    let percent = Int((Double(min(done, total)) / Double(total) * 100).rounded(.down))
    var text = "[\(label)] \(done)/\(total) (\(percent)%)"
    if done > 0, elapsed > 0 {
      let rate = Double(done) / elapsed
      text += " " + Format.number(rate, digits: 3) + " \(unit)/s"
      text += " elapsed " + Format.duration(elapsed)
      let remaining = Double(max(0, total - done)) / rate
      text += " ETA " + Format.duration(remaining)
    } else {
      text += " elapsed " + Format.duration(elapsed)
    }
    if !state.metrics.isEmpty {
      text += " | "
      text += state.metrics.map { "\($0.name)=\(Format.number($0.value, digits: 4))" }
        .joined(separator: " ")
    }
    return text
  }

  /// Seconds of a monotonic clock (system uptime).
  public static let monotonicSeconds: TimeSource = { ProcessInfo.processInfo.systemUptime }

  /// Writes a line to standard error.
  public static let standardError: Sink = { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}
