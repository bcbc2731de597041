/// An impossible value in a KMPS training or orchestration config: the field and the reason.
public struct KMPSConfigError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The dotted path of the offending field, e.g. `curriculum[0].loadFraction`.
  public var field: String
  /// Why the value is rejected.
  public var reason: String

  /// An error for `field`.
  public init(field: String, reason: String) {
    self.field = field
    self.reason = reason
  }

  /// `invalid field: reason`, the same wording as the experiment command line's errors.
  public var description: String { "invalid \(field): \(reason)" }
}
