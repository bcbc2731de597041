import Envs
import RL
import SeededRandom
import TensorModule

/// KaiS' cMMAC dispatch on the simulator's fast API: eAP `b` scores the targets with its own
/// actor, keeps its own cluster's edge nodes and the cloud (KaiS has no cross-cluster routing)
/// within the action mask F, and samples from the Eq. 2 filter `p ⊙ F / ‖p ⊙ F‖₁` (or takes
/// its largest entry when greedy).
///
/// When recording, the first decision eAP `b` takes in a slot opens a transition (the critic
/// input: global state + one-hot of `b`); `slotEnded` gives it KaiS' reward
/// `exp(−fail) + exp(−σ_u)` (`KaiSReward`), and the episode's last slot truncates it.
public struct KaiSDispatcher: DispatchPolicy {
  /// Detached acting copies of the eAPs' actors.
  public var actors: [MLP]
  /// Sample (training, evaluation) or take the best score.
  public var acting: ActingMode
  /// Where decisions go; nil = acting only.
  public var batch: KaiSBatch?
  private var rng: Xoshiro256
  private var scratch = InferenceScratch()
  private var scores: [Float]
  private var mask: [Bool]
  private var state: [Float]
  /// Per eAP: the slot of its open transition (-1: none) and the transition's index.
  private var transitionSlot: [Int]
  private var transitionIndex: [Int]
  private let eapCount: Int
  private let globalStateSize: Int

  /// A dispatcher acting with `agent`'s actors in `simulator`'s topology.
  ///
  /// - Throws: `KMPSConfigError` when the agent was built for other sizes.
  public init(
    agent: KaiSDispatchAgent, simulator sim: borrowing EdgeCloudSimulator, acting: ActingMode,
    record: Bool, seed: UInt64
  ) throws {
    guard agent.eapCount == sim.eapCount, agent.observationDim == sim.observationSize,
      agent.stateDim == sim.globalStateSize + sim.eapCount, agent.actionCount == sim.targetCount
    else {
      throw KMPSConfigError(field: "kais", reason: "agent sizes do not match the simulator")
    }
    actors = agent.actors.map { $0.detached() }
    self.acting = acting
    batch =
      record
      ? KaiSBatch(
        eapCount: sim.eapCount, stateDim: agent.stateDim, observationDim: agent.observationDim,
        actionCount: agent.actionCount) : nil
    rng = Xoshiro256(seed: seed)
    scores = [Float](repeating: 0, count: sim.targetCount)
    mask = [Bool](repeating: false, count: sim.targetCount)
    state = [Float](repeating: 0, count: agent.stateDim)
    transitionSlot = [Int](repeating: -1, count: sim.eapCount)
    transitionIndex = [Int](repeating: 0, count: sim.eapCount)
    eapCount = sim.eapCount
    globalStateSize = sim.globalStateSize
  }

  /// Acting needs the observation; recording also the global state.
  public var decisionInputs: DecisionInputs {
    batch == nil ? [.observation] : [.observation, .globalState]
  }

  /// Replaces the acting actors with `agent`'s current ones.
  public mutating func load(_ agent: KaiSDispatchAgent) {
    actors = agent.actors.map { $0.detached() }
  }

  /// Hands the recorded batch over and starts an empty one.
  public mutating func takeBatch() -> KaiSBatch? {
    guard let full = batch else { return nil }
    batch = KaiSBatch(
      eapCount: full.eapCount, stateDim: full.stateDim, observationDim: full.observationDim,
      actionCount: full.actionCount)
    return full
  }

  /// Samples (or picks the best of) eAP `b`'s filtered scores.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let b = view.decision.eap
    let topo = sim.topology
    let own = topo.nodes(ofCluster: b)
    for a in 0..<mask.count {
      mask[a] = view.mask[a] && (a == topo.cloudTarget || own.contains(a))
    }
    scores.withUnsafeMutableBufferPointer { out in
      actors[b].infer(view.observation, rows: 1, into: out, scratch: &scratch)
    }
    var total: Float = 0
    var best = topo.cloudTarget
    var bestScore: Float = -1
    for a in 0..<mask.count where mask[a] {
      total += scores[a]
      if scores[a] > bestScore {
        bestScore = scores[a]
        best = a
      }
    }
    var action = best
    if acting == .sample, total > 0, total.isFinite {
      var u = rng.nextFloat() * total
      for a in 0..<mask.count where mask[a] {
        action = a
        u -= scores[a]
        if u < 0 { break }
      }
    }
    if batch != nil {
      if transitionSlot[b] != sim.slot {
        for i in 0..<globalStateSize { state[i] = view.globalState[i] }
        for e in 0..<eapCount { state[globalStateSize + e] = e == b ? 1 : 0 }
        transitionIndex[b] = state.withUnsafeBufferPointer {
          batch!.beginTransition(eap: b, state: $0)
        }
        transitionSlot[b] = sim.slot
      }
      let t = transitionIndex[b]
      mask.withUnsafeBufferPointer { m in
        batch!.appendDecision(
          eap: b, transition: t, observation: view.observation, mask: m, action: action)
      }
    }
    return action
  }

  /// Rewards the slot's transitions; at the episode's end truncates every eAP's last one.
  public mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    guard batch != nil else { return }
    for b in 0..<eapCount where transitionSlot[b] == outcome.slot {
      let resolved = outcome.completedOnTime[b] + outcome.failed[b]
      let failShare = resolved > 0 ? Double(outcome.failed[b]) / Double(resolved) : 0
      let utilization = sim.topology.nodes(ofCluster: b).map { sim.cpuUtilization(node: $0) }
      let r = KaiSReward.value(
        failShare: failShare, utilizationStd: KaiSReward.standardDeviation(utilization))
      batch!.setReward(Float(r), eap: b, transition: transitionIndex[b])
    }
    if outcome.episodeEnded {
      let global = sim.globalState()
      for b in 0..<eapCount {
        var final = global
        for e in 0..<eapCount { final.append(e == b ? 1 : 0) }
        batch!.truncateLast(eap: b, finalState: final)
        transitionSlot[b] = -1
      }
    }
  }
}
