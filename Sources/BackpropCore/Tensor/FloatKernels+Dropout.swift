extension FloatKernels {
    // MARK: - Dropout

    /// Draws one dropout mask and applies it: for each of the `count` elements
    /// the 53-bit draw `n` of `uniform()` from `random` (in element order), `mask[i] = scale`
    /// when `n·2⁻⁵³ < keep` (compared as integers against
    /// `RandomGenerator.bernoulliThreshold(keep)`), else 0, and `output[i] = x[i]·mask[i]`.
    @usableFromInline
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, keep: Double, scale: Float, random: inout RandomGenerator) {
        var stream = random
        let threshold = RandomGenerator.bernoulliThreshold(keep)
        for i in 0..<count {
            let factor: Float = stream.next53() < threshold ? scale : 0
            mask[i] = factor
            output[i] = x[i] * factor
        }
        random = stream
    }

    /// ``dropout(_:mask:output:count:keep:scale:random:)`` with the per-example draws of
    /// data-parallel training: element `i` keeps when `RandomGenerator.keyedDraw53(key:index:)`
    /// of index `first + i`, as a uniform in `[0, 1)`, is below `keep`.
    @usableFromInline
    static func dropout(_ x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, keep: Double, scale: Float, key: UInt64, first: Int) {
        let threshold = RandomGenerator.bernoulliThreshold(keep)
        for i in 0..<count {
            let factor: Float = RandomGenerator.keyedDraw53(key: key, index: first + i) < threshold ? scale : 0
            mask[i] = factor
            output[i] = x[i] * factor
        }
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
