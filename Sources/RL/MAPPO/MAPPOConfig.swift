import TensorModule

/// Hyperparameters of MAPPO (shared actor, centralized critic). Defaults follow the paper
/// (Sec. IV-A 4) where it gives a value and MAPPO/CleanRL practice otherwise.
public struct MAPPOConfig: Codable, Sendable, Equatable {
  /// Hidden widths of the shared actor (paper: 256-128-32).
  public var actorHiddenSizes: [Int] = [256, 128, 32]
  /// Hidden widths of the centralized critic (paper: 256-128-64-32).
  public var criticHiddenSizes: [Int] = [256, 128, 64, 32]
  /// Hidden activation of both networks (paper: ReLU).
  public var hiddenActivation: Activation = .relu
  /// How invalid actions are removed: the paper's Eq. 2 filter on a ReLU + 1 head, or logit
  /// masking on a linear head.
  public var maskMode: MaskMode = .contextFilter
  /// Initial bias of the ReLU + 1 score head (`.contextFilter` only): positive, so that every
  /// score unit starts in the ReLU's active region instead of possibly dead at score 1.
  public var scoreHeadBias: Float = 1
  /// Append a one-hot agent id (of `numAgents`) to each actor input (`.flat` layout only).
  public var appendAgentID: Bool = false
  /// How the actor reads an observation: one MLP over all of it (the paper), or one shared
  /// scorer per action (`ActorInputLayout.perTarget`).
  public var actorLayout: ActorInputLayout = .flat
  /// Initial Adam learning rate (paper: 5e-4).
  public var learningRate: Float = 5e-4
  /// Multiplicative learning-rate decay applied every `lrDecaySteps` optimizer steps (the paper
  /// says "exponentially decaying every 1000 steps" without the rate; 0.96 is our choice).
  public var lrDecayRate: Float = 0.96
  /// Optimizer steps between two learning-rate decays (paper: 1000).
  public var lrDecaySteps: Int = 1000
  /// Adam ε.
  public var adamEpsilon: Float = 1e-5
  /// Discount γ (paper: 0.99).
  public var gamma: Float = 0.99
  /// GAE λ (paper: 0.95).
  public var gaeLambda: Float = 0.95
  /// PPO clipping ε (paper: 0.2); also the value clipping range.
  public var clipCoef: Float = 0.2
  /// Epochs over each batch.
  public var updateEpochs: Int = 4
  /// Minibatches per epoch.
  public var numMinibatches: Int = 4
  /// When set, each epoch trains on a fresh random subset of this many decisions (without
  /// replacement) instead of the whole batch, so the cost of an update stays bounded when an
  /// episode holds hundreds of thousands of decisions (GAE still runs over every decision).
  public var samplesPerEpoch: Int? = nil
  /// Stop an update's epochs early once an epoch's mean approximate KL (old → new policy, on
  /// its minibatches) exceeds this (CleanRL's `target_kl`); nil = always run every epoch.
  /// Many small minibatches can otherwise move the policy far from the one that collected
  /// the data, since the ratio clip only acts on the samples of each step.
  public var targetKL: Float? = nil
  /// Normalize advantages per minibatch.
  public var normAdv: Bool = true
  /// Entropy bonus coefficient.
  public var entCoef: Float = 0.01
  /// Value loss coefficient.
  public var vfCoef: Float = 0.5
  /// Global gradient-norm clipping threshold.
  public var maxGradNorm: Float = 0.5
  /// The critic's loss (paper: Huber, δ = 1).
  public var valueLoss: ValueLossKind = .huber(delta: 1)
  /// Clip the value loss around the values the targets were computed with.
  public var clipValueLoss: Bool = false
  /// Compute GAE values and value targets with a frozen target critic (paper: yes).
  public var useTargetValueNetwork: Bool = true
  /// Update cycles between two target-critic refreshes (paper: 1, "end of each cycle").
  public var targetUpdateInterval: Int = 1
  /// Train the critic on normalized returns (running mean/std, PopArt without the output-layer
  /// rescaling) and denormalize its outputs.
  public var normalizeValues: Bool = false

  /// The paper's defaults.
  public init() {}

  /// The learning-rate schedule over optimizer steps.
  public var learningRateSchedule: LearningRateSchedule {
    .exponentialStaircase(initial: learningRate, decayRate: lrDecayRate, decaySteps: lrDecaySteps)
  }

  /// Throws an `RLInputError` naming the first invalid field.
  public func validate() throws {
    let component = "MAPPOConfig"
    let positives: [(String, Int)] = [
      ("updateEpochs", updateEpochs), ("numMinibatches", numMinibatches),
      ("lrDecaySteps", lrDecaySteps), ("targetUpdateInterval", targetUpdateInterval),
    ]
    if let samplesPerEpoch, samplesPerEpoch < numMinibatches {
      throw RLInputError(
        component: component, field: "samplesPerEpoch",
        reason: "must be ≥ numMinibatches (\(numMinibatches)), got \(samplesPerEpoch)")
    }
    if let targetKL, !(targetKL > 0) {
      throw RLInputError(component: component, field: "targetKL", reason: "must be > 0")
    }
    for (name, value) in positives where value < 1 {
      throw RLInputError(component: component, field: name, reason: "must be ≥ 1, got \(value)")
    }
    for (name, sizes) in [
      ("actorHiddenSizes", actorHiddenSizes), ("criticHiddenSizes", criticHiddenSizes),
    ]
    where sizes.isEmpty || !sizes.allSatisfy({ $0 > 0 }) {
      throw RLInputError(component: component, field: name, reason: "needs positive widths")
    }
    try validatePPOHyperparameters(
      component: component, learningRate: learningRate, gamma: gamma, gaeLambda: gaeLambda,
      clipCoef: clipCoef, maxGradNorm: maxGradNorm)
    guard lrDecayRate > 0, lrDecayRate <= 1 else {
      throw RLInputError(component: component, field: "lrDecayRate", reason: "must be in (0, 1]")
    }
    if appendAgentID && actorLayout != .flat {
      throw RLInputError(
        component: component, field: "appendAgentID", reason: "needs the .flat actor layout")
    }
    if case .huber(let delta) = valueLoss, !(delta > 0) {
      throw RLInputError(component: component, field: "valueLoss", reason: "Huber δ must be > 0")
    }
  }
}
