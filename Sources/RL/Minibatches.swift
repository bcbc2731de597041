import SeededRandom

/// The minibatch split every agent's update uses: one shuffle, one rule for uneven sizes.
public enum Minibatches {
  /// A random permutation of `0..<count` (Fisher–Yates with `rng`), truncated to its first
  /// `used` entries and split into `numMinibatches` minibatches whose sizes differ by at most
  /// one (the larger ones first).
  ///
  /// - Parameters:
  ///   - count: samples to draw from.
  ///   - used: samples to keep (`count` when nil); a random subset when smaller.
  ///   - numMinibatches: parts of the kept samples.
  /// - Precondition: `1 <= numMinibatches <= used <= count`.
  public static func shuffled(
    count: Int, using used: Int? = nil, numMinibatches: Int, rng: inout Xoshiro256
  ) -> [[Int]] {
    let used = used ?? count
    precondition(
      numMinibatches >= 1 && numMinibatches <= used && used <= count,
      "Minibatches.shuffled: need 1 ≤ numMinibatches (\(numMinibatches)) ≤ used (\(used)) ≤ "
        + "count (\(count))")
    var order = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(i, Int.random(in: 0...i, using: &rng))
    }
    let baseSize = used / numMinibatches
    let larger = used % numMinibatches
    var batches: [[Int]] = []
    batches.reserveCapacity(numMinibatches)
    var start = 0
    for b in 0..<numMinibatches {
      let size = baseSize + (b < larger ? 1 : 0)
      batches.append(Array(order[start..<(start + size)]))
      start += size
    }
    return batches
  }
}
