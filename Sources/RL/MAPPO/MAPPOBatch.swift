/// The decisions of one agent stream (one agent, possibly over several episodes), in the order
/// they were taken. Each decision carries the global state at decision time, its reward and its
/// done flags, so agents that act asynchronously (one sample per decision) fit as well as
/// agents that act in lockstep.
public struct MAPPOStream: Sendable {
  /// Local observations `[count * observationDim]`.
  public internal(set) var observations: [Float] = []
  /// Action masks `[count * actionCount]`.
  public internal(set) var actionMasks: [Bool] = []
  /// Actions taken `[count]`.
  public internal(set) var actions: [Int] = []
  /// Log-probabilities of the actions under the acting policy `[count]`.
  public internal(set) var logProbs: [Float] = []
  /// Global states at decision time `[count * stateDim]`.
  public internal(set) var states: [Float] = []
  /// Rewards of the decisions `[count]`.
  public internal(set) var rewards: [Float] = []
  /// The decision ended its episode in a terminal state (no bootstrap) `[count]`.
  public internal(set) var terminated: [Bool] = []
  /// The decision's episode was cut short (bootstrap from `finalStates`) `[count]`.
  public internal(set) var truncated: [Bool] = []
  /// For truncated decisions: the global state after them, by decision index.
  public internal(set) var finalStates: [Int: [Float]] = [:]
  /// The state where the stream continues after its last decision (needed when that decision
  /// did not end an episode); nil otherwise.
  public internal(set) var bootstrapState: [Float]?
  /// Critic values `V(state)` of the decisions `[count]`, written by the learner at the start
  /// of an update (empty before).
  public internal(set) var values: [Float] = []
  /// Advantages supplied by the collector `[count]`, used instead of GAE's (the critic still
  /// trains on GAE's returns); empty = GAE. For baselines the critic cannot provide, such as an
  /// input-dependent baseline from several rollouts of one input sequence
  /// (`InputDependentBaseline`).
  public internal(set) var advantageOverrides: [Float] = []
  /// Advantages supplied for single decisions, by decision index (`MAPPOBatch.setAdvantage`);
  /// they win over GAE's and over `advantageOverrides`. For estimates that only some decisions
  /// get, such as counterfactual rollouts of a sampled subset.
  public internal(set) var decisionAdvantages: [Int: Float] = [:]

  /// Number of decisions.
  public var count: Int { actions.count }
}

/// The transition store MAPPO trains on: one `MAPPOStream` per agent (stream `i` is agent `i`,
/// which is also the agent id appended to observations when `appendAgentID` is on).
///
/// The collector appends decisions; the learner computes values from the stored global states
/// with its (target) critic, then GAE per stream. A batch is a value: hand it to
/// `DualBufferLearner.submit` and keep filling the returned one.
public struct MAPPOBatch: Sendable {
  /// Floats per local observation (without any agent id).
  public let observationDim: Int
  /// Floats per global state.
  public let stateDim: Int
  /// Actions per decision (mask length).
  public let actionCount: Int
  /// One stream per agent.
  public internal(set) var streams: [MAPPOStream]

  /// An empty store for `numStreams` agents.
  ///
  /// - Throws: `RLInputError` for non-positive sizes.
  public init(numStreams: Int, observationDim: Int, stateDim: Int, actionCount: Int) throws {
    for (name, value) in [
      ("numStreams", numStreams), ("observationDim", observationDim), ("stateDim", stateDim),
      ("actionCount", actionCount),
    ] where value < 1 {
      throw RLInputError(component: "MAPPOBatch.init", field: name, reason: "must be ≥ 1")
    }
    self.observationDim = observationDim
    self.stateDim = stateDim
    self.actionCount = actionCount
    streams = Array(repeating: MAPPOStream(), count: numStreams)
  }

  /// Decisions over all streams.
  public var count: Int { streams.reduce(0) { $0 + $1.count } }

  /// Appends one completed decision to stream `stream`.
  ///
  /// - Parameters:
  ///   - observation: `[observationDim]`.
  ///   - actionMask: `[actionCount]`; `action` must be valid in it.
  ///   - state: the global state at decision time, `[stateDim]`.
  ///   - finalState: the global state after the decision, `[stateDim]`; required when
  ///     `truncated && !terminated` (to bootstrap), ignored otherwise.
  /// - Throws: `RLInputError` naming the field on any inconsistency.
  public mutating func append(
    stream: Int, observation: [Float], actionMask: [Bool], action: Int, logProb: Float,
    state: [Float], reward: Float, terminated: Bool, truncated: Bool, finalState: [Float]? = nil
  ) throws {
    // Check the outcome before storing anything, so a rejected decision leaves no trace.
    try Self.checkOutcome(
      component: "MAPPOBatch.append", reward: reward, terminated: terminated,
      truncated: truncated, finalState: finalState, stateDim: stateDim)
    let index = try observation.withUnsafeBufferPointer { o in
      try actionMask.withUnsafeBufferPointer { m in
        try state.withUnsafeBufferPointer { s in
          try appendPending(
            stream: stream, observation: o, actionMask: m, action: action, logProb: logProb,
            state: s, component: "MAPPOBatch.append")
        }
      }
    }
    try setOutcome(
      stream: stream, index: index, reward: reward, terminated: terminated,
      truncated: truncated, finalState: finalState)
  }

  /// Throws unless `reward` is finite and a truncated, non-terminal outcome carries its final
  /// state.
  private static func checkOutcome(
    component: String, reward: Float, terminated: Bool, truncated: Bool, finalState: [Float]?,
    stateDim: Int
  ) throws {
    guard reward.isFinite else {
      throw RLInputError(component: component, field: "reward", reason: "is not finite")
    }
    if truncated && !terminated {
      guard let finalState, finalState.count == stateDim else {
        throw RLInputError(
          component: component, field: "finalState",
          reason: "a truncated decision needs the state after it (\(stateDim) floats)")
      }
    }
  }

  /// Appends a decision whose reward and done flags are not known yet (environments with
  /// delayed rewards, such as a slot's reward arriving after all its decisions); complete it
  /// with `setOutcome`. Copies straight from the caller's buffers (no intermediate arrays).
  ///
  /// - Returns: the decision's index in its stream.
  /// - Throws: `RLInputError` naming the field on any inconsistency.
  @discardableResult
  public mutating func appendPending(
    stream: Int, observation: UnsafeBufferPointer<Float>,
    actionMask: UnsafeBufferPointer<Bool>, action: Int, logProb: Float,
    state: UnsafeBufferPointer<Float>
  ) throws -> Int {
    try appendPending(
      stream: stream, observation: observation, actionMask: actionMask, action: action,
      logProb: logProb, state: state, component: "MAPPOBatch.appendPending")
  }

  private mutating func appendPending(
    stream: Int, observation: UnsafeBufferPointer<Float>,
    actionMask: UnsafeBufferPointer<Bool>, action: Int, logProb: Float,
    state: UnsafeBufferPointer<Float>, component: String
  ) throws -> Int {
    guard streams.indices.contains(stream) else {
      throw RLInputError(
        component: component, field: "stream", reason: "\(stream) not in 0..<\(streams.count)")
    }
    let sizes: [(String, Int, Int)] = [
      ("observation", observation.count, observationDim),
      ("actionMask", actionMask.count, actionCount), ("state", state.count, stateDim),
    ]
    for (name, got, want) in sizes where got != want {
      throw RLInputError(
        component: component, field: name, reason: "has \(got) entries, expected \(want)")
    }
    guard action >= 0 && action < actionCount && actionMask[action] else {
      throw RLInputError(
        component: component, field: "action", reason: "\(action) is out of range or masked")
    }
    guard logProb.isFinite else {
      throw RLInputError(component: component, field: "logProb", reason: "is not finite")
    }
    let index = streams[stream].count
    streams[stream].observations.append(contentsOf: observation)
    streams[stream].actionMasks.append(contentsOf: actionMask)
    streams[stream].actions.append(action)
    streams[stream].logProbs.append(logProb)
    streams[stream].states.append(contentsOf: state)
    streams[stream].rewards.append(0)
    streams[stream].terminated.append(false)
    streams[stream].truncated.append(false)
    streams[stream].bootstrapState = nil
    streams[stream].values = []
    return index
  }

  /// Completes decision `index` of stream `stream` (see `appendPending`).
  ///
  /// - Parameter finalState: the global state after the decision, `[stateDim]`; required when
  ///   `truncated && !terminated`.
  /// - Throws: `RLInputError` naming the field on any inconsistency.
  public mutating func setOutcome(
    stream: Int, index: Int, reward: Float, terminated: Bool = false, truncated: Bool = false,
    finalState: [Float]? = nil
  ) throws {
    let component = "MAPPOBatch.setOutcome"
    guard streams.indices.contains(stream), index >= 0, index < streams[stream].count else {
      throw RLInputError(
        component: component, field: "index",
        reason: "decision \(index) of stream \(stream) does not exist")
    }
    try Self.checkOutcome(
      component: component, reward: reward, terminated: terminated, truncated: truncated,
      finalState: finalState, stateDim: stateDim)
    if truncated && !terminated {
      streams[stream].finalStates[index] = finalState
    } else {
      streams[stream].finalStates[index] = nil
    }
    streams[stream].rewards[index] = reward
    streams[stream].terminated[index] = terminated
    streams[stream].truncated[index] = truncated
  }

  /// Adds `amount` to the reward of decision `index` of stream `stream` (rewards that arrive
  /// in parts, e.g. a dispatch decision credited when its request finishes).
  ///
  /// - Throws: `RLInputError` for a missing decision or a non-finite result.
  public mutating func addReward(_ amount: Float, stream: Int, index: Int) throws {
    guard streams.indices.contains(stream), index >= 0, index < streams[stream].count else {
      throw RLInputError(
        component: "MAPPOBatch.addReward", field: "index",
        reason: "decision \(index) of stream \(stream) does not exist")
    }
    let total = streams[stream].rewards[index] + amount
    guard total.isFinite else {
      throw RLInputError(
        component: "MAPPOBatch.addReward", field: "amount", reason: "reward is not finite")
    }
    streams[stream].rewards[index] = total
  }

  /// Sets the state where stream `stream` continues after its last decision (call at the end of
  /// a collection when that decision did not end an episode).
  public mutating func setBootstrapState(stream: Int, state: [Float]) throws {
    guard streams.indices.contains(stream) else {
      throw RLInputError(
        component: "MAPPOBatch.setBootstrapState", field: "stream",
        reason: "\(stream) not in 0..<\(streams.count)")
    }
    guard state.count == stateDim else {
      throw RLInputError(
        component: "MAPPOBatch.setBootstrapState", field: "state",
        reason: "has \(state.count) entries, expected \(stateDim)")
    }
    streams[stream].bootstrapState = state
  }

  /// Empties every stream, keeping their storage.
  public mutating func removeAll() {
    for i in streams.indices {
      streams[i].observations.removeAll(keepingCapacity: true)
      streams[i].actionMasks.removeAll(keepingCapacity: true)
      streams[i].actions.removeAll(keepingCapacity: true)
      streams[i].logProbs.removeAll(keepingCapacity: true)
      streams[i].states.removeAll(keepingCapacity: true)
      streams[i].rewards.removeAll(keepingCapacity: true)
      streams[i].terminated.removeAll(keepingCapacity: true)
      streams[i].truncated.removeAll(keepingCapacity: true)
      streams[i].finalStates.removeAll()
      streams[i].bootstrapState = nil
      streams[i].values.removeAll(keepingCapacity: true)
      streams[i].advantageOverrides.removeAll(keepingCapacity: true)
      streams[i].decisionAdvantages.removeAll()
    }
  }

  /// Makes `advantages` the advantages of stream `stream`'s decisions, in place of GAE's.
  ///
  /// - Throws: `RLInputError` for a missing stream, a count other than the stream's decisions,
  ///   or a non-finite advantage.
  public mutating func setAdvantages(_ advantages: [Float], stream: Int) throws {
    let component = "MAPPOBatch.setAdvantages"
    guard streams.indices.contains(stream) else {
      throw RLInputError(
        component: component, field: "stream", reason: "\(stream) not in 0..<\(streams.count)")
    }
    guard advantages.count == streams[stream].count else {
      throw RLInputError(
        component: component, field: "advantages",
        reason: "has \(advantages.count) entries, stream \(stream) has "
          + "\(streams[stream].count) decisions")
    }
    if let i = advantages.firstIndex(where: { !$0.isFinite }) {
      throw RLInputError(
        component: component, field: "advantages[\(i)]", reason: "is not finite")
    }
    streams[stream].advantageOverrides = advantages
  }

  /// Makes `advantage` the advantage of decision `index` of stream `stream`, in place of GAE's
  /// (and of any `setAdvantages` of that stream); the stream's other decisions keep theirs.
  ///
  /// - Throws: `RLInputError` for a missing stream or decision, or a non-finite advantage.
  public mutating func setAdvantage(_ advantage: Float, stream: Int, index: Int) throws {
    let component = "MAPPOBatch.setAdvantage"
    guard streams.indices.contains(stream) else {
      throw RLInputError(
        component: component, field: "stream", reason: "\(stream) not in 0..<\(streams.count)")
    }
    guard (0..<streams[stream].count).contains(index) else {
      throw RLInputError(
        component: component, field: "index",
        reason: "\(index) not in 0..<\(streams[stream].count) (stream \(stream)'s decisions)")
    }
    guard advantage.isFinite else {
      throw RLInputError(component: component, field: "advantage", reason: "is not finite")
    }
    streams[stream].decisionAdvantages[index] = advantage
  }

  /// Appends `other`'s streams after this batch's (several rollouts trained as one batch; every
  /// stream keeps its own episode boundaries and bootstrap).
  ///
  /// - Throws: `RLInputError` when the dimensions differ.
  public mutating func appendStreams(of other: MAPPOBatch) throws {
    guard other.observationDim == observationDim, other.stateDim == stateDim,
      other.actionCount == actionCount
    else {
      throw RLInputError(
        component: "MAPPOBatch.appendStreams", field: "other",
        reason: "dims (obs \(other.observationDim), state \(other.stateDim), actions "
          + "\(other.actionCount)) differ from this batch's (\(observationDim), \(stateDim), "
          + "\(actionCount))")
    }
    streams.append(contentsOf: other.streams)
  }

  /// Mean reward per decision over all streams (0 when empty).
  public var meanReward: Float {
    let total = streams.reduce(Float(0)) { $0 + $1.rewards.reduce(0, +) }
    return count > 0 ? total / Float(count) : 0
  }
}
