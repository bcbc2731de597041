/// Reward weights (SPEC §3.6).
public struct RewardConfig: Codable, Sendable, Equatable {
  /// ω1: weight of the eAP's on-time share in the slot.
  public var onTimeWeight = 1.0
  /// ω2: weight of the eAP's failure share in the slot (negative: a penalty).
  public var failureWeight = -1.0
  /// ω3: weight of the overload share of the eAP's dispatches (negative: a penalty).
  public var overloadWeight = -0.5
  /// A node is overloaded above this CPU or memory utilization (paper: 85 %).
  public var overloadThreshold = 0.85
  /// β1: node reward weight of Δ completed requests (per 100 requests).
  public var nodeCompletedWeight = 1.0
  /// β2: node reward weight of the imbalance (1 − Jain's index of node CPU utilization).
  public var nodeImbalanceWeight = 1.0
  /// μ1: service reward weight of replica growth of high-demand services.
  public var serviceGrowthWeight = 1.0
  /// μ2: service reward weight of replica growth of other services.
  public var serviceWasteWeight = 0.5

  /// The defaults.
  public init() {}
}

extension RewardConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "rewards") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.require(
      overloadThreshold > 0 && overloadThreshold <= 1, "overloadThreshold", "must be in (0, 1]")
  }
}
