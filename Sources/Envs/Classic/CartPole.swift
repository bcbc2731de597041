import SeededRandom

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The classic cart-pole balancing task with Gymnasium's `CartPole-v1` dynamics.
///
/// The dynamics are integrated in `Double` with the explicit Euler scheme, exactly as
/// Gymnasium does in float64; observations are the state rounded to `Float` (Gymnasium's
/// float32 observation). Actions: 0 pushes the cart left, 1 pushes it right. Every step returns
/// reward 1, including the step that terminates; stepping again after termination returns
/// reward 0 (Gymnasium warns in that case). The episode terminates when `|x| > 2.4 m` or
/// `|theta| > 12°`. `CartPole` itself has no time limit: use `CartPole.v1()` for the registered
/// 500-step version.
public struct CartPole: Environment {
  /// The physical state: cart position and velocity, pole angle and angular velocity.
  public struct State: Sendable, Hashable {
    /// Cart position (m).
    public var xM: Double
    /// Cart velocity (m/s).
    public var xDotMPerS: Double
    /// Pole angle from vertical (rad), positive clockwise.
    public var thetaRad: Double
    /// Pole angular velocity (rad/s).
    public var thetaDotRadPerS: Double

    /// Creates a state.
    public init(xM: Double, xDotMPerS: Double, thetaRad: Double, thetaDotRadPerS: Double) {
      self.xM = xM
      self.xDotMPerS = xDotMPerS
      self.thetaRad = thetaRad
      self.thetaDotRadPerS = thetaDotRadPerS
    }

    /// The state as a float32 observation `[x, xDot, theta, thetaDot]`.
    public var observation: [Float] {
      [Float(xM), Float(xDotMPerS), Float(thetaRad), Float(thetaDotRadPerS)]
    }
  }

  /// Gravitational acceleration (m/s²).
  public static let gravityMPerS2 = 9.8
  /// Cart mass (kg).
  public static let massCartKg = 1.0
  /// Pole mass (kg).
  public static let massPoleKg = 0.1
  /// Half the pole's length (m).
  public static let halfPoleLengthM = 0.5
  /// Magnitude of the push (N).
  public static let forceMagN = 10.0
  /// Integration time step (s).
  public static let tauS = 0.02
  /// Pole angle beyond which the episode terminates (rad), 12 degrees.
  public static let thetaThresholdRad = 12 * 2 * Double.pi / 360
  /// Cart position beyond which the episode terminates (m).
  public static let xThresholdM = 2.4
  /// Half-width of the uniform initial-state distribution (every state variable).
  public static let resetBound = 0.05

  /// The current physical state.
  public var state: State
  /// The environment's random stream (used by `reset`).
  public var rng: Xoshiro256
  /// Steps taken since termination (nil while the episode is running), as in Gymnasium.
  public private(set) var stepsBeyondTerminated: Int?

  /// Creates the environment; call `reset` before stepping.
  public init(seed: UInt64 = 0) {
    rng = Xoshiro256(seed: seed)
    state = State(xM: 0, xDotMPerS: 0, thetaRad: 0, thetaDotRadPerS: 0)
  }

  /// `CartPole-v1`: cart-pole with a 500-step time limit (truncation).
  public static func v1(seed: UInt64 = 0) -> TimeLimit<CartPole> {
    TimeLimit(CartPole(seed: seed), maxEpisodeSteps: 500)
  }

  /// Bounds `[±4.8, ±inf, ±24°, ±inf]` as in Gymnasium.
  public var observationSpace: Box {
    let thetaBound = Float(Self.thetaThresholdRad * 2)
    let xBound = Float(Self.xThresholdM * 2)
    return Box(
      low: [-xBound, -.infinity, -thetaBound, -.infinity],
      high: [xBound, .infinity, thetaBound, .infinity])
  }

  /// Two actions: 0 = push left, 1 = push right.
  public var actionSpace: Discrete { Discrete(2) }

  /// Draws every state variable uniformly in `[-0.05, 0.05)`.
  public mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    if let seed { rng = Xoshiro256(seed: seed) }
    func draw() -> Double { -Self.resetBound + 2 * Self.resetBound * rng.nextDouble() }
    state = State(xM: draw(), xDotMPerS: draw(), thetaRad: draw(), thetaDotRadPerS: draw())
    stepsBeyondTerminated = nil
    return (state.observation, [:])
  }

  /// The state after one Euler step of `tauS` with the given push (Gymnasium's equations).
  public static func nextState(_ s: State, action: Int) -> State {
    let totalMassKg = massCartKg + massPoleKg
    let poleMassLength = massPoleKg * halfPoleLengthM
    let force = action == 1 ? forceMagN : -forceMagN
    let cosTheta = cos(s.thetaRad)
    let sinTheta = sin(s.thetaRad)
    let centripetal = poleMassLength * s.thetaDotRadPerS * s.thetaDotRadPerS * sinTheta
    let temp = (force + centripetal) / totalMassKg
    let inertiaTerm = 4.0 / 3.0 - massPoleKg * cosTheta * cosTheta / totalMassKg
    let thetaAcc = (gravityMPerS2 * sinTheta - cosTheta * temp) / (halfPoleLengthM * inertiaTerm)
    let xAcc = temp - poleMassLength * thetaAcc * cosTheta / totalMassKg
    return State(
      xM: s.xM + tauS * s.xDotMPerS,
      xDotMPerS: s.xDotMPerS + tauS * xAcc,
      thetaRad: s.thetaRad + tauS * s.thetaDotRadPerS,
      thetaDotRadPerS: s.thetaDotRadPerS + tauS * thetaAcc)
  }

  /// Whether `s` is outside the allowed region.
  public static func isTerminal(_ s: State) -> Bool {
    s.xM < -xThresholdM || s.xM > xThresholdM || s.thetaRad < -thetaThresholdRad
      || s.thetaRad > thetaThresholdRad
  }

  /// Pushes the cart; `action` must be 0 or 1.
  public mutating func step(_ action: Int) -> Step<[Float]> {
    precondition(action == 0 || action == 1, "CartPole.step: action must be 0 or 1, got \(action)")
    state = Self.nextState(state, action: action)
    let terminated = Self.isTerminal(state)
    let reward: Double
    if !terminated {
      reward = 1
    } else if stepsBeyondTerminated == nil {
      stepsBeyondTerminated = 0
      reward = 1
    } else {
      stepsBeyondTerminated! += 1
      reward = 0
    }
    return Step(
      observation: state.observation, reward: reward, terminated: terminated, truncated: false)
  }
}
