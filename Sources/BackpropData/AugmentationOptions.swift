/// Which random image distortions an ``Augmenter`` applies, and how strongly.
///
/// Each image of a batch gets its own random draw of every enabled distortion:
/// - translation by whole pixels, uniform in `−maximumShift…maximumShift` per axis;
/// - rotation by an angle uniform in `±maximumRotation` degrees;
/// - shear `x' = x + s·y` with `s` uniform in `±maximumShear`;
/// - elastic distortion (Simard, Steinkraus & Platt 2003): displacement fields uniform in
///   `[−1, 1]` per pixel, smoothed by a Gaussian of standard deviation `σ` (in pixels) and
///   scaled by `α`;
/// - a horizontal flip (columns mirrored) with probability ½, for images whose left and right
///   mean the same (not digits).
public struct AugmentationOptions: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The largest translation in pixels; 0 disables it.
    public var maximumShift: Int
    /// The largest rotation in degrees; 0 disables it.
    public var maximumRotation: Double
    /// The largest shear factor; 0 disables it.
    public var maximumShear: Double
    /// Elastic scale α (pixels); 0 disables it.
    public var elasticAlpha: Double
    /// Elastic smoothing width σ (pixels).
    public var elasticSigma: Double
    /// Mirror each image left to right with probability ½; `nil` or `false` disables it.
    public var horizontalFlip: Bool?

    /// Options with every distortion off unless given.
    public init(maximumShift: Int = 0, maximumRotation: Double = 0, maximumShear: Double = 0,
                elasticAlpha: Double = 0, elasticSigma: Double = 4) {
        self.maximumShift = maximumShift
        self.maximumRotation = maximumRotation
        self.maximumShear = maximumShear
        self.elasticAlpha = elasticAlpha
        self.elasticSigma = elasticSigma
    }

    /// A named distortion with its default strength.
    public enum Kind: String, CaseIterable, Sendable {
        /// Translation by up to 2 pixels.
        case shift
        /// Rotation by up to 15°.
        case rotate
        /// Shear by up to 0.3.
        case shear
        /// Elastic distortion with α = 34, σ = 4 (the values of Simard et al. for MNIST).
        case elastic
        /// A horizontal flip with probability ½.
        case flip
    }

    /// Options enabling the named distortions at their default strengths.
    public init(kinds: [Kind]) {
        self.init()
        for kind in kinds {
            switch kind {
            case .shift: maximumShift = 2
            case .rotate: maximumRotation = 15
            case .shear: maximumShear = 0.3
            case .elastic: (elasticAlpha, elasticSigma) = (34, 4)
            case .flip: horizontalFlip = true
            }
        }
    }

    /// Parses a comma-separated list such as `"shift,rotate,elastic"`.
    ///
    /// - Throws: ``DataError`` with ``DataError/Reason/invalidSpecification(_:)`` naming an unknown kind.
    public init(parsing text: String) throws {
        var kinds: [Kind] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingSpaces.lowercased()
            guard let kind = Kind(rawValue: name) else {
                throw DataError(file: nil, reason: .invalidSpecification(
                    "unknown augmentation \"\(name)\"; choose from \(Kind.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            kinds.append(kind)
        }
        self.init(kinds: kinds)
    }

    /// `true` when no distortion is enabled.
    public var isIdentity: Bool {
        maximumShift == 0 && maximumRotation == 0 && maximumShear == 0 && elasticAlpha == 0 && horizontalFlip != true
    }

    public var description: String {
        var parts: [String] = []
        if maximumShift != 0 { parts.append("shift ±\(maximumShift) px") }
        if maximumRotation != 0 { parts.append("rotate ±\(maximumRotation)°") }
        if maximumShear != 0 { parts.append("shear ±\(maximumShear)") }
        if elasticAlpha != 0 { parts.append("elastic α = \(elasticAlpha), σ = \(elasticSigma)") }
        if horizontalFlip == true { parts.append("horizontal flip") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
