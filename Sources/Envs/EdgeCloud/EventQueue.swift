/// The simulator's pending events: a 4-ary min-heap on `(timeMs, seq)`.
///
/// `seq` is unique, so the order is total and every correct heap pops the same sequence. A
/// 4-ary heap is half as deep as a binary one and its four children (16-byte events) share
/// 64 bytes; `removeMin` sifts bottom-up (the hole left at the root walks down to a leaf along
/// the smallest children, then the last element is sifted up from there, where it usually
/// belongs), choosing children without branches (the outcomes are coin flips that a branch
/// predictor would miss half the time). The storage never shrinks: the heap is the first
/// `count` elements, so an insert or a removal touches the array (one uniqueness check) once.
struct EventQueue {
  private var items: [SimEvent] = []
  /// Pending events: the heap is `items[0..<count]` (the rest is stale).
  private(set) var count = 0

  /// The earliest event, if any.
  var min: SimEvent? { count > 0 ? items[0] : nil }

  /// `a < b` as 0 or 1, without branches.
  @inline(__always)
  private static func less(_ a: SimEvent, _ b: SimEvent) -> Int {
    bit(a.timeMs < b.timeMs) | (bit(a.timeMs == b.timeMs) & bit(a.key < b.key))
  }

  @inline(__always)
  private static func bit(_ b: Bool) -> Int { b ? 1 : 0 }

  /// Adds `event`.
  mutating func insert(_ event: SimEvent) {
    if count == items.count { items.append(event) }
    count += 1
    let n = count
    items.withUnsafeMutableBufferPointer { heap in
      var child = n - 1
      while child > 0 {
        let parent = (child - 1) / 4
        guard event < heap[parent] else { break }
        heap[child] = heap[parent]
        child = parent
      }
      heap[child] = event
    }
  }

  /// Removes and returns the earliest event; the queue must not be empty.
  mutating func removeMin() -> SimEvent {
    precondition(count > 0, "EventQueue.removeMin on an empty queue")
    count -= 1
    let n = count
    return items.withUnsafeMutableBufferPointer { heap in
      let last = heap[n]
      guard n > 0 else { return last }
      let first = heap[0]
      // Walk the hole from the root down to a leaf along the smallest children.
      var hole = 0
      while true {
        let c = 4 &* hole &+ 1
        if c &+ 3 < n {
          let m01 = c &+ Self.less(heap[c &+ 1], heap[c])
          let m23 = c &+ 2 &+ Self.less(heap[c &+ 3], heap[c &+ 2])
          let m = m01 &+ Self.less(heap[m23], heap[m01]) &* (m23 &- m01)
          heap[hole] = heap[m]
          hole = m
        } else {
          // Fewer than four children: their children are past the end.
          guard c < n else { break }
          var m = c
          for j in (c + 1)..<n where heap[j] < heap[m] { m = j }
          heap[hole] = heap[m]
          hole = m
          break
        }
      }
      // Sift `last` up from the hole.
      while hole > 0 {
        let parent = (hole - 1) / 4
        guard last < heap[parent] else { break }
        heap[hole] = heap[parent]
        hole = parent
      }
      heap[hole] = last
      return first
    }
  }

  /// Removes every event, keeping the storage.
  mutating func removeAll() { count = 0 }
}
