import SeededRandom
import TensorModule

/// MAPPO's networks: one actor shared by all agents (local observation → logits or positive
/// scores) and a centralized critic (global state → value).
///
/// Parameters are named `"actor.<layer>.weight"`, `"critic.<layer>.bias"`, ….
public struct MAPPOAgent: ParameterVisitable {
  /// Local observation (plus optional agent id) → `[actions]` outputs.
  public var actor: MLP
  /// Global state → value (normalized when value normalization is on).
  public var critic: MLP

  /// Networks for the given sizes. The actor's head is ReLU + 1 for `.contextFilter` (positive
  /// scores, paper Eq. 2) and linear for `.logits`; hidden layers use orthogonal init with gain
  /// √2, the actor head gain 0.01 (near-uniform initial policy), the critic head gain 1.
  ///
  /// - Parameter actorInputDim: observation size plus the number of agents when an agent id is
  ///   appended.
  public init(
    actorInputDim: Int, stateDim: Int, actionCount: Int, config: MAPPOConfig,
    rng: inout Xoshiro256
  ) {
    let hiddenInit = Initializer.orthogonal(gain: Float(2).squareRoot())
    // Per-target layout: one scorer row per action, one output per row.
    let rows = config.actorLayout.rowShape(observationDim: actorInputDim)
    let actorSizes =
      [rows.width] + config.actorHiddenSizes + [config.actorLayout == .flat ? actionCount : 1]
    var layers: [Linear] = []
    for i in 0..<(actorSizes.count - 1) {
      let isHead = i == actorSizes.count - 2
      // A ReLU + 1 head unit whose pre-activation is ≤ 0 for every input is dead for good (its
      // score is stuck at 1); a positive head bias starts every unit in the active region.
      let headBias: Initializer =
        config.maskMode == .contextFilter ? .constant(config.scoreHeadBias) : .zeros
      layers.append(
        Linear(
          inFeatures: actorSizes[i], outFeatures: actorSizes[i + 1],
          initializer: isHead ? .orthogonal(gain: 0.01) : hiddenInit,
          biasInitializer: isHead ? headBias : .zeros, rng: &rng))
    }
    let headActivation: Activation = config.maskMode == .contextFilter ? .positivePlusOne : .none
    actor = MLP(
      layers: layers,
      activations: Array(repeating: config.hiddenActivation, count: layers.count - 1)
        + [headActivation])
    critic = MLP(
      sizes: [stateDim] + config.criticHiddenSizes + [1], activation: config.hiddenActivation,
      initializer: hiddenInit, outputInitializer: .orthogonal(gain: 1), rng: &rng)
  }

  /// Visits `"actor.*"` then `"critic.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    actor.visitParameters { body("actor.\($0)", $1) }
    critic.visitParameters { body("critic.\($0)", $1) }
  }

  /// Updates in the same order as `visitParameters`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    actor.updateParameters { body("actor.\($0)", &$1) }
    critic.updateParameters { body("critic.\($0)", &$1) }
  }
}

/// A running mean and variance (Chan et al. parallel update), used to normalize value targets.
public struct RunningMeanStd: Codable, Sendable, Equatable {
  /// Current mean.
  public private(set) var mean: Double = 0
  /// Current (population) variance.
  public private(set) var variance: Double = 1
  /// Weight of the statistics so far (starts at a tiny ε so the first batch dominates).
  public private(set) var count: Double = 1e-4

  /// Fresh statistics (mean 0, variance 1).
  public init() {}

  /// Statistics restored from saved values (e.g. a checkpoint's metadata).
  public init(mean: Double, variance: Double, count: Double) {
    self.mean = mean
    self.variance = variance
    self.count = count
  }

  /// Standard deviation, at least `1e-4`.
  public var std: Double { Swift.max(variance.squareRoot(), 1e-4) }

  /// Merges a batch of values.
  public mutating func update(_ values: [Float]) {
    guard !values.isEmpty else { return }
    let n = Double(values.count)
    let batchMean = values.reduce(0.0) { $0 + Double($1) } / n
    let batchVariance =
      values.reduce(0.0) { $0 + (Double($1) - batchMean) * (Double($1) - batchMean) } / n
    let delta = batchMean - mean
    let total = count + n
    let m2 = variance * count + batchVariance * n + delta * delta * count * n / total
    mean += delta * n / total
    variance = m2 / total
    count = total
  }

  /// `(x − mean) / std`.
  public func normalize(_ x: Float) -> Float { Float((Double(x) - mean) / std) }
  /// `x · std + mean`.
  public func denormalize(_ x: Float) -> Float { Float(Double(x) * std + mean) }
}
