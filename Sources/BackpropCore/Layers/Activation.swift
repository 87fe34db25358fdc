import RealModule

/// A parameter-free activation function `g`, applied element-wise (softmax: per row).
///
/// | case | g(z) | g'(z) |
/// |---|---|---|
/// | `identity` | z | 1 |
/// | `sigmoid` | 1/(1+e^−z) | σ(1−σ) |
/// | `tanh` | tanh z | 1 − tanh² z |
/// | `relu` | max(0, z) | 1 if z > 0 else 0 |
/// | `leakyReLU(alpha)` | z if z > 0 else αz | 1 or α (α = 0.01) |
/// | `elu(alpha)` | z if z > 0 else α(eᶻ − 1) | 1 or g(z) + α (α = 1) |
/// | `softmax` | e^{z_j} / Σ_k e^{z_k} (row max subtracted) | diag(a) − a·aᵀ |
///
/// PReLU and Maxout have parameters and are layers (``PReLU``, ``Maxout``).
public enum Activation: Sendable, Hashable, Codable {
    case identity
    case sigmoid
    case tanh
    case relu
    case leakyReLU(alpha: Double = 0.01)
    case elu(alpha: Double = 1)
    case softmax

    /// The command-line and file name: `identity`, `sigmoid`, `tanh`, `relu`,
    /// `leaky-relu`, `elu`, `softmax`.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .leakyReLU: "leaky-relu"
        case .elu: "elu"
        case .softmax: "softmax"
        }
    }

    /// The name with any non-default parameter, e.g. `leaky-relu(0.1)`.
    public var displayName: String {
        switch self {
        case let .leakyReLU(alpha) where alpha != 0.01: "leaky-relu(\(alpha))"
        case let .elu(alpha) where alpha != 1: "elu(\(alpha))"
        default: name
        }
    }

    // MARK: - Registry

    /// Every function with its default parameter, in the order help texts list them. A new
    /// function needs its case, its kernels and an entry here (with ``help``).
    public static let registry: [Activation] = [.identity, .sigmoid, .tanh, .relu, .leakyReLU(), .elu(), .softmax]

    /// The one-line help of this function.
    public var help: String {
        switch self {
        case .identity: "g(z) = z (a linear network)"
        case .sigmoid: "logistic 1/(1+e^−z)"
        case .tanh: "hyperbolic tangent"
        case .relu: "max(0, z)"
        case .leakyReLU: "z, or αz below 0; option alpha (0.01), also called slope"
        case .elu: "z, or α(eᶻ − 1) below 0; option alpha (1)"
        case .softmax: "e^{z_j} / Σ_k e^{z_k} over each layer"
        }
    }

    /// The option key of the parameter (`alpha`), or `nil` for a function without one.
    public var parameterKey: String? {
        switch self {
        case .leakyReLU, .elu: "alpha"
        default: nil
        }
    }

    /// The parameter, or `nil` for a function without one.
    public var parameter: Double? {
        switch self {
        case let .leakyReLU(alpha), let .elu(alpha): alpha
        default: nil
        }
    }

    /// The same function with its parameter set to `value` (unchanged without a parameter).
    public func with(parameter value: Double) -> Activation {
        switch self {
        case .leakyReLU: .leakyReLU(alpha: value)
        case .elu: .elu(alpha: value)
        default: self
        }
    }

    // MARK: - Kernels

    /// Writes `g(z)` into `output` (same shape as `z`; may be the same matrix).
    @inlinable
    public func apply<Scalar: NetworkScalar>(_ z: Matrix<Scalar>, into output: Matrix<Scalar>) {
        let count = z.count
        let input = z.base, result = output.base
        switch self {
        case .identity:
            if input != result { result.update(from: input, count: count) }
        case .sigmoid where Scalar.self == Float.self:
            FloatKernels.sigmoid(FloatKernels.floats(input), into: FloatKernels.floats(result), count: count)
        case .sigmoid:
            for i in 0..<count { result[i] = logistic(input[i]) }
        case .tanh:
            for i in 0..<count { result[i] = Scalar.tanh(input[i]) }
        case .relu:
            for i in 0..<count { result[i] = Swift.max(input[i], 0) }
        case let .leakyReLU(alpha):
            let slope = Scalar(alpha)
            for i in 0..<count { let x = input[i]; result[i] = x > 0 ? x : slope * x }
        case let .elu(alpha):
            let scale = Scalar(alpha)
            for i in 0..<count { let x = input[i]; result[i] = x > 0 ? x : scale * Scalar.expMinusOne(x) }
        case .softmax:
            for row in 0..<z.rows { softmaxRow(z.rowPointer(row), output.rowPointer(row), z.columns) }
        }
    }

    /// Writes `∂J/∂z` into `zGradient` given `∂J/∂a` (`outputGradient`), the
    /// pre-activation `z` and the activation `a = g(z)`. `zGradient` may be
    /// `outputGradient` itself.
    @inlinable
    public func backward<Scalar: NetworkScalar>(
        outputGradient: Matrix<Scalar>, z: Matrix<Scalar>, a: Matrix<Scalar>, into zGradient: Matrix<Scalar>
    ) {
        let count = z.count
        let dA = outputGradient.base, dZ = zGradient.base, zs = z.base, out = a.base
        switch self {
        case .identity:
            if dA != dZ { dZ.update(from: dA, count: count) }
        case .sigmoid:
            for i in 0..<count { let s = out[i]; dZ[i] = dA[i] * s * (1 - s) }
        case .tanh:
            for i in 0..<count { let t = out[i]; dZ[i] = dA[i] * (1 - t * t) }
        case .relu:
            for i in 0..<count { dZ[i] = zs[i] > 0 ? dA[i] : 0 }
        case let .leakyReLU(alpha):
            let slope = Scalar(alpha)
            for i in 0..<count { dZ[i] = zs[i] > 0 ? dA[i] : slope * dA[i] }
        case let .elu(alpha):
            let scale = Scalar(alpha)
            for i in 0..<count { dZ[i] = zs[i] > 0 ? dA[i] : dA[i] * (out[i] + scale) }
        case .softmax:
            let columns = z.columns
            for row in 0..<z.rows {
                let offset = row * columns
                var dot: Scalar = 0
                for j in 0..<columns { dot += dA[offset + j] * out[offset + j] }
                for j in 0..<columns { dZ[offset + j] = out[offset + j] * (dA[offset + j] - dot) }
            }
        }
    }
}

// MARK: - Element-wise forms

extension Activation {
    /// `g(z)` for one element of an element-wise activation (every case but softmax, whose
    /// value depends on the whole row).
    @inlinable
    func value<Scalar: NetworkScalar>(_ z: Scalar) -> Scalar {
        switch self {
        case .identity: return z
        case .sigmoid: return logistic(z)
        case .tanh: return Scalar.tanh(z)
        case .relu: return Swift.max(z, 0)
        case let .leakyReLU(alpha): return z > 0 ? z : Scalar(alpha) * z
        case let .elu(alpha): return z > 0 ? z : Scalar(alpha) * Scalar.expMinusOne(z)
        case .softmax: preconditionFailure("softmax has no element-wise value")
        }
    }

    /// `g'(z)` for one element, given `z` and `a = g(z)`, matching ``backward(outputGradient:z:a:into:)``.
    @inlinable
    func derivative<Scalar: NetworkScalar>(z: Scalar, a: Scalar) -> Scalar {
        switch self {
        case .identity: return 1
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .relu: return z > 0 ? 1 : 0
        case let .leakyReLU(alpha): return z > 0 ? 1 : Scalar(alpha)
        case let .elu(alpha): return z > 0 ? 1 : a + Scalar(alpha)
        case .softmax: preconditionFailure("softmax has no element-wise derivative")
        }
    }
}

// MARK: - Scalar helpers

/// The logistic sigmoid `1/(1 + e^−x)`, computed without overflow for large `|x|`.
@inlinable
public func logistic<Scalar: NetworkScalar>(_ x: Scalar) -> Scalar {
    if x >= 0 {
        return 1 / (1 + Scalar.exp(-x))
    }
    let e = Scalar.exp(x)
    return e / (1 + e)
}

/// Writes the softmax of `count` logits at `z` into `a`, subtracting the maximum first.
@inlinable
public func softmaxRow<Scalar: NetworkScalar>(_ z: UnsafePointer<Scalar>, _ a: UnsafeMutablePointer<Scalar>, _ count: Int) {
    var maximum = -Scalar.infinity
    for j in 0..<count { maximum = Swift.max(maximum, z[j]) }
    var sum: Scalar = 0
    for j in 0..<count { let e = Scalar.exp(z[j] - maximum); a[j] = e; sum += e }
    let inverse = 1 / sum
    for j in 0..<count { a[j] *= inverse }
}
