extension ConfigLimits {
    /// Refuses, with the line, the malformed TOML that toml++ does not report but meets
    /// with its own assertions (which abort a debug build and are undefined behaviour in a
    /// release one):
    /// - a control character (TOML allows only tab and line ends);
    /// - a table header (`[name]`, `[[name]]`) that does not start with a key: `[[[…`, `[ ]`;
    /// - a date or time, well-formed or not (`1979-05-27Tx`, `1979-02-1- 3`, `07:32:00`): no
    ///   setting takes one, and toml++ asserts on several malformed ones, so any value that
    ///   starts like one (`DDDD-` or `DD:` outside a string) is refused;
    /// - a bracket that closes another kind: `a = [[}`.
    static func checkTOML(_ text: String, file: String) throws {
        var open: [UInt8] = []  // brackets still open: a line inside a multi-line array is no header
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            // The parser skips a byte-order mark at the start of the document.
            let bytes = index == 0 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(line.dropFirst(3)) : Array(line)
            func refuse(_ reason: String) -> ConfigError {
                ConfigError(file: file, line: index + 1, problem: .malformed(reason))
            }
            for (offset, byte) in bytes.enumerated() where isControl(byte) && !(byte == 0x0D && offset == bytes.count - 1) {
                let hex = String(byte, radix: 16, uppercase: true)
                throw refuse("control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) (TOML allows only tab and line ends)")
            }
            if open.isEmpty, !startsWithTableKey(bytes) {
                throw refuse("a table header must name a key: \(String(decoding: bytes.prefix(40), as: UTF8.self))")
            }
            var quote: UInt8?, escaped = false
            scan: for (offset, byte) in bytes.enumerated() {
                if let open = quote {
                    // A basic string ("…") escapes with a backslash; a literal one ('…') does not.
                    if escaped { escaped = false } else if byte == open { quote = nil } else { escaped = open == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") }
                    continue
                }
                switch byte {
                case UInt8(ascii: "#"): break scan
                case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
                case UInt8(ascii: "["), UInt8(ascii: "{"): open.append(byte)
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    let opening = byte == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")
                    if let last = open.last, last != opening {
                        throw refuse("'\(Character(Unicode.Scalar(byte)))' closes a '\(Character(Unicode.Scalar(last)))'")
                    }
                    _ = open.popLast()
                default:
                    if let value = dateOrTime(bytes, at: offset) {
                        throw refuse("\(value) is a date or time, which no setting takes (quote it to make it text)")
                    }
                }
            }
        }
    }

    private static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }

    /// `false` for a line that opens a table header not followed by a key.
    private static func startsWithTableKey(_ bytes: [UInt8]) -> Bool {
        var rest = bytes.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard rest.first == UInt8(ascii: "[") else { return true }
        rest = rest.dropFirst()
        if rest.first == UInt8(ascii: "[") { rest = rest.dropFirst() }
        rest = rest.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = rest.first else { return false }
        return isBareKeyByte(first) || first == UInt8(ascii: "\"") || first == UInt8(ascii: "'")
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// The value starting at `offset` (up to the next `,`, `]`, `}`, `#` or the line's end)
    /// when it starts like a date (`DDDD-`) or a time (`DD:`) and no key or number runs into
    /// it from the left; else `nil`.
    private static func dateOrTime(_ bytes: [UInt8], at offset: Int) -> String? {
        guard offset == 0 || !isBareKeyByte(bytes[offset - 1]) && bytes[offset - 1] != UInt8(ascii: ".") else { return nil }
        func digits(_ count: Int) -> Bool {
            offset + count < bytes.count
                && bytes[offset..<offset + count].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        guard digits(4) && bytes[offset + 4] == UInt8(ascii: "-") || digits(2) && bytes[offset + 2] == UInt8(ascii: ":") else { return nil }
        let end = bytes[offset...].firstIndex { [UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#")].contains($0) } ?? bytes.count
        var value = bytes[offset..<min(end, offset + 40)]
        while value.last == UInt8(ascii: " ") || value.last == UInt8(ascii: "\t") { value = value.dropLast() }
        return "'\(String(decoding: value, as: UTF8.self))'"
    }
}
