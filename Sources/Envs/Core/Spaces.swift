import SeededRandom

/// A set of valid values with seeded sampling (Gymnasium's `Space`).
public protocol Space: Sendable {
  /// The values the space holds.
  associatedtype Element: Sendable
  /// Whether `value` belongs to the space.
  func contains(_ value: Element) -> Bool
  /// A uniform sample from the space.
  func sample(using rng: inout Xoshiro256) -> Element
}

/// The integers `0..<n`.
public struct Discrete: Space, Codable, Hashable {
  /// The number of values.
  public var n: Int

  /// Creates the space `0..<n`.
  public init(_ n: Int) {
    precondition(n > 0, "Discrete: n must be positive, got \(n)")
    self.n = n
  }

  /// Whether `value` is in `0..<n`.
  public func contains(_ value: Int) -> Bool { value >= 0 && value < n }

  /// A uniform value in `0..<n`.
  public func sample(using rng: inout Xoshiro256) -> Int { Int.random(in: 0..<n, using: &rng) }

  /// A uniform sample among the values whose `mask` entry is true.
  ///
  /// - Precondition: `mask.count == n` and at least one entry is true.
  public func sample(using rng: inout Xoshiro256, mask: [Bool]) -> Int {
    precondition(mask.count == n, "Discrete.sample: mask has \(mask.count) entries, space has \(n)")
    // Two passes over the mask instead of building an index array: no allocation per sample.
    var validCount = 0
    for isValid in mask where isValid { validCount += 1 }
    precondition(validCount > 0, "Discrete.sample: every action is masked")
    var remaining = Int.random(in: 0..<validCount, using: &rng)
    for (action, isValid) in mask.enumerated() where isValid {
      if remaining == 0 { return action }
      remaining -= 1
    }
    preconditionFailure("Discrete.sample: unreachable")
  }
}

/// A box of `Float`s with per-element bounds (infinite bounds allowed).
public struct Box: Space, Codable, Hashable {
  /// Lower bounds, one per element.
  public var low: [Float]
  /// Upper bounds, one per element.
  public var high: [Float]
  /// The shape of an element; `low.count == shape.reduce(1, *)`.
  public var shape: [Int]

  /// Creates a box with the given bounds.
  public init(low: [Float], high: [Float], shape: [Int]? = nil) {
    precondition(low.count == high.count, "Box: low and high differ in length")
    self.low = low
    self.high = high
    self.shape = shape ?? [low.count]
    precondition(self.shape.reduce(1, *) == low.count, "Box: shape does not match bounds")
  }

  /// A box of `count` elements, all within `[low, high]`.
  public init(low: Float, high: Float, count: Int) {
    self.init(low: Array(repeating: low, count: count), high: Array(repeating: high, count: count))
  }

  /// The number of elements.
  public var count: Int { low.count }

  /// Whether `value` has `count` elements, each within its bounds.
  public func contains(_ value: [Float]) -> Bool {
    guard value.count == low.count else { return false }
    for i in value.indices where !(value[i] >= low[i] && value[i] <= high[i]) { return false }
    return true
  }

  /// Uniform within finite bounds; standard normal where a bound is infinite.
  public func sample(using rng: inout Xoshiro256) -> [Float] {
    (0..<low.count).map { i in
      if low[i].isFinite && high[i].isFinite {
        return low[i] + (high[i] - low[i]) * rng.nextFloat()
      }
      return Float(rng.nextNormal())
    }
  }
}

/// A vector of independent discrete choices, the `i`-th in `0..<nvec[i]`.
public struct MultiDiscrete: Space, Codable, Hashable {
  /// The number of values of each component.
  public var nvec: [Int]

  /// Creates the space.
  public init(_ nvec: [Int]) {
    precondition(nvec.allSatisfy { $0 > 0 }, "MultiDiscrete: every n must be positive")
    self.nvec = nvec
  }

  /// Whether `value` has one component per `nvec` entry, each in `0..<nvec[i]`.
  public func contains(_ value: [Int]) -> Bool {
    value.count == nvec.count && zip(value, nvec).allSatisfy { $0 >= 0 && $0 < $1 }
  }

  /// One uniform value per component.
  public func sample(using rng: inout Xoshiro256) -> [Int] {
    nvec.map { Int.random(in: 0..<$0, using: &rng) }
  }
}
