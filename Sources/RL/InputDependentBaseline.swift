/// The input-dependent baseline of Mao et al., "Variance Reduction for Reinforcement Learning in
/// Input-Driven Environments" (ICLR 2019), from several rollouts of one input sequence.
///
/// In an input-driven environment (a scheduler fed by an arrival process) the exogenous input
/// moves the return far more than the policy does. Run `K ≥ 2` rollouts of the same input
/// sequence (same arrivals) with the same policy; each decision answers one input element (a
/// request), named by a `key` that is the same in every rollout. The baseline of a decision is
/// the mean return of the decisions with its key in the *other* rollouts (leave-one-out, so the
/// baseline does not depend on the decision's own action and the advantage stays unbiased).
public enum InputDependentBaseline {
  /// Discounted returns-to-go `G_i = r_i + γ·G_{i+1}` of one decision stream, with nothing after
  /// its last decision.
  public static func discountedReturns(_ rewards: [Float], gamma: Float) -> [Float] {
    var out = [Float](repeating: 0, count: rewards.count)
    var g: Float = 0
    for i in stride(from: rewards.count - 1, through: 0, by: -1) {
      g = rewards[i] + gamma * g
      out[i] = g
    }
    return out
  }

  /// Per rollout `k` and decision `i`, the mean of `returns[k'][j]` over the other rollouts'
  /// decisions `j` with `keys[k'][j] == keys[k][i]`; nil where no other rollout has the key (an
  /// input element only this rollout decided on).
  ///
  /// - Throws: `RLInputError` when `returns` and `keys` differ in shape or there are fewer than
  ///   two rollouts.
  public static func leaveOneOut<Key: Hashable>(returns: [[Float]], keys: [[Key]]) throws
    -> [[Float?]]
  {
    let component = "InputDependentBaseline.leaveOneOut"
    guard returns.count >= 2 else {
      throw RLInputError(
        component: component, field: "returns",
        reason: "\(returns.count) rollout(s); a leave-one-out baseline needs at least 2")
    }
    guard keys.count == returns.count else {
      throw RLInputError(
        component: component, field: "keys",
        reason: "\(keys.count) rollouts of keys for \(returns.count) of returns")
    }
    for k in returns.indices where keys[k].count != returns[k].count {
      throw RLInputError(
        component: component, field: "keys[\(k)]",
        reason: "\(keys[k].count) keys for \(returns[k].count) returns")
    }
    // Sum and count of every key over all rollouts, then remove the rollout's own share.
    var total: [Key: (sum: Double, count: Int)] = [:]
    var own: [[Key: (sum: Double, count: Int)]] = []
    for k in returns.indices {
      var mine: [Key: (sum: Double, count: Int)] = [:]
      for (key, g) in zip(keys[k], returns[k]) {
        mine[key, default: (0, 0)].sum += Double(g)
        mine[key, default: (0, 0)].count += 1
        total[key, default: (0, 0)].sum += Double(g)
        total[key, default: (0, 0)].count += 1
      }
      own.append(mine)
    }
    return returns.indices.map { k in
      keys[k].map { key in
        let all = total[key]!
        let mine = own[k][key]!
        let others = all.count - mine.count
        return others > 0 ? Float((all.sum - mine.sum) / Double(others)) : nil
      }
    }
  }
}
