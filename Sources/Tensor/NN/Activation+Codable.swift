// A config file names an activation as a string ("relu"), and `.leakyRelu` as
// {"leakyRelu": {"alpha": 0.1}}. Synthesized `Codable` wrote every case as a one-key object
// ({"relu": {}}), which `PartialDecoding` merges key by key into the default's object, so a file
// could not change an activation (two keys, "expected one"). A string replaces the default
// whole. The old objects still decode.

extension Activation {
  /// The names of the cases without a payload, as config files write them.
  private static let names: [(String, Activation)] = [
    ("none", .none), ("relu", .relu), ("tanh", .tanh), ("sigmoid", .sigmoid),
    ("positivePlusOne", .positivePlusOne),
  ]

  private enum CodingKeys: String, CodingKey {
    case none, relu, leakyRelu, tanh, sigmoid, positivePlusOne
  }

  private enum LeakyReluKeys: String, CodingKey { case alpha }

  /// Decodes a name (`"tanh"`) or a one-key object (`{"leakyRelu": {"alpha": 0.1}}`,
  /// `{"relu": {}}`).
  public init(from decoder: any Decoder) throws {
    if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self)
    {
      guard let match = Self.names.first(where: { $0.0 == name }) else {
        throw DecodingError.dataCorruptedError(
          in: single,
          debugDescription: "unknown activation '\(name)'; expected one of "
            + Self.names.map(\.0).joined(separator: ", ")
            + #" or {"leakyRelu": {"alpha": …}}"#)
      }
      self = match.1
      return
    }
    let container = try decoder.container(keyedBy: CodingKeys.self)
    guard container.allKeys.count == 1, let key = container.allKeys.first else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "an activation object needs exactly one key, got "
            + "\(container.allKeys.map(\.stringValue))"))
    }
    if key == .leakyRelu {
      let payload = try container.nestedContainer(keyedBy: LeakyReluKeys.self, forKey: key)
      self = .leakyRelu(alpha: try payload.decode(Float.self, forKey: .alpha))
    } else {
      self = Self.names.first { $0.0 == key.stringValue }!.1
    }
  }

  /// Encodes a name, or `{"leakyRelu": {"alpha": …}}`.
  public func encode(to encoder: any Encoder) throws {
    if case .leakyRelu(let alpha) = self {
      var container = encoder.container(keyedBy: CodingKeys.self)
      var payload = container.nestedContainer(keyedBy: LeakyReluKeys.self, forKey: .leakyRelu)
      try payload.encode(alpha, forKey: .alpha)
      return
    }
    var single = encoder.singleValueContainer()
    try single.encode(Self.names.first { $0.1 == self }!.0)
  }
}
