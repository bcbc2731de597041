/// Which dequeue strategy a queue uses (SPEC §3.5).
public enum DequeueKind: String, Codable, Sendable, CaseIterable {
  /// KMPS' time-series adaptive hybrid: shortest estimated completion first, urgent promotion.
  case hybrid
  /// Delay-greedy: earliest deadline first (KaiS' dequeue).
  case edf
  /// Arrival order.
  case fifo
}

/// Who makes dispatch decisions, for the decision-latency model (SPEC §3.8).
public enum DecisionMode: String, Codable, Sendable {
  /// Each eAP decides locally (KMPS, KaiS, Greedy).
  case distributed
  /// One central decision-maker with global state (Firmament, single-agent AC/DDPG).
  case centralized
}

/// eAP dispatch, dequeue and decision latency.
public struct DispatchConfig: Codable, Sendable, Equatable {
  /// Most requests one eAP dispatches per slot.
  public var budgetPerSlot = 128
  /// Ψ, the eAP queues' dequeue strategy.
  public var eapDequeue = DequeueKind.hybrid
  /// Ψ', the node and cloud queues' dequeue strategy.
  public var nodeDequeue = DequeueKind.hybrid
  /// Whether eAPs may dispatch to nodes of neighbouring clusters.
  public var crossCluster = true
  /// Long-slot urgent promotion and rescheduling (false = the two-time-scale ablation).
  public var urgentRescheduling = true
  /// λe of the completion-time EMA `E ← λe·E + (1 − λe)·T̄`.
  public var estimatorSmoothing = 0.8
  /// Sliding window of observed completion times averaged into T̄.
  public var estimatorWindow = 10
  /// Distributed (per-eAP) or centralized decisions.
  public var decisionMode = DecisionMode.distributed
  /// Calibrated inference time of one dispatch decision, ms (measure it once per run).
  public var inferenceLatencyMs = 0.5
  /// Centralized mode: solver time per decision at the central scheduler, ms.
  public var centralSolverLatencyMs = 2.0
  /// Centralized mode: one-way latency eAP ↔ central scheduler, ms (it lives in the cloud).
  public var centralLinkLatencyMs = 100.0

  /// The testbed defaults.
  public init() {}
}

extension DispatchConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "dispatch") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.require(budgetPerSlot >= 1, "budgetPerSlot", "must be ≥ 1")
    try check.require(
      estimatorSmoothing > 0 && estimatorSmoothing < 1, "estimatorSmoothing",
      "λe must be in (0, 1)")
    try check.require(estimatorWindow >= 1, "estimatorWindow", "must be ≥ 1")
    try check.nonNegative(inferenceLatencyMs, "inferenceLatencyMs")
    try check.nonNegative(centralSolverLatencyMs, "centralSolverLatencyMs")
    try check.nonNegative(centralLinkLatencyMs, "centralLinkLatencyMs")
  }
}
