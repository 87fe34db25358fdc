/// How many principal components a PCA or PCA-whitening step keeps.
public enum ComponentCount: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Every component (a rotation, no reduction).
    case all
    /// The `k` components of largest variance.
    case count(Int)
    /// The fewest leading components whose variances sum to at least this fraction
    /// (in `(0, 1]`) of the total variance.
    case varianceFraction(Double)

    public var description: String {
        switch self {
        case .all: return "all"
        case let .count(k): return "\(k)"
        case let .varianceFraction(fraction): return "\(fraction) of the variance"
        }
    }
}

/// An input transformation, before fitting. Fit it with
/// ``FittedPreprocessor/fit(_:to:)`` on the **training** features only, then apply the
/// fitted form unchanged to training, dev and test features.
///
/// Formulas (per feature `j`, statistics from the training set, population variance):
/// - ``standardize``: `z = (x − μ)/s`, `s² = (1/m)Σ(x − μ)²`; a constant feature (`s = 0`)
///   becomes 0, never NaN.
/// - ``subtractMean``: `z = x − μ`.
/// - ``minMax(lower:upper:)``: `z = lower + (x − min)·(upper − lower)/(max − min)`; a
///   constant feature becomes `lower`.
/// - ``affine(scale:offset:)``: `z = x·scale + offset`, nothing fitted; presets
///   ``mnistPixels`` (`x·0.99/255 + 0.01`) and ``unitPixels`` (`x/255`).
/// - ``pca(components:)``: `z = (x − μ)·U_k`, `U_k` the leading eigenvectors of the
///   covariance `C = (1/m)(X − μ)ᵀ(X − μ)`.
/// - ``pcaWhitening(components:epsilon:)``: `z_k = (x − μ)·u_k / √(λ_k + ε)`: uncorrelated
///   features of unit variance.
/// - ``zcaWhitening(epsilon:)``: `z = (x − μ)·U·diag(1/√(λ + ε))·Uᵀ`: whitened and rotated
///   back to the original axes.
public enum PreprocessingMethod: Codable, Hashable, Sendable, CustomStringConvertible {
    /// `z = (x − μ)/s` per feature (population standard deviation; constant features → 0).
    case standardize
    /// `z = x − μ` per feature.
    case subtractMean
    /// `z = lower + (x − min)·(upper − lower)/(max − min)` per feature.
    case minMax(lower: Double, upper: Double)
    /// `z = x·scale + offset`, the same for every feature, nothing fitted.
    case affine(scale: Double, offset: Double)
    /// `z = (x − μ)·U_k`: projection on the leading principal components.
    case pca(components: ComponentCount)
    /// `z_k = (x − μ)·u_k/√(λ_k + ε)`: principal components scaled to unit variance.
    case pcaWhitening(components: ComponentCount, epsilon: Double)
    /// `z = (x − μ)·U·diag(1/√(λ + ε))·Uᵀ`: whitening in the original axes.
    case zcaWhitening(epsilon: Double)

    /// Min-max scaling to `[0, 1]`.
    public static let minMax = PreprocessingMethod.minMax(lower: 0, upper: 1)
    /// The MNIST pixel scaling `x·0.99/255 + 0.01` (values in `[0.01, 1]`).
    public static let mnistPixels = PreprocessingMethod.affine(scale: 0.99 / 255, offset: 0.01)
    /// The pixel scaling `x/255` (values in `[0, 1]`).
    public static let unitPixels = PreprocessingMethod.affine(scale: 1.0 / 255, offset: 0)
    /// The default whitening ε, `1e-5`.
    public static let defaultEpsilon = 1e-5

    public var description: String {
        switch self {
        case .standardize: return "standardize"
        case .subtractMean: return "subtract-mean"
        case let .minMax(lower, upper): return "min-max [\(lower), \(upper)]"
        case let .affine(scale, offset): return "x·\(scale) + \(offset)"
        case let .pca(components): return "PCA (\(components) components)"
        case let .pcaWhitening(components, epsilon): return "PCA whitening (\(components) components, ε = \(epsilon))"
        case let .zcaWhitening(epsilon): return "ZCA whitening (ε = \(epsilon))"
        }
    }
}
