import Foundation

/// The one JSON encoder configuration used for every file we write: pretty, sorted keys (so
/// files are stable run to run), ISO-8601 dates, non-finite numbers as strings.
enum JSONFiles {
  /// Encodes `value` as pretty, key-sorted JSON with a trailing newline.
  static func encode(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    var data = try encoder.encode(value)
    data.append(UInt8(ascii: "\n"))
    return data
  }
}
