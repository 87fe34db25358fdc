import BackpropData
import CZlib
import Foundation

/// Extracting members of the archives some data sets are published in: `.tar.gz` (or
/// plain `.tar`) and `.zip` (stored or deflated members), read by this library itself —
/// never by a shell command.
public enum Archive {
    /// Extracts `members` of the archive at `path` into `folder`, each under its new name;
    /// a member is written to a temporary name and renamed when complete.
    ///
    /// - Parameters:
    ///   - path: The `.tar.gz`, `.tgz`, `.tar` or `.zip` file.
    ///   - members: The member paths and the names to save them under.
    ///   - folder: The folder the members are written to.
    /// - Throws: ``DatasetFetchError`` when a member is missing; `DataError` (with the byte
    ///   offset) when the archive is damaged.
    public static func extract(_ path: String, members: [CataloguePreparation.ArchiveMember], into folder: String) throws {
        let contents: [String: [UInt8]]
        let wanted = Set(members.map(\.path))
        if path.hasSuffix(".zip") {
            contents = try ZipReader(path: path).read(wanted)
        } else {
            contents = try TarReader.read(DataFile.decompressedBytes(at: path), file: path, members: wanted)
        }
        for member in members {
            guard let bytes = contents[member.path] else {
                throw DatasetFetchError(dataset: nil, reason: .archive("\(path) has no member \(member.path)"))
            }
            let target = folder + "/" + member.savedAs
            let temporary = target + ".part"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw DatasetFetchError(dataset: nil, reason: .cache("cannot write \(temporary)"))
            }
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: temporary, toPath: target)
        }
    }
}

/// A reader of POSIX ustar (and GNU) tar streams.
enum TarReader {
    /// The regular-file members of `bytes` whose paths are in `members`, by path.
    static func read(_ bytes: [UInt8], file: String, members: Set<String>) throws -> [String: [UInt8]] {
        var found: [String: [UInt8]] = [:]
        var offset = 0
        var longName: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            func field(_ start: Int, _ length: Int) -> String {
                let slice = bytes[(offset + start)..<(offset + start + length)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            let sizeText = field(124, 12).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let size = Int(sizeText, radix: 8) else {
                throw DataError(file: file, location: .byte(offset + 124), reason: .malformed("tar header with size field \"\(sizeText)\""))
            }
            let checksum = Int(field(148, 8).trimmingCharacters(in: CharacterSet(charactersIn: " \0")), radix: 8)
            let computed = header.enumerated().reduce(0) { $0 + (148..<156 ~= $1.offset ? 32 : Int($1.element)) }
            guard checksum == computed else {
                throw DataError(file: file, location: .byte(offset), reason: .malformed("tar header checksum \(checksum.map(String.init) ?? "?") does not match \(computed)"))
            }
            let type = bytes[offset + 156]
            var name = field(0, 100)
            if field(257, 6).hasPrefix("ustar") {
                let prefix = field(345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            if let long = longName { name = long; longName = nil }
            let start = offset + 512
            guard start + size <= bytes.count else {
                throw DataError(file: file, location: .byte(start), reason: .truncated(expectedBytes: start + size, actualBytes: bytes.count))
            }
            if type == UInt8(ascii: "L") {
                longName = String(decoding: bytes[start..<(start + size)].prefix { $0 != 0 }, as: UTF8.self)
            } else if (type == 0 || type == UInt8(ascii: "0")) && members.contains(name) {
                found[name] = Array(bytes[start..<(start + size)])
            }
            offset = start + (size + 511) / 512 * 512
        }
        return found
    }
}

/// A reader of `.zip` files (stored and deflated members, no ZIP64), reading only the
/// central directory and the members asked for.
struct ZipReader {
    let path: String

    func read(_ members: Set<String>) throws -> [String: [UInt8]] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, reason: .unreadable("cannot open the file"))
        }
        defer { try? handle.close() }
        let length = Int(try handle.seekToEnd())
        func bytes(at offset: Int, count: Int) throws -> [UInt8] {
            guard offset >= 0, offset + count <= length else {
                throw DataError(file: path, location: .byte(offset), reason: .truncated(expectedBytes: offset + count, actualBytes: length))
            }
            try handle.seek(toOffset: UInt64(offset))
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        }
        func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ b: [UInt8], _ i: Int) -> Int { u16(b, i) | u16(b, i + 2) << 16 }

        // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
        let tailStart = max(0, length - 65_557)
        let tail = try bytes(at: tailStart, count: length - tailStart)
        guard tail.count >= 22, let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { u32(tail, $0) == 0x0605_4B50 }) else {
            throw DataError(file: path, reason: .wrongMagic(expected: "a zip end-of-directory record", found: "none"))
        }
        let entries = u16(tail, end + 10)
        let directorySize = u32(tail, end + 12)
        let directoryOffset = u32(tail, end + 16)
        if directoryOffset == 0xFFFF_FFFF { throw DataError(file: path, reason: .unsupported("ZIP64 archives")) }
        let directory = try bytes(at: directoryOffset, count: directorySize)
        var found: [String: [UInt8]] = [:]
        var cursor = 0
        for _ in 0..<entries {
            guard cursor + 46 <= directory.count, u32(directory, cursor) == 0x0201_4B50 else {
                throw DataError(file: path, location: .byte(directoryOffset + cursor), reason: .malformed("bad central-directory entry"))
            }
            let method = u16(directory, cursor + 10)
            let crc = UInt32(u32(directory, cursor + 16))
            let compressedSize = u32(directory, cursor + 20)
            let size = u32(directory, cursor + 24)
            let nameLength = u16(directory, cursor + 28)
            let extraLength = u16(directory, cursor + 30)
            let commentLength = u16(directory, cursor + 32)
            let localOffset = u32(directory, cursor + 42)
            let name = String(decoding: directory[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
            cursor += 46 + nameLength + extraLength + commentLength
            guard members.contains(name) else { continue }
            let local = try bytes(at: localOffset, count: 30)
            guard u32(local, 0) == 0x0403_4B50 else {
                throw DataError(file: path, location: .byte(localOffset), reason: .wrongMagic(expected: "a zip local header", found: "other bytes"))
            }
            let dataOffset = localOffset + 30 + u16(local, 26) + u16(local, 28)
            let stored = try bytes(at: dataOffset, count: compressedSize)
            let content: [UInt8]
            switch method {
            case 0: content = stored
            case 8: content = try Self.inflateRaw(stored, size: size, file: path, offset: dataOffset)
            default: throw DataError(file: path, location: .byte(localOffset), reason: .unsupported("zip compression method \(method) for \(name)"))
            }
            let actual = content.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            guard content.count == size, actual == crc else {
                throw DataError(file: path, location: .byte(dataOffset), reason: .malformed("\(name) fails its CRC-32 check"))
            }
            found[name] = content
        }
        return found
    }

    /// Raw deflate (no zlib or gzip wrapper) through the system zlib.
    static func inflateRaw(_ input: [UInt8], size: Int, file: String, offset: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(file: file, reason: .malformed("zlib could not start decompressing"))
        }
        defer { inflateEnd(&stream) }
        var input = input
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw DataError(file: file, location: .byte(offset), reason: .malformed("corrupt deflate stream (zlib status \(status))"))
        }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
