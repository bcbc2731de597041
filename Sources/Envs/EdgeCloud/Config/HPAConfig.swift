/// Kubernetes Horizontal Pod Autoscaler settings (SPEC §4), one HPA per (cluster, service).
public struct HPAConfig: Codable, Sendable, Equatable {
  /// Target average CPU utilization (relative to the replica's CPU request).
  public var targetUtilization = 0.7
  /// No change while |utilization / target − 1| ≤ this.
  public var tolerance = 0.1
  /// Sync period, s.
  public var syncPeriodS = 15.0
  /// Scale-down stabilization window (highest recommendation in it wins), s.
  public var scaleDownStabilizationS = 300.0
  /// Fewest replicas per (cluster, service).
  public var minReplicas = 1
  /// Most replicas per (cluster, service).
  public var maxReplicas = 96

  /// Kubernetes' defaults.
  public init() {}
}

extension HPAConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "hpa") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.positive(targetUtilization, "targetUtilization")
    try check.nonNegative(tolerance, "tolerance")
    try check.positive(syncPeriodS, "syncPeriodS")
    try check.nonNegative(scaleDownStabilizationS, "scaleDownStabilizationS")
    try check.require(minReplicas >= 1, "minReplicas", "must be ≥ 1")
    try check.require(maxReplicas >= minReplicas, "maxReplicas", "must be ≥ minReplicas")
  }
}
