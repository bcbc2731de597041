/// One pending dispatch decision of an eAP: the request it dequeued and its context. The
/// simulator hands it to the policy inside a `DecisionView`, beside the action mask.
public struct DispatchDecision: Sendable, Equatable {
  /// The deciding eAP (= cluster index).
  public var eap: Int
  /// The request's slot in the request table (stable while the request lives).
  public var requestID: Int32
  /// Service of the request.
  public var service: Int
  /// CPU demand, cores.
  public var cpuCores: Double
  /// Memory demand while running, GB.
  public var memoryGB: Double
  /// Arrival time at the eAP, ms.
  public var arrivalMs: Double
  /// Absolute deadline, ms.
  public var deadlineMs: Double
  /// Time of the decision (slot start), ms.
  public var nowMs: Double
  /// Arrived in an emergency burst.
  public var emergency: Bool
  /// Slot index in the episode.
  public var slot: Int
  /// This eAP's decision number within the slot (0, 1, …).
  public var indexInSlot: Int
  /// Decision number within the episode (all eAPs), for reward attribution.
  public var decisionIndex: Int

  /// Budget left, ms.
  public var remainingBudgetMs: Double { deadlineMs - nowMs }
}

/// How one request left the system (see `EdgeCloudSimulator.logsRequestOutcomes`).
public struct RequestOutcome: Sendable, Equatable {
  /// The request's id (ids are recycled once a request has left).
  public var requestID: Int32
  /// Completed by its deadline (true) or failed (false).
  public var onTime: Bool
}

/// What a slot produced, for reward attribution: every decision of eAP `b` taken in slot
/// `slot` earns `rewards[b]` (u_{b,t}, SPEC §3.6).
public struct SlotOutcome: Sendable, Equatable {
  /// The slot that ended.
  public var slot: Int
  /// u_{b,t} per eAP.
  public var rewards: [Double]
  /// Decisions per eAP in the slot.
  public var decisions: [Int]
  /// On-time completions of requests from each eAP in the slot.
  public var completedOnTime: [Int]
  /// Failures of requests from each eAP in the slot.
  public var failed: [Int]
  /// This was the last slot of the episode (time limit: a truncation).
  public var episodeEnded: Bool
}

/// Result of a replica removal request.
public enum ReplicaRemoval: Sendable, Equatable {
  /// An idle replica was removed.
  case removed
  /// Every replica is busy: one will be removed as soon as it is idle.
  case pending
  /// No (non-pending) replica of the service on the node: no-op.
  case infeasible
}

/// An orchestration action on one node.
public struct OrchestrationAction: Sendable, Equatable, Codable {
  /// Add or remove one replica.
  public enum Kind: String, Sendable, Codable { case add, remove }
  /// Add or remove.
  public var kind: Kind
  /// Service index.
  public var service: Int
  /// Node index (edge or cloud node).
  public var node: Int

  /// Creates an action.
  public init(_ kind: Kind, service: Int, node: Int) {
    self.kind = kind
    self.service = service
    self.node = node
  }
}
