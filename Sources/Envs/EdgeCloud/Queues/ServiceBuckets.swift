import DequeModule


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
