import Foundation
import Testing

@testable import TensorBoard

/// TFRecord framing: layout, CRC checks, and reading a file whose last record was cut short.
struct TFRecordTests {
  /// The header of an empty record, worked by hand: length 0 (8 zero bytes), the masked CRC of
  /// those 8 bytes, no data, and the masked CRC of nothing (mask(0)).
  @Test func emptyRecordLayout() {
    let framed = TFRecord.frame([UInt8]())
    #expect(framed.count == 16)
    #expect(Array(framed[0..<8]) == [UInt8](repeating: 0, count: 8))
    let lengthCRC = CRC32C.mask(CRC32C.checksum([UInt8](repeating: 0, count: 8)))
    #expect(Array(framed[8..<12]) == littleEndian(lengthCRC))
    #expect(Array(framed[12..<16]) == littleEndian(CRC32C.mask(0)))
  }

  @Test func lengthIsLittleEndian() {
    let framed = TFRecord.frame([UInt8](repeating: 7, count: 0x0102))
    #expect(Array(framed[0..<8]) == [0x02, 0x01, 0, 0, 0, 0, 0, 0])
    #expect(framed.count == 0x0102 + 16)
  }

  @Test func roundTripsRecords() throws {
    var file: [UInt8] = []
    let payloads: [[UInt8]] = [[], [1], Array("hello".utf8), (0..<300).map { UInt8($0 % 251) }]
    for payload in payloads { TFRecord.append(payload, to: &file) }
    let contents = try TFRecord.read(file)
    #expect(contents.records == payloads)
    #expect(contents.truncatedTailBytes == 0)
  }

  @Test func aFlippedDataByteIsACRCError() throws {
    var file = TFRecord.frame(Array("abc".utf8)) + TFRecord.frame(Array("defg".utf8))
    file[file.count - 6] ^= 0x01  // inside the second record's data
    #expect(throws: TFRecord.ReadError.self) { try TFRecord.read(file) }
    do {
      _ = try TFRecord.read(file)
    } catch let error as TFRecord.ReadError {
      #expect(error.record == 1)
      #expect(error.reason == "data CRC mismatch")
    }
  }

  @Test func aFlippedLengthByteIsACRCError() throws {
    var file = TFRecord.frame(Array("abc".utf8))
    file[0] ^= 0x10
    #expect(throws: TFRecord.ReadError.self) { try TFRecord.read(file) }
  }

  /// Every cut of the last record, at any byte, leaves the earlier records readable.
  @Test func truncatedLastRecordKeepsTheRest() throws {
    let first = TFRecord.frame(Array("first".utf8)) + TFRecord.frame(Array("second".utf8))
    let last = TFRecord.frame(Array("third record".utf8))
    for cut in 1..<last.count {
      let contents = try TFRecord.read(first + last.dropLast(cut))
      #expect(contents.records == [Array("first".utf8), Array("second".utf8)])
      #expect(contents.truncatedTailBytes == last.count - cut)
    }
  }

  private func littleEndian(_ value: UInt32) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
  }
}
