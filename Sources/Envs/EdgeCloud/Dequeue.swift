import DequeModule
import HeapModule

/// A queued request as the queues see it: everything ordering and eligibility need, so no
/// lookups into the request table are needed while dequeuing.
public struct QueueEntry: Sendable, Equatable {
  /// The request's slot in the simulator's request table.
  public var id: Int32
  /// Service index.
  public var service: Int32
  /// CPU demand, cores.
  public var cpuCores: Float
  /// Memory demand while running, GB.
  public var memoryGB: Float
  /// Arrival order at this queue (FIFO key, tie-breaker for the others).
  public var seq: Int64
  /// Absolute deadline, ms.
  public var deadlineMs: Double

  /// Creates an entry.
  public init(
    id: Int32, service: Int32, cpuCores: Float, memoryGB: Float, seq: Int64, deadlineMs: Double
  ) {
    self.id = id
    self.service = service
    self.cpuCores = cpuCores
    self.memoryGB = memoryGB
    self.seq = seq
    self.deadlineMs = deadlineMs
  }
}

/// A dequeue strategy Ψ (eAP queues) / Ψ' (node and cloud queues), SPEC §3.5.
///
/// Queues keep one bucket per service so that a node can ask for "the best request among the
/// services that have an idle replica and fit the free CPU" (`allowed`, evaluated on the head
/// of each service's bucket) in O(W).
public protocol DequeueStrategy: Sendable {
  /// An empty queue for `serviceCount` services.
  init(serviceCount: Int)
  /// Requests queued.
  var count: Int { get }
  /// Requests of `service` queued.
  func count(service: Int) -> Int
  /// Enqueues a request.
  mutating func push(_ entry: QueueEntry)
  /// Removes and returns the highest-priority request among services whose head entry
  /// satisfies `allowed(service, cpuCores, memoryGB)`; `estimatesMs[w]` is E_w.
  mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry?
  /// Removes every request with `deadlineMs <= nowMs`, reporting each to `onRemoved`.
  mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void)
  /// Long-slot urgency detection: marks requests with `deadline − now ≤ E_w + slackMs` as
  /// urgent (served first). Returns how many were newly promoted (0 for EDF and FIFO).
  mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int
  /// Removes the requests for which `take` returns true (rescheduling), reporting each.
  mutating func remove(where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void)
  /// Visits every queued request (in no particular order).
  func forEach(_ body: (QueueEntry) -> Void)
}

/// Arrival order (FIFO).
public struct FIFOQueue: DequeueStrategy {
  var buckets: [Deque<QueueEntry>]
  /// Requests queued.
  public private(set) var count = 0

  /// An empty queue.
  public init(serviceCount: Int) {
    buckets = Array(repeating: Deque(), count: serviceCount)
  }

  public func count(service: Int) -> Int { buckets[service].count }

  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in buckets { for e in b { body(e) } }
  }

  public mutating func push(_ entry: QueueEntry) {
    buckets[Int(entry.service)].append(entry)
    count += 1
  }

  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard count > 0 else { return nil }
    var best = -1
    var bestSeq = Int64.max
    for w in 0..<buckets.count {
      guard let h = buckets[w].first, h.seq < bestSeq, allowed(w, h.cpuCores, h.memoryGB) else { continue }
      best = w
      bestSeq = h.seq
    }
    guard best >= 0 else { return nil }
    count -= 1
    return buckets[best].removeFirst()
  }

  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    remove(where: { $0.deadlineMs <= nowMs }, onRemoved)
  }

  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int { 0 }

  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard count > 0 else { return }
    for w in 0..<buckets.count where !buckets[w].isEmpty {
      guard buckets[w].contains(where: take) else { continue }
      var kept = Deque<QueueEntry>()
      kept.reserveCapacity(buckets[w].count)
      for e in buckets[w] {
        if take(e) {
          onRemoved(e)
          count -= 1
        } else {
          kept.append(e)
        }
      }
      buckets[w] = kept
    }
  }
}

/// Delay-greedy: earliest deadline first (EDF), KaiS' dequeue.
public struct EDFQueue: DequeueStrategy {
  struct Item: Comparable {
    var e: QueueEntry
    static func < (a: Item, b: Item) -> Bool {
      a.e.deadlineMs < b.e.deadlineMs || (a.e.deadlineMs == b.e.deadlineMs && a.e.seq < b.e.seq)
    }
    static func == (a: Item, b: Item) -> Bool { a.e.seq == b.e.seq && a.e.id == b.e.id }
  }
  var buckets: [Heap<Item>]
  /// Requests queued.
  public private(set) var count = 0

  /// An empty queue.
  public init(serviceCount: Int) {
    buckets = Array(repeating: Heap(), count: serviceCount)
  }

  public func count(service: Int) -> Int { buckets[service].count }

  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in buckets { for it in b.unordered { body(it.e) } }
  }

  public mutating func push(_ entry: QueueEntry) {
    buckets[Int(entry.service)].insert(Item(e: entry))
    count += 1
  }

  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard count > 0 else { return nil }
    var best = -1
    var bestItem: Item? = nil
    for w in 0..<buckets.count {
      guard let h = buckets[w].min else { continue }
      if let b = bestItem, !(h < b) { continue }
      guard allowed(w, h.e.cpuCores, h.e.memoryGB) else { continue }
      best = w
      bestItem = h
    }
    guard best >= 0 else { return nil }
    count -= 1
    return buckets[best].removeMin().e
  }

  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard count > 0 else { return }
    for w in 0..<buckets.count {
      while let h = buckets[w].min, h.e.deadlineMs <= nowMs {
        onRemoved(buckets[w].removeMin().e)
        count -= 1
      }
    }
  }

  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int { 0 }

  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard count > 0 else { return }
    for w in 0..<buckets.count where !buckets[w].isEmpty {
      let items = buckets[w].unordered
      guard items.contains(where: { take($0.e) }) else { continue }
      var kept: [Item] = []
      kept.reserveCapacity(items.count)
      for it in items {
        if take(it.e) {
          onRemoved(it.e)
          count -= 1
        } else {
          kept.append(it)
        }
      }
      buckets[w] = Heap(kept)
    }
  }
}

/// KMPS' time-series adaptive hybrid: requests of the service with the shortest estimated
/// completion time E_w first (arrival order within a service), except requests promoted as
/// urgent at a long slot, which go first (earliest deadline first among them).
public struct HybridQueue: DequeueStrategy {
  var buckets: [Deque<QueueEntry>]
  var urgent: [Deque<QueueEntry>]
  var urgentCount = 0
  /// Requests queued.
  public private(set) var count = 0

  /// An empty queue.
  public init(serviceCount: Int) {
    buckets = Array(repeating: Deque(), count: serviceCount)
    urgent = Array(repeating: Deque(), count: serviceCount)
  }

  public func count(service: Int) -> Int { buckets[service].count + urgent[service].count }

  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in urgent { for e in b { body(e) } }
    for b in buckets { for e in b { body(e) } }
  }

  public mutating func push(_ entry: QueueEntry) {
    buckets[Int(entry.service)].append(entry)
    count += 1
  }

  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard count > 0 else { return nil }
    if urgentCount > 0 {
      var best = -1
      var bestDeadline = Double.infinity
      for w in 0..<urgent.count {
        guard let h = urgent[w].first, h.deadlineMs < bestDeadline, allowed(w, h.cpuCores, h.memoryGB)
        else { continue }
        best = w
        bestDeadline = h.deadlineMs
      }
      if best >= 0 {
        count -= 1
        urgentCount -= 1
        return urgent[best].removeFirst()
      }
    }
    var best = -1
    var bestE = Double.infinity
    var bestSeq = Int64.max
    for w in 0..<buckets.count {
      guard let h = buckets[w].first else { continue }
      let e = estimatesMs[w]
      guard e < bestE || (e == bestE && h.seq < bestSeq), allowed(w, h.cpuCores, h.memoryGB) else { continue }
      best = w
      bestE = e
      bestSeq = h.seq
    }
    guard best >= 0 else { return nil }
    count -= 1
    return buckets[best].removeFirst()
  }

  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    remove(where: { $0.deadlineMs <= nowMs }, onRemoved)
  }

  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    guard count > urgentCount else { return 0 }
    var promoted = 0
    for w in 0..<buckets.count where !buckets[w].isEmpty {
      let limit = nowMs + estimatesMs[w] + slackMs
      guard buckets[w].contains(where: { $0.deadlineMs <= limit }) else { continue }
      var kept = Deque<QueueEntry>()
      kept.reserveCapacity(buckets[w].count)
      var moved: [QueueEntry] = []
      for e in buckets[w] {
        if e.deadlineMs <= limit { moved.append(e) } else { kept.append(e) }
      }
      buckets[w] = kept
      let merged = (Array(urgent[w]) + moved).sorted {
        ($0.deadlineMs, $0.seq) < ($1.deadlineMs, $1.seq)
      }
      urgent[w] = Deque(merged)
      promoted += moved.count
      urgentCount += moved.count
    }
    return promoted
  }

  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard count > 0 else { return }
    for w in 0..<buckets.count {
      for pass in 0..<2 {
        let isUrgent = pass == 0
        let src = isUrgent ? urgent[w] : buckets[w]
        guard !src.isEmpty, src.contains(where: take) else { continue }
        var kept = Deque<QueueEntry>()
        kept.reserveCapacity(src.count)
        for e in src {
          if take(e) {
            onRemoved(e)
            count -= 1
            if isUrgent { urgentCount -= 1 }
          } else {
            kept.append(e)
          }
        }
        if isUrgent { urgent[w] = kept } else { buckets[w] = kept }
      }
    }
  }
}

/// A queue with one of the three strategies chosen at run time (enum dispatch, no
/// existentials). Mutations move the payload out first so its storage stays uniquely
/// referenced (no copy-on-write copies).
public enum RequestQueue: Sendable {
  /// Arrival order.
  case fifo(FIFOQueue)
  /// Earliest deadline first.
  case edf(EDFQueue)
  /// Time-series adaptive hybrid.
  case hybrid(HybridQueue)
  /// Transient placeholder while a payload is being mutated (never observable).
  case moving

  /// An empty queue of `kind` for `serviceCount` services.
  public init(_ kind: DequeueKind, serviceCount: Int) {
    switch kind {
    case .fifo: self = .fifo(FIFOQueue(serviceCount: serviceCount))
    case .edf: self = .edf(EDFQueue(serviceCount: serviceCount))
    case .hybrid: self = .hybrid(HybridQueue(serviceCount: serviceCount))
    }
  }

  /// Requests queued.
  public var count: Int {
    switch self {
    case .fifo(let q): return q.count
    case .edf(let q): return q.count
    case .hybrid(let q): return q.count
    case .moving: return 0
    }
  }

  /// Requests of `service` queued.
  public func count(service: Int) -> Int {
    switch self {
    case .fifo(let q): return q.count(service: service)
    case .edf(let q): return q.count(service: service)
    case .hybrid(let q): return q.count(service: service)
    case .moving: return 0
    }
  }

  /// Visits every queued request.
  public func forEach(_ body: (QueueEntry) -> Void) {
    switch self {
    case .fifo(let q): q.forEach(body)
    case .edf(let q): q.forEach(body)
    case .hybrid(let q): q.forEach(body)
    case .moving: break
    }
  }

  /// Enqueues a request.
  public mutating func push(_ entry: QueueEntry) {
    switch self {
    case .fifo(var q):
      self = .moving
      q.push(entry)
      self = .fifo(q)
    case .edf(var q):
      self = .moving
      q.push(entry)
      self = .edf(q)
    case .hybrid(var q):
      self = .moving
      q.push(entry)
      self = .hybrid(q)
    case .moving: break
    }
  }

  /// See `DequeueStrategy.popBest`.
  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    switch self {
    case .fifo(var q):
      self = .moving
      let r = q.popBest(estimatesMs: estimatesMs, allowed: allowed)
      self = .fifo(q)
      return r
    case .edf(var q):
      self = .moving
      let r = q.popBest(estimatesMs: estimatesMs, allowed: allowed)
      self = .edf(q)
      return r
    case .hybrid(var q):
      self = .moving
      let r = q.popBest(estimatesMs: estimatesMs, allowed: allowed)
      self = .hybrid(q)
      return r
    case .moving: return nil
    }
  }

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    switch self {
    case .fifo(var q):
      self = .moving
      q.removeExpired(nowMs: nowMs, onRemoved)
      self = .fifo(q)
    case .edf(var q):
      self = .moving
      q.removeExpired(nowMs: nowMs, onRemoved)
      self = .edf(q)
    case .hybrid(var q):
      self = .moving
      q.removeExpired(nowMs: nowMs, onRemoved)
      self = .hybrid(q)
    case .moving: break
    }
  }

  /// See `DequeueStrategy.promoteUrgent`.
  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    switch self {
    case .hybrid(var q):
      self = .moving
      let r = q.promoteUrgent(nowMs: nowMs, estimatesMs: estimatesMs, slackMs: slackMs)
      self = .hybrid(q)
      return r
    default: return 0
    }
  }

  /// See `DequeueStrategy.remove(where:_:)`.
  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    switch self {
    case .fifo(var q):
      self = .moving
      q.remove(where: take, onRemoved)
      self = .fifo(q)
    case .edf(var q):
      self = .moving
      q.remove(where: take, onRemoved)
      self = .edf(q)
    case .hybrid(var q):
      self = .moving
      q.remove(where: take, onRemoved)
      self = .hybrid(q)
    case .moving: break
    }
  }
}

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
