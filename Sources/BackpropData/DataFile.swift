import BackpropCore
import CZlib
import Foundation

/// Reading data files into memory, with transparent gzip decompression.
public enum DataFile {
    /// The bytes of the file at `path`.
    ///
    /// - Throws: ``DataError`` with ``DataError/Reason/unreadable(_:)`` when the file is missing or unreadable.
    public static func bytes(at path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, reason: .unreadable("no such file"))
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return [UInt8](data)
        } catch {
            throw DataError(file: path, reason: .unreadable("\(error.localizedDescription)"))
        }
    }

    /// The bytes of the file at `path`, decompressed when they start with the gzip
    /// signature `1f 8b`.
    public static func decompressedBytes(at path: String) throws -> [UInt8] {
        let raw = try bytes(at: path)
        return isGzip(raw) ? try Gzip.decompress(raw, file: path) : raw
    }

    /// `true` when `bytes` begin with the gzip signature `1f 8b`.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }
}

/// gzip (and zlib) decompression through the system zlib.
public enum Gzip {
    /// The decompressed content of the gzip stream `compressed` (concatenated members are
    /// decompressed one after another, as `gunzip` does).
    ///
    /// - Parameters:
    ///   - compressed: the gzip stream.
    ///   - file: the file it came from, for error messages.
    ///   - budget: the most bytes the output may hold (the process's memory budget unless
    ///     given): a small stream can expand to any size.
    /// - Throws: ``DataError`` naming `file` when the stream is corrupt or ends early, or
    ///   expands past `budget`.
    public static func decompress(_ compressed: [UInt8], file: String?, budget: Int = ResourceLimits.memoryBudget) throws -> [UInt8] {
        if compressed.isEmpty { throw DataError(file: file, reason: .emptyFile) }
        var output: [UInt8] = []
        output.reserveCapacity(compressed.count * 4)
        var stream = z_stream()
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var consumed = 0
        try compressed.withUnsafeBufferPointer { input in
            while consumed < input.count {
                guard backprop_inflate_init(&stream) == Z_OK else {
                    throw DataError(file: file, reason: .malformed("zlib could not start decompressing"))
                }
                defer { inflateEnd(&stream) }
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.avail_in = uInt(input.count - consumed)
                var status: Int32 = Z_OK
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = uInt(buffer.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    if output.count + produced > budget {
                        // A small stream can expand to any size (a "zip bomb").
                        throw DataError(file: file, reason: .tooLarge("the gzip stream expands past the memory budget of \(ResourceLimits.describe(bytes: budget)) (set \(ResourceLimits.memoryBudgetVariable) to change it)"))
                    }
                    output.append(contentsOf: chunk[0..<produced])
                    switch status {
                    case Z_OK, Z_STREAM_END:
                        break
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        throw DataError(file: file, location: .byte(input.count),
                                        reason: .malformed("the gzip stream is truncated (it ends before its end marker)"))
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw DataError(file: file, location: .byte(consumed + Int(stream.total_in)),
                                        reason: .malformed("corrupt gzip stream: \(message)"))
                    }
                    if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                        throw DataError(file: file, location: .byte(input.count),
                                        reason: .malformed("the gzip stream is truncated (it ends before its end marker)"))
                    }
                } while status != Z_STREAM_END
                consumed += Int(stream.total_in)
                // Trailing zero padding after the last member is tolerated, as gunzip does.
                if input[consumed...].allSatisfy({ $0 == 0 }) { break }
            }
        }
        return output
    }

    /// `bytes` compressed as one gzip member (zlib level 6), readable by `gunzip` and by
    /// ``decompress(_:file:budget:)``.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard backprop_deflate_init(&stream, level) == Z_OK else { preconditionFailure("zlib could not start compressing") }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let written: Int = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into a buffer of deflateBound size must finish, got \(status)")
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<written])
    }
}
