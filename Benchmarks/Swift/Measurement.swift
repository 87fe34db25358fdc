import Foundation

// MARK: - Clock

/// Monotonic seconds since an arbitrary origin.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

// MARK: - Allocation counter

/// Heap allocations so far, when the process runs with the allocation-counter preload
/// (`Benchmarks/allocation-counter`); `nil` otherwise.
enum AllocationCounter {
    private typealias CountFunction = @convention(c) () -> UInt64

    private static let function: CountFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "backprop_benchmark_allocation_count") else { return nil }
        return unsafeBitCast(symbol, to: CountFunction.self)
    }()

    static var isAvailable: Bool { function != nil }

    static func count() -> UInt64? { function?() }
}

// MARK: - Output

/// One machine-readable result line: `{"engine": "backprop", "case": …, "metric": …, "value": …, …}`.
struct ResultLine {
    var fields: [(String, Any?)]

    init(case caseIdentifier: String, metric: String, value: Double?, unit: String) {
        fields = [("engine", "backprop"), ("case", caseIdentifier), ("metric", metric), ("value", value), ("unit", unit)]
    }

    mutating func add(_ key: String, _ value: Any?) { fields.append((key, value)) }

    var json: String {
        "{" + fields.map { "\"\($0.0)\": \(ResultLine.encode($0.1))" }.joined(separator: ", ") + "}"
    }

    private static func encode(_ value: Any?) -> String {
        switch value {
        case nil: return "null"
        case let value as Bool: return value ? "true" : "false"
        case let value as Int: return String(value)
        case let value as UInt64: return String(value)
        case let value as Double: return value.isFinite ? String(value) : "null"
        case let value as Float: return Double(value).isFinite ? String(Double(value)) : "null"
        case let value as String:
            return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        default: return "\"\(value!)\""
        }
    }

    func emit() {
        FileHandle.standardOutput.write((json + "\n").data(using: .utf8)!)
    }
}

/// Progress and notes for people, on standard error.
func log(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
