import DequeModule
import SeededRandom
import Testing

@testable import Envs

// The FIFO and hybrid queues keep per-service heads, counts and deadline floors in flat arrays
// and skip buckets by their floors. These tests replay random operation sequences on them and
// on the straightforward versions they replaced (kept below, verbatim apart from names and
// line wrapping) and expect the same results, in the same order, after every operation.

/// The FIFO queue as first written (one deque per service, full scans).
struct ReferenceFIFOQueue {
  var buckets: [Deque<QueueEntry>]
  /// Requests queued.
  private(set) var count = 0

  /// An empty queue.
  init(serviceCount: Int) {
    buckets = Array(repeating: Deque(), count: serviceCount)
  }

  func count(service: Int) -> Int { buckets[service].count }

  func forEach(_ body: (QueueEntry) -> Void) {
    for b in buckets { for e in b { body(e) } }
  }

  mutating func push(_ entry: QueueEntry) {
    buckets[Int(entry.service)].append(entry)
    count += 1
  }

  mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard count > 0 else { return nil }
    var best = -1
    var bestSeq = Int64.max
    for w in 0..<buckets.count {
      guard let h = buckets[w].first, h.seq < bestSeq, allowed(w, h.cpuCores, h.memoryGB) else {
        continue
      }
      best = w
      bestSeq = h.seq
    }
    guard best >= 0 else { return nil }
    count -= 1
    return buckets[best].removeFirst()
  }

  mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    remove(where: { $0.deadlineMs <= nowMs }, onRemoved)
  }

  mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int { 0 }

  mutating func remove(
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

/// The hybrid queue as first written (one deque per service, full scans).
struct ReferenceHybridQueue {
  var buckets: [Deque<QueueEntry>]
  var urgent: [Deque<QueueEntry>]
  var urgentCount = 0
  /// Requests queued.
  private(set) var count = 0

  /// An empty queue.
  init(serviceCount: Int) {
    buckets = Array(repeating: Deque(), count: serviceCount)
    urgent = Array(repeating: Deque(), count: serviceCount)
  }

  func count(service: Int) -> Int { buckets[service].count + urgent[service].count }

  func forEach(_ body: (QueueEntry) -> Void) {
    for b in urgent { for e in b { body(e) } }
    for b in buckets { for e in b { body(e) } }
  }

  mutating func push(_ entry: QueueEntry) {
    buckets[Int(entry.service)].append(entry)
    count += 1
  }

  mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    guard count > 0 else { return nil }
    if urgentCount > 0 {
      var best = -1
      var bestDeadline = Double.infinity
      for w in 0..<urgent.count {
        guard let h = urgent[w].first, h.deadlineMs < bestDeadline,
          allowed(w, h.cpuCores, h.memoryGB)
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
      guard e < bestE || (e == bestE && h.seq < bestSeq), allowed(w, h.cpuCores, h.memoryGB)
      else { continue }
      best = w
      bestE = e
      bestSeq = h.seq
    }
    guard best >= 0 else { return nil }
    count -= 1
    return buckets[best].removeFirst()
  }

  mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    remove(where: { $0.deadlineMs <= nowMs }, onRemoved)
  }

  mutating func promoteUrgent(
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

  mutating func remove(
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

/// Replays 3,000 random operations on a `kind` queue and on `reference` (5 services): pushes
/// (the head report checked against the reference's bucket), `popBest` under random
/// service/CPU filters, expiry, urgent promotion and removals by id; after every operation
/// the contents (in `forEach` order) and counts must agree. Returns how many requests were
/// popped and promoted (so callers can check that those paths ran).
func replayAgainstReference<R>(
  _ kind: DequeueKind, reference: inout R, seed: UInt64,
  push: (inout R, QueueEntry) -> Void, bucketCount: (R, Int) -> Int,
  pop: (inout R, UnsafeBufferPointer<Double>, (Int, Float, Float) -> Bool) -> QueueEntry?,
  expire: (inout R, Double, (QueueEntry) -> Void) -> Void,
  promote: (inout R, Double, UnsafeBufferPointer<Double>, Double) -> Int,
  remove: (inout R, (QueueEntry) -> Bool, (QueueEntry) -> Void) -> Void,
  contents: (R) -> [QueueEntry], count: (R) -> Int, serviceCount: (R, Int) -> Int
) -> (popped: Int, promoted: Int) {
  let services = 5
  var rng = Xoshiro256(seed: seed)
  var queue = RequestQueue(kind, serviceCount: services)
  var seq: Int64 = 0
  var nowMs = 0.0
  var popped = 0
  var promoted = 0
  // Few distinct estimates, so ties between services happen.
  var estimates = (0..<services).map { _ in Double(1 + rng.next() % 3) * 100 }
  for _ in 0..<3000 {
    let op = rng.next() % 100
    if op < 45 {
      seq += 1
      let e = QueueEntry(
        id: Int32(seq), service: Int32(rng.next() % UInt64(services)),
        cpuCores: Float(rng.next() % 5) / 10, memoryGB: Float(rng.next() % 3),
        seq: seq, deadlineMs: nowMs + Double(rng.next() % 40) * 25)
      let wasEmpty = bucketCount(reference, Int(e.service)) == 0
      let isHead = queue.pushReportingHead(e)
      push(&reference, e)
      #expect(isHead == wasEmpty)
    } else if op < 80 {
      let allowedMask = rng.next() % 32
      let maxCPU = Float(rng.next() % 6) / 10
      let allowed: (Int, Float, Float) -> Bool = { w, cpu, _ in
        allowedMask & (1 << UInt64(w)) != 0 && cpu <= maxCPU
      }
      let (a, b) = estimates.withUnsafeBufferPointer { est in
        (queue.popBest(estimatesMs: est, allowed: allowed), pop(&reference, est, allowed))
      }
      #expect(a == b)
      if a != nil { popped += 1 }
    } else if op < 88 {
      nowMs += Double(rng.next() % 8) * 25
      var got: [QueueEntry] = []
      var want: [QueueEntry] = []
      queue.removeExpired(nowMs: nowMs) { got.append($0) }
      expire(&reference, nowMs) { want.append($0) }
      #expect(got == want)
    } else if op < 94 {
      let slack = Double(rng.next() % 10) * 25
      let (a, b) = estimates.withUnsafeBufferPointer { est in
        (
          queue.promoteUrgent(nowMs: nowMs, estimatesMs: est, slackMs: slack),
          promote(&reference, nowMs, est, slack)
        )
      }
      #expect(a == b)
      promoted += a
      estimates[Int(rng.next() % UInt64(services))] = Double(1 + rng.next() % 3) * 100
    } else {
      let modulus = Int32(2 + rng.next() % 5)
      var got: [QueueEntry] = []
      var want: [QueueEntry] = []
      queue.remove(where: { $0.id % modulus == 0 }) { got.append($0) }
      remove(&reference, { $0.id % modulus == 0 }) { want.append($0) }
      #expect(got == want)
    }
    var all: [QueueEntry] = []
    queue.forEach { all.append($0) }
    #expect(all == contents(reference))
    #expect(queue.count == count(reference))
    for w in 0..<services { #expect(queue.count(service: w) == serviceCount(reference, w)) }
  }
  return (popped, promoted)
}

@Test(arguments: [1, 2, 3] as [UInt64])
func fifoQueueMatchesReference(seed: UInt64) {
  var reference = ReferenceFIFOQueue(serviceCount: 5)
  let (popped, _) = replayAgainstReference(
    .fifo, reference: &reference, seed: seed,
    push: { $0.push($1) }, bucketCount: { $0.count(service: $1) },
    pop: { $0.popBest(estimatesMs: $1, allowed: $2) },
    expire: { $0.removeExpired(nowMs: $1, $2) },
    promote: { $0.promoteUrgent(nowMs: $1, estimatesMs: $2, slackMs: $3) },
    remove: { $0.remove(where: $1, $2) },
    contents: { q in
      var all: [QueueEntry] = []
      q.forEach { all.append($0) }
      return all
    },
    count: { $0.count }, serviceCount: { $0.count(service: $1) })
  #expect(popped > 300)
  #expect(reference.count > 0)
}

@Test(arguments: [1, 2, 3] as [UInt64])
func hybridQueueMatchesReference(seed: UInt64) {
  var reference = ReferenceHybridQueue(serviceCount: 5)
  let (popped, promoted) = replayAgainstReference(
    .hybrid, reference: &reference, seed: seed,
    push: { $0.push($1) }, bucketCount: { $0.buckets[$1].count },
    pop: { $0.popBest(estimatesMs: $1, allowed: $2) },
    expire: { $0.removeExpired(nowMs: $1, $2) },
    promote: { $0.promoteUrgent(nowMs: $1, estimatesMs: $2, slackMs: $3) },
    remove: { $0.remove(where: $1, $2) },
    contents: { q in
      var all: [QueueEntry] = []
      q.forEach { all.append($0) }
      return all
    },
    count: { $0.count }, serviceCount: { $0.count(service: $1) })
  #expect(popped > 300)
  #expect(promoted > 50)
}

/// EDF reports a push as a new head exactly when it sorts before the bucket's minimum.
@Test func edfQueueReportsNewHeads() {
  var q = RequestQueue(.edf, serviceCount: 2)
  func entry(_ id: Int32, _ w: Int32, _ deadline: Double) -> QueueEntry {
    QueueEntry(
      id: id, service: w, cpuCores: 0.1, memoryGB: 0, seq: Int64(id), deadlineMs: deadline)
  }
  var heads: [Bool] = []
  heads.append(q.pushReportingHead(entry(1, 0, 500)))
  heads.append(q.pushReportingHead(entry(2, 0, 600)))
  heads.append(q.pushReportingHead(entry(3, 0, 500)))  // same deadline, later seq: behind it
  heads.append(q.pushReportingHead(entry(4, 0, 400)))
  heads.append(q.pushReportingHead(entry(5, 1, 900)))
  #expect(heads == [true, false, false, true, true])
  let est: [Double] = [1, 1]
  let first = est.withUnsafeBufferPointer { q.popBest(estimatesMs: $0) { _, _, _ in true } }
  #expect(first?.id == 4)
}
