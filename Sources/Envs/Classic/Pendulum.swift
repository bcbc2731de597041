import SeededRandom

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The inverted-pendulum swing-up task with Gymnasium's `Pendulum-v1` dynamics.
///
/// A frictionless uniform rod of mass `m` and length `l`, hinged at one end (angular
/// acceleration `3g/(2l) sin θ + 3u/(ml²)`), starts at a random angle and must be swung up and
/// held upright. The state is integrated in `Double` with Gymnasium's semi-implicit Euler step (the
/// new angular velocity, clipped to ±8 rad/s, moves the angle); observations are
/// `[cos θ, sin θ, θ̇]` rounded to `Float`. The reward is
/// `−(normalize(θ)² + 0.1 θ̇² + 0.001 u²)` with θ normalized to `[−π, π)` and the torque `u`
/// clipped to ±2 N·m first. `Pendulum` never terminates; use `Pendulum.v1()` for the registered
/// version truncated after 200 steps.
public struct Pendulum: Environment {
  /// The physical state.
  public struct State: Sendable, Hashable {
    /// Angle from upright (rad), unnormalized.
    public var thetaRad: Double
    /// Angular velocity (rad/s).
    public var thetaDotRadPerS: Double

    /// Creates a state.
    public init(thetaRad: Double, thetaDotRadPerS: Double) {
      self.thetaRad = thetaRad
      self.thetaDotRadPerS = thetaDotRadPerS
    }

    /// The float32 observation `[cos θ, sin θ, θ̇]`.
    public var observation: [Float] {
      [Float(cos(thetaRad)), Float(sin(thetaRad)), Float(thetaDotRadPerS)]
    }
  }

  /// Largest angular speed (rad/s); faster speeds are clipped.
  public static let maxSpeedRadPerS = 8.0
  /// Largest torque magnitude (N·m); actions are clipped to it.
  public static let maxTorqueNm = 2.0
  /// Integration time step (s).
  public static let dtS = 0.05
  /// Gravitational acceleration (m/s²).
  public static let gravityMPerS2 = 10.0
  /// Pendulum mass (kg).
  public static let massKg = 1.0
  /// Pendulum length (m).
  public static let lengthM = 1.0
  /// Half-width of the uniform initial angle (rad).
  public static let resetThetaBoundRad = Double.pi
  /// Half-width of the uniform initial angular velocity (rad/s).
  public static let resetThetaDotBoundRadPerS = 1.0

  /// The current physical state.
  public var state: State
  /// The environment's random stream (used by `reset`).
  public var rng: Xoshiro256

  /// Creates the environment; call `reset` before stepping.
  public init(seed: UInt64 = 0) {
    rng = Xoshiro256(seed: seed)
    state = State(thetaRad: 0, thetaDotRadPerS: 0)
  }

  /// `Pendulum-v1`: the pendulum truncated after 200 steps.
  public static func v1(seed: UInt64 = 0) -> TimeLimit<Pendulum> {
    TimeLimit(Pendulum(seed: seed), maxEpisodeSteps: 200)
  }

  /// `[−1, −1, −8] … [1, 1, 8]`, as in Gymnasium.
  public var observationSpace: Box {
    let speed = Float(Self.maxSpeedRadPerS)
    return Box(low: [-1, -1, -speed], high: [1, 1, speed])
  }

  /// One torque in `[−2, 2]` N·m.
  public var actionSpace: Box {
    Box(low: -Float(Self.maxTorqueNm), high: Float(Self.maxTorqueNm), count: 1)
  }

  /// Draws θ uniformly in `[−π, π)` and θ̇ in `[−1, 1)`.
  public mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    if let seed { rng = Xoshiro256(seed: seed) }
    func draw(_ bound: Double) -> Double { -bound + 2 * bound * rng.nextDouble() }
    let theta = draw(Self.resetThetaBoundRad)
    state = State(thetaRad: theta, thetaDotRadPerS: draw(Self.resetThetaDotBoundRadPerS))
    return (state.observation, [:])
  }

  /// `x` wrapped into `[−π, π)`: NumPy's `((x + π) mod 2π) − π` with a non-negative remainder.
  public static func angleNormalize(_ x: Double) -> Double {
    let period = 2 * Double.pi
    var remainder = fmod(x + Double.pi, period)
    if remainder < 0 { remainder += period }
    return remainder - Double.pi
  }

  /// The reward of applying torque `torqueNm` (already clipped) in state `s`.
  public static func reward(_ s: State, torqueNm: Double) -> Double {
    let angle = angleNormalize(s.thetaRad)
    let cost =
      angle * angle + 0.1 * s.thetaDotRadPerS * s.thetaDotRadPerS
      + 0.001 * torqueNm * torqueNm
    return -cost
  }

  /// The state after one step of `dtS` with torque `torqueNm` (already clipped).
  public static func nextState(_ s: State, torqueNm: Double) -> State {
    let gravityTerm = 3 * gravityMPerS2 / (2 * lengthM) * sin(s.thetaRad)
    let torqueTerm = 3 / (massKg * lengthM * lengthM) * torqueNm
    let acceleration = gravityTerm + torqueTerm
    let speed = s.thetaDotRadPerS + acceleration * dtS
    let clippedSpeed = Swift.min(Swift.max(speed, -maxSpeedRadPerS), maxSpeedRadPerS)
    return State(thetaRad: s.thetaRad + clippedSpeed * dtS, thetaDotRadPerS: clippedSpeed)
  }

  /// Applies the torque `action[0]`, clipped to ±2 N·m. Never terminates.
  public mutating func step(_ action: [Float]) -> Step<[Float]> {
    precondition(action.count == 1, "Pendulum.step: expected one torque, got \(action.count)")
    let torque = Swift.min(Swift.max(Double(action[0]), -Self.maxTorqueNm), Self.maxTorqueNm)
    let reward = Self.reward(state, torqueNm: torque)
    state = Self.nextState(state, torqueNm: torque)
    return Step(observation: state.observation, reward: reward, terminated: false, truncated: false)
  }
}
