import RealModule
import BackpropCore

/// A geometric map from output pixel positions to input positions, `p_in = A·(p_out − c − t) + c`,
/// with `c` the image centre, `t` the translation and `A` the inverse of the forward
/// rotation-and-shear matrix. Positions are `(x, y)` = (column, row).
public struct ImageWarp: Equatable, Sendable {
    /// The inverse linear part, row-major `[a b; c d]`.
    public var inverse: (a: Double, b: Double, c: Double, d: Double)
    /// The forward translation `(x, y)` in pixels (positive `x` moves the content right).
    public var translation: (x: Double, y: Double)

    /// The identity warp.
    public static let identity = ImageWarp(rotationDegrees: 0, shear: 0, translationX: 0, translationY: 0)

    /// The forward transform `p ↦ R(θ)·S(s)·(p − c) + c + t` with `S(s) = [1 s; 0 1]`.
    public init(rotationDegrees: Double, shear: Double, translationX: Double, translationY: Double) {
        let angle = rotationDegrees * Double.pi / 180
        let cosine = Double.cos(angle), sine = Double.sin(angle)
        // Forward M = R·S = [cos, s·cos − sin; sin, s·sin + cos]; det M = 1.
        let m = (a: cosine, b: shear * cosine - sine, c: sine, d: shear * sine + cosine)
        let determinant = m.a * m.d - m.b * m.c
        inverse = (m.d / determinant, -m.b / determinant, -m.c / determinant, m.a / determinant)
        translation = (translationX, translationY)
    }

    public static func == (left: ImageWarp, right: ImageWarp) -> Bool {
        left.inverse == right.inverse && left.translation == right.translation
    }
}

/// On-the-fly augmentation of batches of square grey images (rows are flattened
/// `side × side` images, row-major), seeded.
///
/// Each image gets its own random ``ImageWarp`` (translation, rotation, shear) and, when
/// enabled, an elastic displacement field; the warped image is resampled bilinearly,
/// with 0 (background) outside the image. Labels are untouched. All scratch buffers are
/// allocated once, so augmenting a batch allocates nothing.
///
/// ```swift
/// let augmenter = try Augmenter<Float>(featureCount: 784, options: .init(kinds: [.shift, .elastic]), random: RandomGenerator(seed: 7))
/// augmenter.augment(batch.features)   // in place
/// ```
public final class Augmenter<Scalar: NetworkScalar> {
    /// The image side in pixels.
    public let side: Int
    /// The distortions applied.
    public let options: AugmentationOptions
    /// The generator of the random draws.
    public private(set) var random: RandomGenerator

    private let scratch: UnsafeMutablePointer<Scalar>
    private let fieldX: UnsafeMutablePointer<Double>
    private let fieldY: UnsafeMutablePointer<Double>
    private let blurTemporary: UnsafeMutablePointer<Double>
    /// One row of a field with `radius` zeros on each side, for the horizontal blur.
    private let paddedRow: UnsafeMutablePointer<Double>
    /// The vertical blur's sums for one row.
    private let rowTotal: UnsafeMutablePointer<Double>
    /// The Gaussian blur's half-width, `⌈3σ⌉` (at least 1).
    private let radius: Int
    /// The blur's `2·radius + 1` weights, normalised to sum 1.
    private let kernelWeights: UnsafeMutablePointer<Double>

    /// An augmenter for images of `featureCount = side²` pixels.
    ///
    /// - Throws: `NetworkError.invalidSize(what:value:requirement:)` when `featureCount` is not a
    ///   perfect square, `NetworkError.invalidValue(setting:value:requirement:)` when an
    ///   option is negative.
    public init(featureCount: Int, options: AugmentationOptions, random: RandomGenerator) throws {
        let side = Int(Double(featureCount).squareRoot().rounded())
        guard side > 0, side * side == featureCount else {
            throw NetworkError.invalidSize(what: "augmentation", value: featureCount, requirement: "needs square images, a square number of features (pixels)")
        }
        guard options.maximumShift >= 0, options.maximumRotation >= 0, options.maximumShear >= 0,
              options.elasticAlpha >= 0, options.elasticSigma > 0 else {
            throw NetworkError.invalidValue(setting: "augmentation strengths", value: "\(options)", requirement: "must be non-negative and σ positive")
        }
        self.side = side
        self.options = options
        self.random = random
        let pixels = side * side
        scratch = .allocate(capacity: pixels)
        fieldX = .allocate(capacity: pixels)
        fieldY = .allocate(capacity: pixels)
        blurTemporary = .allocate(capacity: pixels)
        let radius = max(1, Int((3 * options.elasticSigma).rounded(.up)))
        let weights = (-radius...radius).map { Double.exp(-Double($0 * $0) / (2 * options.elasticSigma * options.elasticSigma)) }
        let total = weights.reduce(0, +)
        self.radius = radius
        kernelWeights = .allocate(capacity: weights.count)
        kernelWeights.initialize(from: weights.map { $0 / total }, count: weights.count)
        paddedRow = .allocate(capacity: side + 2 * radius)
        paddedRow.initialize(repeating: 0, count: side + 2 * radius)
        rowTotal = .allocate(capacity: side)
    }

    deinit {
        scratch.deallocate()
        fieldX.deallocate()
        fieldY.deallocate()
        blurTemporary.deallocate()
        paddedRow.deallocate()
        rowTotal.deallocate()
        kernelWeights.deallocate()
    }

    // MARK: - Batches

    /// Distorts every row of `batch` in place with fresh random draws.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func augment(_ batch: Matrix<Scalar>) {
        precondition(batch.columns == side * side, "Augmenter for \(side)×\(side) images got rows of \(batch.columns) values")
        if options.isIdentity { return }
        for row in 0..<batch.rows {
            let image = batch.rowPointer(row)
            let warp = randomWarp()
            let elastic = options.elasticAlpha > 0
            if elastic { drawElasticField(alpha: options.elasticAlpha) }
            scratch.update(from: image, count: side * side)
            Self.resample(scratch, into: image, side: side, warp: warp,
                          displacementX: elastic ? UnsafePointer(fieldX) : nil,
                          displacementY: elastic ? UnsafePointer(fieldY) : nil)
            if options.horizontalFlip == true && random.bernoulli(0.5) {
                for imageRow in 0..<side {
                    var (left, right) = (imageRow * side, imageRow * side + side - 1)
                    while left < right {
                        (image[left], image[right]) = (image[right], image[left])
                        (left, right) = (left + 1, right - 1)
                    }
                }
            }
        }
    }

    /// Elastically distorts one image (`side²` values) from `source` into `destination`
    /// with a freshly drawn field of scale `alpha` (and this augmenter's σ), no affine part.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func elasticDistortion(_ source: UnsafePointer<Scalar>, into destination: UnsafeMutablePointer<Scalar>, alpha: Double) {
        drawElasticField(alpha: alpha)
        Self.resample(source, into: destination, side: side, warp: .identity,
                      displacementX: UnsafePointer(fieldX), displacementY: UnsafePointer(fieldY))
    }

    private func randomWarp() -> ImageWarp {
        let shift = options.maximumShift
        let dx = shift > 0 ? Double(random.integer(below: 2 * shift + 1) - shift) : 0
        let dy = shift > 0 ? Double(random.integer(below: 2 * shift + 1) - shift) : 0
        let angle = options.maximumRotation > 0 ? random.uniform(-options.maximumRotation, options.maximumRotation) : 0
        let shear = options.maximumShear > 0 ? random.uniform(-options.maximumShear, options.maximumShear) : 0
        return ImageWarp(rotationDegrees: angle, shear: shear, translationX: dx, translationY: dy)
    }

    // MARK: - Elastic field

    /// Fills the displacement fields: uniform `[−1, 1]`, Gaussian-smoothed (zero outside
    /// the image), times `alpha`.
    private func drawElasticField(alpha: Double) {
        let pixels = side * side
        for index in 0..<pixels {
            fieldX[index] = random.uniform(-1, 1)
            fieldY[index] = random.uniform(-1, 1)
        }
        smooth(fieldX, scale: alpha)
        smooth(fieldY, scale: alpha)
    }

    /// Separable Gaussian convolution of a `side × side` field in place (zero outside the
    /// field), then scaling. Each output sums its taps in offset order; the loops run over
    /// the columns of a row at once, and a tap that falls outside adds nothing (a padded 0 in
    /// the first pass, a skipped row in the second), so the sums are those of the tap-by-tap
    /// formula.
    private func smooth(_ field: UnsafeMutablePointer<Double>, scale: Double) {
        let taps = kernelWeights, tapCount = 2 * radius + 1, padded = paddedRow, total = rowTotal
        for row in 0..<side {
            (padded + radius).update(from: field + row * side, count: side)
            let output = blurTemporary + row * side
            output.update(repeating: 0, count: side)
            for tap in 0..<tapCount {
                let weight = taps[tap], shifted = padded + tap
                for column in 0..<side { output[column] += weight * shifted[column] }
            }
        }
        for row in 0..<side {
            total.update(repeating: 0, count: side)
            for tap in max(0, radius - row)..<min(tapCount, side + radius - row) {
                let weight = taps[tap], source = blurTemporary + (row + tap - radius) * side
                for column in 0..<side { total[column] += weight * source[column] }
            }
            let output = field + row * side
            for column in 0..<side { output[column] = total[column] * scale }
        }
    }

    // MARK: - Resampling

    /// Writes the warped image: output pixel `(x, y)` takes the bilinear interpolation of
    /// `source` at `A·(p − c − t) + c + δ(x, y)`, with `δ` the optional displacement fields
    /// and 0 outside the image.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func resample(_ source: UnsafePointer<Scalar>, into destination: UnsafeMutablePointer<Scalar>, side: Int,
                                warp: ImageWarp, displacementX: UnsafePointer<Double>? = nil, displacementY: UnsafePointer<Double>? = nil) {
        let centre = Double(side - 1) / 2
        let (a, b, c, d) = warp.inverse
        func pixel(_ row: Int, _ column: Int) -> Double {
            row >= 0 && row < side && column >= 0 && column < side ? Double(source[row * side + column]) : 0
        }
        for row in 0..<side {
            for column in 0..<side {
                let u = Double(column) - centre - warp.translation.x
                let v = Double(row) - centre - warp.translation.y
                var x = a * u + b * v + centre
                var y = c * u + d * v + centre
                if let displacementX, let displacementY {
                    x += displacementX[row * side + column]
                    y += displacementY[row * side + column]
                }
                let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
                let fx = x - Double(x0), fy = y - Double(y0)
                let top = (1 - fx) * pixel(y0, x0) + fx * pixel(y0, x0 + 1)
                let bottom = (1 - fx) * pixel(y0 + 1, x0) + fx * pixel(y0 + 1, x0 + 1)
                destination[row * side + column] = Scalar((1 - fy) * top + fy * bottom)
            }
        }
    }
}
