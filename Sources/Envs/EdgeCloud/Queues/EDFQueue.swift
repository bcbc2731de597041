import HeapModule

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

  /// Requests of `service` queued.
  public func count(service: Int) -> Int { buckets[service].count }

  /// Visits every queued request (in no particular order).
  public func forEach(_ body: (QueueEntry) -> Void) {
    for b in buckets { for it in b.unordered { body(it.e) } }
  }

  /// Enqueues a request.
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

  /// See `DequeueStrategy.popBest`.
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

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard count > 0 else { return }
    for w in 0..<buckets.count {
      while let h = buckets[w].min, h.e.deadlineMs <= nowMs {
        onRemoved(buckets[w].removeMin().e)
        count -= 1
      }
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
