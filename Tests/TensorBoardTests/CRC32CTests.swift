import Testing

@testable import TensorBoard

/// CRC-32C against published vectors (RFC 3720 B.4, the "123456789" check value) and
/// TensorFlow's masking.
struct CRC32CTests {
  @Test func checkValueOf123456789() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
  }

  @Test func rfc3720Vectors() {
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
  }

  @Test func emptyInputIsZero() {
    #expect(CRC32C.checksum([UInt8]()) == 0)
  }

  @Test func bufferAndSequenceFormsAgree() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let viaBuffer = bytes.withUnsafeBytes { CRC32C.checksum($0) }
    #expect(viaBuffer == CRC32C.checksum(bytes))
  }

  /// mask(c) = rotr15(c) + 0xA282EAD8; the first values are worked by hand.
  @Test func maskRotatesAndAddsTheDelta() {
    #expect(CRC32C.mask(0) == 0xA282_EAD8)
    // rotr15(1) = 1 << 17 = 0x20000.
    #expect(CRC32C.mask(1) == 0xA282_EAD8 &+ 0x0002_0000)
    // rotr15(0x8000) = 1.
    #expect(CRC32C.mask(0x8000) == 0xA282_EAD9)
    for value: UInt32 in [0, 1, 0xDEAD_BEEF, 0xFFFF_FFFF, 0xE306_9283] {
      #expect(CRC32C.unmask(CRC32C.mask(value)) == value)
    }
  }
}
