import SeededRandom
import TensorModule

/// An MLP initialized like PyTorch's `nn.Linear` default (CleanRL's networks): weights and
/// biases uniform in `±1/√fanIn`.
func torchDefaultMLP(
  sizes: [Int], activation: Activation, outputActivation: Activation, rng: inout Xoshiro256
) -> MLP {
  var layers: [Linear] = []
  for i in 0..<(sizes.count - 1) {
    let bound = 1 / Float(sizes[i]).squareRoot()
    let initializer = Initializer.uniform(low: -bound, high: bound)
    layers.append(
      Linear(
        inFeatures: sizes[i], outFeatures: sizes[i + 1], initializer: initializer,
        biasInitializer: initializer, rng: &rng))
  }
  let activations = Array(repeating: activation, count: sizes.count - 2) + [outputActivation]
  return MLP(layers: layers, activations: activations)
}

/// DDPG's deterministic policy μ(s): a ReLU MLP with a tanh output rescaled to the action
/// bounds, `tanh(·) · (high − low)/2 + (high + low)/2`.
///
/// Parameters are the MLP's, `"<layer>.weight"` / `"<layer>.bias"`.
public struct DeterministicActor: ParameterVisitable {
  /// Observation → pre-scale action in `[−1, 1]` (tanh output).
  public var network: MLP
  /// `(high − low) / 2` per action dimension, `[actionDim]` (a constant).
  public let actionScale: Tensor
  /// `(high + low) / 2` per action dimension, `[actionDim]` (a constant).
  public let actionBias: Tensor

  /// An actor for actions bounded by `actionLow … actionHigh` (finite, one entry per
  /// dimension).
  public init(
    observationDim: Int, actionLow: [Float], actionHigh: [Float], hiddenSizes: [Int],
    rng: inout Xoshiro256
  ) {
    precondition(
      actionLow.count == actionHigh.count && !actionLow.isEmpty
        && zip(actionLow, actionHigh).allSatisfy { $0.isFinite && $1.isFinite && $0 <= $1 },
      "DeterministicActor: needs finite bounds low ≤ high, got \(actionLow) … \(actionHigh)")
    network = torchDefaultMLP(
      sizes: [observationDim] + hiddenSizes + [actionLow.count], activation: .relu,
      outputActivation: .tanh, rng: &rng)
    actionScale = Tensor(zip(actionLow, actionHigh).map { ($1 - $0) / 2 })
    actionBias = Tensor(zip(actionLow, actionHigh).map { ($1 + $0) / 2 })
  }

  /// Actions `[batch, actionDim]` for observations `[batch, observationDim]`.
  public func callAsFunction(_ observations: Tensor) -> Tensor {
    network(observations) * actionScale + actionBias
  }

  /// Visits the MLP's parameters.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    network.visitParameters(body)
  }

  /// Updates the MLP's parameters.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    network.updateParameters(body)
  }
}

/// A state-action value network Q(s, a): a ReLU MLP on the concatenation `[s, a]`.
///
/// Parameters are the MLP's, `"<layer>.weight"` / `"<layer>.bias"`.
public struct QNetwork: ParameterVisitable {
  /// `[s, a]` → Q.
  public var network: MLP

  /// A Q network for `observationDim + actionDim` inputs.
  public init(observationDim: Int, actionDim: Int, hiddenSizes: [Int], rng: inout Xoshiro256) {
    network = torchDefaultMLP(
      sizes: [observationDim + actionDim] + hiddenSizes + [1], activation: .relu,
      outputActivation: .none, rng: &rng)
  }

  /// Q values `[batch]` of observations `[batch, observationDim]` and actions
  /// `[batch, actionDim]` (gradients flow into both inputs).
  public func callAsFunction(_ observations: Tensor, _ actions: Tensor) -> Tensor {
    network(Tensor(concatenating: [observations, actions], alongAxis: 1)).reshaped(to: [-1])
  }

  /// Visits the MLP's parameters.
  public func visitParameters(_ body: (String, Tensor) -> Void) {
    network.visitParameters(body)
  }

  /// Updates the MLP's parameters.
  public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
    network.updateParameters(body)
  }
}
