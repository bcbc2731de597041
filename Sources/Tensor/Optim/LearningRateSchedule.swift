#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A learning rate as a function of the optimizer step.
public enum LearningRateSchedule: Codable, Sendable, Equatable {
  /// The same rate at every step.
  case constant(Float)
  /// `initial · decayRate^⌊step / decaySteps⌋`: decays once every `decaySteps` steps.
  case exponentialStaircase(initial: Float, decayRate: Float, decaySteps: Int)
  /// Linear interpolation from `initial` (step 0) to `final` (step `totalSteps`), then `final`.
  case linear(initial: Float, final: Float, totalSteps: Int)

  /// The rate at `step` (0-based; negative steps count as 0).
  public func rate(atStep step: Int) -> Float {
    let step = Swift.max(step, 0)
    switch self {
    case .constant(let value):
      return value
    case .exponentialStaircase(let initial, let decayRate, let decaySteps):
      precondition(decaySteps > 0, "exponentialStaircase: decaySteps must be positive")
      return initial * Float(cPow(Double(decayRate), Double(step / decaySteps)))
    case .linear(let initial, let final, let totalSteps):
      guard totalSteps > 0 else { return final }
      let fraction = Float(Swift.min(step, totalSteps)) / Float(totalSteps)
      return initial + (final - initial) * fraction
    }
  }
}

@inline(__always) func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
