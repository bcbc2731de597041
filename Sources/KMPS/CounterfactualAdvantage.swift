import Envs

/// Counterfactual rollout advantages for dispatch training (off by default).
///
/// Per-request credit with γ = 0 judges a decision by its own request only, so a policy trained
/// on it cannot learn what a decision costs the requests after it (a replica it takes, a queue
/// it lengthens). This estimator measures that cost directly, by simulation with common random
/// numbers (the "vine" estimator of TRPO, Schulman et al. 2015, on the simulator's forks): at
/// every `everyDecisions`-th recorded decision, the dispatcher forks the simulator once per
/// candidate target (the sampled one and the `candidates − 1` others the policy finds most
/// probable), dispatches the request there, and runs the rest of the slot and `horizonSlots`
/// more with queue-aware deciding every other request. A candidate's value is
/// ω1·(on-time completions) + ω2·(failures) at the fork's end, plus ω3 when it is an
/// overloaded node (the request-credit weights). The decision's advantage is its sampled
/// target's value minus the policy-weighted mean over the candidates; every other decision
/// keeps GAE's.
///
/// The forks replay the episode's own future, which is what makes the comparison sharp (all
/// candidates face the same arrivals): training uses the simulator as a model, as several
/// rollouts of one arrival sequence do (`DispatchTrainingConfig.rolloutsPerEpisode`). The
/// trained actor still acts on its observation alone.
public struct CounterfactualAdvantageConfig: Codable, Sendable, Equatable {
  /// Estimate at every this-many-th recorded decision; 0 turns the estimator off.
  public var everyDecisions: Int = 0
  /// Targets compared per estimate (the sampled one included), ≥ 2.
  public var candidates: Int = 3
  /// Slots each fork runs after the current one, ≥ 0.
  public var horizonSlots: Int = 1

  /// The estimator's settings (the defaults: off).
  public init(everyDecisions: Int = 0, candidates: Int = 3, horizonSlots: Int = 1) {
    self.everyDecisions = everyDecisions
    self.candidates = candidates
    self.horizonSlots = horizonSlots
  }

  /// Whether any decision gets a counterfactual advantage.
  public var isOn: Bool { everyDecisions > 0 }

  /// Throws `KMPSConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "counterfactualAdvantage") throws {
    guard everyDecisions >= 0 else {
      throw KMPSConfigError(field: "\(path).everyDecisions", reason: "must be ≥ 0 (0 = off)")
    }
    guard candidates >= 2 else {
      throw KMPSConfigError(
        field: "\(path).candidates", reason: "must be ≥ 2 (the sampled target and another)")
    }
    guard horizonSlots >= 0 else {
      throw KMPSConfigError(field: "\(path).horizonSlots", reason: "must be ≥ 0")
    }
  }
}

extension CounterfactualAdvantageConfig {
  /// The counterfactual advantage of sending `d` to `action` (see the type): the candidates
  /// are `action` and the `candidates − 1` other valid targets with the highest
  /// `probabilities`; the baseline weighs their values by those probabilities, renormalized.
  func advantage(
    _ d: DispatchDecision, action: Int, probabilities: [Float], mask: [Bool],
    weights: RewardConfig, _ sim: borrowing EdgeCloudSimulator
  ) -> Float {
    var chosen = [action]
    var others = mask.indices.filter { mask[$0] && $0 != action }
    others.sort {
      probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1)
    }
    chosen.append(contentsOf: others.prefix(candidates - 1))
    guard chosen.count > 1 else { return 0 }
    var values: [Double] = []
    for target in chosen {
      let m = sim.forkedOutcome(
        dispatching: d, to: target, horizonSlots: horizonSlots, continuation: QueueAwarePolicy())
      var value = weights.onTimeWeight * Double(m.completedOnTime)
        + weights.failureWeight * Double(m.failed)
      if target < sim.topology.edgeNodeCount && sim.isOverloaded(node: target) {
        value += weights.overloadWeight
      }
      values.append(value)
    }
    var mass = 0.0
    var baseline = 0.0
    for (k, target) in chosen.enumerated() {
      let p = Double(max(probabilities[target], 1e-8))
      mass += p
      baseline += p * values[k]
    }
    return Float(values[0] - baseline / mass)
  }
}
