/// Per-service FIFO buckets (arrival order within a service), stored flat: every bucket is a
/// singly linked list threaded through one pool of slots that all buckets of the queue share
/// (a freed slot is the next one used), and each bucket's count, first and last slot and a
/// lower bound of its deadlines sit side by side in one array.
///
/// A push or a pop touches one bucket record and one slot of this queue's two arrays. The
/// layout it replaces kept one deque per service (plus mirrored counts and heads): each deque
/// its own allocation, kept at its largest size, so that at a thousand nodes the node queues'
/// storage no longer fit in the cache and every arrival at a node missed it several times.
/// Scans over the services (`popBest`) read the contiguous bucket records; deadline scans
/// (expiry, promotion) skip the buckets whose floor shows they cannot hold a match.
struct ServiceBuckets: Sendable {
  /// One bucket: its size, first and last slot (-1 when empty) and a lower bound of its
  /// deadlines, ms (+∞ when empty): exact after every scan of the bucket, lowered by pushes,
  /// left as it is by pops (still a lower bound).
  struct Bucket: Sendable {
    var count: Int32 = 0
    var first: Int32 = -1
    var last: Int32 = -1
    var deadlineFloorMs = Double.infinity
  }

  /// One pooled entry and the next slot of its bucket (-1 at the end), or of the free list.
  struct Slot: Sendable {
    var entry: QueueEntry
    var next: Int32
  }

  /// The buckets, by service.
  private(set) var buckets: [Bucket]
  /// The entries of every bucket, and the free slots.
  private var slots: [Slot] = []
  /// First free slot (-1: none; the pool grows).
  private var freeSlot: Int32 = -1
  /// Entries in all buckets.
  private(set) var total = 0

  init(serviceCount: Int) {
    buckets = Array(repeating: Bucket(), count: serviceCount)
  }

  var serviceCount: Int { buckets.count }

  /// Entries in bucket `w`.
  @inline(__always)
  func count(_ w: Int) -> Int { Int(buckets[w].count) }

  /// The lower bound of bucket `w`'s deadlines (see `Bucket`).
  @inline(__always)
  func deadlineFloorMs(_ w: Int) -> Double { buckets[w].deadlineFloorMs }

  /// The entries of bucket `w`, in order.
  func entries(_ w: Int) -> [QueueEntry] {
    var result: [QueueEntry] = []
    result.reserveCapacity(count(w))
    forEach(bucket: w) { result.append($0) }
    return result
  }

  /// Visits the entries of bucket `w` in order.
  @inline(__always)
  func forEach(bucket w: Int, _ body: (QueueEntry) -> Void) {
    var s = buckets[w].first
    while s >= 0 {
      let slot = slots[Int(s)]
      body(slot.entry)
      s = slot.next
    }
  }

  /// Visits every entry, bucket by bucket in service order, each bucket in order.
  func forEach(_ body: (QueueEntry) -> Void) {
    for w in 0..<serviceCount where buckets[w].count > 0 { forEach(bucket: w, body) }
  }

  /// Calls `body` with the bucket records and the slot pool, for scans over the buckets' heads
  /// (`slots[buckets[w].first].entry` when `buckets[w].count > 0`).
  @inline(__always)
  func withHeads<R>(
    _ body: (UnsafeBufferPointer<Bucket>, UnsafeBufferPointer<Slot>) -> R
  ) -> R {
    buckets.withUnsafeBufferPointer { b in slots.withUnsafeBufferPointer { s in body(b, s) } }
  }

  /// Takes a slot for `entry` (a freed one first) at the end of no list.
  @inline(__always)
  private mutating func allocate(_ entry: QueueEntry) -> Int32 {
    if freeSlot >= 0 {
      let s = freeSlot
      freeSlot = slots[Int(s)].next
      slots[Int(s)] = Slot(entry: entry, next: -1)
      return s
    }
    slots.append(Slot(entry: entry, next: -1))
    return Int32(slots.count - 1)
  }

  /// Returns slot `s` to the free list.
  @inline(__always)
  private mutating func release(_ s: Int32) {
    slots[Int(s)].next = freeSlot
    freeSlot = s
  }

  /// Appends `entry` to its service's bucket; returns whether it is the bucket's head (the
  /// bucket was empty).
  @inline(__always) @discardableResult
  mutating func append(_ entry: QueueEntry) -> Bool {
    let w = Int(entry.service)
    let s = allocate(entry)
    var b = buckets[w]
    let isHead = b.count == 0
    if isHead { b.first = s } else { slots[Int(b.last)].next = s }
    b.last = s
    b.count += 1
    if entry.deadlineMs < b.deadlineFloorMs { b.deadlineFloorMs = entry.deadlineMs }
    buckets[w] = b
    total += 1
    return isHead
  }

  /// Removes the head of bucket `w` (which must not be empty).
  @inline(__always)
  mutating func removeFirst(_ w: Int) -> QueueEntry {
    var b = buckets[w]
    let s = b.first
    let slot = slots[Int(s)]
    release(s)
    b.first = slot.next
    b.count -= 1
    if b.count == 0 {
      b.last = -1
      b.deadlineFloorMs = .infinity
    }
    buckets[w] = b
    total -= 1
    return slot.entry
  }

  /// Removes the leading entries of bucket `w` with `deadlineMs <= nowMs`, reporting each in
  /// order (for buckets kept in deadline order, these are all its expired entries).
  @inline(__always)
  mutating func removeExpiredPrefix(
    _ w: Int, nowMs: Double, _ onRemoved: (QueueEntry) -> Void
  ) {
    while buckets[w].count > 0 {
      let head = slots[Int(buckets[w].first)].entry
      guard head.deadlineMs <= nowMs else { return }
      onRemoved(removeFirst(w))
    }
  }

  /// Replaces bucket `w` with `entries` (in order).
  mutating func replace(_ w: Int, with entries: [QueueEntry]) {
    var s = buckets[w].first
    while s >= 0 {
      let next = slots[Int(s)].next
      release(s)
      s = next
    }
    total -= Int(buckets[w].count)
    buckets[w] = Bucket()
    var floor = Double.infinity
    for e in entries {
      append(e)
      if e.deadlineMs < floor { floor = e.deadlineMs }
    }
    buckets[w].deadlineFloorMs = floor
  }

  /// Removes the entries of bucket `w` for which `take` holds, reporting each in order; the
  /// bucket (and its floor) is left untouched when none does, otherwise its floor is made exact.
  mutating func remove(
    _ w: Int, where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    var b = buckets[w]
    guard b.count > 0 else { return }
    var floor = Double.infinity
    var removed = false
    var previous: Int32 = -1
    var s = b.first
    while s >= 0 {
      let slot = slots[Int(s)]
      if take(slot.entry) {
        onRemoved(slot.entry)
        if previous < 0 { b.first = slot.next } else { slots[Int(previous)].next = slot.next }
        if b.last == s { b.last = previous }
        release(s)
        b.count -= 1
        total -= 1
        removed = true
      } else {
        if slot.entry.deadlineMs < floor { floor = slot.entry.deadlineMs }
        previous = s
      }
      s = slot.next
    }
    if removed {
      b.deadlineFloorMs = floor
      if b.count == 0 {
        b.first = -1
        b.last = -1
      }
    }
    buckets[w] = b
  }

  /// Visits, bucket by bucket in order, the entries with `deadlineMs − nowMs ≤ limitsMs[w]`,
  /// skipping the buckets whose deadline floor already fails the test (rounding is monotone,
  /// so then every deadline in the bucket fails it).
  func forEach(
    nowMs: Double, limitsMs: UnsafeBufferPointer<Double>, _ body: (QueueEntry) -> Void
  ) {
    for w in 0..<serviceCount where buckets[w].count > 0 {
      let limit = limitsMs[w]
      if buckets[w].deadlineFloorMs - nowMs > limit { continue }
      forEach(bucket: w) { e in if e.deadlineMs - nowMs <= limit { body(e) } }
    }
  }

  /// Removes the entries of bucket `w` with `deadlineMs <= nowMs`, reporting each in order.
  @inline(__always)
  mutating func removeExpired(_ w: Int, nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    guard buckets[w].deadlineFloorMs <= nowMs else { return }
    remove(w, where: { $0.deadlineMs <= nowMs }, onRemoved)
    if buckets[w].count > 0 && buckets[w].deadlineFloorMs <= nowMs {
      // Nothing expired: the floor was stale (popped entries); make it exact.
      var floor = Double.infinity
      forEach(bucket: w) { e in if e.deadlineMs < floor { floor = e.deadlineMs } }
      buckets[w].deadlineFloorMs = floor
    }
  }
}
