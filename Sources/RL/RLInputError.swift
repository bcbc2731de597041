/// A caller passed inconsistent input to an RL component: names the component, the field and
/// the reason.
public struct RLInputError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The function or type that rejected the input, e.g. `"GAE.compute"`.
  public var component: String
  /// The offending argument or field.
  public var field: String
  /// Why it was rejected.
  public var reason: String

  /// Creates an input error.
  public init(component: String, field: String, reason: String) {
    self.component = component
    self.field = field
    self.reason = reason
  }

  /// `"<component>: <field>: <reason>"`.
  public var description: String { "\(component): \(field): \(reason)" }
}
