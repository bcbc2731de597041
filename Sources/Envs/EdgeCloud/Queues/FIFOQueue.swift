/// Arrival order (FIFO).
public struct FIFOQueue: DequeueStrategy {
  var store: ServiceBuckets

  /// An empty queue.
  public init(serviceCount: Int) {
    store = ServiceBuckets(serviceCount: serviceCount)
  }

  /// Requests queued.
  public var count: Int { store.total }

  /// Requests of `service` queued.
  public func count(service: Int) -> Int { store.count(service) }

  /// Visits every queued request (in no particular order).
  public func forEach(_ body: (QueueEntry) -> Void) {
    store.forEach(body)
  }

  /// Enqueues a request.
  public mutating func push(_ entry: QueueEntry) {
    store.append(entry)
  }

  /// Enqueues a request; returns whether it became the head of its service's bucket.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    store.append(entry)
  }

  /// See `DequeueStrategy.popBest`.
  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard store.total > 0 else { return nil }
    let best = store.withHeads { buckets, slots in
      var best = -1
      var bestSeq = Int64.max
      for w in 0..<buckets.count where buckets[w].count > 0 {
        let h = slots[Int(buckets[w].first)].entry
        guard h.seq < bestSeq, allowed(w, h.cpuCores, h.memoryGB) else { continue }
        best = w
        bestSeq = h.seq
      }
      return best
    }
    guard best >= 0 else { return nil }
    return store.removeFirst(best)
  }

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard store.total > 0 else { return }
    for w in 0..<store.serviceCount {
      store.removeExpired(w, nowMs: nowMs, onRemoved)
    }
  }

  /// See `DequeueStrategy.promoteUrgent`.
  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int { 0 }

  /// See `DequeueStrategy.remove(where:_:)`.
  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    guard store.total > 0 else { return }
    for w in 0..<store.serviceCount {
      store.remove(w, where: take, onRemoved)
    }
  }
}
