import RealModule
import BackpropCore

extension Dataset {
    /// Two interleaving half circles (the "two moons"), two classes, with Gaussian noise.
    ///
    /// Class 0 lies on `(cos t, sin t)`, class 1 on `(1 − cos t, 0.5 − sin t)` for `t` evenly
    /// spaced in `[0, π]`; each point gets N(0, noise²) added per coordinate. The
    /// first `count / 2` (rounded up) rows are class 0, the rest class 1.
    public static func twoMoons(count: Int = 300, noise: Double = 0.2, seed: UInt64 = 0) throws -> Dataset {
        guard count >= 2 else { throw NetworkError.invalidSize(what: "two moons", value: count, requirement: "needs at least 2 points") }
        guard noise >= 0 else { throw NetworkError.invalidValue(setting: "noise", value: "\(noise)", requirement: "must be non-negative") }
        var random = RandomGenerator(seed: seed)
        let outer = (count + 1) / 2, inner = count - outer
        let features = Matrix<Scalar>(rows: count, columns: 2)
        var labels: [Int] = []
        for i in 0..<count {
            let isOuter = i < outer
            let index = isOuter ? i : i - outer
            let steps = Double(max((isOuter ? outer : inner) - 1, 1))
            let t = Double.pi * Double(index) / steps
            let x = isOuter ? Double.cos(t) : 1 - Double.cos(t)
            let y = isOuter ? Double.sin(t) : 0.5 - Double.sin(t)
            features[i, 0] = Scalar(x + noise * random.normal())
            features[i, 1] = Scalar(y + noise * random.normal())
            labels.append(isOuter ? 0 : 1)
        }
        return try Dataset(features: features, labels: labels, classCount: 2, classNames: ["0", "1"])
    }
}
