import SeededRandom
import Testing

@testable import Envs

/// The event queue pops events in `(timeMs, seq)` order, ties in time broken by `seq`, with
/// inserts interleaved with removals; checked against a linear-scan reference.
@Test func eventQueuePopsInTimeThenSequenceOrder() {
  var rng = Xoshiro256(seed: 4)
  var queue = EventQueue()
  var reference: [SimEvent] = []
  var seq: UInt64 = 0
  var pops = 0
  for round in 0..<300 {
    for _ in 0..<3 {
      seq += 1
      // Few distinct times, so equal times are common.
      let event = SimEvent(
        timeMs: Double(round / 4) + Double(rng.next() % 4), seq: seq, kind: 0, id: Int32(seq))
      queue.insert(event)
      reference.append(event)
    }
    let removals = round % 3 == 0 ? 4 : 2
    for _ in 0..<removals where !reference.isEmpty {
      let expected = reference.indices.min { reference[$0] < reference[$1] }!
      #expect(queue.min?.seq == reference[expected].seq)
      #expect(queue.removeMin().seq == reference.remove(at: expected).seq)
      pops += 1
    }
    #expect(queue.count == reference.count)
  }
  #expect(pops > 600)
}
