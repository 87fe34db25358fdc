/// A dense two-dimensional array of scalars stored row-major: one row per example.
///
/// `Matrix` is a reference type on purpose. Layers own their output and gradient
/// buffers and hand them to the next layer without copying; the training loop reuses the
/// same buffers batch after batch, so nothing is allocated in the hot loop. Copies are
/// explicit (``copy()``).
///
/// A matrix has a fixed column count and a *row capacity*: ``resize(rows:)`` changes the
/// number of active rows (for example for the smaller last batch of an epoch) without
/// touching memory.
///
/// ```swift
/// let x = Matrix<Float>(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
/// x[1, 2]  // 6
/// ```
public final class Matrix<Scalar: NetworkScalar>: @unchecked Sendable {
    /// The number of active rows.
    public private(set) var rows: Int
    /// The number of columns (features per row).
    public let columns: Int
    /// The most rows the storage can hold without reallocating.
    public let rowCapacity: Int
    /// The first element, 64-byte aligned; element `(i, j)` lives at `base[i * columns + j]`.
    public let base: UnsafeMutablePointer<Scalar>

    // MARK: - Creating

    /// A `rows × columns` matrix filled with `value`, with room for `rowCapacity` rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(rows: Int, columns: Int, repeating value: Scalar = 0, rowCapacity: Int? = nil) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(columns)")
        let capacity = max(rowCapacity ?? rows, rows)
        self.rows = rows
        self.columns = columns
        self.rowCapacity = capacity
        let count = max(capacity * columns, 1)
        base = UnsafeMutableRawPointer
            .allocate(byteCount: count * MemoryLayout<Scalar>.stride, alignment: Matrix.storageAlignment)
            .bindMemory(to: Scalar.self, capacity: count)
        base.initialize(repeating: value, count: max(capacity * columns, 1))
    }

    /// A `rows × columns` matrix holding `elements` in row-major order.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public convenience init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(
            elements.count == rows * columns,
            "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(elements.count)")
        self.init(rows: rows, columns: columns)
        elements.withUnsafeBufferPointer { source in
            if let from = source.baseAddress { base.update(from: from, count: elements.count) }
        }
    }

    /// A matrix with one row per inner array; all rows must have the same length.
    public convenience init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "All rows of a matrix must have the same length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    deinit {
        UnsafeMutableRawPointer(base).deallocate()
    }

    /// Storage starts on a cache-line boundary (64 bytes), so rows whose length is a
    /// multiple of 16 floats never straddle lines in vector loads and stores.
    static var storageAlignment: Int { 64 }

    // MARK: - Shape

    /// The number of active elements, `rows × columns`.
    @inlinable public var count: Int { rows * columns }

    /// The shape as `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Sets the number of active rows; `rows` must not exceed ``rowCapacity``.
    /// Rows beyond the old count keep whatever they held.
    public func resize(rows newRows: Int) {
        precondition(newRows >= 0 && newRows <= rowCapacity,
                     "Cannot resize a matrix with capacity \(rowCapacity) rows to \(newRows) rows")
        rows = newRows
    }

    // MARK: - Elements

    /// The element in row `row` and column `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Index (\(row), \(column)) out of range for \(rows)×\(columns)")
            return base[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Index (\(row), \(column)) out of range for \(rows)×\(columns)")
            base[row * columns + column] = newValue
        }
    }

    /// The active elements as a mutable buffer (row-major).
    @inlinable
    public var buffer: UnsafeMutableBufferPointer<Scalar> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// A pointer to the first element of row `row`.
    @inlinable
    public func rowPointer(_ row: Int) -> UnsafeMutablePointer<Scalar> {
        base + row * columns
    }

    /// The active elements copied into an array (row-major).
    public var elements: [Scalar] {
        Array(buffer)
    }

    /// The active elements widened to `Double` (exact for `Float` and `Double`), row-major:
    /// what snapshots, checkpoints and model files store. `Float` and `Double` take a
    /// concrete path, so a generic caller does not convert element by element through the
    /// protocol.
    public var elementsAsDouble: [Double] {
        [Double](unsafeUninitializedCapacity: count) { values, initialized in
            var index = 0
            forEachElementAsDouble { value in
                values[index] = value
                index += 1
            }
            initialized = count
        }
    }

    /// Row `row` copied into an array.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func row(_ row: Int) -> [Scalar] {
        Array(UnsafeBufferPointer(start: rowPointer(row), count: columns))
    }

    /// Column `column` copied into an array.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func column(_ column: Int) -> [Scalar] {
        (0..<rows).map { base[$0 * columns + column] }
    }

    // MARK: - Copying

    /// A new matrix with the same active rows and values.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func copy() -> Matrix<Scalar> {
        let result = Matrix(rows: rows, columns: columns)
        result.base.update(from: base, count: count)
        return result
    }

    /// Copies the values of `source`, which must have the same shape, into this matrix.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func assign(_ source: Matrix<Scalar>) {
        precondition(source.columns == columns && source.rows <= rowCapacity,
                     "Cannot assign a \(source.rows)×\(source.columns) matrix to one of capacity \(rowCapacity)×\(columns)")
        rows = source.rows
        base.update(from: source.base, count: source.count)
    }

    /// Sets every active element to `value`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func fill(_ value: Scalar) {
        buffer.update(repeating: value)
    }

    /// The same values converted to another precision.
    public func converted<Other: NetworkScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        let result = Matrix<Other>(rows: rows, columns: columns)
        for index in 0..<count { result.base[index] = Other(base[index]) }
        return result
    }
}

// MARK: - Reusing buffers

extension Matrix {
    /// Returns `existing` resized to `rows` when it has the right width and enough
    /// capacity; otherwise a new matrix. Layers use it to keep their buffers across
    /// batches: only a batch larger than any before allocates.
    @inlinable
    public static func reuse(_ existing: Matrix<Scalar>?, rows: Int, columns: Int) -> Matrix<Scalar> {
        if let existing, existing.columns == columns, existing.rowCapacity >= rows {
            existing.resize(rows: rows)
            return existing
        }
        return Matrix(rows: rows, columns: columns)
    }
}

// MARK: - Description

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = (0..<min(rows, 6)).map { r in
            "[" + row(r).prefix(8).map { "\($0)" }.joined(separator: ", ") + (columns > 8 ? ", …" : "") + "]"
        }
        return "Matrix<\(Scalar.precisionName)>(\(rows)×\(columns)) [" + shown.joined(separator: ", ") + (rows > 6 ? ", …" : "") + "]"
    }
}
