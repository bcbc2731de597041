import Foundation

/// A JSON value as a tree: configs merged with partial override files (`PartialDecoding`),
/// `summary.json`'s arbitrary nested headline numbers, all `Sendable`, `Equatable` and
/// decodable for tests and later analysis.
public enum JSONValue: Sendable, Equatable, Codable {
  /// JSON `null`.
  case null
  /// `true` / `false`.
  case bool(Bool)
  /// A number. Non-finite values encode as `null` (JSON has no NaN or infinity).
  case number(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object. Keys are written sorted, so files are byte-stable across runs.
  case object([String: JSONValue])

  /// Converts any `Encodable` value (a config struct, stats, …) into a `JSONValue` by a JSON
  /// round trip. Non-finite doubles become the strings `"inf"`, `"-inf"` and `"nan"`.
  public init(encoding value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(value)
    self = try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// Decodes a value from this tree: the inverse of `init(encoding:)` (the strings `"inf"`,
  /// `"-inf"` and `"nan"` decode as non-finite doubles). Throws the decoder's `DecodingError`.
  public func decoded<T: Decodable>(as type: T.Type = T.self) throws -> T {
    let data = try JSONEncoder().encode(self)
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode(T.self, from: data)
  }

  /// Wraps an optional double: `nil` becomes `null`.
  public init(_ value: Double?) {
    if let value { self = .number(value) } else { self = .null }
  }

  /// Decodes from any JSON document.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else if let value = try? container.decode([String: JSONValue].self) {
      self = .object(value)
    } else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "not a JSON value")
    }
  }

  /// Encodes as plain JSON.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .number(let value):
      if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// Object member access; setting on a non-object turns it into an object.
  public subscript(key: String) -> JSONValue? {
    get {
      if case .object(let members) = self { return members[key] }
      return nil
    }
    set {
      var members: [String: JSONValue] = [:]
      if case .object(let existing) = self { members = existing }
      members[key] = newValue
      self = .object(members)
    }
  }

  /// The number, if this is one.
  public var doubleValue: Double? {
    if case .number(let value) = self { return value }
    return nil
  }

  /// The string, if this is one.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The boolean, if this is one.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  /// `nil` literal → `null`.
  public init(nilLiteral: ()) { self = .null }
  /// Boolean literal.
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  /// Integer literal (stored as a double).
  public init(integerLiteral value: Int) { self = .number(Double(value)) }
  /// Float literal.
  public init(floatLiteral value: Double) { self = .number(value) }
  /// String literal.
  public init(stringLiteral value: String) { self = .string(value) }
  /// Array literal.
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  /// Dictionary literal; a repeated key keeps the last value.
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
}
