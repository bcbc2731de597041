/// Seeded, splittable pseudo-random numbers shared by every module.
///
/// `SplitMix64` expands a 64-bit seed into well-mixed state words; `Xoshiro256` (the `**`
/// scrambler) is the generator used everywhere in simulation and training. Neither uses the
/// system's entropy, so the same seed gives the same stream on every machine.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator used to seed and split others.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The generator's whole state.
  public var state: UInt64

  /// Creates a generator from `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256** (Blackman, Vigna 2018): fast, 256-bit state, passes BigCrush.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
  @usableFromInline var s0: UInt64
  @usableFromInline var s1: UInt64
  @usableFromInline var s2: UInt64
  @usableFromInline var s3: UInt64

  /// Creates a generator whose state is expanded from `seed` by SplitMix64.
  public init(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
  }

  /// The next 64 random bits.
  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  @inlinable
  func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A new, independent generator derived from this one (advances this one by one draw).
  ///
  /// Use it to give each environment, agent or worker its own stream: the child's seed is a
  /// fresh 64-bit draw, re-mixed by SplitMix64, so parent and child streams do not overlap in
  /// practice.
  public mutating func split() -> Xoshiro256 {
    Xoshiro256(seed: next())
  }

  /// A uniform `Float` in [0, 1) with 24 random bits.
  @inlinable
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * 0x1.0p-24
  }

  /// A uniform `Double` in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal sample (Box–Muller; one of the pair is discarded to stay stateless).
  @inlinable
  public mutating func nextNormal() -> Double {
    var u1 = nextDouble()
    while u1 <= .leastNormalMagnitude { u1 = nextDouble() }
    let u2 = nextDouble()
    return (-2 * _logD(u1)).squareRoot() * _cosD(2 * Double.pi * u2)
  }

  /// An exponential sample with the given rate (mean `1 / rate`).
  @inlinable
  public mutating func nextExponential(rate: Double) -> Double {
    precondition(rate > 0, "Xoshiro256.nextExponential: rate must be positive, got \(rate)")
    var u = nextDouble()
    while u <= .leastNormalMagnitude { u = nextDouble() }
    return -_logD(u) / rate
  }
}
