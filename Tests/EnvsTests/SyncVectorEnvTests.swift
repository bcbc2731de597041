import Envs
import SeededRandom
import Testing

/// Terminates after `length` steps; observes `[t, resets, seed]`; reward = action + 1.
private struct CountdownEnv: Environment {
  var length: Int
  var t = 0
  var resets = 0
  var seed: UInt64 = 0
  var observationSpace: Box { Box(low: 0, high: 1000, count: 3) }
  var actionSpace: Discrete { Discrete(3) }
  var observation: [Float] { [Float(t), Float(resets), Float(seed)] }

  mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    if let seed { self.seed = seed }
    t = 0
    resets += 1
    return (observation, ["resets": Double(resets)])
  }

  mutating func step(_ action: Int) -> Step<[Float]> {
    t += 1
    return Step(
      observation: observation, reward: Double(action + 1), terminated: t == length,
      truncated: false)
  }
}

@Suite struct SyncVectorEnvTests {
  @Test func sameStepAutoresetReturnsResetObservationAndFinalObservation() throws {
    var venv = try SyncVectorEnv(envs: [CountdownEnv(length: 2), CountdownEnv(length: 3)])
    #expect(venv.autoresetMode == .sameStep)
    let (obs0, _) = venv.reset(seed: 10)
    // Flat, env-major; env i seeded with seed + i.
    #expect(obs0 == [0, 1, 10, 0, 1, 11])

    let s1 = venv.step([0, 2])
    #expect(s1.observations == [1, 1, 10, 1, 1, 11])
    #expect(s1.rewards == [1, 3])
    #expect(s1.finishedEpisodes.isEmpty)

    let s2 = venv.step([1, 2])
    // Env 0 finished: its slot holds the reset observation, the final one is kept aside.
    #expect(s2.terminated == [true, false])
    #expect(s2.finalObservations[0] == [2, 1, 10])
    #expect(s2.finalObservations[1] == nil)
    #expect(s2.observations == [0, 2, 10, 2, 1, 11])
    #expect(
      s2.finishedEpisodes
        == [EpisodeStatistics(envIndex: 0, episodeReturn: 3, length: 2, terminated: true)])

    let s3 = venv.step([0, 0])
    #expect(s3.terminated == [false, true])
    #expect(
      s3.finishedEpisodes
        == [EpisodeStatistics(envIndex: 1, episodeReturn: 7, length: 3, terminated: true)])
    #expect(s3.observations == [1, 2, 10, 0, 2, 11])
    #expect(venv.episodeLengths == [1, 0])
  }

  @Test func nextStepAutoresetResetsOnTheFollowingCall() throws {
    var venv = try SyncVectorEnv(
      envs: [CountdownEnv(length: 1), CountdownEnv(length: 2)], autoresetMode: .nextStep)
    _ = venv.reset(seed: 0)
    let s1 = venv.step([2, 0])
    #expect(s1.terminated == [true, false])
    #expect(s1.observations == [1, 1, 0, 1, 1, 1])  // env 0 shows its last observation
    #expect(s1.finalObservations[0] == nil)
    #expect(s1.finishedEpisodes.map(\.episodeReturn) == [3])
    let s2 = venv.step([2, 0])
    // Env 0's action is ignored: it resets with reward 0 and no flags.
    #expect(s2.rewards == [0, 1])
    #expect(s2.terminated == [false, true])
    #expect(s2.observations == [0, 2, 0, 2, 1, 1])
    #expect(s2.finishedEpisodes.map(\.envIndex) == [1])
  }

  @Test func timeLimitTruncatesAndTerminationWins() throws {
    var limited = TimeLimit(CountdownEnv(length: 100), maxEpisodeSteps: 3)
    _ = limited.reset(seed: 0)
    #expect(!limited.step(0).done)
    #expect(!limited.step(0).done)
    let last = limited.step(0)
    #expect(last.truncated && !last.terminated)
    _ = limited.reset(seed: nil)
    #expect(limited.elapsedSteps == 0)

    // Termination and the limit on the same step: both flags, as in Gymnasium.
    var both = TimeLimit(CountdownEnv(length: 2), maxEpisodeSteps: 2)
    _ = both.reset(seed: 0)
    _ = both.step(0)
    let s = both.step(0)
    #expect(s.terminated && s.truncated)

    var venv = try SyncVectorEnv(count: 2) { _ in
      TimeLimit(CountdownEnv(length: 100), maxEpisodeSteps: 4)
    }
    _ = venv.reset(seed: 0)
    var finished: [EpisodeStatistics] = []
    for _ in 0..<8 { finished += venv.step([1, 0]).finishedEpisodes }
    #expect(finished.count == 4)
    #expect(finished.allSatisfy { $0.length == 4 && !$0.terminated })
    #expect(finished.filter { $0.envIndex == 0 }.map(\.episodeReturn) == [8, 8])
    #expect(finished.filter { $0.envIndex == 1 }.map(\.episodeReturn) == [4, 4])
  }

  @Test func cartPoleVectorStatisticsMatchSingleEnvRuns() throws {
    // Two CartPole-v1 copies under a fixed action sequence: the episode statistics of the
    // vector env equal those of stepping each env alone.
    var venv = try SyncVectorEnv(count: 2) { CartPole.v1(seed: UInt64($0)) }
    _ = venv.reset(seed: 21)
    var stats: [EpisodeStatistics] = []
    for t in 0..<120 { stats += venv.step([t % 3 == 0 ? 1 : 0, 1]).finishedEpisodes }
    for i in 0..<2 {
      var env = CartPole.v1()
      _ = env.reset(seed: 21 + UInt64(i))
      var expected: [Int] = []
      var length = 0
      for t in 0..<120 {
        let action = i == 0 ? (t % 3 == 0 ? 1 : 0) : 1
        length += 1
        if env.step(action).done {
          expected.append(length)
          length = 0
          _ = env.reset(seed: nil)
        }
      }
      let got = stats.filter { $0.envIndex == i }
      #expect(got.map(\.length) == expected)
      #expect(got.map(\.episodeReturn) == expected.map(Double.init))
      #expect(!expected.isEmpty)
    }
  }

  @Test func rejectsBadConfiguration() {
    #expect(throws: VectorEnvError.self) { try SyncVectorEnv<CartPole>(envs: []) }
    #expect(throws: VectorEnvError.self) {
      try SyncVectorEnv(count: 0) { _ in CartPole() }
    }
  }
}

/// `CountdownEnv` whose mask allows actions `0...t` (so after a reset only action 0), or the
/// given broken mask.
private struct MaskedCountdownEnv: ActionMaskedEnvironment {
  var base: CountdownEnv
  var brokenMask: [Bool]? = nil
  var observationSpace: Box { base.observationSpace }
  var actionSpace: Discrete { base.actionSpace }
  mutating func reset(seed: UInt64?) -> (observation: [Float], info: Info) {
    base.reset(seed: seed)
  }
  mutating func step(_ action: Int) -> Step<[Float]> { base.step(action) }
  func actionMask() -> [Bool] { brokenMask ?? (0..<3).map { $0 <= base.t } }
}

@Suite struct VectorActionMaskTests {
  @Test func masksFollowTheObservationsTheStepReturned() throws {
    var venv = try SyncVectorEnv(envs: [
      MaskedCountdownEnv(base: CountdownEnv(length: 2)),
      MaskedCountdownEnv(base: CountdownEnv(length: 3)),
    ])
    #expect(venv.reportsActionMasks)
    _ = venv.reset(seed: 1)
    #expect(try venv.actionMasks() == [true, false, false, true, false, false])
    _ = venv.step([0, 0])
    #expect(try venv.actionMasks() == [true, true, false, true, true, false])
    // Env 0 ends and is reset inside the step (same-step autoreset): its mask is the new
    // episode's, t = 0.
    _ = venv.step([1, 1])
    #expect(try venv.actionMasks() == [true, false, false, true, true, true])
    let plain = try SyncVectorEnv(envs: [CountdownEnv(length: 2)])
    #expect(!plain.reportsActionMasks)
    #expect(try plain.actionMasks() == nil)
  }

  @Test func nextStepModeLeavesEveryActionValidForAnEnvAwaitingItsReset() throws {
    var venv = try SyncVectorEnv(
      envs: [MaskedCountdownEnv(base: CountdownEnv(length: 1))], autoresetMode: .nextStep)
    _ = venv.reset(seed: 1)
    _ = venv.step([0])  // ends; the next step only resets
    #expect(try venv.actionMasks() == [true, true, true])
  }

  @Test func brokenMasksAreNamedErrors() throws {
    for (mask, reason) in [
      ([true, true], "env 1 returned 2 mask entries for 3 actions"),
      ([false, false, false], "env 1 masks every action"),
    ] {
      var venv = try SyncVectorEnv(envs: [
        MaskedCountdownEnv(base: CountdownEnv(length: 2)),
        MaskedCountdownEnv(base: CountdownEnv(length: 2), brokenMask: mask),
      ])
      _ = venv.reset(seed: 1)
      let error = #expect(throws: VectorEnvError.self) { try venv.actionMasks() }
      #expect(error?.description == "SyncVectorEnv.actionMasks: " + reason)
    }
  }
}
