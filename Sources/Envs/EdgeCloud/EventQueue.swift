/// The simulator's pending events: a binary min-heap on `(timeMs, seq)`.
///
/// `seq` is unique, so the order is total and every correct heap pops the same sequence; a
/// plain binary heap does about half the comparisons of swift-collections' min-max `Heap`
/// (which also supports `max`, never needed here).
struct EventQueue {
  private var items: [SimEvent] = []

  /// The earliest event, if any.
  var min: SimEvent? { items.first }

  /// Pending events.
  var count: Int { items.count }

  /// Adds `event`.
  mutating func insert(_ event: SimEvent) {
    items.append(event)
    items.withUnsafeMutableBufferPointer { heap in
      var child = heap.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        guard heap[child] < heap[parent] else { break }
        heap.swapAt(child, parent)
        child = parent
      }
    }
  }

  /// Removes and returns the earliest event; the queue must not be empty.
  mutating func removeMin() -> SimEvent {
    precondition(!items.isEmpty, "EventQueue.removeMin on an empty queue")
    let last = items.removeLast()
    guard !items.isEmpty else { return last }
    let first = items[0]
    items.withUnsafeMutableBufferPointer { heap in
      // Sift `last` down from the root.
      let n = heap.count
      var parent = 0
      while true {
        var child = 2 * parent + 1
        guard child < n else { break }
        if child + 1 < n && heap[child + 1] < heap[child] { child += 1 }
        guard heap[child] < last else { break }
        heap[parent] = heap[child]
        parent = child
      }
      heap[parent] = last
    }
    return first
  }

  /// Removes every event, keeping the storage.
  mutating func removeAll() { items.removeAll(keepingCapacity: true) }
}
