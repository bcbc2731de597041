/// Who orchestrates replicas at the frame time scale: the one selection type of the config,
/// the KMPS coordinator and every figure. The heuristics are built by `makeHeuristic(_:)`;
/// `agent` is a learning orchestrator that lives outside `Envs`.
public enum OrchestratorKind: String, Codable, Sendable, CaseIterable {
  /// A learning agent acts at each frame: the GPO agent in the KMPS compositions (`KMPS`), the
  /// orchestrator agent of the multi-agent `EdgeCloudEnv`. Files may also say `"gpo"`.
  case agent
  /// Kubernetes HPA (every `hpa.syncPeriodS`).
  case hpa
  /// Greedy: scale up the longest-queue service on the least-utilized node, each frame.
  case greedy
  /// Replicas stay as initially placed.
  case none

  /// Decodes a raw value; `"gpo"` (the KMPS name of the learning orchestrator) means `agent`.
  public init(from decoder: any Decoder) throws {
    let raw = try decoder.singleValueContainer().decode(String.self)
    if raw == "gpo" {
      self = .agent
    } else if let kind = OrchestratorKind(rawValue: raw) {
      self = kind
    } else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: decoder.codingPath,
          debugDescription: "unknown orchestrator '\(raw)' (expected "
            + (OrchestratorKind.allCases.map(\.rawValue) + ["gpo"]).joined(separator: ", ")
            + ")"))
    }
  }
}

/// Frame-level orchestration.
public struct OrchestrationConfig: Codable, Sendable, Equatable {
  /// Who orchestrates: in `EdgeCloudEnv`, and in the KMPS compositions (`KMPSCoordinator`).
  public var orchestrator = OrchestratorKind.hpa
  /// Orchestration actions per frame (GPO's H selected nodes; greedy's scale-ups).
  public var actionsPerFrame = 3

  /// The defaults.
  public init() {}
}

extension OrchestrationConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "orchestration") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.require(actionsPerFrame >= 1, "actionsPerFrame", "must be ≥ 1")
  }
}
