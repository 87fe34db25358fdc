extension Matrix {
    /// Sets every active element, in row-major order, to the next value of `next`, converted
    /// from `Double`. `Float` and `Double` take a concrete path, so drawing millions of
    /// weights stays quick even in unoptimised builds.
    func fillElements(_ next: () -> Double) {
        let raw = UnsafeMutableRawPointer(base)
        if Scalar.self == Float.self {
            let pointer = raw.assumingMemoryBound(to: Float.self)
            for index in 0..<count { pointer[index] = Float(next()) }
        } else if Scalar.self == Double.self {
            let pointer = raw.assumingMemoryBound(to: Double.self)
            for index in 0..<count { pointer[index] = next() }
        } else {
            for index in 0..<count { base[index] = Scalar(next()) }
        }
    }

    /// Calls `body` with the active elements as `Double` values, in row-major order; `Float`
    /// and `Double` take a concrete path.
    func forEachElementAsDouble(_ body: (Double) -> Void) {
        let raw = UnsafeRawPointer(base)
        if Scalar.self == Float.self {
            let pointer = raw.assumingMemoryBound(to: Float.self)
            for index in 0..<count { body(Double(pointer[index])) }
        } else if Scalar.self == Double.self {
            let pointer = raw.assumingMemoryBound(to: Double.self)
            for index in 0..<count { body(pointer[index]) }
        } else {
            for index in 0..<count { body(Double(base[index])) }
        }
    }
}
