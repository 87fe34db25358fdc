import Foundation

/// The bounds every size read from a file or a flag is checked against before anything is
/// allocated: products are computed with overflow-reporting arithmetic, and the bytes they
/// need are compared with a memory budget, so a hostile or corrupt header is an error and
/// never a trap or a giant allocation.
///
/// ```swift
/// let bytes = try ResourceLimits.bytes(for: [60_000, 28, 28], elementSize: 4, what: "the images")
/// ```
public enum ResourceLimits {
    /// The environment variable that sets ``memoryBudget`` in bytes (a plain integer, or
    /// with a `K`, `M`, `G` or `T` suffix).
    public static let memoryBudgetVariable = "BACKPROP_MEMORY_LIMIT"

    /// The most bytes one buffer sized by a file or a flag may take: `BACKPROP_MEMORY_LIMIT`
    /// when set, otherwise three quarters of the physical memory.
    public static var memoryBudget: Int {
        if let text = ProcessInfo.processInfo.environment[memoryBudgetVariable], let value = parseByteCount(text) {
            return value
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return Int(clamping: physical / 4 * 3)
    }

    /// The largest class count inferred from integer labels (the largest label plus one)
    /// without a class count given explicitly; larger labels are refused as sparse.
    public static let maximumInferredClassCount = 100_000

    /// The largest width of one layer given in a flag or a model file.
    public static let maximumLayerWidth = 1 << 20

    /// The product of `factors`, or `nil` when one is negative or the product overflows `Int`.
    public static func product(_ factors: some Sequence<Int>) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The bytes a buffer of `dimensions` elements of `elementSize` bytes needs, checked
    /// against overflow and the ``memoryBudget``.
    ///
    /// - Parameters:
    ///   - dimensions: The sizes whose product is the element count.
    ///   - elementSize: Bytes per element.
    ///   - what: What the buffer holds, for the message.
    /// - Throws: ``ResourceLimitError`` when the product overflows or exceeds the budget.
    @discardableResult
    public static func bytes(for dimensions: [Int], elementSize: Int, what: String) throws -> Int {
        guard let bytes = product(dimensions + [elementSize]) else {
            throw ResourceLimitError(what: what, dimensions: dimensions, neededBytes: nil, availableBytes: memoryBudget)
        }
        let budget = memoryBudget
        guard bytes <= budget else {
            throw ResourceLimitError(what: what, dimensions: dimensions, neededBytes: bytes, availableBytes: budget)
        }
        return bytes
    }

    /// `"1.5 GB"`-style text for a byte count.
    public static func describe(bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    static func parseByteCount(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let scales: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        if let last = trimmed.last, let scale = scales[last], let number = Int(trimmed.dropLast()), number > 0 {
            let (value, overflow) = number.multipliedReportingOverflow(by: scale)
            return overflow ? nil : value
        }
        return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }
}

/// A size read from a file or a flag that overflows or would not fit in the memory budget.
///
/// Loaders usually wrap it in their own error with the file and place; its ``message``
/// gives the size needed and the size available.
public struct ResourceLimitError: BackpropError, Equatable {
    /// What would have been allocated.
    public var what: String
    /// The sizes whose product was asked for.
    public var dimensions: [Int]
    /// The bytes needed, or `nil` when the product overflows.
    public var neededBytes: Int?
    /// The memory budget in bytes.
    public var availableBytes: Int

    /// An error about `what`.
    public init(what: String, dimensions: [Int], neededBytes: Int?, availableBytes: Int) {
        self.what = what
        self.dimensions = dimensions
        self.neededBytes = neededBytes
        self.availableBytes = availableBytes
    }

    /// Size needed and available.
    public var message: String {
        let shape = dimensions.map(String.init).joined(separator: " × ")
        let available = "\(ResourceLimits.describe(bytes: availableBytes)) available (set \(ResourceLimits.memoryBudgetVariable) to change the budget)"
        guard let neededBytes else {
            return "\(what) of size \(shape) would need more bytes than a 64-bit integer counts; \(available)"
        }
        return "\(what) of size \(shape) would need \(ResourceLimits.describe(bytes: neededBytes)), more than the \(available)"
    }
}
