/// Linear power model `P = P_idle + (P_max − P_idle)·u` (SPEC §3.7).
public struct EnergyConfig: Codable, Sendable, Equatable {
  /// Power of an idle 4-vCPU VM, W.
  public var idleWatts = 21.0
  /// Power of a fully busy 4-vCPU VM, W.
  public var maxWatts = 67.0
  /// vCPUs of an eAP (its inference CPU time is charged at (P_max − P_idle)/cores per core).
  public var eapCPUCores = 4.0

  /// The defaults.
  public init() {}
}

extension EnergyConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "energy") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.nonNegative(idleWatts, "idleWatts")
    try check.require(maxWatts >= idleWatts, "maxWatts", "must be ≥ idleWatts")
    try check.positive(eapCPUCores, "eapCPUCores")
  }
}
