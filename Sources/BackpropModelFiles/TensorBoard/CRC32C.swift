/// CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), the checksum of TensorFlow's
/// record files, computed with a 256-entry table.
///
/// ```swift
/// CRC32C.checksum(Array("123456789".utf8))   // 0xE3069283
/// ```
public enum CRC32C {
    /// The table of the reflected polynomial, one entry per byte value.
    static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`; with `previous`, the checksum of `bytes` following the
    /// bytes whose checksum is `previous` (`checksum(b, continuing: checksum(a))` equals
    /// the checksum of `a` followed by `b`).
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        var crc: UInt32 = previous ^ 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The masked checksum TensorFlow records store: `((crc >> 15) | (crc << 17)) + 0xA282EAD8`
    /// (wrapping), so that a checksum of data holding checksums stays well distributed.
    public static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
