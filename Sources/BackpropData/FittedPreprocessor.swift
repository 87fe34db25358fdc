import BackpropCore

/// A ``PreprocessingMethod`` fitted to training features: the numbers that define the
/// transformation, ready to apply to any set with the same features and to store with a
/// model (it is `Codable`).
///
/// Every fitted step has the form `z = ((x − shift) ⊙ scale + offset)` (element-wise
/// steps) or `z = (x − shift)·P` with the `inputCount × outputCount` matrix `P`
/// (projections: PCA and whitening).
public struct FittedPreprocessor: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The method this was fitted from.
    public var method: PreprocessingMethod
    /// Features in.
    public var inputCount: Int
    /// Features out (fewer than ``inputCount`` when PCA drops components).
    public var outputCount: Int
    /// Subtracted from every row first (one value per input feature).
    public var shift: [Double]
    /// Element-wise factor (per input feature); empty for projections.
    public var scale: [Double]
    /// Added after scaling (per input feature); empty for projections.
    public var offset: [Double]
    /// `inputCount × outputCount`, row-major; empty for element-wise steps.
    public var projection: [Double]
    /// The covariance eigenvalues in descending order (projections only; all of them, not
    /// only the kept ones), for reporting explained variance.
    public var eigenvalues: [Double]

    public var description: String { "\(method) (\(inputCount) → \(outputCount))" }

    /// Whether each output value depends on its own input value alone (every step but the
    /// projections), so that the step can overwrite its input.
    public var mapsEachValue: Bool { projection.isEmpty }

    // MARK: - Fitting

    /// Fits `method` to `features` (`m × n`, the training set).
    ///
    /// - Throws: `NetworkError.invalidSize(what:value:requirement:)` for an empty set or a
    ///   component count outside `1...n`; `NetworkError.invalidValue(setting:value:requirement:)`
    ///   for a variance fraction outside `(0, 1]`, a negative ε or `lower ≥ upper`;
    ///   `NetworkError.numericalFailure(operation:detail:)` when whitening would divide by 0.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func fit<Scalar: NetworkScalar>(_ method: PreprocessingMethod, to features: Matrix<Scalar>) throws -> FittedPreprocessor {
        let n = features.columns
        guard features.rows > 0 else { throw NetworkError.invalidSize(what: "fitting \(method)", value: features.rows, requirement: "needs at least 1 example") }
        var fitted = FittedPreprocessor(method: method, inputCount: n, outputCount: n, shift: Array(repeating: 0, count: n),
                                        scale: Array(repeating: 1, count: n), offset: Array(repeating: 0, count: n),
                                        projection: [], eigenvalues: [])
        switch method {
        case .standardize:
            let statistics = features.columnStatistics()
            fitted.shift = statistics.map(\.mean)
            fitted.scale = statistics.map { $0.standardDeviation > 0 ? 1 / $0.standardDeviation : 1 }
        case .subtractMean:
            fitted.shift = features.columnStatistics().map(\.mean)
        case let .minMax(lower, upper):
            guard lower < upper else { throw NetworkError.invalidValue(setting: "min-max", value: "[\(lower), \(upper)]", requirement: "needs lower < upper") }
            let statistics = features.columnStatistics()
            fitted.shift = statistics.map(\.minimum)
            fitted.scale = statistics.map { $0.maximum > $0.minimum ? (upper - lower) / ($0.maximum - $0.minimum) : 0 }
            fitted.offset = Array(repeating: lower, count: n)
        case let .affine(scale, offset):
            fitted.scale = Array(repeating: scale, count: n)
            fitted.offset = Array(repeating: offset, count: n)
        case let .pca(components):
            try fitted.fitProjection(features, components: components, epsilon: nil, rotateBack: false)
        case let .pcaWhitening(components, epsilon):
            try fitted.fitProjection(features, components: components, epsilon: epsilon, rotateBack: false)
        case let .zcaWhitening(epsilon):
            try fitted.fitProjection(features, components: .all, epsilon: epsilon, rotateBack: true)
        }
        return fitted
    }

    private mutating func fitProjection<Scalar: NetworkScalar>(_ features: Matrix<Scalar>, components: ComponentCount,
                                                              epsilon: Double?, rotateBack: Bool) throws {
        let n = inputCount
        if let epsilon, !(epsilon >= 0) { throw NetworkError.invalidValue(setting: "whitening", value: "\(epsilon)", requirement: "needs ε ≥ 0") }
        shift = features.columnStatistics().map(\.mean)
        scale = []
        offset = []
        let covariance = Self.covariance(features, mean: shift)
        let (values, vectors) = try SymmetricEigen.decompose(covariance, size: n)
        eigenvalues = values.map { max($0, 0) }
        let kept: Int
        switch components {
        case .all:
            kept = n
        case let .count(k):
            guard k >= 1 && k <= n else { throw NetworkError.invalidSize(what: "PCA components", value: k, requirement: "must be in 1...\(n)") }
            kept = k
        case let .varianceFraction(fraction):
            guard fraction > 0 && fraction <= 1 else { throw NetworkError.invalidValue(setting: "PCA variance fraction", value: "\(fraction)", requirement: "must be in (0, 1]") }
            let total = eigenvalues.reduce(0, +)
            var cumulative = 0.0, count = 0
            while count < n {
                cumulative += eigenvalues[count]
                count += 1
                if total == 0 || cumulative >= fraction * total - 1e-12 * total { break }
            }
            kept = count
        }
        if let epsilon {
            for j in 0..<kept where eigenvalues[j] + epsilon <= 0 {
                throw NetworkError.numericalFailure(operation: "whitening", detail: "it divides by √(λ + ε) = 0 for component \(j); use ε > 0")
            }
        }
        let factors = (0..<kept).map { j in epsilon.map { 1 / (eigenvalues[j] + $0).squareRoot() } ?? 1 }
        if rotateBack {
            // P = U·diag(f)·Uᵀ, n × n.
            outputCount = n
            projection = Array(repeating: 0, count: n * n)
            for j in 0..<kept {
                let u = vectors[j]
                for row in 0..<n where u[row] != 0 {
                    let a = u[row] * factors[j]
                    for column in 0..<n { projection[row * n + column] += a * u[column] }
                }
            }
        } else {
            // P = U_k·diag(f), n × k: column j is eigenvector j scaled.
            outputCount = kept
            projection = Array(repeating: 0, count: n * kept)
            for j in 0..<kept {
                for row in 0..<n { projection[row * kept + j] = vectors[j][row] * factors[j] }
            }
        }
    }

    /// `C = (1/m)(X − μ)ᵀ(X − μ)` accumulated through BLAS in blocks of rows, so memory
    /// stays at one block whatever the set's size.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    static func covariance<Scalar: NetworkScalar>(_ features: Matrix<Scalar>, mean: [Double]) -> [Double] {
        let n = features.columns, m = features.rows
        let blockRows = min(m, 4096)
        let block = Matrix<Scalar>(rows: blockRows, columns: n)
        let partial = Matrix<Scalar>(rows: n, columns: n)
        var sum = [Double](repeating: 0, count: n * n)
        var start = 0
        while start < m {
            let rows = min(blockRows, m - start)
            block.resize(rows: rows)
            for row in 0..<rows {
                let source = features.rowPointer(start + row), target = block.rowPointer(row)
                for j in 0..<n { target[j] = Scalar(Double(source[j]) - mean[j]) }
            }
            // Fitting belongs to no network: the process's default engine multiplies.
            GEMM.multiply(block, block, into: partial, transposeA: true, engine: .default)
            for index in 0..<(n * n) { sum[index] += Double(partial.base[index]) }
            start += rows
        }
        return sum.map { $0 / Double(m) }
    }

    // MARK: - Applying

    /// Writes the transformed `features` into `result` (reused when it has the right
    /// shape and capacity) and returns it.
    ///
    /// `engine` multiplies by the projection (PCA, whitening); preprocessing belongs to no
    /// network, so it defaults to the process's `ComputeEngine.default`.
    ///
    /// - Throws: `NetworkError.shapeMismatch(layer:expected:actual:)` when `features`
    ///   does not have ``inputCount`` columns.
    @discardableResult
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func transform<Scalar: NetworkScalar>(
        _ features: Matrix<Scalar>, into result: Matrix<Scalar>? = nil, engine: ComputeEngine = .default
    ) throws -> Matrix<Scalar> {
        guard features.columns == inputCount else {
            throw NetworkError.shapeMismatch(layer: "preprocessing \(method)", expected: "m × \(inputCount)", actual: "\(features.rows) × \(features.columns)")
        }
        let output = Matrix.reuse(result, rows: features.rows, columns: outputCount)
        let n = inputCount
        if projection.isEmpty {
            let shift = self.shift.map { Scalar($0) }, scale = self.scale.map { Scalar($0) }, offset = self.offset.map { Scalar($0) }
            for row in 0..<features.rows {
                let source = features.rowPointer(row), target = output.rowPointer(row)
                for j in 0..<n { target[j] = (source[j] - shift[j]) * scale[j] + offset[j] }
            }
            return output
        }
        let centered = Matrix<Scalar>(rows: features.rows, columns: n)
        for row in 0..<features.rows {
            let source = features.rowPointer(row), target = centered.rowPointer(row)
            for j in 0..<n { target[j] = Scalar(Double(source[j]) - shift[j]) }
        }
        let matrix = Matrix<Scalar>(rows: n, columns: outputCount, elements: projection.map { Scalar($0) })
        GEMM.multiply(centered, matrix, into: output, engine: engine)
        return output
    }
}
