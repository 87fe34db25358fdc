import RealModule

/// The seeded pseudo-random generator behind every initialiser, shuffle, dropout mask and
/// augmentation.
///
/// The algorithm is **xoshiro256\*\*** (Blackman & Vigna 2018) with its 256-bit state
/// seeded from a 64-bit seed through **SplitMix64**. Every draw is defined here in integer
/// arithmetic and IEEE-754 operations, so the same seed gives the same stream on every
/// platform and Swift version (the standard library's `shuffle` and `random(in:)` make no
/// such promise, so they are not used).
///
/// - Uniform `[0, 1)`: the top 53 bits of a draw times 2⁻⁵³.
/// - Normal: Box–Muller, `√(−2 ln u₁)·cos(2π u₂)`, two uniform draws per normal.
/// - Bernoulli(p): `uniform() < p`.
/// - Shuffle: Fisher–Yates from the last index down, `j = uniform integer in 0...i`.
///
/// ```swift
/// var random = RandomGenerator(seed: 42)
/// let weight = random.normal(mean: 0, standardDeviation: 0.01)
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    private var s0, s1, s2, s3: UInt64

    /// The four state words; restoring them with ``init(state:)`` resumes the exact stream.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator seeded from `seed` through SplitMix64.
    public init(seed: UInt64) {
        var splitMix = seed
        s0 = RandomGenerator.splitMix64(&splitMix)
        s1 = RandomGenerator.splitMix64(&splitMix)
        s2 = RandomGenerator.splitMix64(&splitMix)
        s3 = RandomGenerator.splitMix64(&splitMix)
    }

    /// A generator that continues from saved ``state`` words.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "A xoshiro256** state is four words, not all zero")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    public init(from decoder: Decoder) throws {
        let words = try [UInt64](from: decoder)
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "A random generator state is four words, not all zero"))
        }
        self.init(state: words)
    }

    public func encode(to encoder: Encoder) throws {
        try state.encode(to: encoder)
    }

    static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: - Raw draws

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A child generator with an independent stream, derived from this one's next draw.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    // MARK: - Distributions

    /// A uniform draw from `[0, 1)`: `n·2⁻⁵³` for the 53-bit draw `n` of `next53()`.
    public mutating func uniform() -> Double {
        Double(next53()) * 0x1.0p-53
    }

    /// The top 53 bits of ``next()``: the integer `n` behind the uniform draw `n·2⁻⁵³`.
    mutating func next53() -> UInt64 {
        next() >> 11
    }

    /// Element `index` of the keyed family of 53-bit draws: the SplitMix64 hash of
    /// `key + index·φ` (φ = 0x9E3779B97F4A7C15), top 53 bits. Each element's draw depends on
    /// its index only, not on the order of drawing: dropout masks, drawn in vectors on two
    /// cores, and the same for each example whichever process of data-parallel training holds it.
    static func keyedDraw53(key: UInt64, index: Int) -> UInt64 {
        var counter = key &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        return splitMix64(&counter) >> 11
    }

    /// Element `index` of the keyed standard normal draws: Box–Muller on the keyed draws `2p`
    /// and `2p + 1` of pair `p = index / 2` — `u₁ = 1 − n₀·2⁻⁵³ ∈ (0, 1]`, `u₂ = n₁·2⁻⁵³`,
    /// `r = √(−2 ln u₁)` — giving `r·cos 2πu₂` for an even index and `r·sin 2πu₂` for an odd
    /// one, so both outputs of a pair are used and each element depends on its index only.
    static func keyedNormal(key: UInt64, index: Int) -> Double {
        let pair = index >> 1
        let u1 = 1 - Double(keyedDraw53(key: key, index: 2 * pair)) * 0x1.0p-53
        let u2 = Double(keyedDraw53(key: key, index: 2 * pair + 1)) * 0x1.0p-53
        let radius = (-2 * Double.log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        return index & 1 == 0 ? radius * Double.cos(angle) : radius * Double.sin(angle)
    }

    /// The bound `t` with `n < t ⟺ n·2⁻⁵³ < probability` for every 53-bit draw `n`, so a
    /// Bernoulli draw can compare integers (dropout's masks do): `t = ⌈p·2⁵³⌉` (`p·2⁵³` is
    /// exact, a power-of-two scaling; `p` is clamped to [0, 1]).
    static func bernoulliThreshold(_ probability: Double) -> UInt64 {
        UInt64((max(0, min(1, probability)) * 0x1.0p53).rounded(.up))
    }

    /// A uniform draw from `[lower, upper)`.
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// A uniform integer in `0..<upperBound` (Lemire's nearly-divisionless method).
    public mutating func integer(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "integer(below:) needs a positive bound")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// A normal draw N(mean, standardDeviation²) by the Box–Muller transform.
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        let u1 = 1 - uniform()  // (0, 1]: the logarithm stays finite
        let u2 = uniform()
        let radius = (-2 * Double.log(u1)).squareRoot()
        return mean + standardDeviation * radius * Double.cos(2 * Double.pi * u2)
    }

    /// `true` with probability `probability`.
    public mutating func bernoulli(_ probability: Double) -> Bool {
        uniform() < probability
    }

    /// Shuffles `elements` in place (Fisher–Yates).
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ elements: inout C) where C.Index == Int {
        guard elements.count > 1 else { return }
        let start = elements.startIndex
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = integer(below: i + 1)
            elements.swapAt(start + i, start + j)
        }
    }

    /// A random permutation of `0..<count`.
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        shuffle(&indices)
        return indices
    }
}

