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

/// Per-service FIFO buckets (arrival order within a service) whose counts, heads and a lower
/// bound of their deadlines are mirrored in flat arrays: scans over the services (`popBest`)
/// read contiguous memory instead of one deque per service, and deadline scans (expiry,
/// promotion) skip the buckets that cannot hold a match.
struct ServiceBuckets: Sendable {
  var buckets: [Deque<QueueEntry>]
  /// `counts[w] == buckets[w].count`.
  var counts: [Int]
  /// `heads[w] == buckets[w].first` when `counts[w] > 0` (stale otherwise).
  var heads: [QueueEntry]
  /// A lower bound of the deadlines in bucket `w`, ms (+∞ when empty): exact after every
  /// scan of the bucket, lowered by pushes, left as it is by pops (still a lower bound).
  var deadlineFloorMs: [Double]
  /// Entries in all buckets.
  var total = 0

  init(serviceCount: Int) {
    buckets = Array(repeating: Deque(), count: serviceCount)
    counts = Array(repeating: 0, count: serviceCount)
    heads = Array(
      repeating: QueueEntry(id: -1, service: -1, cpuCores: 0, memoryGB: 0, seq: 0, deadlineMs: 0),
      count: serviceCount)
    deadlineFloorMs = Array(repeating: .infinity, count: serviceCount)
  }

  var serviceCount: Int { counts.count }

  /// Appends `entry` to its service's bucket; returns whether it is the bucket's head (the
  /// bucket was empty).
  @inline(__always) @discardableResult
  mutating func append(_ entry: QueueEntry) -> Bool {
    let w = Int(entry.service)
    let isHead = counts[w] == 0
    if isHead { heads[w] = entry }
    buckets[w].append(entry)
    counts[w] += 1
    total += 1
    if entry.deadlineMs < deadlineFloorMs[w] { deadlineFloorMs[w] = entry.deadlineMs }
    return isHead
  }

  /// Removes the head of bucket `w` (which must not be empty).
  @inline(__always)
  mutating func removeFirst(_ w: Int) -> QueueEntry {
    let e = buckets[w].removeFirst()
    counts[w] -= 1
    total -= 1
    if counts[w] > 0 {
      heads[w] = buckets[w].first!
    } else {
      deadlineFloorMs[w] = .infinity
    }
    return e
  }

  /// Removes the leading entries of bucket `w` with `deadlineMs <= nowMs`, reporting each in
  /// order (for buckets kept in deadline order, these are all its expired entries).
  @inline(__always)
  mutating func removeExpiredPrefix(
    _ w: Int, nowMs: Double, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard counts[w] > 0 && heads[w].deadlineMs <= nowMs else { return }
    var k = 0
    for e in buckets[w] {
      guard e.deadlineMs <= nowMs else { break }
      onRemoved(e)
      k += 1
    }
    buckets[w].removeFirst(k)
    counts[w] -= k
    total -= k
    if counts[w] > 0 {
      heads[w] = buckets[w].first!
    } else {
      deadlineFloorMs[w] = .infinity
    }
  }

  /// Replaces bucket `w` with `entries` (in order).
  mutating func replace(_ w: Int, with entries: Deque<QueueEntry>) {
    total += entries.count - counts[w]
    counts[w] = entries.count
    var floor = Double.infinity
    for e in entries where e.deadlineMs < floor { floor = e.deadlineMs }
    deadlineFloorMs[w] = floor
    if let h = entries.first { heads[w] = h }
    buckets[w] = entries
  }

  /// Removes the entries of bucket `w` for which `take` holds, reporting each in order;
  /// the bucket is left untouched when none does. Compacts the bucket in place.
  mutating func remove(
    _ w: Int, where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard counts[w] > 0, let first = buckets[w].firstIndex(where: take) else { return }
    // Move the bucket out so that it is uniquely referenced while it is edited.
    var bucket = Deque<QueueEntry>()
    swap(&bucket, &buckets[w])
    var floor = Double.infinity
    for i in 0..<first where bucket[i].deadlineMs < floor { floor = bucket[i].deadlineMs }
    var kept = first
    for i in first..<bucket.count {
      let e = bucket[i]
      if take(e) {
        onRemoved(e)
      } else {
        if e.deadlineMs < floor { floor = e.deadlineMs }
        bucket[kept] = e
        kept += 1
      }
    }
    bucket.removeLast(bucket.count - kept)
    total += kept - counts[w]
    counts[w] = kept
    deadlineFloorMs[w] = floor
    if let h = bucket.first { heads[w] = h }
    swap(&bucket, &buckets[w])
  }

  /// Visits, bucket by bucket in order, the entries with `deadlineMs − nowMs ≤ limitsMs[w]`,
  /// skipping the buckets whose deadline floor already fails the test (rounding is monotone,
  /// so then every deadline in the bucket fails it).
  func forEach(
    nowMs: Double, limitsMs: UnsafeBufferPointer<Double>, _ body: (QueueEntry) -> Void
  ) {
    for w in 0..<counts.count where counts[w] > 0 {
      let limit = limitsMs[w]
      if deadlineFloorMs[w] - nowMs > limit { continue }
      for e in buckets[w] where e.deadlineMs - nowMs <= limit { body(e) }
    }
  }

  /// Removes the entries of bucket `w` with `deadlineMs <= nowMs`, reporting each in order.
  @inline(__always)
  mutating func removeExpired(_ w: Int, nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard deadlineFloorMs[w] <= nowMs else { return }
    remove(w, where: { $0.deadlineMs <= nowMs }, onRemoved)
    if counts[w] > 0 && deadlineFloorMs[w] <= nowMs {
      // Nothing expired: the floor was stale (popped entries); make it exact.
      var floor = Double.infinity
      for e in buckets[w] where e.deadlineMs < floor { floor = e.deadlineMs }
      deadlineFloorMs[w] = floor
    }
  }
}

/// Arrival order (FIFO).
public struct FIFOQueue: DequeueStrategy {
  var store: ServiceBuckets

  /// An empty queue.
  public init(serviceCount: Int) {
    store = ServiceBuckets(serviceCount: serviceCount)
  }

  /// Requests queued.
  public var count: Int { store.total }

  public func count(service: Int) -> Int { store.counts[service] }

  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in store.buckets { for e in b { body(e) } }
  }

  public mutating func push(_ entry: QueueEntry) {
    store.append(entry)
  }

  /// Enqueues a request; returns whether it became the head of its service's bucket.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    store.append(entry)
  }

  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard store.total > 0 else { return nil }
    let best = store.counts.withUnsafeBufferPointer { counts in
      store.heads.withUnsafeBufferPointer { heads in
        var best = -1
        var bestSeq = Int64.max
        for w in 0..<counts.count where counts[w] > 0 {
          let h = heads[w]
          guard h.seq < bestSeq, allowed(w, h.cpuCores, h.memoryGB) else { continue }
          best = w
          bestSeq = h.seq
        }
        return best
      }
    }
    guard best >= 0 else { return nil }
    return store.removeFirst(best)
  }

  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard store.total > 0 else { return }
    for w in 0..<store.serviceCount {
      store.removeExpired(w, nowMs: nowMs, onRemoved)
    }
  }

  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int { 0 }

  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard store.total > 0 else { return }
    for w in 0..<store.serviceCount {
      store.remove(w, where: take, onRemoved)
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

  /// Enqueues a request; returns whether it became the minimum of its service's bucket.
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    let item = Item(e: entry)
    let w = Int(entry.service)
    let isHead = buckets[w].min.map { item < $0 } ?? true
    buckets[w].insert(item)
    count += 1
    return isHead
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
  /// Requests not promoted, arrival order per service.
  var normal: ServiceBuckets
  /// Promoted requests, `(deadlineMs, seq)` order per service.
  var urgent: ServiceBuckets

  /// An empty queue.
  public init(serviceCount: Int) {
    normal = ServiceBuckets(serviceCount: serviceCount)
    urgent = ServiceBuckets(serviceCount: serviceCount)
  }

  /// Requests queued.
  public var count: Int { normal.total + urgent.total }

  public func count(service: Int) -> Int { normal.counts[service] + urgent.counts[service] }

  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in urgent.buckets { for e in b { body(e) } }
    for b in normal.buckets { for e in b { body(e) } }
  }

  public mutating func push(_ entry: QueueEntry) {
    normal.append(entry)
  }

  /// Enqueues a request; returns whether it became the head of its service's (non-urgent)
  /// bucket.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    normal.append(entry)
  }

  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    if urgent.total > 0 {
      let best = urgent.counts.withUnsafeBufferPointer { counts in
        urgent.heads.withUnsafeBufferPointer { heads in
          var best = -1
          var bestDeadline = Double.infinity
          for w in 0..<counts.count where counts[w] > 0 {
            let h = heads[w]
            guard h.deadlineMs < bestDeadline, allowed(w, h.cpuCores, h.memoryGB) else { continue }
            best = w
            bestDeadline = h.deadlineMs
          }
          return best
        }
      }
      if best >= 0 { return urgent.removeFirst(best) }
    }
    guard normal.total > 0 else { return nil }
    let best = normal.counts.withUnsafeBufferPointer { counts in
      normal.heads.withUnsafeBufferPointer { heads in
        var best = -1
        var bestE = Double.infinity
        var bestSeq = Int64.max
        for w in 0..<counts.count where counts[w] > 0 {
          let e = estimatesMs[w]
          guard e < bestE || (e == bestE && heads[w].seq < bestSeq) else { continue }
          let h = heads[w]
          guard allowed(w, h.cpuCores, h.memoryGB) else { continue }
          best = w
          bestE = e
          bestSeq = h.seq
        }
        return best
      }
    }
    guard best >= 0 else { return nil }
    return normal.removeFirst(best)
  }

  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard count > 0 else { return }
    for w in 0..<normal.serviceCount {
      // Urgent buckets are in deadline order: the expired ones are a prefix.
      urgent.removeExpiredPrefix(w, nowMs: nowMs, onRemoved)
      normal.removeExpired(w, nowMs: nowMs, onRemoved)
    }
  }

  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    guard normal.total > 0 else { return 0 }
    var promoted = 0
    for w in 0..<normal.serviceCount where normal.counts[w] > 0 {
      let limit = nowMs + estimatesMs[w] + slackMs
      guard normal.deadlineFloorMs[w] <= limit else { continue }
      var moved: [QueueEntry] = []
      normal.remove(w, where: { $0.deadlineMs <= limit }) { moved.append($0) }
      guard !moved.isEmpty else { continue }
      // The urgent bucket is already in (deadline, seq) order (seq is unique, so the order
      // is total): sort the promoted entries and merge.
      moved.sort { ($0.deadlineMs, $0.seq) < ($1.deadlineMs, $1.seq) }
      var merged = Deque<QueueEntry>()
      merged.reserveCapacity(urgent.counts[w] + moved.count)
      var j = 0
      for e in urgent.buckets[w] {
        while j < moved.count && (moved[j].deadlineMs, moved[j].seq) < (e.deadlineMs, e.seq) {
          merged.append(moved[j])
          j += 1
        }
        merged.append(e)
      }
      merged.append(contentsOf: moved[j...])
      urgent.replace(w, with: merged)
      promoted += moved.count
    }
    return promoted
  }

  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard count > 0 else { return }
    for w in 0..<normal.serviceCount {
      urgent.remove(w, where: take, onRemoved)
      normal.remove(w, where: take, onRemoved)
    }
  }
}

/// A queue with one of the three strategies chosen at run time: the kind and that strategy's
/// state (no existentials; mutations go through the stored optional in place, so the
/// strategy's storage is never copied).
public struct RequestQueue: Sendable {
  /// The strategy.
  public let kind: DequeueKind
  var fifo: FIFOQueue?
  var edf: EDFQueue?
  var hybrid: HybridQueue?

  /// An empty queue of `kind` for `serviceCount` services.
  public init(_ kind: DequeueKind, serviceCount: Int) {
    self.kind = kind
    switch kind {
    case .fifo: fifo = FIFOQueue(serviceCount: serviceCount)
    case .edf: edf = EDFQueue(serviceCount: serviceCount)
    case .hybrid: hybrid = HybridQueue(serviceCount: serviceCount)
    }
  }

  /// Requests queued.
  @inline(__always)
  public var count: Int {
    switch kind {
    case .fifo: return fifo!.count
    case .edf: return edf!.count
    case .hybrid: return hybrid!.count
    }
  }

  /// Requests of `service` queued.
  @inline(__always)
  public func count(service: Int) -> Int {
    switch kind {
    case .fifo: return fifo!.count(service: service)
    case .edf: return edf!.count(service: service)
    case .hybrid: return hybrid!.count(service: service)
    }
  }

  /// Visits every queued request.
  public func forEach(_ body: (QueueEntry) -> Void) {
    switch kind {
    case .fifo: fifo!.forEach(body)
    case .edf: edf!.forEach(body)
    case .hybrid: hybrid!.forEach(body)
    }
  }

  /// Enqueues a request.
  @inline(__always)
  public mutating func push(_ entry: QueueEntry) {
    switch kind {
    case .fifo: fifo!.push(entry)
    case .edf: edf!.push(entry)
    case .hybrid: hybrid!.push(entry)
    }
  }

  /// Visits, in `forEach` order, the requests with `deadlineMs − nowMs ≤ limitsMs[service]`.
  func forEach(
    nowMs: Double, limitsMs: UnsafeBufferPointer<Double>, _ body: (QueueEntry) -> Void
  ) {
    switch kind {
    case .fifo: fifo!.store.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
    case .hybrid:
      hybrid!.urgent.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
      hybrid!.normal.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
    case .edf:
      edf!.forEach { e in
        if e.deadlineMs - nowMs <= limitsMs[Int(e.service)] { body(e) }
      }
    }
  }

  /// Enqueues a request; returns whether it became the head of its service's bucket — when
  /// it did not, no head changed, so `popBest`'s outcome under the same `allowed` is
  /// unchanged unless it was a request before.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    switch kind {
    case .fifo: return fifo!.pushReportingHead(entry)
    case .edf: return edf!.pushReportingHead(entry)
    case .hybrid: return hybrid!.pushReportingHead(entry)
    }
  }

  /// See `DequeueStrategy.popBest`.
  @inline(__always)
  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    switch kind {
    case .fifo: return fifo!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    case .edf: return edf!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    case .hybrid: return hybrid!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    }
  }

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    switch kind {
    case .fifo: fifo!.removeExpired(nowMs: nowMs, onRemoved)
    case .edf: edf!.removeExpired(nowMs: nowMs, onRemoved)
    case .hybrid: hybrid!.removeExpired(nowMs: nowMs, onRemoved)
    }
  }

  /// See `DequeueStrategy.promoteUrgent`.
  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    switch kind {
    case .hybrid:
      return hybrid!.promoteUrgent(nowMs: nowMs, estimatesMs: estimatesMs, slackMs: slackMs)
    case .fifo, .edf: return 0
    }
  }

  /// See `DequeueStrategy.remove(where:_:)`.
  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    switch kind {
    case .fifo: fifo!.remove(where: take, onRemoved)
    case .edf: edf!.remove(where: take, onRemoved)
    case .hybrid: hybrid!.remove(where: take, onRemoved)
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
