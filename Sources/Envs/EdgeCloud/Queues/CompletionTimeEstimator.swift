/// Estimated completion times E_w (SPEC §3.5): an exponential moving average
/// `E ← λe·E + (1 − λe)·T̄` of the sliding-window mean T̄ of the last `window` observed
/// completion times (node queueing + execution) of each service, updated at long slots.
public struct CompletionTimeEstimator: Sendable, Equatable {
  /// E_w per service, ms.
  public private(set) var estimatesMs: [Double]
  /// λe.
  public let smoothing: Double
  /// Window length.
  public let window: Int
  var ring: [Double]
  var ringCount: [Int]
  var ringNext: [Int]
  var freshObservations: [Int]

  /// Starts from `initialMs` (one per service).
  public init(initialMs: [Double], smoothing: Double, window: Int) {
    estimatesMs = initialMs
    self.smoothing = smoothing
    self.window = window
    ring = [Double](repeating: 0, count: initialMs.count * window)
    ringCount = [Int](repeating: 0, count: initialMs.count)
    ringNext = [Int](repeating: 0, count: initialMs.count)
    freshObservations = [Int](repeating: 0, count: initialMs.count)
  }

  /// Records one observed completion time of `service`, ms.
  @inline(__always)
  public mutating func record(service: Int, completionMs: Double) {
    ring[service * window + ringNext[service]] = completionMs
    ringNext[service] = (ringNext[service] + 1) % window
    ringCount[service] = min(window, ringCount[service] + 1)
    freshObservations[service] += 1
  }

  /// The sliding-window mean T̄ of `service` (nil before any observation).
  public func windowMeanMs(service: Int) -> Double? {
    let n = ringCount[service]
    guard n > 0 else { return nil }
    var s = 0.0
    for i in 0..<n { s += ring[service * window + i] }
    return s / Double(n)
  }

  /// Applies Eq. 3 for every service with new observations since the last update.
  public mutating func update() {
    for w in 0..<estimatesMs.count where freshObservations[w] > 0 {
      let t = windowMeanMs(service: w)!
      estimatesMs[w] = smoothing * estimatesMs[w] + (1 - smoothing) * t
      freshObservations[w] = 0
    }
  }
}
