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
  /// How the actor reads an observation.
  public let layout: ActorInputLayout

  /// A snapshot of `actor` (detached here).
  public init(
    actor: MLP, maskMode: MaskMode, agentIDCount: Int?, layout: ActorInputLayout = .flat
  ) {
    self.actor = actor.detached()
    self.maskMode = maskMode
    self.agentIDCount = agentIDCount
    self.layout = layout
  }

  /// Actions per decision.
  public var actionCount: Int {
    if case .perTarget(_, _, let targets, _) = layout { return targets }
    return actor.layers.last!.outFeatures
  }

  /// Runs the actor on `observation` (plus the one-hot id of `agent` when ids are appended)
  /// and calls `body` with its `[actionCount]` outputs. The input, hidden activations and
  /// outputs all live in `scratch`: nothing is allocated once it has grown.
  func withActorOutputs<R>(
    observation: [Float], agent: Int, scratch: inout InferenceScratch,
    _ body: (UnsafeBufferPointer<Float>) -> R
  ) -> R {
    if layout != .flat {
      return withPerTargetOutputs(observation: observation, scratch: &scratch, body)
    }
    let inFeatures = actor.layers[0].inFeatures
    let idCount = agentIDCount ?? 0
    precondition(
      observation.count + idCount == inFeatures,
      "MAPPOPolicy: the observation has \(observation.count) floats"
        + (idCount > 0 ? " (+ \(idCount) agent ids)" : "")
        + ", the actor expects \(inFeatures)")
    precondition(
      agentIDCount == nil || (agent >= 0 && agent < idCount),
      "MAPPOPolicy: agent \(agent) not in 0..<\(idCount)")
    let n = actionCount
    let hiddenCount = actor.inferenceScratchCount(rows: 1)
    return scratch.withBuffer(count: inFeatures + n + hiddenCount) { buffer in
      let input = buffer.baseAddress!
      observation.withUnsafeBufferPointer { op in
        if let o = op.baseAddress { input.update(from: o, count: op.count) }
      }
      for i in 0..<idCount { input[observation.count + i] = i == agent ? 1 : 0 }
      let outputs = input + inFeatures
      actor.infer(
        input, rows: 1, into: outputs,
        hidden: UnsafeMutableBufferPointer(rebasing: buffer[(inFeatures + n)...]))
      return body(UnsafeBufferPointer(start: outputs, count: n))
    }
  }

  /// `withActorOutputs` for the per-target layout: one scorer row per action, batched.
  private func withPerTargetOutputs<R>(
    observation: [Float], scratch: inout InferenceScratch,
    _ body: (UnsafeBufferPointer<Float>) -> R
  ) -> R {
    precondition(
      observation.count == layout.observationSize,
      "MAPPOPolicy: the observation has \(observation.count) floats, the per-target layout "
        + "expects \(layout.observationSize ?? 0)")
    let shape = layout.rowShape(observationDim: observation.count)
    let inCount = shape.rows * shape.width
    let n = shape.rows
    let hiddenCount = actor.inferenceScratchCount(rows: n)
    return scratch.withBuffer(count: inCount + n + hiddenCount) { buffer in
      let input = buffer.baseAddress!
      observation.withUnsafeBufferPointer { layout.writeRows(observation: $0, into: input) }
      let outputs = input + inCount
      actor.infer(
        input, rows: n, into: outputs,
        hidden: UnsafeMutableBufferPointer(rebasing: buffer[(inCount + n)...]))
      return body(UnsafeBufferPointer(start: outputs, count: n))
    }
  }

  /// The action probabilities of one decision (masked actions exactly 0).
  ///
  /// - Parameters:
  ///   - observation: the agent's local observation.
  ///   - mask: `[actionCount]`, true = valid.
  ///   - scratch: reusable inference memory.
  public func probabilities(
    observation: [Float], mask: [Bool], agent: Int, scratch: inout InferenceScratch
  ) -> [Float] {
    var probabilities = [Float](repeating: 0, count: actionCount)
    withActorOutputs(observation: observation, agent: agent, scratch: &scratch) { op in
      mask.withUnsafeBufferPointer { mp in
        probabilities.withUnsafeMutableBufferPointer { pp in
          MaskedCategorical.fillProbabilities(outputs: op, mask: mp, mode: maskMode, into: pp)
        }
      }
    }
    return probabilities
  }

  /// The action probabilities of one decision, with scratch memory of its own.
  public func probabilities(observation: [Float], mask: [Bool], agent: Int) -> [Float] {
    var scratch = InferenceScratch()
    return probabilities(observation: observation, mask: mask, agent: agent, scratch: &scratch)
  }

  /// Samples one decision; allocation-free once `scratch` has grown (the acting hot path).
  ///
  /// - Parameters:
  ///   - observation: the agent's local observation.
  ///   - mask: `[actionCount]`, true = valid (at least one).
  ///   - scratch: reusable inference memory, one per acting thread.
  /// - Returns: the action and its log-probability under this policy.
  public func act(
    observation: [Float], mask: [Bool], agent: Int, scratch: inout InferenceScratch,
    using rng: inout Xoshiro256
  ) -> (action: Int, logProb: Float) {
    let n = actionCount
    return withActorOutputs(observation: observation, agent: agent, scratch: &scratch) { op in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { pp in
        mask.withUnsafeBufferPointer { mp in
          MaskedCategorical.fillProbabilities(outputs: op, mask: mp, mode: maskMode, into: pp)
        }
        let action = MaskedCategorical.sample(probabilities: UnsafeBufferPointer(pp), using: &rng)
        return (action, logf(pp[action]))
      }
    }
  }

  /// Samples one decision, with scratch memory of its own.
  ///
  /// - Returns: the action and its log-probability under this policy.
  public func act(
    observation: [Float], mask: [Bool], agent: Int, using rng: inout Xoshiro256
  ) -> (action: Int, logProb: Float) {
    var scratch = InferenceScratch()
    return act(observation: observation, mask: mask, agent: agent, scratch: &scratch, using: &rng)
  }
}
