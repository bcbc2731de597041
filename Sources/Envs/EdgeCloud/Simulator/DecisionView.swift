/// What a dispatch policy asks the simulator to write into each `DecisionView` beyond the
/// decision and its mask (which are always there). Heuristics ask for nothing and pay nothing.
public struct DecisionInputs: OptionSet, Sendable, Hashable {
  /// The raw bits.
  public let rawValue: UInt8

  /// Creates a set from its raw bits.
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// The deciding eAP's local observation (`EdgeCloudSimulator.observationSize` floats, as
  /// `writeObservation(for:into:)` writes it).
  public static let observation = DecisionInputs(rawValue: 1 << 0)
  /// The global state for a centralized critic (`EdgeCloudSimulator.globalStateSize` floats,
  /// as `writeGlobalState(into:)` writes it).
  public static let globalState = DecisionInputs(rawValue: 1 << 1)
}

/// Everything one dispatch decision needs, handed by the simulator to the policy: the request
/// (`decision`), the eAP's action mask F, and — when the policy's `decisionInputs` ask for
/// them — the local observation and the global state.
///
/// All of a round's decisions are chosen on the same state (after every eAP of the round
/// dequeued its request, before any is dispatched), so the observation is the one
/// `writeObservation(for:into:)` gives at that point.
///
/// The buffers belong to the simulator and are valid only during the `choose` call that
/// receives the view: copy what must outlive it.
public struct DecisionView {
  /// The pending decision: the dequeued request and its context.
  public let decision: DispatchDecision
  /// F for this decision, `[targetCount]` (edge nodes, cloud last; the cloud is always valid).
  public let mask: UnsafeBufferPointer<Bool>
  /// The local observation, `[observationSize]`, or empty when not asked for.
  public let observation: UnsafeBufferPointer<Float>
  /// The global state, `[globalStateSize]`, or empty when not asked for.
  public let globalState: UnsafeBufferPointer<Float>

  /// A view over caller-owned buffers (they must outlive every use of the view).
  public init(
    decision: DispatchDecision, mask: UnsafeBufferPointer<Bool>,
    observation: UnsafeBufferPointer<Float>, globalState: UnsafeBufferPointer<Float>
  ) {
    self.decision = decision
    self.mask = mask
    self.observation = observation
    self.globalState = globalState
  }

  /// Whether `target` is in range and valid for this decision.
  @inline(__always)
  public func isValid(_ target: Int) -> Bool {
    target >= 0 && target < mask.count && mask[target]
  }
}
