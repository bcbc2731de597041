import Envs
import KMPSTestSupport
import RL
import Testing

@testable import KMPS

/// Queue-aware dispatch that, at every 7th decision with two or more valid targets, computes the
/// counterfactual advantage of its own choice against another valid target and, independently,
/// the two forks' values.
private struct ProbingPolicy: DispatchPolicy {
  var inner = QueueAwarePolicy()
  let estimator = CounterfactualAdvantageConfig(everyDecisions: 1, candidates: 2, horizonSlots: 2)
  let weights = RewardConfig()
  var probes: [(advantage: Float, chosen: Double, other: Double)] = []

  /// ω1·on-time + ω2·failed at the end of a fork (+ ω3 for an overloaded node), computed here
  /// without the estimator.
  func value(_ d: DispatchDecision, _ target: Int, _ sim: borrowing EdgeCloudSimulator) -> Double {
    let m = sim.forkedOutcome(
      dispatching: d, to: target, horizonSlots: estimator.horizonSlots,
      continuation: QueueAwarePolicy())
    var v = weights.onTimeWeight * Double(m.completedOnTime)
      + weights.failureWeight * Double(m.failed)
    if target < sim.topology.edgeNodeCount && sim.isOverloaded(node: target) {
      v += weights.overloadWeight
    }
    return v
  }

  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let action = inner.choose(view, sim)
    let d = view.decision
    let mask = Array(view.mask)
    guard d.decisionIndex % 7 == 0,
      let other = mask.indices.first(where: { mask[$0] && $0 != action })
    else { return action }
    // The policy puts 0.25 on the chosen target and 0.75 on `other`, the runner-up: with two
    // candidates the baseline is 0.25·v(chosen) + 0.75·v(other).
    var p = [Float](repeating: 0, count: mask.count)
    p[action] = 0.25
    p[other] = 0.75
    let advantage = estimator.advantage(
      d, action: action, probabilities: p, mask: mask, weights: weights, sim)
    probes.append((advantage, value(d, action, sim), value(d, other, sim)))
    return action
  }
}

@Suite struct CounterfactualAdvantageTests {
  /// The estimator's advantage is v(chosen) − Σ p̃·v over the candidates, with the values of
  /// forks computed independently here; and the forks do disagree, so the check is not 0 = 0.
  @Test func advantageIsTheChosenForkMinusThePolicyWeightedMean() throws {
    var training = DispatchTrainingConfig.kmps(quick: true)
    training.environment = gpoTinySystem(rate: 60, slots: 30, frame: 8)
    let env = training.environment
    var sim = try training.episodeSimulator(
      env, slots: 30, loadFraction: 1, profile: .steady, seed: 4, trace: nil)
    var policy = ProbingPolicy()
    sim.run(dispatch: &policy)
    #expect(policy.probes.count >= 20)
    var differing = 0
    for probe in policy.probes {
      let expected = probe.chosen - (0.25 * probe.chosen + 0.75 * probe.other)
      #expect(abs(Double(probe.advantage) - expected) < 1e-4)
      if probe.chosen != probe.other { differing += 1 }
    }
    #expect(differing > 0)
  }

  @Test func impossibleSettingsAreNamedErrors() throws {
    var training = DispatchTrainingConfig.kmps(quick: true)
    training.counterfactualAdvantage = CounterfactualAdvantageConfig(everyDecisions: -1)
    #expect(throws: KMPSConfigError(
      field: "counterfactualAdvantage.everyDecisions", reason: "must be ≥ 0 (0 = off)")) {
      try training.validate()
    }
    training.counterfactualAdvantage = CounterfactualAdvantageConfig(
      everyDecisions: 4, candidates: 1)
    #expect(throws: KMPSConfigError.self) { try training.validate() }
    training.counterfactualAdvantage = CounterfactualAdvantageConfig(
      everyDecisions: 4, horizonSlots: -1)
    #expect(throws: KMPSConfigError.self) { try training.validate() }
  }

  /// A tiny training run with the estimator on: it sets the advantage of every 5th recorded
  /// decision, and the update trains on them.
  @Test func trainingWithCounterfactualAdvantages() throws {
    var training = tinyDispatchTraining()
    training.counterfactualAdvantage = CounterfactualAdvantageConfig(
      everyDecisions: 5, candidates: 2, horizonSlots: 1)
    let result = try DispatchTraining.run(series: .b2, seed: 1, config: training, trace: nil)
    #expect(result.episodes.count == 2)
    #expect(result.episodes.allSatisfy { $0.throughput > 0 && $0.throughput <= 1 })
    #expect(result.trainer.lastStats.samples > 0)
  }
}
