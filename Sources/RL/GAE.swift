/// Generalized Advantage Estimation (Schulman et al. 2016) over time-major rollouts.
///
/// Arrays are time-major and flat: the entry of step `t` of environment (or agent stream) `e` is
/// at `t * numEnvs + e`. Flags describe the transition taken at that step:
/// - `terminated`: the next state is terminal; its value is 0 and nothing flows back across it.
/// - `truncated` (and not terminated): the episode was cut short; the next state is *not*
///   terminal, so the step bootstraps from the value of its final observation, but advantages of
///   the following episode do not flow back across the boundary.
/// Termination wins when both flags are set.
public enum GAE {
  /// Advantages and value targets, both in the input's `[numSteps * numEnvs]` layout.
  public struct Result: Sendable, Equatable {
    /// `A_t`, the λ-weighted sum of TD errors within the episode.
    public var advantages: [Float]
    /// `A_t + V(s_t)`, the critic's regression targets.
    public var returns: [Float]
  }

  /// GAE with an explicit next-state value per step.
  ///
  /// - Parameters:
  ///   - rewards: `r_t`, `[numSteps * numEnvs]`.
  ///   - values: `V(s_t)`, `[numSteps * numEnvs]`.
  ///   - nextValues: `V(s_{t+1})` of the state the transition led to, `[numSteps * numEnvs]`:
  ///     the value of the next observation of the same episode, the value of the final
  ///     observation on truncation, anything on termination (ignored).
  ///   - terminated: `[numSteps * numEnvs]`.
  ///   - truncated: `[numSteps * numEnvs]`.
  ///   - numEnvs: Number of parallel streams (≥ 1); `numSteps = rewards.count / numEnvs`.
  ///   - gamma: Discount `γ` in `[0, 1]`.
  ///   - lambda: `λ` in `[0, 1]`; 1 gives Monte-Carlo advantages, 0 the one-step TD error.
  /// - Throws: `RLInputError` on mismatched lengths or out-of-range `gamma`/`lambda`.
  public static func compute(
    rewards: [Float], values: [Float], nextValues: [Float], terminated: [Bool],
    truncated: [Bool], numEnvs: Int, gamma: Float, lambda: Float
  ) throws -> Result {
    try validate(
      count: rewards.count, numEnvs: numEnvs, gamma: gamma, lambda: lambda,
      arrays: [
        ("values", values.count), ("nextValues", nextValues.count),
        ("terminated", terminated.count), ("truncated", truncated.count),
      ])
    let count = rewards.count
    let numSteps = count / numEnvs
    let gammaLambda = gamma * lambda
    var advantages = [Float](repeating: 0, count: count)
    advantages.withUnsafeMutableBufferPointer { adv in
      rewards.withUnsafeBufferPointer { r in
        values.withUnsafeBufferPointer { v in
          nextValues.withUnsafeBufferPointer { nv in
            terminated.withUnsafeBufferPointer { term in
              truncated.withUnsafeBufferPointer { trunc in
                for e in 0..<numEnvs {
                  var following: Float = 0  // A_{t+1} of the same episode, 0 across boundaries
                  for t in stride(from: numSteps - 1, through: 0, by: -1) {
                    let i = t * numEnvs + e
                    let bootstrap: Float = term[i] ? 0 : gamma * nv[i]
                    let delta = r[i] + bootstrap - v[i]
                    let continues = !term[i] && !trunc[i] && t < numSteps - 1
                    let advantage = continues ? delta + gammaLambda * following : delta
                    adv[i] = advantage
                    following = advantage
                  }
                }
              }
            }
          }
        }
      }
    }
    var returns = advantages
    for i in returns.indices { returns[i] += values[i] }
    return Result(advantages: advantages, returns: returns)
  }

  /// GAE over a rollout collected with same-step autoreset (CleanRL's layout).
  ///
  /// The next value of step `t < numSteps − 1` is `values[t + 1]`; of the last step,
  /// `lastValues[e]` (the value of the observation after the rollout); on truncation,
  /// `truncationValues[t * numEnvs + e]`, the value of the episode's final observation, which
  /// the caller evaluates because the returned observation is already the reset one.
  ///
  /// - Parameters:
  ///   - rewards: `[numSteps * numEnvs]`.
  ///   - values: `V(s_t)`, `[numSteps * numEnvs]`.
  ///   - terminated: `[numSteps * numEnvs]`.
  ///   - truncated: `[numSteps * numEnvs]`.
  ///   - truncationValues: `[numSteps * numEnvs]`, read only where `truncated && !terminated`.
  ///   - lastValues: `[numEnvs]`.
  ///   - gamma: Discount `γ` in `[0, 1]`.
  ///   - lambda: `λ` in `[0, 1]`.
  public static func compute(
    rewards: [Float], values: [Float], terminated: [Bool], truncated: [Bool],
    truncationValues: [Float], lastValues: [Float], gamma: Float, lambda: Float
  ) throws -> Result {
    let numEnvs = lastValues.count
    try validate(
      count: rewards.count, numEnvs: numEnvs, gamma: gamma, lambda: lambda,
      arrays: [
        ("values", values.count), ("terminated", terminated.count),
        ("truncated", truncated.count), ("truncationValues", truncationValues.count),
      ])
    var nextValues = [Float](repeating: 0, count: rewards.count)
    let lastRow = rewards.count - numEnvs
    for i in nextValues.indices {
      if truncated[i] && !terminated[i] {
        nextValues[i] = truncationValues[i]
      } else if i < lastRow {
        nextValues[i] = values[i + numEnvs]
      } else {
        nextValues[i] = lastValues[i - lastRow]
      }
    }
    return try compute(
      rewards: rewards, values: values, nextValues: nextValues, terminated: terminated,
      truncated: truncated, numEnvs: numEnvs, gamma: gamma, lambda: lambda)
  }

  private static func validate(
    count: Int, numEnvs: Int, gamma: Float, lambda: Float, arrays: [(String, Int)]
  ) throws {
    let component = "GAE.compute"
    guard numEnvs >= 1 else {
      throw RLInputError(component: component, field: "numEnvs", reason: "must be ≥ 1")
    }
    guard count % numEnvs == 0 else {
      throw RLInputError(
        component: component, field: "rewards",
        reason: "count \(count) is not a multiple of numEnvs \(numEnvs)")
    }
    for (name, n) in arrays where n != count {
      throw RLInputError(
        component: component, field: name, reason: "has \(n) entries, rewards has \(count)")
    }
    guard (0...1).contains(gamma) else {
      throw RLInputError(component: component, field: "gamma", reason: "\(gamma) not in [0, 1]")
    }
    guard (0...1).contains(lambda) else {
      throw RLInputError(component: component, field: "lambda", reason: "\(lambda) not in [0, 1]")
    }
  }
}
