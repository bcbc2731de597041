/// Who orchestrates replicas in `EdgeCloudEnv` (the fast API takes a policy instead).
public enum OrchestratorKind: String, Codable, Sendable {
  /// The orchestrator agent of the multi-agent env acts at each frame.
  case agent
  /// Kubernetes HPA (every `hpa.syncPeriodS`).
  case hpa
  /// Greedy: scale up the longest-queue service on the least-utilized node, each frame.
  case greedy
  /// Replicas stay as initially placed.
  case none
}

/// Frame-level orchestration.
public struct OrchestrationConfig: Codable, Sendable, Equatable {
  /// Who orchestrates in `EdgeCloudEnv`.
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
