import Backprop
import Foundation
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("Preprocessing")
struct PreprocessingTests {
    /// `m × 3` data with different scales and a constant third feature.
    func sample(_ m: Int, seed: UInt64) -> Matrix<Double> {
        var random = RandomGenerator(seed: seed)
        let x = Matrix<Double>(rows: m, columns: 3)
        for row in 0..<m {
            x[row, 0] = 5 + 3 * random.normal()
            x[row, 1] = -2 + 0.1 * random.normal()
            x[row, 2] = 7
        }
        return x
    }

    @Test func standardizeGivesZeroMeanUnitStdAndTestUsesTrainStatistics() throws {
        let train = sample(500, seed: 1), test = sample(50, seed: 2)
        let fitted = try FittedPreprocessor.fit(.standardize, to: train)
        let statistics = try fitted.transform(train).columnStatistics()
        for j in 0..<2 {
            #expect(isClose(statistics[j].mean, 0, absolute: 1e-12))
            #expect(isClose(statistics[j].standardDeviation, 1, absolute: 1e-12))
        }
        // The constant feature becomes 0, not NaN.
        #expect(statistics[2].mean == 0 && statistics[2].standardDeviation == 0)
        // Test rows use the training μ and s (population variance), computed here by hand.
        let column0 = train.column(0)
        let mean = column0.reduce(0, +) / 500
        let std = (column0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 500).squareRoot()
        let transformed = try fitted.transform(test)
        for row in 0..<test.rows {
            #expect(isClose(transformed[row, 0], (test[row, 0] - mean) / std, absolute: 1e-12))
            #expect(transformed[row, 2] == 0)
        }
        let testStatistics = transformed.columnStatistics()
        #expect(!isClose(testStatistics[0].mean, 0, absolute: 1e-6))  // not refitted on test
    }

    @Test func meanSubtractionMinMaxAndPresets() throws {
        let x = Matrix<Double>([[0, 10], [255, 20], [51, 20]])
        let centred = try FittedPreprocessor.fit(.subtractMean, to: x).transform(x)
        #expect(allClose(centred.column(0), [-102, 153, -51]))
        let scaled = try FittedPreprocessor.fit(.minMax, to: x).transform(x)
        #expect(allClose(scaled.column(0), [0, 1, 0.2]))
        #expect(allClose(scaled.column(1), [0, 1, 1]))
        let mnist = try FittedPreprocessor.fit(.mnistPixels, to: x).transform(x)
        #expect(allClose(mnist.column(0), [0.01, 1.0, 51 * 0.99 / 255 + 0.01]))
        let unit = try FittedPreprocessor.fit(.unitPixels, to: x).transform(x)
        #expect(allClose(unit.column(0), [0, 1, 0.2]))
        let constant = Matrix<Double>([[3], [3]])
        #expect(try FittedPreprocessor.fit(.minMax, to: constant).transform(constant).elements == [0, 0])
    }

    /// Correlated Gaussian data: x = L·z with a fixed lower-triangular L.
    func correlated(_ m: Int, seed: UInt64) -> Matrix<Double> {
        var random = RandomGenerator(seed: seed)
        let l: [[Double]] = [[2, 0, 0], [1.5, 0.5, 0], [-1, 0.8, 0.3]]
        let x = Matrix<Double>(rows: m, columns: 3)
        for row in 0..<m {
            let z = (0..<3).map { _ in random.normal() }
            for i in 0..<3 { x[row, i] = 1 + (0..<3).reduce(0) { $0 + l[i][$1] * z[$1] } }
        }
        return x
    }

    func covariance(_ x: Matrix<Double>) -> [[Double]] {
        let statistics = x.columnStatistics()
        return (0..<x.columns).map { i in
            (0..<x.columns).map { j in
                (0..<x.rows).reduce(0) { $0 + (x[$1, i] - statistics[i].mean) * (x[$1, j] - statistics[j].mean) } / Double(x.rows)
            }
        }
    }

    @Test(arguments: [PreprocessingMethod.pcaWhitening(components: .all, epsilon: 1e-8), .zcaWhitening(epsilon: 1e-8)])
    func whiteningGivesIdentityCovariance(method: PreprocessingMethod) throws {
        let x = correlated(4000, seed: 5)
        let before = covariance(x)
        #expect(abs(before[0][1]) > 1)  // really correlated
        let white = try FittedPreprocessor.fit(method, to: x).transform(x)
        let after = covariance(white)
        for i in 0..<3 {
            for j in 0..<3 { #expect(abs(after[i][j] - (i == j ? 1 : 0)) < 1e-3, "C[\(i)][\(j)] = \(after[i][j])") }
        }
    }

    @Test func zcaStaysCloseToTheOriginalAxes() throws {
        // ZCA is the symmetric whitening matrix: P = Pᵀ.
        let fitted = try FittedPreprocessor.fit(.zcaWhitening(epsilon: 1e-5), to: correlated(2000, seed: 8))
        for i in 0..<3 { for j in 0..<3 { #expect(isClose(fitted.projection[i * 3 + j], fitted.projection[j * 3 + i], absolute: 1e-12)) } }
    }

    @Test func pcaKeepsLeadingComponentsAndVarianceFraction() throws {
        let x = correlated(3000, seed: 9)
        let fitted = try FittedPreprocessor.fit(.pca(components: .count(2)), to: x)
        #expect(fitted.outputCount == 2)
        let projected = try fitted.transform(x)
        let c = covariance(projected)
        // Uncorrelated components whose variances are the two largest eigenvalues.
        #expect(abs(c[0][1]) < 1e-9)
        #expect(isClose(c[0][0], fitted.eigenvalues[0], relative: 1e-9))
        #expect(isClose(c[1][1], fitted.eigenvalues[1], relative: 1e-9))
        #expect(fitted.eigenvalues[0] >= fitted.eigenvalues[1] && fitted.eigenvalues[1] >= fitted.eigenvalues[2])
        // The eigenvalues sum to the total variance (trace of the covariance).
        let total = covariance(x).enumerated().reduce(0) { $0 + $1.element[$1.offset] }
        #expect(isClose(fitted.eigenvalues.reduce(0, +), total, relative: 1e-9))
        // A variance fraction keeps the fewest components reaching it.
        let first = fitted.eigenvalues[0] / total
        let byFraction = try FittedPreprocessor.fit(.pca(components: .varianceFraction(first * 0.99)), to: x)
        #expect(byFraction.outputCount == 1)
        let more = try FittedPreprocessor.fit(.pca(components: .varianceFraction(min(1, first * 1.01))), to: x)
        #expect(more.outputCount == 2)
    }

    @Test func invalidSettingsThrow() {
        let x = Matrix<Double>([[1, 2], [3, 4]])
        #expect(throws: NetworkError.self) { try FittedPreprocessor.fit(.pca(components: .count(3)), to: x) }
        #expect(throws: NetworkError.self) { try FittedPreprocessor.fit(.pca(components: .varianceFraction(1.5)), to: x) }
        #expect(throws: NetworkError.self) { try FittedPreprocessor.fit(.standardize, to: Matrix<Double>(rows: 0, columns: 2)) }
        #expect(throws: NetworkError.self) { try FittedPreprocessor.fit(.standardize, to: x).transform(Matrix<Double>(rows: 1, columns: 3)) }
    }

    @Test func pipelineIsCodableAndAppliesInOrder() throws {
        let x = correlated(500, seed: 11)
        let pipeline = try PreprocessingPipeline.fit([.standardize, .pca(components: .count(2))], to: x)
        #expect(pipeline.inputCount == 3 && pipeline.outputCount == 2)
        let data = try JSONEncoder().encode(pipeline)
        let decoded = try JSONDecoder().decode(PreprocessingPipeline.self, from: data)
        #expect(decoded == pipeline)
        let direct = try pipeline.transform(x)
        let manual = try pipeline.steps[1].transform(pipeline.steps[0].transform(x))
        #expect(try decoded.transform(x).elements == direct.elements)
        #expect(allClose(direct.elements, manual.elements))
        // Fitted in Double, applied to Float.
        let single = try decoded.transform(x.converted(to: Float.self))
        #expect(allClose(single.elements.map(Double.init), direct.elements, absolute: 1e-4, relative: 1e-4))
    }

    @Test func splitsArePreprocessedWithTrainingStatistics() throws {
        let set = try Dataset<Double>.blobs(count: 300, classes: 3, seed: 4)
        let (parts, pipeline) = try set.split(seed: 1).preprocessed(with: [.standardize])
        #expect(pipeline.steps.count == 1)
        let trainStatistics = parts.train.featureStatistics()
        #expect(isClose(trainStatistics[0].mean, 0, absolute: 1e-12) && isClose(trainStatistics[0].standardDeviation, 1, relative: 1e-12))
        let rawTest = set.split(seed: 1).test!
        let expected = try pipeline.steps[0].transform(rawTest.features)
        #expect(parts.test!.features.elements == expected.elements)
    }

    @Test(arguments: [[PreprocessingMethod.standardize], [.standardize, .pca(components: .count(2))], [.minMax(lower: -1, upper: 1)]])
    func preprocessingInPlaceOverwritesOnlyWhatNothingElseHolds(_ methods: [PreprocessingMethod]) throws {
        let set = try Dataset<Double>.blobs(count: 300, classes: 3, seed: 4)
        let (copied, pipeline) = try set.split(seed: 1).preprocessed(with: methods)

        // Features these splits alone hold: element-wise steps overwrite them.
        var owned = set.split(seed: 1)
        let trainStorage = ObjectIdentifier(owned.train.features), testStorage = ObjectIdentifier(owned.test!.features)
        #expect(try owned.preprocess(with: methods) == pipeline)
        #expect(owned.train.features.elements == copied.train.features.elements)
        #expect(owned.test!.features.elements == copied.test!.features.elements)
        let projects = methods.contains { if case .pca = $0 { true } else { false } }
        #expect((ObjectIdentifier(owned.train.features) == trainStorage) == !projects)
        #expect((ObjectIdentifier(owned.test!.features) == testStorage) == !projects)

        // Features another holder reads: copied, the holder's left as they were.
        var shared = set.split(seed: 1)
        let held = shared.train.features, heldElements = held.elements
        _ = try shared.preprocess(with: methods)
        #expect(held.elements == heldElements)
        #expect(shared.train.features !== held)
        #expect(shared.train.features.elements == copied.train.features.elements)
    }

    /// Cross-validation and ensembles build several runs on one loaded split: a run copies
    /// the features it preprocesses and leaves the caller's as they were.
    @Test func aRunOnGivenDataLeavesTheCallersFeaturesUnchanged() throws {
        let splits = try Dataset<Float>.blobs(count: 120, classes: 3, seed: 5).split(seed: 2)
        let before = splits.train.features.elements
        var recipe = TrainingRecipe()
        recipe.layers = [2, 4, 3]
        recipe.epochs = 1
        recipe.preprocessing = [.standardize]
        let run = try TrainingRun(recipe: recipe, data: splits)
        #expect(splits.train.features.elements == before)
        #expect(run.splits.train.features !== splits.train.features)
        #expect(isClose(run.splits.train.featureStatistics()[0].mean, 0, absolute: 1e-5))
    }

    @Test func oneHotEncoding() throws {
        let encoded = try Matrix<Float>.oneHot(labels: [2, 0, 1], classCount: 3)
        #expect(encoded.elements == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        #expect(encoded.argmaxPerRow() == [2, 0, 1])
    }
}
