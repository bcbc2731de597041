/// CRC-32C (Castagnoli), the checksum of TFRecord framing, and TensorFlow's masking of it.
///
/// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF (RFC 3720 B.4); one
/// table lookup per byte, which is plenty for event files (a few kilobytes per episode).
public enum CRC32C {
  /// The 256-entry lookup table of the reflected polynomial.
  private static let table: [UInt32] = (0..<256).map { index in
    var crc = UInt32(index)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    return crc
  }

  /// The CRC-32C of `bytes` (`"123456789"` → 0xE3069283).
  public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    table.withUnsafeBufferPointer { table in
      for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
    return crc ^ 0xFFFF_FFFF
  }

  /// The CRC-32C of a contiguous buffer.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    table.withUnsafeBufferPointer { table in
      for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
    return crc ^ 0xFFFF_FFFF
  }

  /// TensorFlow's masked CRC: rotate right by 15 bits and add 0xA282EAD8. TFRecord stores masked
  /// CRCs because a CRC computed over data that itself embeds CRCs is weak.
  public static func mask(_ crc: UInt32) -> UInt32 {
    ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }

  /// The inverse of `mask(_:)`.
  public static func unmask(_ masked: UInt32) -> UInt32 {
    let rotated = masked &- 0xA282_EAD8
    return (rotated >> 17) | (rotated << 15)
  }
}
