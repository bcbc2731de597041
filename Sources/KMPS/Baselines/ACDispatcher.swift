import Envs
import Foundation
import SeededRandom
import TensorModule

/// The AC baseline's dispatcher (SPEC §4): one centralized single agent deciding for every eAP
/// on the same local observation as the KMPS dispatcher. It acts by a softmax over the
/// **valid** targets of the action mask F (a standard −∞ logit mask, as CleanRL-style masked
/// PPO does; the cloud is always valid), without the paper's Eq. 2 policy context filter on a
/// ReLU + 1 head, and without cross-cluster routing (the mask of its environment excludes the
/// neighbouring clusters' nodes).
///
/// F belongs to the environment (SPEC §3.6), and every other learned dispatcher acts within it:
/// MAPPO and single-agent PPO through their mask (fig7's is this same logit mask; Eq. 2 is the
/// other option), DDPG by its argmax over the valid targets. An AC
/// sampling outside F had ~70% of its decisions redirected to the cloud at 19 targets and never
/// learned (an invalid pick and a cloud pick end the same way), which made it a weakened
/// reference rather than a centralized single agent.
///
/// Acting is batch-1 and allocation-free (`MLP.infer`); recording goes to a
/// `CentralizedDecisionLog` (per-request reward credit, with each decision's mask so that A2C's
/// update takes log-probabilities and entropy over the same valid targets), read by
/// `CentralizedBaselineTraining`.
public struct ACDispatcher: DispatchPolicy {
  /// The acting snapshot of the actor (logits over `targetCount` targets).
  public var actor: MLP
  /// Sampled or greedy (most probable valid target) decisions.
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
      ? CentralizedDecisionLog(
        observationDim: actor.layers[0].inFeatures, actionMaskSize: actionCount,
        rewards: rewards)
      : nil
    rng = Xoshiro256(seed: seed)
  }

  /// The local observation only (the centralized agent's own critic sees the same input).
  public var decisionInputs: DecisionInputs { [.observation] }

  /// Samples (or takes the most probable) target from `softmax(actor(observation))` restricted
  /// to the targets the mask allows.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    if log != nil { log!.credit(sim) }
    let n = logits.count
    precondition(
      view.observation.count == actor.layers[0].inFeatures && view.mask.count == n,
      "ACDispatcher: the decision view does not fit the actor")
    precondition(view.mask[n - 1], "ACDispatcher: the cloud (last target) must be valid")
    logits.withUnsafeMutableBufferPointer { out in
      actor.infer(view.observation, rows: 1, into: out, scratch: &scratch)
    }
    let mask = view.mask
    var best = n - 1
    for a in 0..<n where mask[a] && logits[a] > logits[best] { best = a }
    let action: Int
    switch acting {
    case .greedy:
      action = best
    case .sample:
      // exp(logit − max) over the valid targets only: a masked target has probability 0.
      let top = logits[best]
      var total: Float = 0
      for a in 0..<n where mask[a] { total += expf(logits[a] - top) }
      var u = rng.nextFloat() * total
      var pick = n - 1
      for a in 0..<n where mask[a] {
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
        observation: view.observation, action: action, actionVector: nil, mask: mask,
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
