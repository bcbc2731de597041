import Envs
import Foundation
import SeededRandom
import TensorModule

/// The AC baseline's dispatcher (SPEC §4): one centralized single agent deciding for every eAP
/// on the same local observation as the KMPS dispatcher, with a softmax over **all** targets —
/// no policy context filter. A target the mask does not allow (a node without a free replica, or
/// a node of a neighbouring cluster: the baseline has no cross-cluster routing) is redirected
/// to the cloud by the simulator and counted in `metrics.invalidActions`, so the agent has to
/// learn validity from its observation (which carries the mask bits) and its rewards.
///
/// Acting is batch-1 and allocation-free (`MLP.infer`); recording goes to a
/// `CentralizedDecisionLog` (per-request reward credit), read by `CentralizedBaselineTraining`.
public struct ACDispatcher: DispatchPolicy {
  /// The acting snapshot of the actor (logits over `targetCount` targets).
  public var actor: MLP
  /// Sampled or greedy (most probable target) decisions.
  public var acting: ActingMode
  /// Where decisions are recorded; nil = evaluation only.
  public var log: CentralizedDecisionLog?
  private var rng: Xoshiro256
  private var scratch = InferenceScratch()
  private var logits: [Float]

  /// A dispatcher acting with `actor` (detached here) over `actionCount` targets.
  public init(
    actor: MLP, actionCount: Int, acting: ActingMode, record: Bool, rewards: RewardConfig,
    seed: UInt64
  ) {
    self.actor = actor.detached()
    self.acting = acting
    logits = [Float](repeating: 0, count: actionCount)
    log =
      record
      ? CentralizedDecisionLog(observationDim: actor.layers[0].inFeatures, rewards: rewards) : nil
    rng = Xoshiro256(seed: seed)
  }

  /// The local observation only (the centralized agent's own critic sees the same input).
  public var decisionInputs: DecisionInputs { [.observation] }

  /// Samples (or takes the most probable) target from `softmax(actor(observation))` over all
  /// targets, ignoring the mask.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    if log != nil { log!.credit(sim) }
    let n = logits.count
    precondition(
      view.observation.count == actor.layers[0].inFeatures && view.mask.count == n,
      "ACDispatcher: the decision view does not fit the actor")
    logits.withUnsafeMutableBufferPointer { out in
      actor.infer(view.observation, rows: 1, into: out, scratch: &scratch)
    }
    let action: Int
    switch acting {
    case .greedy:
      var best = 0
      for a in 1..<n where logits[a] > logits[best] { best = a }
      action = best
    case .sample:
      var top = logits[0]
      for a in 1..<n { top = Swift.max(top, logits[a]) }
      var total: Float = 0
      for a in 0..<n { total += expf(logits[a] - top) }
      var u = rng.nextFloat() * total
      var pick = n - 1
      for a in 0..<n {
        u -= expf(logits[a] - top)
        if u <= 0 {
          pick = a
          break
        }
      }
      action = pick
    }
    if log != nil {
      let overloaded = action < sim.topology.edgeNodeCount && sim.isOverloaded(node: action)
      log!.record(
        observation: view.observation, action: action, actionVector: nil,
        requestID: view.decision.requestID, overloaded: overloaded)
    }
    return action
  }

  /// Credits the outcomes logged during the slot; at the episode's end, the last ones.
  public mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    guard log != nil else { return }
    if outcome.episodeEnded { log!.endEpisode(sim) } else { log!.credit(sim) }
  }
}
