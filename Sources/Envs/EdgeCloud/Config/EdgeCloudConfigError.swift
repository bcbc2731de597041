/// A configuration value that is impossible, with the field path and the reason.
public struct EdgeCloudConfigError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The dotted path of the offending field, e.g. `topology.clusterCount`.
  public var field: String
  /// Why the value is rejected.
  public var reason: String

  /// Creates an error for `field`.
  public init(field: String, reason: String) {
    self.field = field
    self.reason = reason
  }

  /// `field: reason`.
  public var description: String { "invalid EdgeCloud config: \(field): \(reason)" }
}

/// The range checks every sub-config's `validate(path:)` uses; errors name `path.field`.
struct ConfigCheck {
  /// The sub-config's dotted path, e.g. `topology`.
  let path: String

  /// An error for `field` of this sub-config.
  func fail(_ field: String, _ reason: String) -> EdgeCloudConfigError {
    EdgeCloudConfigError(field: path.isEmpty ? field : "\(path).\(field)", reason: reason)
  }

  /// Throws `reason` for `field` unless `condition` holds.
  func require(_ condition: Bool, _ field: String, _ reason: @autoclosure () -> String)
    throws(EdgeCloudConfigError)
  {
    guard condition else { throw fail(field, reason()) }
  }

  /// Throws unless `value` is a positive finite number.
  func positive(_ value: Double, _ field: String) throws(EdgeCloudConfigError) {
    guard value > 0, value.isFinite else {
      throw fail(field, "must be a positive finite number, got \(value)")
    }
  }

  /// Throws unless `value` is finite and ≥ 0.
  func nonNegative(_ value: Double, _ field: String) throws(EdgeCloudConfigError) {
    guard value >= 0, value.isFinite else {
      throw fail(field, "must be ≥ 0 and finite, got \(value)")
    }
  }
}
