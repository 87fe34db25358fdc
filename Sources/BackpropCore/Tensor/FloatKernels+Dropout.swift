extension FloatKernels {
    // MARK: - Dropout

    /// Draws one dropout mask and applies it: for each of the `count` elements
    /// `u = uniform()` from `random` (in element order, so the stream is the one the generic
    /// layer draws; compared as integers through ``keptBelow(_:)``), `mask[i] = u < keep ? scale : 0` and `output[i] = x[i]·mask[i]`.
    @usableFromInline
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, keep: Double, scale: Float, random: inout RandomGenerator) {
        var stream = random
        let threshold = keptBelow(keep)
        for i in 0..<count {
            let factor: Float = stream.next() >> 11 < threshold ? scale : 0
            mask[i] = factor
            output[i] = x[i] * factor
        }
        random = stream
    }

    /// ``dropout(_:mask:output:count:keep:scale:random:)`` with the per-example draws of
    /// data-parallel training: element `i` keeps when the SplitMix64 hash of
    /// `key + (first + i)·φ` (φ = 0x9E3779B97F4A7C15), as a uniform in `[0, 1)`, is below `keep`.
    @usableFromInline
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, keep: Double, scale: Float, key: UInt64, first: Int) {
        let threshold = keptBelow(keep)
        for i in 0..<count {
            var counter = key &+ UInt64(first + i) &* 0x9E37_79B9_7F4A_7C15
            let factor: Float = RandomGenerator.splitMix64(&counter) >> 11 < threshold ? scale : 0
            mask[i] = factor
            output[i] = x[i] * factor
        }
    }

    /// The bound `t` with `n < t ⟺ n·2⁻⁵³ < keep` for every 53-bit draw `n`, so a mask compares
    /// integers exactly as the uniform in `[0, 1)` compares with `keep`: `t = ⌈keep·2⁵³⌉`
    /// (`keep·2⁵³` is exact, a power-of-two scaling).
    private static func keptBelow(_ keep: Double) -> UInt64 {
        UInt64((keep * 0x1.0p53).rounded(.up))
    }

    /// `product[i] = a[i]·b[i]` over `count` elements (`product` may be `a` or `b`).
    @usableFromInline
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into product: UnsafeMutablePointer<Float>, count: Int) {
        let vectorEnd = count - count % width
        var i = 0
        while i < vectorEnd {
            store(load(a + i) * load(b + i), product + i)
            i += width
        }
        while i < count {
            product[i] = a[i] * b[i]
            i += 1
        }
    }
}
