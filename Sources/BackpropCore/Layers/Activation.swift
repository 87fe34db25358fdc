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
/// | `gelu` | z·Φ(z), Φ(z) = ½(1 + erf(z/√2)) | Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π) |
/// | `silu` | z·σ(z) (also called swish) | σ(z)·(1 + z(1 − σ(z))) |
/// | `selu` | λz if z > 0 else λα(eᶻ − 1) | λ or g(z) + λα |
/// | `softmax` | e^{z_j} / Σ_k e^{z_k} (row max subtracted) | diag(a) − a·aᵀ |
///
/// GELU is the exact form with the error function (Hendrycks & Gimpel 2016), not the tanh
/// approximation. SELU (Klambauer et al. 2017) uses λ = ``seluScale`` and α = ``seluAlpha``,
/// which keep activations at mean 0 and variance 1 under LeCun-normal weights.
///
/// PReLU and Maxout have parameters and are layers (``PReLU``, ``Maxout``).
public enum Activation: Sendable, Hashable, Codable {
    case identity
    case sigmoid
    case tanh
    case relu
    case leakyReLU(alpha: Double = 0.01)
    case elu(alpha: Double = 1)
    case gelu
    case silu
    case selu
    case softmax

    /// SELU's λ, `1.0507009873554805`.
    public static let seluScale = 1.0507009873554805
    /// SELU's α, `1.6732632423543772`.
    public static let seluAlpha = 1.6732632423543772

    /// The command-line and file name: `identity`, `sigmoid`, `tanh`, `relu`,
    /// `leaky-relu`, `elu`, `gelu`, `silu`, `selu`, `softmax`.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .leakyReLU: "leaky-relu"
        case .elu: "elu"
        case .gelu: "gelu"
        case .silu: "silu"
        case .selu: "selu"
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
    public static let registry: [Activation] = [
        .identity, .sigmoid, .tanh, .relu, .leakyReLU(), .elu(), .gelu, .silu, .selu, .softmax,
    ]

    /// The one-line help of this function.
    public var help: String {
        switch self {
        case .identity: "g(z) = z (a linear network)"
        case .sigmoid: "logistic 1/(1+e^−z)"
        case .tanh: "hyperbolic tangent"
        case .relu: "max(0, z)"
        case .leakyReLU: "z, or αz below 0; option alpha (0.01), also called slope"
        case .elu: "z, or α(eᶻ − 1) below 0; option alpha (1)"
        case .gelu: "z·Φ(z) with the normal distribution function Φ (exact, with erf)"
        case .silu: "z·σ(z), also called swish"
        case .selu: "λz, or λα(eᶻ − 1) below 0 (λ ≈ 1.0507, α ≈ 1.6733); LeCun initialisation, alpha dropout"
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
        case .gelu where Scalar.self == Float.self:
            FloatKernels.gelu(FloatKernels.floats(input), into: FloatKernels.floats(result), count: count)
        case .silu where Scalar.self == Float.self:
            FloatKernels.silu(FloatKernels.floats(input), into: FloatKernels.floats(result), count: count)
        case .selu where Scalar.self == Float.self:
            FloatKernels.selu(FloatKernels.floats(input), into: FloatKernels.floats(result), count: count,
                              scale: Float(Self.seluScale), alpha: Float(Self.seluAlpha))
        case .gelu, .silu, .selu:
            for i in 0..<count { result[i] = value(input[i]) }
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
        case .gelu where Scalar.self == Float.self:
            FloatKernels.geluBackward(outputGradient: FloatKernels.floats(dA), z: FloatKernels.floats(zs), into: FloatKernels.floats(dZ), count: count)
        case .silu where Scalar.self == Float.self:
            FloatKernels.siluBackward(outputGradient: FloatKernels.floats(dA), z: FloatKernels.floats(zs), into: FloatKernels.floats(dZ), count: count)
        case .gelu, .silu:
            for i in 0..<count { dZ[i] = dA[i] * derivative(z: zs[i], a: out[i]) }
        case .selu:
            let scale = Scalar(Self.seluScale), offset = Scalar(Self.seluScale * Self.seluAlpha)
            for i in 0..<count { dZ[i] = zs[i] > 0 ? dA[i] * scale : dA[i] * (out[i] + offset) }
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
        case .gelu: return z * normalDistribution(z)
        case .silu: return z * logistic(z)
        case .selu: return z > 0 ? Scalar(Self.seluScale) * z : Scalar(Self.seluScale * Self.seluAlpha) * Scalar.expMinusOne(z)
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
        case .gelu: return normalDistribution(z) + z * Scalar.exp(-z * z / 2) / Scalar.sqrt(2 * Scalar.pi)
        case .silu: let s = logistic(z); return s * (1 + z * (1 - s))
        case .selu: return z > 0 ? Scalar(Self.seluScale) : a + Scalar(Self.seluScale * Self.seluAlpha)
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

/// The standard normal distribution function `Φ(x) = ½·erfc(−x/√2)` (erfc keeps the lower
/// tail accurate).
@inlinable
public func normalDistribution<Scalar: NetworkScalar>(_ x: Scalar) -> Scalar {
    Scalar.erfc(-x / Scalar.sqrt(2)) / 2
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
