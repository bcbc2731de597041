import Envs
import Foundation
import RL
import SeededRandom
import TensorModule

/// What a learned dispatcher's critic sees.
public enum CriticView: String, Codable, Sendable, Equatable {
  /// MAPPO's centralized critic: the global state followed by a one-hot of the acting eAP (the
  /// reward is per eAP, so the value of a state depends on whose reward it predicts).
  case globalStateWithAgentID
  /// The centralized critic's input followed by the decision's local observation: the global
  /// state, one-hot of the acting eAP, then the request's service, remaining budget, emergency
  /// flag and target features. Under per-request credit a decision's return depends on its own
  /// request as much as on the system, and a critic blind to the request cannot tell an
  /// urgent request (likely to fail whatever the target) from a relaxed one.
  case globalStateWithObservation
  /// A single agent's own critic on the decision's local observation (traditional PPO).
  case localObservation

  /// Whether the critic input starts with the global state and the acting eAP's id.
  var includesGlobalState: Bool { self != .localObservation }
}

/// What a dispatch decision is rewarded with.
public enum DispatchRewardKind: String, Codable, Sendable, Equatable {
  /// The paper's u_{b,t}: every decision eAP b took in slot t gets the slot's reward
  /// ω1·(on-time share) + ω2·(failure share) + ω3·(overload share) of that eAP.
  case slot
  /// Per-decision credit: ω1 when the dispatched request completes by its deadline, ω2 when
  /// it fails, plus ω3 when the chosen edge node was above the overload threshold at dispatch.
  /// Same weights as `slot`, attributed to the decision that caused the outcome.
  case request
}

/// What names a request the same way in every rollout of one episode's arrival sequence (its
/// arrival time, eAP and service): the key of `InputDependentBaseline`.
public struct RequestKey: Hashable, Sendable {
  /// Arrival at the eAP, ms.
  public var arrivalMs: Double
  /// Originating eAP.
  public var eap: Int32
  /// Service.
  public var service: Int32

  /// The key of decision `d`'s request.
  public init(_ d: DispatchDecision) {
    self.init(arrivalMs: d.arrivalMs, eap: d.eap, service: d.service)
  }

  /// The key of a request of `service` that arrived at `eap` at `arrivalMs`.
  public init(arrivalMs: Double, eap: Int, service: Int) {
    self.arrivalMs = arrivalMs
    self.eap = Int32(eap)
    self.service = Int32(service)
  }
}

/// How trained decisions are taken.
public enum ActingMode: String, Codable, Sendable, Equatable {
  /// Sample from the policy (training, and the paper's stochastic execution).
  case sample
  /// Take the most probable valid target.
  case greedy
}

/// The KMPS request dispatcher on the simulator's fast API: one shared actor executed
/// independently by every eAP (Eq. 2 filter over the action mask F), recording each decision
/// for MAPPO with the slot reward u_{b,t} of the eAP that took it.
///
/// Decisions of a slot wait in `pending` until `slotEnded` delivers the slot's rewards; then they
/// go to `batch` (stream = eAP, or one stream for a single agent). The last slot of an episode
/// marks each stream's last decision truncated (a time limit), bootstrapped from the final state.
public struct LearnedDispatcher: DispatchPolicy {
  /// The acting snapshot of the shared actor (replaced when newer weights are published).
  public var policy: MAPPOPolicy
  /// Sampled or greedy decisions.
  public var acting: ActingMode
  /// Where decisions are recorded; nil = evaluation only.
  public var batch: MAPPOBatch?
  /// What the recorded critic input is.
  public let criticView: CriticView
  /// One stream per eAP (multi-agent) or a single stream (a single agent deciding for all).
  public let streamPerEAP: Bool
  /// How decisions are rewarded.
  public let rewardKind: DispatchRewardKind
  /// Reward weights ω1, ω2, ω3 (from the simulator's config).
  public let rewardWeights: RewardConfig
  private var rng: Xoshiro256
  private let eapCount: Int
  private let globalStateSize: Int
  private var observation: [Float]
  private var mask: [Bool]
  /// The actor's inference memory (acting allocates nothing once it has grown).
  private var scratch = InferenceScratch()
  private var state: [Float]
  /// This slot's recorded decisions (stream, index in stream, eAP), waiting for its rewards.
  private var pending: [(stream: Int, index: Int, eap: Int)] = []
  /// `.request` rewards: the recorded decision of each request still in the system.
  private var openRequests: [Int32: (stream: Int, index: Int)] = [:]
  /// `.request` rewards: how many of the simulator's logged outcomes have been credited.
  private var outcomeCursor = 0
  /// Whether recording also keeps each decision's `RequestKey` (multi-rollout baselines).
  public var recordsRequestKeys = false
  /// Per stream, the `RequestKey` of every recorded decision (when `recordsRequestKeys`).
  public private(set) var requestKeys: [[RequestKey]] = []
  /// Counterfactual rollout advantages for a subset of the recorded decisions (off by
  /// default; `CounterfactualAdvantageConfig`).
  public var counterfactual = CounterfactualAdvantageConfig()
  /// Recorded decisions so far (every `counterfactual.everyDecisions`-th gets a counterfactual
  /// advantage).
  public private(set) var recordedDecisions = 0

  /// The dimensions of what this dispatcher records for `simulator`.
  public static func dimensions(for simulator: borrowing EdgeCloudSimulator, criticView: CriticView)
    -> (observation: Int, state: Int, actions: Int)
  {
    let observation = simulator.observationSize
    let global = simulator.globalStateSize + simulator.eapCount
    let state: Int
    switch criticView {
    case .localObservation: state = observation
    case .globalStateWithAgentID: state = global
    case .globalStateWithObservation: state = global + observation
    }
    return (observation, state, simulator.targetCount)
  }

  /// A dispatcher acting with `policy`; `record` allocates the batch it fills.
  public init(
    policy: MAPPOPolicy, simulator: borrowing EdgeCloudSimulator, criticView: CriticView,
    streamPerEAP: Bool, acting: ActingMode, record: Bool, seed: UInt64,
    rewardKind: DispatchRewardKind = .slot
  ) throws {
    self.policy = policy
    self.rewardKind = rewardKind
    rewardWeights = simulator.config.rewards
    self.acting = acting
    self.criticView = criticView
    self.streamPerEAP = streamPerEAP
    eapCount = simulator.eapCount
    globalStateSize = simulator.globalStateSize
    let dims = Self.dimensions(for: simulator, criticView: criticView)
    observation = [Float](repeating: 0, count: dims.observation)
    mask = [Bool](repeating: false, count: dims.actions)
    state = [Float](repeating: 0, count: dims.state)
    batch =
      record
      ? try MAPPOBatch(
        numStreams: streamPerEAP ? simulator.eapCount : 1, observationDim: dims.observation,
        stateDim: dims.state, actionCount: dims.actions)
      : nil
    rng = Xoshiro256(seed: seed)
  }

  /// The local observation always; the global state too while recording for the centralized
  /// critic.
  public var decisionInputs: DecisionInputs {
    batch != nil && criticView.includesGlobalState
      ? [.observation, .globalState] : [.observation]
  }

  /// Acts on the view's observation and mask (sampled or greedy) and, when recording, appends
  /// the decision to its stream.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let d = view.decision
    // Credit finished requests first: an id in the log may be reused by this very decision.
    if rewardKind == .request && batch != nil { creditOutcomes(sim) }
    precondition(
      view.observation.count == observation.count && view.mask.count == mask.count,
      "LearnedDispatcher: the decision view lacks the observation or has another size")
    observation.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: view.observation) }
    mask.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: view.mask) }
    let action: Int
    let logProb: Float
    switch acting {
    case .sample:
      (action, logProb) = policy.act(
        observation: observation, mask: mask, agent: d.eap, scratch: &scratch, using: &rng)
    case .greedy:
      let p = policy.probabilities(
        observation: observation, mask: mask, agent: d.eap, scratch: &scratch)
      var best = sim.targetCount - 1  // the cloud is always valid
      for a in p.indices where mask[a] && p[a] > p[best] { best = a }
      action = best
      logProb = p[best] > 0 ? Float(log(Double(p[best]))) : 0
    }
    if batch != nil {
      record(d, action: action, logProb: logProb, globalState: view.globalState, sim)
      recordedDecisions += 1
      if counterfactual.isOn && recordedDecisions % counterfactual.everyDecisions == 0 {
        let p = policy.probabilities(
          observation: observation, mask: mask, agent: d.eap, scratch: &scratch)
        let advantage = counterfactual.advantage(
          d, action: action, probabilities: p, mask: mask, weights: rewardWeights, sim)
        let at = pending[pending.count - 1]
        do {
          try batch!.setAdvantage(advantage, stream: at.stream, index: at.index)
        } catch {
          preconditionFailure("LearnedDispatcher: counterfactual advantage: \(error)")
        }
      }
    }
    return action
  }

  /// Appends decision `d` to its stream, reward pending until the slot ends; `globalState` is
  /// the view's (used by the centralized critic).
  private mutating func record(
    _ d: DispatchDecision, action: Int, logProb: Float, globalState: UnsafeBufferPointer<Float>,
    _ sim: borrowing EdgeCloudSimulator
  ) {
    let stream = streamPerEAP ? d.eap : 0
    if criticView.includesGlobalState {
      precondition(
        globalState.count == globalStateSize,
        "LearnedDispatcher: the decision view lacks the global state")
      state.withUnsafeMutableBufferPointer { buffer in
        _ = UnsafeMutableBufferPointer(rebasing: buffer[0..<globalStateSize])
          .update(fromContentsOf: globalState)
      }
      writeAgentID(eap: d.eap)
      if criticView == .globalStateWithObservation { writeObservationPart(observation) }
    }
    // Move the batch out so the buffer closures capture locals only (unique storage, no copy).
    var recorded = batch!
    batch = nil
    let o = observation
    let m = mask
    let s = criticView == .localObservation ? observation : state
    let index: Int
    do {
      index = try o.withUnsafeBufferPointer { op in
        try m.withUnsafeBufferPointer { mp in
          try s.withUnsafeBufferPointer { sp in
            try recorded.appendPending(
              stream: stream, observation: op, actionMask: mp, action: action, logProb: logProb,
              state: sp)
          }
        }
      }
    } catch {
      // The sizes come from the simulator itself: a mismatch is a programming error.
      preconditionFailure("LearnedDispatcher: inconsistent decision record: \(error)")
    }
    if rewardKind == .request {
      let overloaded =
        action < sim.topology.edgeNodeCount && sim.isOverloaded(node: action)
      if overloaded {
        do {
          try recorded.addReward(Float(rewardWeights.overloadWeight), stream: stream, index: index)
        } catch {
          preconditionFailure("LearnedDispatcher: overload penalty: \(error)")
        }
      }
      // A rescheduled request's earlier decision keeps only its overload term.
      openRequests[d.requestID] = (stream, index)
    }
    batch = recorded
    pending.append((stream, index, d.eap))
    if recordsRequestKeys {
      if requestKeys.count <= stream {
        requestKeys.append(contentsOf: repeatElement([], count: stream + 1 - requestKeys.count))
      }
      requestKeys[stream].append(RequestKey(d))
    }
  }

  /// Writes the agent part of the centralized critic's input, one-hot(eap), after the global
  /// state in `state`.
  private mutating func writeAgentID(eap: Int) {
    let size = globalStateSize
    let count = eapCount
    state.withUnsafeMutableBufferPointer { buffer in
      for b in 0..<count { buffer[size + b] = b == eap ? 1 : 0 }
    }
  }

  /// Writes `observation` after the global state and agent id in `state`.
  private mutating func writeObservationPart(_ observation: [Float]) {
    let offset = globalStateSize + eapCount
    state.withUnsafeMutableBufferPointer { buffer in
      _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + observation.count)])
        .update(fromContentsOf: observation)
    }
  }

  /// Adds each newly logged request outcome to the reward of the decision that dispatched it.
  private mutating func creditOutcomes(_ sim: borrowing EdgeCloudSimulator) {
    let log = sim.requestOutcomes
    let total = sim.requestOutcomesLogged
    if total < outcomeCursor { outcomeCursor = 0 }  // a new episode began
    let first = max(0, log.count - (total - outcomeCursor))
    for k in first..<log.count {
      let o = log[k]
      guard let at = openRequests.removeValue(forKey: o.requestID) else { continue }
      let credit = o.onTime ? rewardWeights.onTimeWeight : rewardWeights.failureWeight
      do {
        try batch!.addReward(Float(credit), stream: at.stream, index: at.index)
      } catch {
        preconditionFailure("LearnedDispatcher: crediting a request outcome: \(error)")
      }
    }
    outcomeCursor = total
  }

  public mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {
    guard batch != nil else { return }
    if rewardKind == .request { creditOutcomes(sim) }
    let streamCount = streamPerEAP ? eapCount : 1
    var lastIndex = [Int](repeating: -1, count: streamCount)
    for p in pending { lastIndex[p.stream] = p.index }
    do {
      for p in pending {
        let truncated = outcome.episodeEnded && lastIndex[p.stream] == p.index
        let reward =
          rewardKind == .slot
          ? Float(outcome.rewards[p.eap]) : batch!.streams[p.stream].rewards[p.index]
        try batch!.setOutcome(
          stream: p.stream, index: p.index, reward: reward, truncated: truncated,
          finalState: truncated ? finalCriticInput(stream: p.stream, sim) : nil)
      }
      pending.removeAll(keepingCapacity: true)
      if outcome.episodeEnded {
        try closeStreams(sim)
        // Requests still in the system at the time limit keep their overload term only.
        openRequests.removeAll(keepingCapacity: true)
        outcomeCursor = 0
      }
    } catch {
      preconditionFailure("LearnedDispatcher: inconsistent slot outcome: \(error)")
    }
  }

  /// The critic input a truncated stream continues from: the final global state for the
  /// stream's eAP, or (local-observation critic) the stream's last observation as a stand-in
  /// for the next one, which does not exist at a time limit.
  private mutating func finalCriticInput(stream: Int, _ sim: borrowing EdgeCloudSimulator)
    -> [Float]
  {
    switch criticView {
    case .localObservation:
      let s = batch!.streams[stream]
      let dim = batch!.observationDim
      return Array(s.observations[((s.count - 1) * dim)..<(s.count * dim)])
    case .globalStateWithAgentID, .globalStateWithObservation:
      // The state the stream continues from, at the episode's end (no decision, no view).
      state.withUnsafeMutableBufferPointer { sim.writeGlobalState(into: $0) }
      writeAgentID(eap: stream)
      if criticView == .globalStateWithObservation {
        // No request is being decided: the stream's last observation stands in.
        let s = batch!.streams[stream]
        let dim = batch!.observationDim
        writeObservationPart(Array(s.observations[((s.count - 1) * dim)..<(s.count * dim)]))
      }
      return state
    }
  }

  /// Gives every stream whose last decision is not marked truncated (it took none in the last
  /// slot) the final state to bootstrap from.
  private mutating func closeStreams(_ sim: borrowing EdgeCloudSimulator) throws {
    for index in 0..<batch!.streams.count {
      let stream = batch!.streams[index]
      let n = stream.count
      guard n > 0, !stream.truncated[n - 1], !stream.terminated[n - 1] else { continue }
      try batch!.setBootstrapState(stream: index, state: finalCriticInput(stream: index, sim))
    }
  }

  /// Hands out the recorded decisions' keys per stream (aligned with the batch `takeBatch`
  /// hands out) and starts empty ones.
  public mutating func takeRequestKeys() -> [[RequestKey]] {
    let keys = requestKeys
    requestKeys = []
    return keys
  }

  /// Hands out the recorded batch and continues into `recycled` (emptied; its storage is
  /// reused) or a new empty batch.
  public mutating func takeBatch(replacingWith recycled: MAPPOBatch?) -> MAPPOBatch? {
    guard let full = batch else { return nil }
    precondition(pending.isEmpty, "takeBatch in the middle of a slot")
    if var next = recycled, next.streams.count == full.streams.count,
      next.observationDim == full.observationDim, next.stateDim == full.stateDim
    {
      next.removeAll()
      batch = next
    } else {
      batch = try? MAPPOBatch(
        numStreams: full.streams.count, observationDim: full.observationDim,
        stateDim: full.stateDim, actionCount: full.actionCount)
    }
    return full
  }
}
