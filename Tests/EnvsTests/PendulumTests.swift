import Envs
import SeededRandom
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct PendulumTests {
  /// θ = 1, θ̇ = 0.5, u = 1.5: cost = 1 + 0.1·0.25 + 0.001·2.25 = 1.02725;
  /// θ̇' = 0.5 + (15 sin 1 + 3·1.5)·0.05 = 1.3561032386…; θ' = 1 + 0.05 θ̇' = 1.0678051619….
  @Test func oneStepMatchesHandComputedValues() {
    var env = Pendulum()
    env.state = Pendulum.State(thetaRad: 1, thetaDotRadPerS: 0.5)
    let step = env.step([1.5])
    #expect(abs(step.reward - -1.02725) < 1e-12)
    #expect(abs(env.state.thetaDotRadPerS - (0.5 + (15 * sin(1.0) + 4.5) * 0.05)) < 1e-12)
    #expect(abs(env.state.thetaDotRadPerS - 1.3561032386059226) < 1e-12)
    #expect(abs(env.state.thetaRad - 1.0678051619302962) < 1e-12)
    #expect(step.observation == [Float(0.48204838409011624), Float(0.8761445973103457), 1.3561032])
    #expect(!step.terminated && !step.truncated)
  }

  /// u = 5 is clipped to 2 (reward and dynamics), and θ = 2π + 0.1 counts as 0.1 in the cost:
  /// 0.01 + 0.1·0.09 + 0.001·4 = 0.023.
  @Test func torqueIsClippedAndTheCostAngleNormalized() {
    var env = Pendulum()
    env.state = Pendulum.State(thetaRad: 2 * Double.pi + 0.1, thetaDotRadPerS: -0.3)
    let step = env.step([5])
    #expect(abs(step.reward - -0.023) < 1e-12)
    #expect(abs(env.state.thetaDotRadPerS - (-0.3 + (15 * sin(0.1) + 6) * 0.05)) < 1e-12)
    #expect(abs(Pendulum.angleNormalize(-4) - (2 * Double.pi - 4)) < 1e-12)
    #expect(Pendulum.angleNormalize(Double.pi) == -Double.pi)
  }

  /// θ = 3, θ̇ = 7.9, u = 2: θ̇ would reach 8.306…, is clipped to 8, so θ' = 3.4; the cost uses
  /// the state before the step, 9 + 6.241 + 0.004.
  @Test func speedIsClippedBeforeTheAngleMoves() {
    var env = Pendulum()
    env.state = Pendulum.State(thetaRad: 3, thetaDotRadPerS: 7.9)
    let step = env.step([2])
    #expect(env.state.thetaDotRadPerS == 8)
    #expect(abs(env.state.thetaRad - 3.4) < 1e-12)
    #expect(abs(step.reward - -15.245) < 1e-12)
  }

  @Test func resetDrawsWithinBoundsAndIsSeeded() {
    var env = Pendulum(seed: 3)
    var extremes = (theta: 0.0, speed: 0.0)
    for _ in 0..<500 {
      let (obs, _) = env.reset(seed: nil)
      #expect(abs(env.state.thetaRad) <= Double.pi && abs(env.state.thetaDotRadPerS) <= 1)
      #expect(obs == env.state.observation)
      extremes.theta = max(extremes.theta, abs(env.state.thetaRad))
      extremes.speed = max(extremes.speed, abs(env.state.thetaDotRadPerS))
    }
    #expect(extremes.theta > 3 && extremes.speed > 0.95)
    var a = Pendulum()
    var b = Pendulum()
    #expect(a.reset(seed: 9).observation == b.reset(seed: 9).observation)
    #expect(a.step([0.7]).observation == b.step([0.7]).observation)
  }

  @Test func v1TruncatesAfter200StepsAndNeverTerminates() {
    var env = Pendulum.v1()
    _ = env.reset(seed: 1)
    #expect(env.actionSpace == Box(low: -2, high: 2, count: 1))
    #expect(env.observationSpace.high == [1, 1, 8])
    for t in 1...200 {
      let step = env.step([0])
      #expect(!step.terminated)
      #expect(step.truncated == (t == 200))
    }
  }
}
