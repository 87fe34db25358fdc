import RealModule
import BackpropCore

/// Small synthetic classification sets for experiments and tests; all seeded.
///
/// Examples are divided between the `K` classes as evenly as possible (the first
/// `count mod K` classes get one more) and stored class after class.
extension Dataset {
    /// Two concentric circles, two classes: class 0 on radius 1, class 1 on radius `factor`.
    ///
    /// Angles are evenly spaced, `t = 2π·i/n_c`; each coordinate gets N(0, noise²).
    /// Defaults: 300 points, noise 0.1, factor 0.5.
    public static func circles(count: Int = 300, noise: Double = 0.1, factor: Double = 0.5, seed: UInt64 = 0) throws -> Dataset {
        try checkSynthetic(count: count, classes: 2, noise: noise)
        guard factor > 0 && factor < 1 else { throw NetworkError.invalidValue(setting: "circles factor", value: "\(factor)", requirement: "must be in (0, 1)") }
        var random = RandomGenerator(seed: seed)
        return try generate(count: count, classes: 2) { label, index, size in
            let t = 2 * Double.pi * Double(index) / Double(size)
            let radius = label == 0 ? 1 : factor
            return [radius * Double.cos(t) + noise * random.normal(), radius * Double.sin(t) + noise * random.normal()]
        }
    }

    /// `classes` interleaved spiral arms (the classic "spiral" set), one class per arm.
    ///
    /// Point `i` of arm `k` (of `n_k`): radius `r = i/(n_k − 1)`, angle
    /// `t = 4k + 4r + noise·N(0, 1)`, position `r·(sin t, cos t)`.
    /// Defaults: 300 points, 3 classes, noise 0.2.
    public static func spiral(count: Int = 300, classes: Int = 3, noise: Double = 0.2, seed: UInt64 = 0) throws -> Dataset {
        try checkSynthetic(count: count, classes: classes, noise: noise)
        var random = RandomGenerator(seed: seed)
        return try generate(count: count, classes: classes) { label, index, size in
            let radius = Double(index) / Double(max(size - 1, 1))
            let angle = 4 * Double(label) + 4 * radius + noise * random.normal()
            return [radius * Double.sin(angle), radius * Double.cos(angle)]
        }
    }

    /// Gaussian blobs: `classes` centres drawn uniformly from `[−10, 10]^dimensions`, each
    /// point N(centre, noise²·I). Defaults: 300 points, 3 classes, 2 dimensions, noise 1.
    public static func blobs(count: Int = 300, classes: Int = 3, dimensions: Int = 2, noise: Double = 1, seed: UInt64 = 0) throws -> Dataset {
        try checkSynthetic(count: count, classes: classes, noise: noise)
        guard dimensions >= 1 else { throw NetworkError.invalidSize(what: "blobs", value: dimensions, requirement: "need at least 1 dimension") }
        var random = RandomGenerator(seed: seed)
        let centres = (0..<classes).map { _ in (0..<dimensions).map { _ in random.uniform(-10, 10) } }
        return try generate(count: count, classes: classes) { label, _, _ in
            centres[label].map { $0 + noise * random.normal() }
        }
    }

    /// XOR: points uniform in `[−1, 1]²`, class 1 when the coordinates have opposite signs
    /// (`x·y < 0`), class 0 otherwise; then each coordinate gets N(0, noise²), so labels
    /// near the axes become noisy. Examples are in draw order, not grouped by class.
    /// Defaults: 300 points, noise 0.1.
    public static func xor(count: Int = 300, noise: Double = 0.1, seed: UInt64 = 0) throws -> Dataset {
        try checkSynthetic(count: count, classes: 2, noise: noise)
        var random = RandomGenerator(seed: seed)
        let features = Matrix<Scalar>(rows: count, columns: 2)
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for row in 0..<count {
            let x = random.uniform(-1, 1), y = random.uniform(-1, 1)
            labels.append(x * y < 0 ? 1 : 0)
            features[row, 0] = Scalar(x + noise * random.normal())
            features[row, 1] = Scalar(y + noise * random.normal())
        }
        return try Dataset(features: features, labels: labels, classCount: 2)
    }

    // MARK: - Helpers

    static func checkSynthetic(count: Int, classes: Int, noise: Double) throws {
        guard classes >= 2 else { throw NetworkError.invalidSize(what: "a synthetic set", value: classes, requirement: "needs at least 2 classes") }
        guard count >= classes else { throw NetworkError.invalidSize(what: "a synthetic set of \(classes) classes", value: count, requirement: "needs at least \(classes) points") }
        guard noise >= 0 && noise.isFinite else { throw NetworkError.invalidValue(setting: "noise", value: "\(noise)", requirement: "must be non-negative") }
    }

    /// Calls `point(label, indexInClass, classSize)` for every example, class after class.
    static func generate(count: Int, classes: Int, point: (Int, Int, Int) -> [Double]) throws -> Dataset {
        var rows: [[Scalar]] = []
        var labels: [Int] = []
        for label in 0..<classes {
            let size = count / classes + (label < count % classes ? 1 : 0)
            for index in 0..<size {
                rows.append(point(label, index, size).map { Scalar($0) })
                labels.append(label)
            }
        }
        return try Dataset(features: Matrix(rows), labels: labels, classCount: classes)
    }
}
