/// Helpers shared by the test targets: approximate comparison and numerical differentiation.
///
/// This target has no module dependencies, so the helpers work on plain `[Float]` arrays and
/// closures; tensor-specific wrappers live in each test target.
public enum TestSupport {
  /// True when `|a - b| <= atol + rtol * |b|` (NumPy `isclose`); NaNs are never close.
  public static func isClose(_ a: Float, _ b: Float, rtol: Float = 1e-5, atol: Float = 1e-6)
    -> Bool
  {
    guard a.isFinite == b.isFinite else { return false }
    if !a.isFinite { return a == b }
    return abs(a - b) <= atol + rtol * abs(b)
  }

  /// True when both arrays have equal length and every pair `isClose`.
  public static func allClose(
    _ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6
  ) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { isClose($0, $1, rtol: rtol, atol: atol) }
  }

  /// The largest `|a[i] - b[i]|` (infinity if the lengths differ).
  public static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
  }

  /// The derivative of `f` at `x` along `direction`, by the five-point central stencil
  /// `(−f(2h) + 8f(h) − 8f(−h) + f(−2h)) / 12h` (truncation error O(h⁴)).
  ///
  /// - Parameters:
  ///   - f: evaluated on perturbed copies of `x` (a list of flat arrays, one per input); should
  ///     accumulate its result in `Double` to keep round-off small.
  ///   - x: the point, one flat array per input.
  ///   - direction: same structure as `x`.
  ///   - step: `h`; perturbations reach `2h · |direction|`, so inputs must be that far from kinks.
  public static func directionalDerivative(
    of f: ([[Float]]) -> Double, at x: [[Float]], along direction: [[Float]], step: Double = 1e-2
  ) -> Double {
    func shifted(_ t: Double) -> [[Float]] {
      zip(x, direction).map { xs, ds in
        zip(xs, ds).map { Float(Double($0) + t * Double($1)) }
      }
    }
    let f1 = f(shifted(step))
    let fm1 = f(shifted(-step))
    let f2 = f(shifted(2 * step))
    let fm2 = f(shifted(-2 * step))
    return (-f2 + 8 * f1 - 8 * fm1 + fm2) / (12 * step)
  }

  /// A small deterministic generator (SplitMix64) for test data, independent of other modules.
  public struct TestRNG {
    /// The generator state.
    public var state: UInt64
    /// Creates a generator from `seed`.
    public init(seed: UInt64) { state = seed }
    /// A uniform Float in `[low, high)`.
    public mutating func uniform(_ low: Float = 0, _ high: Float = 1) -> Float {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return low + (high - low) * Float(z >> 40) * 0x1.0p-24
    }
    /// `count` uniform values in `[low, high)`.
    public mutating func uniformArray(_ count: Int, _ low: Float = -1, _ high: Float = 1)
      -> [Float]
    {
      (0..<count).map { _ in uniform(low, high) }
    }
    /// `count` values with magnitude in `[minMagnitude, maxMagnitude)` and random sign: keeps
    /// inputs away from kinks at zero.
    public mutating func awayFromZero(
      _ count: Int, minMagnitude: Float = 0.2, maxMagnitude: Float = 1
    ) -> [Float] {
      (0..<count).map { _ in
        let m = uniform(minMagnitude, maxMagnitude)
        return uniform() < 0.5 ? -m : m
      }
    }
  }
}
