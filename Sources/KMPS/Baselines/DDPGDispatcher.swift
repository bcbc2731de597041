import Envs
import RL
import SeededRandom
import TensorModule

/// The DDPG baseline's dispatcher (SPEC §4): one centralized single agent whose deterministic
/// actor scores every target (a tanh output in [−1, 1] per target), perturbed by Gaussian
/// exploration noise while training, and acts by the argmax over the **valid** targets (the
/// cloud is always valid). No policy context filter shapes the scores and there is no
/// cross-cluster routing; the stored action is the (noisy) score vector, on which the Q network
/// learns.
public struct DDPGDispatcher: DispatchPolicy {
  /// The acting snapshot of the actor (its network outputs the tanh scores).
  public var actor: MLP
  /// Standard deviation of the exploration noise added to every score; 0 = deterministic.
  public var explorationNoise: Float
  /// Uniformly random scores instead of the actor's (before learning starts).
  public var randomScores: Bool
  /// Where decisions are recorded; nil = evaluation only.
  public var log: CentralizedDecisionLog?
  private var rng: Xoshiro256
  private var scratch = InferenceScratch()
  private var scores: [Float]

  /// A dispatcher acting with `actor` (the `DeterministicActor`'s network, detached here) over
  /// `actionCount` targets.
  public init(
    actor: MLP, actionCount: Int, explorationNoise: Float, record: Bool, rewards: RewardConfig,
    seed: UInt64
  ) {
    self.actor = actor.detached()
    self.explorationNoise = explorationNoise
    randomScores = false
    scores = [Float](repeating: 0, count: actionCount)
    log =
      record
      ? CentralizedDecisionLog(
        observationDim: actor.layers[0].inFeatures, actionVectorDim: actionCount,
        rewards: rewards)
      : nil
    rng = Xoshiro256(seed: seed)
  }

  /// The local observation only.
  public var decisionInputs: DecisionInputs { [.observation] }

  /// The valid target with the highest (noisy) score.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    if log != nil { log!.credit(sim) }
    let n = scores.count
    precondition(
      view.observation.count == actor.layers[0].inFeatures && view.mask.count == n,
      "DDPGDispatcher: the decision view does not fit the actor")
    if randomScores {
      for a in 0..<n { scores[a] = rng.nextFloat() * 2 - 1 }
    } else {
      scores.withUnsafeMutableBufferPointer { out in
        actor.infer(view.observation, rows: 1, into: out, scratch: &scratch)
      }
      if explorationNoise > 0 {
        for a in 0..<n {
          let noisy = scores[a] + Float(rng.nextNormal()) * explorationNoise
          scores[a] = Swift.min(Swift.max(noisy, -1), 1)
        }
      }
    }
    var best = n - 1  // the cloud, always valid
    for a in 0..<n where view.mask[a] && scores[a] > scores[best] { best = a }
    if log != nil {
      let overloaded = best < sim.topology.edgeNodeCount && sim.isOverloaded(node: best)
      scores.withUnsafeBufferPointer { s in
        log!.record(
          observation: view.observation, action: best, actionVector: s,
          requestID: view.decision.requestID, overloaded: overloaded)
      }
    }
    return best
  }

  /// Credits the outcomes logged during the slot; at the episode's end, the last ones.
  public mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    guard log != nil else { return }
    if outcome.episodeEnded { log!.endEpisode(sim) } else { log!.credit(sim) }
  }
}
