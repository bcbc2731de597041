import Envs
import SeededRandom
import Testing

@Suite struct CartPoleTests {
  @Test func oneStepFromRestMatchesHandDerivedFractions() {
    // From the zero state, pushing right: temp = F / M = 100/11, the angular-acceleration
    // denominator is l (4/3 − m/M) = 41/66, so thetaAcc = −600/41 and xAcc = 4400/451.
    let s0 = CartPole.State(xM: 0, xDotMPerS: 0, thetaRad: 0, thetaDotRadPerS: 0)
    let s1 = CartPole.nextState(s0, action: 1)
    #expect(s1.xM == 0)
    #expect(s1.thetaRad == 0)
    #expect(abs(s1.xDotMPerS - 0.02 * 4400 / 451) < 1e-12)
    #expect(abs(s1.thetaDotRadPerS - 0.02 * -600 / 41) < 1e-12)
    // Pushing left mirrors the result.
    let s1Left = CartPole.nextState(s0, action: 0)
    #expect(abs(s1Left.xDotMPerS + s1.xDotMPerS) < 1e-15)
    #expect(abs(s1Left.thetaDotRadPerS + s1.thetaDotRadPerS) < 1e-15)
  }

  @Test func oneStepFromTiltedStateMatchesFloat64Reference() {
    // Reference computed in float64 with Gymnasium's equations (thetaAcc ≈ 16.1224 rad/s²,
    // xAcc ≈ −9.81895 m/s², checked by hand to 4 digits).
    let s0 = CartPole.State(xM: 0.1, xDotMPerS: 0.3, thetaRad: 0.1, thetaDotRadPerS: 0.5)
    let s1 = CartPole.nextState(s0, action: 0)
    #expect(abs(s1.xM - 0.106) < 1e-12)
    #expect(abs(s1.xDotMPerS - 0.10362100753542883) < 1e-12)
    #expect(abs(s1.thetaRad - 0.11) < 1e-12)
    #expect(abs(s1.thetaDotRadPerS - 0.822447897707193) < 1e-12)
  }

  @Test func observationIsFloat32OfState() {
    var env = CartPole(seed: 1)
    env.state = CartPole.State(xM: 0.1, xDotMPerS: 0.3, thetaRad: 0.1, thetaDotRadPerS: 0.5)
    let step = env.step(0)
    #expect(step.observation == env.state.observation)
    #expect(step.observation[1] == Float(env.state.xDotMPerS))
  }

  @Test func resetIsUniformWithinBound() {
    var env = CartPole(seed: 7)
    var maxAbs = 0.0
    var sum = 0.0
    for _ in 0..<500 {
      let (obs, _) = env.reset(seed: nil)
      #expect(obs.count == 4)
      for v in obs {
        maxAbs = max(maxAbs, Double(abs(v)))
        sum += Double(v)
      }
    }
    #expect(maxAbs <= 0.05)
    #expect(maxAbs > 0.045)  // the draws do fill the interval
    #expect(abs(sum / 2000) < 0.005)  // mean 0, sd of the mean ≈ 0.00065
  }

  @Test func terminationRuleAndRewards() {
    var env = CartPole(seed: 0)
    _ = env.reset(seed: 0)
    // Just inside the angle limit and moving outward: the next step crosses 12°.
    let limit = CartPole.thetaThresholdRad
    env.state = CartPole.State(
      xM: 0, xDotMPerS: 0, thetaRad: limit - 0.001, thetaDotRadPerS: 1)
    let crossing = env.step(1)
    #expect(crossing.terminated)
    #expect(!crossing.truncated)
    #expect(crossing.reward == 1)  // the terminating step is rewarded
    let beyond = env.step(1)
    #expect(beyond.terminated)
    #expect(beyond.reward == 0)  // stepping past termination pays nothing

    // The cart position limit, both sides; inside the limits nothing terminates.
    #expect(CartPole.isTerminal(.init(xM: 2.41, xDotMPerS: 0, thetaRad: 0, thetaDotRadPerS: 0)))
    #expect(CartPole.isTerminal(.init(xM: -2.41, xDotMPerS: 0, thetaRad: 0, thetaDotRadPerS: 0)))
    #expect(!CartPole.isTerminal(.init(xM: 2.4, xDotMPerS: 0, thetaRad: 0, thetaDotRadPerS: 0)))
    #expect(
      CartPole.isTerminal(.init(xM: 0, xDotMPerS: 0, thetaRad: -0.21, thetaDotRadPerS: 0)))
    #expect(
      !CartPole.isTerminal(.init(xM: 0, xDotMPerS: 0, thetaRad: 0.2094, thetaDotRadPerS: 0)))
    #expect(abs(limit - 0.20943951023931953) < 1e-15)
  }

  @Test func v1TruncatesAt500Steps() {
    // A balancing controller (push toward the pole's lean, with angular velocity) survives.
    var env = CartPole.v1(seed: 3)
    var (obs, _) = env.reset(seed: 3)
    var steps = 0
    var total = 0.0
    while true {
      let action = obs[2] + 0.5 * obs[3] > 0 ? 1 : 0
      let step = env.step(action)
      steps += 1
      total += step.reward
      obs = step.observation
      if step.done {
        #expect(step.truncated)
        #expect(!step.terminated)
        break
      }
      #expect(steps < 500)
    }
    #expect(steps == 500)
    #expect(total == 500)
  }

  @Test func alwaysPushingRightTerminatesEarly() {
    var env = CartPole.v1(seed: 5)
    _ = env.reset(seed: 5)
    var steps = 0
    var last: Step<[Float]>
    repeat {
      last = env.step(1)
      steps += 1
    } while !last.done
    #expect(last.terminated)
    #expect(!last.truncated)
    #expect(steps > 5 && steps < 30)
  }

  @Test func sameSeedSameTrajectory() {
    func run(seed: UInt64) -> [[Float]] {
      var env = CartPole.v1(seed: 99)
      var (obs, _) = env.reset(seed: seed)
      var policyRng = Xoshiro256(seed: 1)
      var trajectory = [obs]
      for _ in 0..<200 {
        let step = env.step(env.actionSpace.sample(using: &policyRng))
        obs = step.done ? env.reset(seed: nil).observation : step.observation
        trajectory.append(obs)
      }
      return trajectory
    }
    #expect(run(seed: 11) == run(seed: 11))
    #expect(run(seed: 11) != run(seed: 12))
  }
}
