import Envs

/// The decisions of one centralized single agent over an episode (one trajectory, in decision
/// order), with per-request reward credit: a decision earns ω1 when the request it dispatched
/// completes by its deadline, ω2 when it fails, plus ω3 when the chosen edge node was above the
/// overload threshold at dispatch (`DispatchRewardKind.request`, the weights of
/// `EdgeCloudConfig.rewards`). The simulator must log request outcomes
/// (`logsRequestOutcomes = true`).
///
/// Outcomes arrive slots after the decisions, so the log is read at the episode's end.
public struct CentralizedDecisionLog: Sendable {
  /// Floats per observation.
  public let observationDim: Int
  /// Floats per stored action vector (DDPG's target scores; 0 for discrete agents).
  public let actionVectorDim: Int
  /// Entries per stored action mask (the target count; 0 = masks not stored).
  public let actionMaskSize: Int
  /// Observations `[count * observationDim]`, in decision order.
  public private(set) var observations: [Float] = []
  /// The targets taken `[count]`.
  public private(set) var actions: [Int] = []
  /// The action vectors the agent emitted `[count * actionVectorDim]`.
  public private(set) var actionVectors: [Float] = []
  /// The masks F the decisions were taken under `[count * actionMaskSize]`, true = valid.
  public private(set) var actionMasks: [Bool] = []
  /// Rewards `[count]` (complete once the episode has ended).
  public private(set) var rewards: [Float] = []
  private let weights: RewardConfig
  /// The decision of each request still in the system.
  private var openRequests: [Int32: Int] = [:]
  /// How many of the simulator's logged outcomes have been credited.
  private var outcomeCursor = 0

  /// An empty log for observations of `observationDim` floats.
  public init(
    observationDim: Int, actionVectorDim: Int = 0, actionMaskSize: Int = 0,
    rewards: RewardConfig
  ) {
    self.observationDim = observationDim
    self.actionVectorDim = actionVectorDim
    self.actionMaskSize = actionMaskSize
    weights = rewards
  }

  /// Decisions recorded.
  public var count: Int { actions.count }

  /// Records one decision; `mask` is required when the log stores masks. Call `credit(_:)`
  /// first (an id in the outcome log may be reused by this very decision).
  public mutating func record(
    observation: UnsafeBufferPointer<Float>, action: Int,
    actionVector: UnsafeBufferPointer<Float>?, mask: UnsafeBufferPointer<Bool>? = nil,
    requestID: Int32, overloaded: Bool
  ) {
    precondition(observation.count == observationDim, "CentralizedDecisionLog: observation size")
    observations.append(contentsOf: observation)
    actions.append(action)
    if actionVectorDim > 0 {
      precondition(
        actionVector?.count == actionVectorDim, "CentralizedDecisionLog: action vector size")
      actionVectors.append(contentsOf: actionVector!)
    }
    if actionMaskSize > 0 {
      precondition(mask?.count == actionMaskSize, "CentralizedDecisionLog: mask size")
      actionMasks.append(contentsOf: mask!)
    }
    rewards.append(overloaded ? Float(weights.overloadWeight) : 0)
    // A rescheduled request's earlier decision keeps only its overload term.
    openRequests[requestID] = actions.count - 1
  }

  /// Adds each newly logged request outcome to the reward of the decision that dispatched it.
  public mutating func credit(_ sim: borrowing EdgeCloudSimulator) {
    let log = sim.requestOutcomes
    let total = sim.requestOutcomesLogged
    if total < outcomeCursor { outcomeCursor = 0 }  // a new episode began
    let first = max(0, log.count - (total - outcomeCursor))
    for k in first..<log.count {
      let o = log[k]
      guard let at = openRequests.removeValue(forKey: o.requestID) else { continue }
      rewards[at] += Float(o.onTime ? weights.onTimeWeight : weights.failureWeight)
    }
    outcomeCursor = total
  }

  /// Credits the last outcomes and forgets the requests still in the system (they keep their
  /// overload term only): call when the episode ends.
  public mutating func endEpisode(_ sim: borrowing EdgeCloudSimulator) {
    credit(sim)
    openRequests.removeAll(keepingCapacity: true)
    outcomeCursor = 0
  }

  /// Observation `i` (`0..<count`).
  public func observation(_ i: Int) -> ArraySlice<Float> {
    observations[(i * observationDim)..<((i + 1) * observationDim)]
  }

  /// Action vector `i` (`0..<count`).
  public func actionVector(_ i: Int) -> ArraySlice<Float> {
    actionVectors[(i * actionVectorDim)..<((i + 1) * actionVectorDim)]
  }

  /// Action mask `i` (`0..<count`), `[actionMaskSize]`, indexed by target.
  public func actionMask(_ i: Int) -> [Bool] {
    Array(actionMasks[(i * actionMaskSize)..<((i + 1) * actionMaskSize)])
  }

  /// Empties the log (keeping its storage).
  public mutating func removeAll() {
    observations.removeAll(keepingCapacity: true)
    actions.removeAll(keepingCapacity: true)
    actionVectors.removeAll(keepingCapacity: true)
    actionMasks.removeAll(keepingCapacity: true)
    rewards.removeAll(keepingCapacity: true)
    openRequests.removeAll(keepingCapacity: true)
    outcomeCursor = 0
  }
}
