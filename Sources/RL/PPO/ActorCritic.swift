import SeededRandom
import TensorModule

/// CleanRL's discrete-action PPO agent: separate actor and critic MLPs (tanh hidden layers by
/// default, orthogonal init with gain √2, actor head gain 0.01, critic head gain 1, zero biases).
///
/// Parameters are named `"actor.<layer>.weight"`, `"critic.<layer>.bias"`, ….
public struct ActorCritic: ParameterVisitable {
  /// Observation → action logits.
  public var actor: MLP
  /// Observation → state value.
  public var critic: MLP

  /// An agent for `observationDim` inputs and `actionCount` actions.
  ///
  /// - Parameters:
  ///   - hiddenSizes: widths of the hidden layers of both networks (CleanRL: `[64, 64]`).
  ///   - activation: hidden activation (CleanRL: tanh).
  public init(
    observationDim: Int, actionCount: Int, hiddenSizes: [Int] = [64, 64],
    activation: Activation = .tanh, rng: inout Xoshiro256
  ) {
    let hiddenInit = Initializer.orthogonal(gain: Float(2).squareRoot())
    actor = MLP(
      sizes: [observationDim] + hiddenSizes + [actionCount], activation: activation,
      initializer: hiddenInit, outputInitializer: .orthogonal(gain: 0.01), rng: &rng)
    critic = MLP(
      sizes: [observationDim] + hiddenSizes + [1], activation: activation,
      initializer: hiddenInit, outputInitializer: .orthogonal(gain: 1), rng: &rng)
  }

  /// An agent from given networks.
  public init(actor: MLP, critic: MLP) {
    self.actor = actor
    self.critic = critic
  }

  /// Logits `[batch, actions]` for observations `[batch, observationDim]`.
  public func logits(_ observations: Tensor) -> Tensor { actor(observations) }

  /// Values `[batch]` for observations `[batch, observationDim]`.
  public func value(_ observations: Tensor) -> Tensor {
    critic(observations).reshaped(to: [-1])
  }

  /// Visits the actor's parameters as `"actor.*"`, then the critic's as `"critic.*"`.
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
