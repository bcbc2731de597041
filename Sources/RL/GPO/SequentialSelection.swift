import Foundation
import SeededRandom
import TensorModule

/// Choosing `H` items one after another without replacement from one softmax (Plackett–Luce).
///
/// Items are grouped: choosing item `i` removes every item of group `i / groupSize` from the
/// later draws. `groupSize = 1` is plain selection of `H` distinct nodes (GPO's NodeActor); for
/// the joint `N × A` action of the single-actor ablation, `groupSize = A` keeps the chosen
/// nodes distinct. Items with `valid[i] == false` are never chosen.
///
/// The probability of the ordered choice `(i_1, …, i_H)` is `Π_j softmax_{avail_j}(g)[i_j]`,
/// where `avail_j` excludes the groups of `i_1 … i_{j−1}`: each draw renormalizes the softmax
/// over what is left. Its log is `Σ_j (g_{i_j} − log Σ_{k ∈ avail_j} e^{g_k})`.
public enum SequentialSelection {
  /// Additive logit mask used for unavailable items: large and finite so that `logSoftmax`
  /// gives them probability exactly 0 without producing NaNs.
  public static let maskedLogit: Float = -1e9

  /// Draws `count` items (or takes the successive arg-maxes when `deterministic`).
  ///
  /// - Parameters:
  ///   - logits: `[K]` scores.
  ///   - groupSize: items per exclusion group (divides `K`).
  ///   - count: `H`, the number of draws.
  ///   - valid: optional `[K]` availability.
  /// - Returns: the chosen items in draw order and the log-probability of that ordered choice.
  /// - Throws: `RLInputError` when fewer than `count` groups have a valid item.
  public static func sample(
    logits: [Float], groupSize: Int = 1, count: Int, valid: [Bool]? = nil,
    deterministic: Bool = false, rng: inout Xoshiro256
  ) throws -> (items: [Int], logProb: Float) {
    try logits.withUnsafeBufferPointer { lp in
      if let valid {
        return try valid.withUnsafeBufferPointer { vp in
          try sample(
            logits: lp, groupSize: groupSize, count: count, valid: vp,
            deterministic: deterministic, rng: &rng)
        }
      }
      return try sample(
        logits: lp, groupSize: groupSize, count: count, valid: nil, deterministic: deterministic,
        rng: &rng)
    }
  }

  /// `sample` on raw buffers (the acting path): the availability and weights live on the
  /// stack, so the only allocation is the returned item list.
  ///
  /// - Parameters:
  ///   - logits: `[K]` scores.
  ///   - valid: optional `[K]` availability.
  public static func sample(
    logits: UnsafeBufferPointer<Float>, groupSize: Int = 1, count: Int,
    valid: UnsafeBufferPointer<Bool>?, deterministic: Bool = false, rng: inout Xoshiro256
  ) throws -> (items: [Int], logProb: Float) {
    let k = logits.count
    try validate(
      k: k, groupSize: groupSize, validCount: valid?.count, component: "SequentialSelection.sample")
    var items: [Int] = []
    items.reserveCapacity(count)
    var logProb = 0.0
    try withUnsafeTemporaryAllocation(of: Bool.self, capacity: k) { available in
      try withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { weights in
        for i in 0..<k { available[i] = valid?[i] ?? true }
        for draw in 0..<count {
          var maxLogit = -Double.infinity
          for i in 0..<k where available[i] { maxLogit = Swift.max(maxLogit, Double(logits[i])) }
          guard maxLogit > -Double.infinity else {
            throw RLInputError(
              component: "SequentialSelection.sample", field: "count",
              reason: "draw \(draw) of \(count) has no valid item left")
          }
          var total = 0.0
          for i in 0..<k {
            let w = available[i] ? exp(Double(logits[i]) - maxLogit) : 0
            weights[i] = w
            total += w
          }
          var chosen = -1
          if deterministic {
            for i in 0..<k where available[i] && (chosen < 0 || logits[i] > logits[chosen]) {
              chosen = i
            }
          } else {
            let u = rng.nextDouble() * total
            var cumulative = 0.0
            for i in 0..<k where weights[i] > 0 {
              cumulative += weights[i]
              chosen = i
              if u < cumulative { break }
            }
          }
          logProb += Double(logits[chosen]) - maxLogit - log(total)
          items.append(chosen)
          let group = chosen / groupSize
          for i in (group * groupSize)..<((group + 1) * groupSize) { available[i] = false }
        }
      }
    }
    return (items, Float(logProb))
  }

  /// The log-probability of an ordered choice, in `Double` (a scalar reference).
  ///
  /// - Parameters:
  ///   - logits: `[K]`.
  ///   - chosen: the items in draw order.
  public static func logProbability(
    logits: [Float], chosen: [Int], groupSize: Int = 1, valid: [Bool]? = nil
  ) -> Double {
    var available = valid ?? [Bool](repeating: true, count: logits.count)
    var total = 0.0
    for item in chosen {
      var lse = 0.0
      let maxLogit = zip(logits, available).filter(\.1).map { Double($0.0) }.max() ?? 0
      for (g, ok) in zip(logits, available) where ok { lse += exp(Double(g) - maxLogit) }
      total += Double(logits[item]) - maxLogit - log(lse)
      let group = item / groupSize
      for i in (group * groupSize)..<((group + 1) * groupSize) { available[i] = false }
    }
    return total
  }

  /// Differentiable log-probabilities and entropies of ordered choices for a batch.
  ///
  /// The entropy is `Σ_j H(draw j | the recorded earlier draws)`, the chain-rule decomposition
  /// of the joint entropy evaluated along the recorded prefix (an unbiased one-sample estimate
  /// of the joint entropy when the prefix was drawn from the policy).
  ///
  /// - Parameters:
  ///   - logits: `[G, K]`.
  ///   - chosen: `G` lists of `H` items each.
  ///   - groupSize: items per exclusion group.
  ///   - valid: optional `[G * K]` availability, row-major.
  /// - Returns: `logProb` `[G]` and `entropy` `[G]`.
  public static func logProbAndEntropy(
    logits: Tensor, chosen: [[Int]], groupSize: Int = 1, valid: [Bool]? = nil
  ) -> (logProb: Tensor, entropy: Tensor) {
    precondition(logits.rank == 2, "logProbAndEntropy: logits must be [G, K], got \(logits.shape)")
    let (g, k) = (logits.shape[0], logits.shape[1])
    let h = chosen.first?.count ?? 0
    precondition(
      chosen.count == g && chosen.allSatisfy { $0.count == h } && h > 0,
      "logProbAndEntropy: need \(g) choices of equal length ≥ 1")
    var additive = [Float](repeating: 0, count: g * h * k)
    var oneHot = [Float](repeating: 0, count: g * h * k)
    for row in 0..<g {
      var available = [Bool](repeating: true, count: k)
      if let valid {
        for i in 0..<k { available[i] = valid[row * k + i] }
      }
      for draw in 0..<h {
        let base = (row * h + draw) * k
        for i in 0..<k where !available[i] { additive[base + i] = maskedLogit }
        let item = chosen[row][draw]
        oneHot[base + item] = 1
        let group = item / groupSize
        for i in (group * groupSize)..<((group + 1) * groupSize) { available[i] = false }
      }
    }
    let masked = logits.reshaped(to: [g, 1, k]) + Tensor(shape: [g, h, k], scalars: additive)
    let logP = masked.logSoftmax(alongAxis: -1)
    let picked = logP * Tensor(shape: [g, h, k], scalars: oneHot)
    let logProb = picked.sum(alongAxes: [1, 2])
    let stepEntropy = -(logP.exp() * logP).sum(alongAxes: [2])
    return (logProb, stepEntropy.sum(alongAxes: [1]))
  }

  private static func validate(
    k: Int, groupSize: Int, validCount: Int?, component: String
  ) throws {
    guard groupSize >= 1, k % groupSize == 0, k > 0 else {
      throw RLInputError(
        component: component, field: "groupSize",
        reason: "\(groupSize) does not divide \(k) logits")
    }
    if let validCount, validCount != k {
      throw RLInputError(
        component: component, field: "valid", reason: "\(validCount) flags for \(k) logits")
    }
  }
}

/// Categorical distributions over the last axis with an optional validity mask.
public enum MaskedLogits {
  /// `logits` with invalid entries replaced by `SequentialSelection.maskedLogit` (additively).
  ///
  /// - Parameters:
  ///   - logits: `[R, A]`.
  ///   - valid: optional `[R * A]`; nil leaves the logits unchanged.
  public static func apply(_ logits: Tensor, valid: [Bool]?) -> Tensor {
    guard let valid else { return logits }
    precondition(valid.count == logits.scalarCount, "MaskedLogits: mask size mismatch")
    let additive = valid.map { $0 ? Float(0) : SequentialSelection.maskedLogit }
    return logits + Tensor(shape: logits.shape, scalars: additive)
  }

  /// Log-probabilities of `actions` and entropies, row by row.
  ///
  /// - Parameters:
  ///   - logits: `[R, A]` (already masked).
  ///   - actions: `[R]` indices.
  /// - Returns: `logProb` `[R]`, `entropy` `[R]`.
  public static func logProbAndEntropy(_ logits: Tensor, actions: [Int]) -> (
    logProb: Tensor, entropy: Tensor
  ) {
    let (r, a) = (logits.shape[0], logits.shape[1])
    precondition(actions.count == r, "MaskedLogits: \(actions.count) actions for \(r) rows")
    var oneHot = [Float](repeating: 0, count: r * a)
    for (row, action) in actions.enumerated() { oneHot[row * a + action] = 1 }
    let logP = logits.logSoftmax(alongAxis: -1)
    let logProb = (logP * Tensor(shape: [r, a], scalars: oneHot)).sum(alongAxes: [1])
    let entropy = -(logP.exp() * logP).sum(alongAxes: [1])
    return (logProb, entropy)
  }
}
