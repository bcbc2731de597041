import SeededRandom
import TensorModule

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The acting side of MAPPO: a detached snapshot of the shared actor, published to the agents
/// (e.g. by `DualBufferLearner`). Decisions are batch-1 and build no graph; probabilities go
/// through `MaskedCategorical.fillProbabilities` into a stack buffer.
public struct MAPPOPolicy: Sendable {
  /// The actor snapshot (no parameter identities).
  public let actor: MLP
  /// How masks are applied.
  public let maskMode: MaskMode
  /// Number of agents when a one-hot agent id is appended to observations; nil otherwise.
  public let agentIDCount: Int?

  /// A snapshot of `actor` (detached here).
  public init(actor: MLP, maskMode: MaskMode, agentIDCount: Int?) {
    self.actor = actor.detached()
    self.maskMode = maskMode
    self.agentIDCount = agentIDCount
  }

  /// Actions per decision.
  public var actionCount: Int { actor.layers.last!.outFeatures }

  /// The actor's input for `agent`: the observation, followed by `one-hot(agent)` when ids are
  /// appended.
  public func actorInput(observation: [Float], agent: Int) -> [Float] {
    guard let agentIDCount else { return observation }
    precondition(
      agent >= 0 && agent < agentIDCount,
      "MAPPOPolicy: agent \(agent) not in 0..<\(agentIDCount)")
    var input = observation
    input.reserveCapacity(observation.count + agentIDCount)
    for i in 0..<agentIDCount { input.append(i == agent ? 1 : 0) }
    return input
  }

  /// The action probabilities of one decision (masked actions exactly 0).
  ///
  /// - Parameters:
  ///   - observation: the agent's local observation.
  ///   - mask: `[actionCount]`, true = valid.
  public func probabilities(observation: [Float], mask: [Bool], agent: Int) -> [Float] {
    let input = actorInput(observation: observation, agent: agent)
    let outputs = actor(Tensor(shape: [1, input.count], scalars: input))
    var probabilities = [Float](repeating: 0, count: actionCount)
    outputs.scalars.withUnsafeBufferPointer { op in
      mask.withUnsafeBufferPointer { mp in
        probabilities.withUnsafeMutableBufferPointer { pp in
          MaskedCategorical.fillProbabilities(outputs: op, mask: mp, mode: maskMode, into: pp)
        }
      }
    }
    return probabilities
  }

  /// Samples one decision.
  ///
  /// - Returns: the action and its log-probability under this policy.
  public func act(
    observation: [Float], mask: [Bool], agent: Int, using rng: inout Xoshiro256
  ) -> (action: Int, logProb: Float) {
    let input = actorInput(observation: observation, agent: agent)
    precondition(
      input.count == actor.layers[0].inFeatures,
      "MAPPOPolicy.act: input has \(input.count) floats, the actor expects "
        + "\(actor.layers[0].inFeatures)")
    let outputs = actor(Tensor(shape: [1, input.count], scalars: input))
    let n = actionCount
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { pp in
      outputs.scalars.withUnsafeBufferPointer { op in
        mask.withUnsafeBufferPointer { mp in
          MaskedCategorical.fillProbabilities(outputs: op, mask: mp, mode: maskMode, into: pp)
        }
      }
      let action = MaskedCategorical.sample(probabilities: UnsafeBufferPointer(pp), using: &rng)
      return (action, logf(pp[action]))
    }
  }
}
