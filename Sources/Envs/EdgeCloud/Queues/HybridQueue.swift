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

  /// Requests of `service` queued.
  public func count(service: Int) -> Int { normal.count(service) + urgent.count(service) }

  /// Visits every queued request (in no particular order).
  public func forEach(_ body: (QueueEntry) -> Void) {
    urgent.forEach(body)
    normal.forEach(body)
  }

  /// Enqueues a request.
  public mutating func push(_ entry: QueueEntry) {
    normal.append(entry)
  }

  /// Enqueues a request; returns whether it became the head of its service's (non-urgent)
  /// bucket.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    normal.append(entry)
  }

  /// See `DequeueStrategy.popBest`.
  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    if urgent.total > 0 {
      let best = urgent.withHeads { buckets, slots in
        var best = -1
        var bestDeadline = Double.infinity
        for w in 0..<buckets.count where buckets[w].count > 0 {
          let h = slots[Int(buckets[w].first)].entry
          guard h.deadlineMs < bestDeadline, allowed(w, h.cpuCores, h.memoryGB) else { continue }
          best = w
          bestDeadline = h.deadlineMs
        }
        return best
      }
      if best >= 0 { return urgent.removeFirst(best) }
    }
    guard normal.total > 0 else { return nil }
    let best = normal.withHeads { buckets, slots in
      var best = -1
      var bestE = Double.infinity
      var bestSeq = Int64.max
      for w in 0..<buckets.count where buckets[w].count > 0 {
        let e = estimatesMs[w]
        guard e < bestE || (e == bestE && slots[Int(buckets[w].first)].entry.seq < bestSeq)
        else { continue }
        let h = slots[Int(buckets[w].first)].entry
        guard allowed(w, h.cpuCores, h.memoryGB) else { continue }
        best = w
        bestE = e
        bestSeq = h.seq
      }
      return best
    }
    guard best >= 0 else { return nil }
    return normal.removeFirst(best)
  }

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard count > 0 else { return }
    for w in 0..<normal.serviceCount {
      // Urgent buckets are in deadline order: the expired ones are a prefix.
      urgent.removeExpiredPrefix(w, nowMs: nowMs, onRemoved)
      normal.removeExpired(w, nowMs: nowMs, onRemoved)
    }
  }

  /// See `DequeueStrategy.promoteUrgent`.
  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    guard normal.total > 0 else { return 0 }
    var promoted = 0
    for w in 0..<normal.serviceCount where normal.count(w) > 0 {
      let limit = nowMs + estimatesMs[w] + slackMs
      guard normal.deadlineFloorMs(w) <= limit else { continue }
      var moved: [QueueEntry] = []
      normal.remove(w, where: { $0.deadlineMs <= limit }) { moved.append($0) }
      guard !moved.isEmpty else { continue }
      // The urgent bucket is already in (deadline, seq) order (seq is unique, so the order
      // is total): sort the promoted entries and merge.
      moved.sort { ($0.deadlineMs, $0.seq) < ($1.deadlineMs, $1.seq) }
      var merged: [QueueEntry] = []
      merged.reserveCapacity(urgent.count(w) + moved.count)
      var j = 0
      for e in urgent.entries(w) {
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

  /// See `DequeueStrategy.remove(where:_:)`.
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
