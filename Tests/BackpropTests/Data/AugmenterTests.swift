import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("Image augmentation")
struct AugmenterTests {
    /// A 5×5 image with distinct values 1…25 and a 0 border on the right column and bottom row.
    static func image() -> [Double] {
        var pixels = [Double](repeating: 0, count: 25)
        for index in 0..<25 where index % 5 != 4 && index / 5 != 4 { pixels[index] = Double(index + 1) }
        return pixels
    }

    @Test func translationByOnePixelMovesTheImageByOnePixel() {
        let source = Self.image()
        var right = [Double](repeating: -1, count: 25), down = [Double](repeating: -1, count: 25)
        Augmenter<Double>.resample(source, into: &right, side: 5, warp: ImageWarp(rotationDegrees: 0, shear: 0, translationX: 1, translationY: 0))
        Augmenter<Double>.resample(source, into: &down, side: 5, warp: ImageWarp(rotationDegrees: 0, shear: 0, translationX: 0, translationY: 1))
        for row in 0..<5 {
            for column in 0..<5 {
                #expect(right[row * 5 + column] == (column == 0 ? 0 : source[row * 5 + column - 1]))
                #expect(down[row * 5 + column] == (row == 0 ? 0 : source[(row - 1) * 5 + column]))
            }
        }
    }

    @Test func identityWarpAndQuarterTurn() {
        let source = Self.image()
        var same = [Double](repeating: -1, count: 25), turned = [Double](repeating: -1, count: 25)
        Augmenter<Double>.resample(source, into: &same, side: 5, warp: .identity)
        #expect(same == source)
        // Rotating by 90° four times is the identity; once maps (x, y) about the centre.
        Augmenter<Double>.resample(source, into: &turned, side: 5, warp: ImageWarp(rotationDegrees: 90, shear: 0, translationX: 0, translationY: 0))
        var back = turned
        for _ in 0..<3 {
            let previous = back
            Augmenter<Double>.resample(previous, into: &back, side: 5, warp: ImageWarp(rotationDegrees: 90, shear: 0, translationX: 0, translationY: 0))
        }
        #expect(allClose(back, source, absolute: 1e-9))
        #expect(!allClose(turned, source, absolute: 1e-9))
    }

    @Test func elasticWithZeroAlphaIsTheIdentity() throws {
        let augmenter = try Augmenter<Double>(featureCount: 25, options: AugmentationOptions(elasticAlpha: 34, elasticSigma: 4), random: RandomGenerator(seed: 1))
        let source = Self.image()
        var output = [Double](repeating: -1, count: 25)
        augmenter.elasticDistortion(source, into: &output, alpha: 0)
        #expect(output == source)
        augmenter.elasticDistortion(source, into: &output, alpha: 8)
        #expect(output != source)
    }

    /// The elastic field is the uniform draws (x and y interleaved per pixel) blurred by the
    /// normalised Gaussian of radius ⌈3σ⌉, one tap at a time with 0 outside the image, first
    /// along rows then along columns, times α: the distortion equals the resampling with the
    /// field computed so, to the last bit.
    @Test(arguments: [(side: 28, sigma: 4.0), (side: 6, sigma: 4.0), (side: 9, sigma: 1.0)])
    func elasticFieldIsTheSeparableGaussianBlurOfTheDraws(side: Int, sigma: Double) throws {
        let pixels = side * side, alpha = 34.0
        let augmenter = try Augmenter<Double>(featureCount: pixels, options: AugmentationOptions(elasticAlpha: alpha, elasticSigma: sigma),
                                              random: RandomGenerator(seed: 3))
        var random = RandomGenerator(seed: 3)
        var fieldX = [Double](repeating: 0, count: pixels), fieldY = fieldX
        for index in 0..<pixels { fieldX[index] = random.uniform(-1, 1); fieldY[index] = random.uniform(-1, 1) }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        let weights = (-radius...radius).map { Double.exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let kernel = weights.map { $0 / weights.reduce(0, +) }
        func blur(_ field: [Double]) -> [Double] {
            func tapSum(_ source: [Double], _ row: Int, _ column: Int, alongRow: Bool) -> Double {
                var total = 0.0
                for offset in -radius...radius {
                    let (r, c) = alongRow ? (row, column + offset) : (row + offset, column)
                    if r >= 0 && r < side && c >= 0 && c < side { total += kernel[offset + radius] * source[r * side + c] }
                }
                return total
            }
            let rows = (0..<pixels).map { tapSum(field, $0 / side, $0 % side, alongRow: true) }
            return (0..<pixels).map { tapSum(rows, $0 / side, $0 % side, alongRow: false) * alpha }
        }
        let source = (0..<pixels).map { Double(($0 * 37) % 11) / 10 }
        var expected = [Double](repeating: 0, count: pixels), distorted = expected
        Augmenter<Double>.resample(source, into: &expected, side: side, warp: .identity,
                                   displacementX: blur(fieldX), displacementY: blur(fieldY))
        augmenter.elasticDistortion(source, into: &distorted, alpha: alpha)
        #expect(distorted == expected)
        #expect(distorted != source)
    }

    @Test func augmentingABatchKeepsShapesAndLabelsAndIsSeeded() throws {
        var random = RandomGenerator(seed: 2)
        let features = Matrix<Float>(rows: 6, columns: 64, elements: (0..<384).map { _ in Float(random.uniform()) })
        let set = try Dataset(features: features, labels: [0, 1, 2, 0, 1, 2], classCount: 3)
        let options = AugmentationOptions(kinds: [.shift, .rotate, .shear, .elastic])
        func run(seed: UInt64) throws -> (Matrix<Float>, Matrix<Float>) {
            let plan = try BatchPlan(exampleCount: set.count, batchSize: 6)
            let batch = BatchGatherer<Float>(capacity: plan.batchSize, featureCount: 64, outputCount: 3)
            batch.gather(Array(0..<set.count)[plan.range(ofBatch: 0)], from: set)
            let augmenter = try Augmenter<Float>(featureCount: 64, options: options, random: RandomGenerator(seed: seed))
            augmenter.augment(batch.features)
            return (batch.features.copy(), batch.targets.copy())
        }
        let (first, targets) = try run(seed: 5)
        #expect(first.rows == 6 && first.columns == 64)
        #expect(targets.elements == set.targets.elements)
        #expect(first.elements != set.features.elements)
        #expect(first.firstNonFinite() == nil)
        #expect(try run(seed: 5).0.elements == first.elements)
        #expect(try run(seed: 6).0.elements != first.elements)
        #expect(set.features.elements == features.elements)  // the dataset itself is untouched
    }

    @Test func parsingAndValidation() throws {
        let options = try AugmentationOptions(parsing: "shift, elastic")
        #expect(options.maximumShift == 2 && options.elasticAlpha == 34 && options.maximumRotation == 0)
        #expect(throws: DataError.self) { try AugmentationOptions(parsing: "shift,blur") }
        #expect(throws: NetworkError.self) { try Augmenter<Float>(featureCount: 10, options: options, random: RandomGenerator(seed: 0)) }
    }
}
