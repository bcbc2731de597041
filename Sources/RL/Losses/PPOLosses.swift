import TensorModule

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The critic's regression loss.
public enum ValueLossKind: Codable, Sendable, Equatable {
  /// `½ (V − R)²` (CleanRL's PPO).
  case mse
  /// Huber with threshold `delta` (the paper's critic, δ = 1).
  case huber(delta: Float)
}

/// The loss terms of PPO-style algorithms as small pure functions over tensors.
///
/// Each returns a rank-0 tensor that is differentiable with respect to whichever input tracks
/// gradients (new log-probabilities, new values, entropies). Signs follow CleanRL: the policy
/// loss is minimized, the entropy bonus is subtracted by the caller.
public enum PPOLoss {
  /// The clipped surrogate objective as a loss (CleanRL's `pg_loss`):
  /// `mean(max(−A · r, −A · clip(r, 1 − ε, 1 + ε)))`.
  ///
  /// - Parameters:
  ///   - ratio: `π_new(a|s) / π_old(a|s)`, `[batch]`.
  ///   - advantages: `[batch]`, detached (already normalized if wanted).
  ///   - clipCoef: `ε`.
  public static func clippedSurrogate(ratio: Tensor, advantages: Tensor, clipCoef: Float)
    -> Tensor
  {
    let unclipped = -advantages * ratio
    let clipped = -advantages * ratio.clamped(min: 1 - clipCoef, max: 1 + clipCoef)
    return maximum(unclipped, clipped).mean()
  }

  /// The vanilla policy-gradient (A2C, REINFORCE) loss `−mean(A · log π(a|s))`.
  ///
  /// - Parameters:
  ///   - logProbs: `log π(a|s)` of the taken actions `[batch]`, tracking gradients.
  ///   - advantages: `[batch]`, detached (returns for REINFORCE).
  public static func policyGradient(logProbs: Tensor, advantages: Tensor) -> Tensor {
    -(logProbs * advantages).mean()
  }

  /// The unclipped value loss `½ · mean((V − R)²)`.
  ///
  /// - Parameters:
  ///   - values: new critic values `[batch]`.
  ///   - returns: targets `[batch]`, detached.
  public static func unclippedValueLoss(values: Tensor, returns: Tensor) -> Tensor {
    0.5 * (values - returns).squared().mean()
  }

  /// The clipped value loss of CleanRL / PPO2:
  /// `½ · mean(max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²))`.
  ///
  /// - Parameters:
  ///   - values: new critic values `[batch]`.
  ///   - oldValues: the values at collection time `[batch]`, detached.
  ///   - returns: targets `[batch]`, detached.
  ///   - clipCoef: `ε`, in value units.
  public static func clippedValueLoss(
    values: Tensor, oldValues: Tensor, returns: Tensor, clipCoef: Float
  ) -> Tensor {
    let unclipped = (values - returns).squared()
    let clippedValues = oldValues + (values - oldValues).clamped(min: -clipCoef, max: clipCoef)
    let clipped = (clippedValues - returns).squared()
    return 0.5 * maximum(unclipped, clipped).mean()
  }

  /// Elementwise Huber `½d²` for `|d| ≤ δ`, `δ(|d| − ½δ)` beyond, with `d = V − R`
  /// (TensorModule's `huber` without reduction).
  ///
  /// - Returns: the same shape as `values`.
  public static func huberElementwise(values: Tensor, returns: Tensor, delta: Float) -> Tensor {
    huber(values, returns, delta: delta, reduction: .none)
  }

  /// The Huber value loss `mean(huber_δ(V − R))` (the paper's critic loss, δ = 1).
  ///
  /// - Parameters:
  ///   - values: new critic values `[batch]`.
  ///   - returns: targets `[batch]`, detached.
  public static func huberValueLoss(values: Tensor, returns: Tensor, delta: Float = 1) -> Tensor {
    huberElementwise(values: values, returns: returns, delta: delta).mean()
  }

  /// The clipped Huber value loss
  /// `mean(max(huber(V − R), huber(V_old + clip(V − V_old, −ε, ε) − R)))`.
  public static func clippedHuberValueLoss(
    values: Tensor, oldValues: Tensor, returns: Tensor, clipCoef: Float, delta: Float = 1
  ) -> Tensor {
    let unclipped = huberElementwise(values: values, returns: returns, delta: delta)
    let clippedValues = oldValues + (values - oldValues).clamped(min: -clipCoef, max: clipCoef)
    let clipped = huberElementwise(values: clippedValues, returns: returns, delta: delta)
    return maximum(unclipped, clipped).mean()
  }

  /// The value loss of `kind`, clipped around `oldValues` when `clipped` (`clipCoef` in value
  /// units): one switch for every agent's critic.
  ///
  /// - Parameters:
  ///   - values: new critic values `[batch]`.
  ///   - oldValues: the values at collection time `[batch]`, detached (used when `clipped`).
  ///   - returns: targets `[batch]`, detached.
  public static func valueLoss(
    _ kind: ValueLossKind, clipped: Bool, values: Tensor, oldValues: Tensor, returns: Tensor,
    clipCoef: Float
  ) -> Tensor {
    switch (kind, clipped) {
    case (.mse, false):
      return unclippedValueLoss(values: values, returns: returns)
    case (.mse, true):
      return clippedValueLoss(
        values: values, oldValues: oldValues, returns: returns, clipCoef: clipCoef)
    case (.huber(let delta), false):
      return huberValueLoss(values: values, returns: returns, delta: delta)
    case (.huber(let delta), true):
      return clippedHuberValueLoss(
        values: values, oldValues: oldValues, returns: returns, clipCoef: clipCoef,
        delta: delta)
    }
  }

  /// The entropy bonus `mean(H)`; the total loss subtracts `entCoef ·` this.
  ///
  /// - Parameter entropy: per-sample entropies `[batch]`.
  public static func entropyBonus(entropy: Tensor) -> Tensor {
    entropy.mean()
  }
}

/// Diagnostics practitioners read from a PPO update (computed on plain arrays, no graph).
public enum PPODiagnostics {
  /// CleanRL's `approx_kl`: `mean((r − 1) − log r)` (Schulman's unbiased, low-variance k3).
  ///
  /// - Parameter logRatios: `log π_new − log π_old` per sample.
  public static func approxKL(logRatios: [Float]) -> Float {
    guard !logRatios.isEmpty else { return 0 }
    var total = 0.0
    for lr in logRatios { total += Double((expf(lr) - 1) - lr) }
    return Float(total / Double(logRatios.count))
  }

  /// CleanRL's `old_approx_kl`: `mean(−log r)`.
  public static func oldApproxKL(logRatios: [Float]) -> Float {
    guard !logRatios.isEmpty else { return 0 }
    var total = 0.0
    for lr in logRatios { total -= Double(lr) }
    return Float(total / Double(logRatios.count))
  }

  /// The fraction of samples whose ratio left `[1 − ε, 1 + ε]` (`|r − 1| > ε`).
  public static func clipFraction(logRatios: [Float], clipCoef: Float) -> Float {
    guard !logRatios.isEmpty else { return 0 }
    var clipped = 0
    for lr in logRatios where abs(expf(lr) - 1) > clipCoef { clipped += 1 }
    return Float(clipped) / Float(logRatios.count)
  }

  /// `1 − Var(y − ŷ) / Var(y)` (population variances); NaN when `Var(y) == 0`.
  public static func explainedVariance(predicted: [Float], target: [Float]) -> Float {
    precondition(
      predicted.count == target.count,
      "PPODiagnostics.explainedVariance: \(predicted.count) predictions, \(target.count) targets")
    let varianceY = variance(target.map(Double.init))
    guard varianceY > 0 else { return .nan }
    let residuals = zip(target, predicted).map { Double($0) - Double($1) }
    return Float(1 - variance(residuals) / varianceY)
  }

  /// Normalizes to zero mean and unit (unbiased, PyTorch `std()`) standard deviation, plus
  /// `1e-8` in the denominator, as CleanRL does per minibatch.
  public static func normalized(_ values: [Float]) -> [Float] {
    guard values.count > 1 else { return values.map { _ in 0 } }
    let n = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let sumSquares = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
    let std = (sumSquares / (n - 1)).squareRoot()
    return values.map { Float((Double($0) - mean) / (std + 1e-8)) }
  }

  private static func variance(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return 0 }
    let mean = x.reduce(0, +) / Double(x.count)
    return x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
  }
}
