import Backprop
import Foundation
import Testing
@testable import BackpropCore

@Suite("Synthetic sets")
struct SyntheticSetTests {
    @Test func circlesLieOnTheirRadii() throws {
        let set = try Dataset<Double>.circles(count: 101, noise: 0, factor: 0.4, seed: 1)
        #expect(set.classHistogram() == [51, 50])
        for row in 0..<set.count {
            let radius = (set.features[row, 0] * set.features[row, 0] + set.features[row, 1] * set.features[row, 1]).squareRoot()
            #expect(isClose(radius, set.labels![row] == 0 ? 1 : 0.4, absolute: 1e-12))
        }
    }

    @Test func spiralHasKArmsWithRadiusGrowingAlongEachArm() throws {
        let set = try Dataset<Double>.spiral(count: 400, classes: 4, noise: 0, seed: 2)
        #expect(set.classHistogram() == [100, 100, 100, 100])
        #expect(set.outputCount == 4)
        // Without noise, point i of arm k has radius i/(n−1) and angle 4k + 4r.
        let row = 100 + 50  // arm 1, point 50
        let r = 50.0 / 99
        #expect(isClose(set.features[row, 0], r * sin(4 + 4 * r), absolute: 1e-12))
        #expect(isClose(set.features[row, 1], r * cos(4 + 4 * r), absolute: 1e-12))
    }

    @Test func blobsClusterAroundTheirCentres() throws {
        let set = try Dataset<Double>.blobs(count: 3000, classes: 3, dimensions: 4, noise: 0.5, seed: 3)
        #expect(set.featureCount == 4 && set.classHistogram() == [1000, 1000, 1000])
        for label in 0..<3 {
            let members = set.subset((0..<set.count).filter { set.labels![$0] == label })
            for statistics in members.featureStatistics() {
                #expect(abs(statistics.standardDeviation - 0.5) < 0.05)
                #expect(abs(statistics.mean) <= 10.1)
            }
        }
    }

    @Test func xorLabelsFollowTheQuadrantsWithoutNoise() throws {
        let set = try Dataset<Double>.xor(count: 500, noise: 0, seed: 4)
        for row in 0..<set.count {
            let product = set.features[row, 0] * set.features[row, 1]
            #expect(set.labels![row] == (product < 0 ? 1 : 0))
        }
        let histogram = set.classHistogram()!
        #expect(histogram[0] > 200 && histogram[1] > 200)
    }

    @Test func sameSeedSameSetAndNoiseMatters() throws {
        let a = try Dataset<Float>.spiral(count: 90, seed: 7), b = try Dataset<Float>.spiral(count: 90, seed: 7)
        #expect(a.features.elements == b.features.elements)
        let c = try Dataset<Float>.spiral(count: 90, seed: 8)
        #expect(a.features.elements != c.features.elements)
        let moons = try Dataset<Float>.twoMoons(count: 300, noise: 0.2, seed: 0)
        #expect(moons.count == 300 && moons.classHistogram() == [150, 150])
    }

    @Test func invalidSettingsThrow() {
        #expect(throws: NetworkError.self) { try Dataset<Float>.spiral(count: 10, classes: 1) }
        #expect(throws: NetworkError.self) { try Dataset<Float>.blobs(count: 2, classes: 3) }
        #expect(throws: NetworkError.self) { try Dataset<Float>.xor(count: 10, noise: -1) }
        #expect(throws: NetworkError.self) { try Dataset<Float>.circles(count: 10, factor: 1.5) }
    }
}

