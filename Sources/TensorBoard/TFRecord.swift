import Foundation

/// TFRecord framing, the container of TensorBoard event files.
///
/// Each record is
/// `uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)`,
/// integers little-endian.
public enum TFRecord {
  /// Bytes of framing around a record's data: 8 (length) + 4 + 4 (the two CRCs).
  public static let overheadBytes = 16

  /// Appends one framed record holding `data` to `output`.
  public static func append(_ data: some Collection<UInt8>, to output: inout [UInt8]) {
    let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
    output += length
    appendUInt32(CRC32C.mask(CRC32C.checksum(length)), to: &output)
    output += data
    appendUInt32(CRC32C.mask(CRC32C.checksum(data)), to: &output)
  }

  /// One framed record holding `data`.
  public static func frame(_ data: some Collection<UInt8>) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(data.count + overheadBytes)
    append(data, to: &output)
    return output
  }

  private static func appendUInt32(_ value: UInt32, to output: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { output += $0 }
  }

  /// What reading a TFRecord file found.
  public struct Contents: Sendable, Equatable {
    /// The data of every complete record whose two CRCs matched, in order.
    public var records: [[UInt8]]
    /// Bytes after the last complete record that do not form a whole record (a write cut
    /// short, as after a crash); 0 for a well-formed file.
    public var truncatedTailBytes: Int
  }

  /// Why a TFRecord file could not be read.
  public struct ReadError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Byte offset of the bad record.
    public var offset: Int
    /// Index of the bad record (0-based).
    public var record: Int
    /// What is wrong.
    public var reason: String
    /// `"TFRecord record N at byte B: reason"`.
    public var description: String { "TFRecord record \(record) at byte \(offset): \(reason)" }
  }

  /// Splits `bytes` into records, checking both CRCs of every record. A last record cut short
  /// is reported in `truncatedTailBytes` (TensorBoard's reader likewise stops there and keeps
  /// what came before); a CRC mismatch in a complete record throws.
  public static func read(_ bytes: [UInt8]) throws -> Contents {
    var records: [[UInt8]] = []
    var offset = 0
    while offset < bytes.count {
      let remaining = bytes.count - offset
      guard remaining >= 12 else { break }
      let lengthBytes = bytes[offset..<(offset + 8)]
      let storedLengthCRC = uint32(bytes, at: offset + 8)
      guard CRC32C.mask(CRC32C.checksum(lengthBytes)) == storedLengthCRC else {
        throw ReadError(offset: offset, record: records.count, reason: "length CRC mismatch")
      }
      let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      // The data or its CRC cut short.
      guard remaining >= overheadBytes, length <= UInt64(remaining - overheadBytes) else { break }
      let start = offset + 12
      let end = start + Int(length)
      let data = Array(bytes[start..<end])
      guard CRC32C.mask(CRC32C.checksum(data)) == uint32(bytes, at: end) else {
        throw ReadError(offset: offset, record: records.count, reason: "data CRC mismatch")
      }
      records.append(data)
      offset = end + 4
    }
    return Contents(records: records, truncatedTailBytes: bytes.count - offset)
  }

  /// Reads a TFRecord file (see `read(_:)`).
  public static func read(contentsOf url: URL) throws -> Contents {
    try read(Array(Data(contentsOf: url)))
  }

  private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
  }
}
