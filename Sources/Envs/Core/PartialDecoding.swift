import Foundation

// One way to read a config file: the defaults, encoded to a JSON tree, with the file's JSON
// object merged into it, decoded by the type's synthesized `Codable`. A file therefore only
// needs the fields it changes, a new field needs no decoder line, and a key the config does not
// hold (a typo) is an error naming its dotted path instead of passing silently.

/// Why a partial JSON document could not be decoded over a config's defaults.
public enum PartialDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The document is not JSON.
  case invalidJSON(reason: String)
  /// The document is JSON but not an object.
  case notAnObject
  /// A key the config does not hold, as a dotted path such as `topology.clusterCnt`.
  case unknownField(path: String)
  /// A value the config cannot hold (wrong type, missing, out of range for its type).
  case invalidValue(path: String, reason: String)
  /// The defaults or the result could not be encoded (a bug in the config type).
  case notEncodable(reason: String)

  /// The dotted path of the offending field, or `nil` when the whole document is at fault.
  public var field: String? {
    switch self {
    case .unknownField(let path): return path
    case .invalidValue(let path, _): return path.isEmpty ? nil : path
    case .invalidJSON, .notAnObject, .notEncodable: return nil
    }
  }

  /// What is wrong, without the field path.
  public var reason: String {
    switch self {
    case .invalidJSON(let reason): return "not valid JSON (\(reason))"
    case .notAnObject: return "expected a JSON object at the top"
    case .unknownField: return "unknown field (not part of the config)"
    case .invalidValue(_, let reason): return reason
    case .notEncodable(let reason): return "cannot encode the config (\(reason))"
    }
  }

  /// The reason with the field path, e.g. `unknown field 'a.b' (not part of the config)`.
  public var description: String {
    switch self {
    case .unknownField(let path): return "unknown field '\(path)' (not part of the config)"
    case .invalidValue(let path, let reason) where !path.isEmpty:
      return "field '\(path)': \(reason)"
    default: return reason
    }
  }
}

/// Decodes configs from partial JSON over their defaults (see the file comment).
public enum PartialDecoding {
  /// `defaults` with the JSON object in `data` merged in; absent keys keep their defaults.
  ///
  /// - Throws: `PartialDecodingError`; field errors carry the dotted key path.
  public static func decode<Config: Codable>(
    json data: Data, over defaults: Config
  ) throws(PartialDecodingError) -> Config {
    let override: JSONValue
    do {
      override = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw .invalidJSON(reason: "\(error)")
    }
    return try decode(override, over: defaults)
  }

  /// `defaults` with `override` (a JSON object) merged in; absent keys keep their defaults.
  ///
  /// The defaults are encoded to a tree, `override` is deep-merged into it (`merge`), the
  /// result is decoded by `Config`'s own decoder, and every key of `override` must reappear
  /// when the result is encoded again (`firstUnknownKey`). An `Optional` field set to `null`
  /// decodes as `nil`, which synthesized `Codable` does not encode, so it counts as unknown:
  /// leave such a field out instead.
  ///
  /// - Throws: `PartialDecodingError`; field errors carry the dotted key path.
  public static func decode<Config: Codable>(
    _ override: JSONValue, over defaults: Config
  ) throws(PartialDecodingError) -> Config {
    guard case .object = override else { throw .notAnObject }
    let defaultTree = try encoded(defaults)
    let config: Config
    do {
      config = try merge(defaultTree, with: override).decoded(as: Config.self)
    } catch {
      throw locate(error, override: override, defaults: defaultTree, as: Config.self)
    }
    if let unknown = firstUnknownKey(in: override, comparedTo: try encoded(config)) {
      throw .unknownField(path: unknown)
    }
    return config
  }

  /// Deep merge: objects key by key (keys only in `override` are added), anything else
  /// (numbers, strings, booleans, arrays, `null`) replaced by `override`.
  public static func merge(_ base: JSONValue, with override: JSONValue) -> JSONValue {
    guard case .object(var members) = base, case .object(let changes) = override else {
      return override
    }
    for (key, value) in changes { members[key] = merge(members[key] ?? .null, with: value) }
    return .object(members)
  }

  /// The first key path of `override` (keys in sorted order) that `result` does not hold, as
  /// a dotted path with array indices, e.g. `stages[1].episods`; `nil` when every key is there.
  ///
  /// Objects are compared key by key; arrays element by element, so unknown keys inside
  /// arrays of objects are found too.
  public static func firstUnknownKey(in override: JSONValue, comparedTo result: JSONValue)
    -> String?
  {
    firstUnknownKey(in: override, comparedTo: result, path: "")
  }

  private static func firstUnknownKey(
    in override: JSONValue, comparedTo result: JSONValue, path: String
  ) -> String? {
    switch (override, result) {
    case (.object(let changes), _):
      for key in changes.keys.sorted() {
        let keyPath = path.isEmpty ? key : "\(path).\(key)"
        guard let present = result[key] else { return keyPath }
        if let unknown = firstUnknownKey(in: changes[key]!, comparedTo: present, path: keyPath) {
          return unknown
        }
      }
    case (.array(let elements), .array(let resultElements)):
      for (index, pair) in zip(elements, resultElements).enumerated() {
        if let unknown = firstUnknownKey(in: pair.0, comparedTo: pair.1, path: "\(path)[\(index)]")
        {
          return unknown
        }
      }
    default:
      break
    }
    return nil
  }

  /// A coding path as a dotted key path with array indices, e.g. `services.placement[2][0]`.
  public static func keyPath(_ codingPath: [any CodingKey]) -> String {
    var path = ""
    for key in codingPath {
      if let index = key.intValue {
        path += "[\(index)]"
      } else {
        path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
      }
    }
    return path
  }

  private static func encoded(_ value: some Encodable) throws(PartialDecodingError) -> JSONValue {
    do {
      return try JSONValue(encoding: value)
    } catch {
      throw .notEncodable(reason: "\(error)")
    }
  }

  /// The decoder's error with its coding path as a dotted key path.
  private static func invalidValue(_ error: any Error) -> PartialDecodingError {
    switch error as? DecodingError {
    case .typeMismatch(_, let context), .valueNotFound(_, let context),
      .dataCorrupted(let context):
      return .invalidValue(path: keyPath(context.codingPath), reason: context.debugDescription)
    case .keyNotFound(let key, let context):
      return .invalidValue(
        path: keyPath(context.codingPath + [key]),
        reason: "missing (an array replaces the default whole, so each element needs every field)")
    default:
      return .invalidValue(path: "", reason: "\(error)")
    }
  }

  /// The decoder's error with the path of the field at fault. Foundation's decoder reports
  /// some errors without a coding path (on Linux, a fraction given for an `Int` is "not valid
  /// JSON"); the field is then found by applying the override's leaves one at a time.
  private static func locate<Config: Decodable>(
    _ error: any Error, override: JSONValue, defaults: JSONValue, as type: Config.Type
  ) -> PartialDecodingError {
    let described = invalidValue(error)
    guard described.field == nil else { return described }
    for (path, single) in leaves(of: override) {
      do {
        _ = try merge(defaults, with: single).decoded(as: Config.self)
      } catch {
        let located = invalidValue(error)
        if located.field != nil { return located }
        return .invalidValue(path: path, reason: "not a valid value for this field's type")
      }
    }
    return described
  }

  /// One override per leaf of `value` (objects are walked, anything else is a leaf), each
  /// nested like `value` and holding that leaf only, with the leaf's dotted path.
  private static func leaves(of value: JSONValue) -> [(path: String, override: JSONValue)] {
    guard case .object(let members) = value, !members.isEmpty else { return [("", value)] }
    var result: [(path: String, override: JSONValue)] = []
    for key in members.keys.sorted() {
      for leaf in leaves(of: members[key]!) {
        let path = leaf.path.isEmpty ? key : "\(key).\(leaf.path)"
        result.append((path, .object([key: leaf.override])))
      }
    }
    return result
  }
}
