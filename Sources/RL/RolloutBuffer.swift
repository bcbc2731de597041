import SeededRandom

/// Fixed-capacity on-policy storage for PPO: `numSteps` steps of `numEnvs` parallel
/// environments, time-major and flat (step `t`, env `e` at flat index `t * numEnvs + e`).
///
/// Fill it with `add` once per vector step, call `computeAdvantages`, then train on
/// `minibatchIndices` and the `gather…` helpers; `reset` starts the next rollout and keeps the
/// storage.
public struct RolloutBuffer: Sendable {
  /// Steps per rollout.
  public let numSteps: Int
  /// Parallel environments.
  public let numEnvs: Int
  /// Floats per observation.
  public let observationDim: Int
  /// Entries per action mask; 0 when the buffer stores no masks.
  public let actionMaskSize: Int

  /// Observations `[numSteps * numEnvs * observationDim]`.
  public private(set) var observations: [Float]
  /// Actions taken `[numSteps * numEnvs]`.
  public private(set) var actions: [Int]
  /// Log-probabilities of the actions under the acting policy `[numSteps * numEnvs]`.
  public private(set) var logProbs: [Float]
  /// Rewards `[numSteps * numEnvs]`.
  public private(set) var rewards: [Float]
  /// Termination flags of the transitions `[numSteps * numEnvs]`.
  public private(set) var terminated: [Bool]
  /// Truncation flags of the transitions `[numSteps * numEnvs]`.
  public private(set) var truncated: [Bool]
  /// Critic values `V(s_t)` `[numSteps * numEnvs]`.
  public private(set) var values: [Float]
  /// Values of the final observations of truncated episodes `[numSteps * numEnvs]` (0 elsewhere).
  public private(set) var truncationValues: [Float]
  /// Action masks `[numSteps * numEnvs * actionMaskSize]` (empty when `actionMaskSize == 0`).
  public private(set) var actionMasks: [Bool]
  /// GAE advantages `[numSteps * numEnvs]`, valid after `computeAdvantages`.
  public private(set) var advantages: [Float]
  /// Value targets `[numSteps * numEnvs]`, valid after `computeAdvantages`.
  public private(set) var returns: [Float]
  /// Steps stored so far.
  public private(set) var stepCount: Int = 0

  /// Creates an empty buffer; every size must be positive (`actionMaskSize` may be 0).
  public init(numSteps: Int, numEnvs: Int, observationDim: Int, actionMaskSize: Int = 0) throws {
    for (name, value) in [
      ("numSteps", numSteps), ("numEnvs", numEnvs), ("observationDim", observationDim),
    ] where value < 1 {
      throw RLInputError(component: "RolloutBuffer.init", field: name, reason: "must be ≥ 1")
    }
    guard actionMaskSize >= 0 else {
      throw RLInputError(
        component: "RolloutBuffer.init", field: "actionMaskSize", reason: "must be ≥ 0")
    }
    self.numSteps = numSteps
    self.numEnvs = numEnvs
    self.observationDim = observationDim
    self.actionMaskSize = actionMaskSize
    let n = numSteps * numEnvs
    observations = Array(repeating: 0, count: n * observationDim)
    actions = Array(repeating: 0, count: n)
    logProbs = Array(repeating: 0, count: n)
    rewards = Array(repeating: 0, count: n)
    terminated = Array(repeating: false, count: n)
    truncated = Array(repeating: false, count: n)
    values = Array(repeating: 0, count: n)
    truncationValues = Array(repeating: 0, count: n)
    actionMasks = Array(repeating: false, count: n * actionMaskSize)
    advantages = Array(repeating: 0, count: n)
    returns = Array(repeating: 0, count: n)
  }

  /// `numSteps * numEnvs`, the number of samples of a full rollout.
  public var capacity: Int { numSteps * numEnvs }
  /// Samples stored so far (`stepCount * numEnvs`).
  public var count: Int { stepCount * numEnvs }
  /// Whether all `numSteps` steps are stored.
  public var isFull: Bool { stepCount == numSteps }

  /// Appends one vector step.
  ///
  /// - Parameters:
  ///   - observations: The observations the actions were chosen on,
  ///     `[numEnvs * observationDim]`.
  ///   - actions, logProbs, rewards, terminated, truncated, values: `[numEnvs]` each.
  ///   - actionMasks: `[numEnvs * actionMaskSize]`; required iff `actionMaskSize > 0`.
  ///   - truncationValues: `[numEnvs]`, the critic's value of each truncated episode's final
  ///     observation (entries of non-truncated envs are ignored); nil means 0 everywhere, which
  ///     is only right when nothing was truncated.
  /// - Throws: `RLInputError` when the buffer is full or a length is wrong.
  public mutating func add(
    observations obs: [Float], actions acts: [Int], logProbs lps: [Float], rewards rs: [Float],
    terminated terms: [Bool], truncated truncs: [Bool], values vs: [Float],
    actionMasks masks: [Bool]? = nil, truncationValues tvs: [Float]? = nil
  ) throws {
    let component = "RolloutBuffer.add"
    guard stepCount < numSteps else {
      throw RLInputError(component: component, field: "buffer", reason: "full (\(numSteps) steps)")
    }
    let sizes: [(String, Int, Int)] = [
      ("observations", obs.count, numEnvs * observationDim), ("actions", acts.count, numEnvs),
      ("logProbs", lps.count, numEnvs), ("rewards", rs.count, numEnvs),
      ("terminated", terms.count, numEnvs), ("truncated", truncs.count, numEnvs),
      ("values", vs.count, numEnvs), ("truncationValues", tvs?.count ?? numEnvs, numEnvs),
      ("actionMasks", masks?.count ?? 0, numEnvs * actionMaskSize),
    ]
    for (name, got, want) in sizes where got != want {
      throw RLInputError(
        component: component, field: name, reason: "has \(got) entries, expected \(want)")
    }
    let base = stepCount * numEnvs
    observations.replaceSubrange(
      (base * observationDim)..<((base + numEnvs) * observationDim), with: obs)
    actions.replaceSubrange(base..<(base + numEnvs), with: acts)
    logProbs.replaceSubrange(base..<(base + numEnvs), with: lps)
    rewards.replaceSubrange(base..<(base + numEnvs), with: rs)
    terminated.replaceSubrange(base..<(base + numEnvs), with: terms)
    truncated.replaceSubrange(base..<(base + numEnvs), with: truncs)
    values.replaceSubrange(base..<(base + numEnvs), with: vs)
    if let tvs {
      truncationValues.replaceSubrange(base..<(base + numEnvs), with: tvs)
    } else {
      for i in base..<(base + numEnvs) { truncationValues[i] = 0 }
    }
    if let masks {
      actionMasks.replaceSubrange(
        (base * actionMaskSize)..<((base + numEnvs) * actionMaskSize), with: masks)
    }
    stepCount += 1
  }

  /// Fills `advantages` and `returns` by GAE; `lastValues` (`[numEnvs]`) are the critic's values
  /// of the observations after the last stored step. The buffer must be full.
  public mutating func computeAdvantages(lastValues: [Float], gamma: Float, lambda: Float) throws {
    guard isFull else {
      throw RLInputError(
        component: "RolloutBuffer.computeAdvantages", field: "buffer",
        reason: "holds \(stepCount) of \(numSteps) steps")
    }
    guard lastValues.count == numEnvs else {
      throw RLInputError(
        component: "RolloutBuffer.computeAdvantages", field: "lastValues",
        reason: "has \(lastValues.count) entries, expected \(numEnvs)")
    }
    let result = try GAE.compute(
      rewards: rewards, values: values, terminated: terminated, truncated: truncated,
      truncationValues: truncationValues, lastValues: lastValues, gamma: gamma, lambda: lambda)
    advantages = result.advantages
    returns = result.returns
  }

  /// Empties the buffer, keeping its storage.
  public mutating func reset() { stepCount = 0 }

  /// A random partition of the stored sample indices `0..<count` into `numMinibatches`
  /// minibatches (`Minibatches.shuffled`); sizes differ by at most one when `count` is not a
  /// multiple of `numMinibatches`.
  ///
  /// - Precondition: `1 <= numMinibatches <= count`.
  public func minibatchIndices(numMinibatches: Int, rng: inout Xoshiro256) -> [[Int]] {
    Minibatches.shuffled(count: count, numMinibatches: numMinibatches, rng: &rng)
  }

  /// The observations of samples `indices`, `[indices.count * observationDim]`.
  public func gatherObservations(_ indices: [Int]) -> [Float] {
    Self.gatherRows(observations, width: observationDim, indices: indices)
  }

  /// The action masks of samples `indices`, `[indices.count * actionMaskSize]`.
  public func gatherActionMasks(_ indices: [Int]) -> [Bool] {
    Self.gatherRows(actionMasks, width: actionMaskSize, indices: indices)
  }

  /// `source[i]` for each index, for the per-sample arrays (`actions`, `advantages`, …).
  public static func gather<T>(_ source: [T], _ indices: [Int]) -> [T] {
    indices.map { source[$0] }
  }

  private static func gatherRows<T>(_ source: [T], width: Int, indices: [Int]) -> [T] {
    var out = [T]()
    out.reserveCapacity(indices.count * width)
    source.withUnsafeBufferPointer { src in
      for i in indices {
        out.append(contentsOf: src[(i * width)..<((i + 1) * width)])
      }
    }
    return out
  }
}
