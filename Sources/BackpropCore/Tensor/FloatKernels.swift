import CBackpropKernels

/// Hand-vectorised single-precision loops for the training hot path.
///
/// Generic code checks `Scalar.self == Float.self` (folded away when specialised) and hands
/// its buffers here; `Double`, used for gradient checking, keeps the plain generic loops.
/// Every kernel works in lanes of 16 (`SIMD16<Float>`, one AVX-512 register or two AVX
/// registers) and finishes the remainder one element at a time with the same formula, so
/// the result of an element does not depend on its position.
@usableFromInline
enum FloatKernels {
    @usableFromInline typealias Lanes = SIMD16<Float>
    @usableFromInline static let width = 16

    @inlinable @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    @inlinable @inline(__always)
    static func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }

    /// Reinterprets a generic pointer whose element type is known to be `Float`.
    @inlinable @inline(__always)
    static func floats<Scalar>(_ pointer: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self)
    }

    // MARK: - Dense layers

    /// `z[i, j] += bias[j]` (when a bias is given) and `a[i, j] = max(z[i, j], 0)` in one
    /// pass; `a` may be `z`.
    @usableFromInline
    static func addBiasReLU(z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>,
                            bias: UnsafePointer<Float>?, rows: Int, columns: Int) {
        let vectorEnd = columns - columns % width
        for row in 0..<rows {
            let zRow = z + row * columns, aRow = a + row * columns
            var j = 0
            if let bias {
                while j < vectorEnd {
                    let value = load(zRow + j) + load(bias + j)
                    store(value, zRow + j)
                    store(value.replacing(with: 0, where: value .< 0), aRow + j)
                    j += width
                }
                while j < columns {
                    let value = zRow[j] + bias[j]
                    zRow[j] = value
                    aRow[j] = value < 0 ? 0 : value
                    j += 1
                }
            } else {
                while j < vectorEnd {
                    let value = load(zRow + j)
                    store(value.replacing(with: 0, where: value .< 0), aRow + j)
                    j += width
                }
                while j < columns {
                    let value = zRow[j]
                    aRow[j] = value < 0 ? 0 : value
                    j += 1
                }
            }
        }
    }

    /// `z[i, j] += bias[j]` for every row.
    @usableFromInline
    static func addBias(z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows { add(bias, into: z + row * columns, count: columns) }
    }

    /// `target[j] += source[j]` for `j < count`.
    @usableFromInline
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        let vectorEnd = count - count % width
        var j = 0
        while j < vectorEnd {
            store(load(target + j) + load(source + j), target + j)
            j += width
        }
        while j < count {
            target[j] += source[j]
            j += 1
        }
    }

    /// `dZ[i, j] = z[i, j] > 0 ? dA[i, j] : 0` and, when `biasGradient` is given,
    /// `biasGradient[j] = Σ_i dZ[i, j]` (summed in row order), in one pass. `dZ` may be `dA`.
    ///
    /// Runs in C, dispatched like ``adam(weights:gradient:firstMoment:secondMoment:count:learningRate:beta1:oneMinusBeta1:beta2:oneMinusBeta2:correction1:correction2:epsilon:engine:)``;
    /// matrices of at least ``ComputeEngine/parallelElementLimit`` elements are split by
    /// columns between two cores when `engine` allows, so each bias sum is the same with one
    /// thread or two.
    @usableFromInline
    static func reluBackward(outputGradient dA: UnsafePointer<Float>, z: UnsafePointer<Float>,
                             into dZ: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
                             rows: Int, columns: Int, engine: ComputeEngine) {
        backprop_relu_backward_f32(dA, z, dZ, biasGradient, rows, columns,
                                   engine.elementwiseThreads(forElements: rows * columns))
    }

    /// `sums[j] = Σ_i x[i, j]`, summed in row order.
    @usableFromInline
    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        sums.update(repeating: 0, count: columns)
        for row in 0..<rows { add(x + row * columns, into: sums, count: columns) }
    }

    /// `destination` row `r` = `source` row `indices[r]` (rows of `rowLength` values), on
    /// two cores when `engine` allows and the batch holds at least a thirty-second of
    /// ``ComputeEngine/parallelElementLimit`` values: the rows of a shuffled batch mostly
    /// come from memory rather than from a core's cache, so a gather pays for the second core
    /// from 4096 values (16 KiB) on.
    @usableFromInline
    static func gatherRows(_ indices: ArraySlice<Int>, of source: UnsafePointer<Float>, rowLength: Int,
                           into destination: UnsafeMutablePointer<Float>, engine: ComputeEngine) {
        indices.withUnsafeBufferPointer { rows in
            backprop_gather_rows_f32(source, rowLength, rows.baseAddress, rows.count, destination,
                                     engine.elementwiseThreads(forElements: 32 * rows.count * rowLength))
        }
    }

    /// `true` when none of the `count` values is NaN or infinite: `Σ x·0` is 0 for finite
    /// values and NaN otherwise. With an `engine` whose threads allow it, two cores share
    /// the pass.
    @usableFromInline
    static func allFinite(_ x: UnsafePointer<Float>, count: Int, engine: ComputeEngine?) -> Bool {
        backprop_all_finite_f32(x, count, engine?.elementwiseThreads(forElements: count) ?? 1) != 0
    }

    /// The largest `|x[i]|` over `count` values (0 for none): `+∞` when one is infinite, NaN
    /// when one is NaN. One pass comparing the magnitudes' bit patterns as integers.
    @usableFromInline
    static func largestMagnitude(_ x: UnsafePointer<Float>, count: Int) -> Float {
        backprop_max_magnitude_f32(x, count)
    }

    // MARK: - Activations

    /// `a[i] = 1 / (1 + e^−z[i])` over `count` elements (`a` may be `z`): a vectorised
    /// exponential in C (within 2.5 units in the last place; NaN kept, ±∞ give 1 and 0)
    /// instead of one `expf` call per element.
    @usableFromInline
    static func sigmoid(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        backprop_sigmoid_f32(z, a, count)
    }

    /// `a[i] = z[i]·σ(z[i])` (SiLU) over `count` elements (`a` may be `z`), σ as in
    /// ``sigmoid(_:into:count:)``.
    @usableFromInline
    static func silu(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        backprop_silu_f32(z, a, count)
    }

    /// `dZ[i] = dA[i]·σ(z)·(1 + z·(1 − σ(z)))`, SiLU's backward pass (`dZ` may be `dA`).
    @usableFromInline
    static func siluBackward(outputGradient dA: UnsafePointer<Float>, z: UnsafePointer<Float>, into dZ: UnsafeMutablePointer<Float>, count: Int) {
        backprop_silu_backward_f32(dA, z, dZ, count)
    }

    /// `a[i] = z[i]·Φ(z[i])` (exact GELU) over `count` elements (`a` may be `z`), with Φ
    /// from a vectorised erfc within 1.5·10⁻⁷ absolute instead of one `erff` call per element.
    @usableFromInline
    static func gelu(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        backprop_gelu_f32(z, a, count)
    }

    /// `dZ[i] = dA[i]·(Φ(z) + z·φ(z))`, GELU's backward pass (`dZ` may be `dA`).
    @usableFromInline
    static func geluBackward(outputGradient dA: UnsafePointer<Float>, z: UnsafePointer<Float>, into dZ: UnsafeMutablePointer<Float>, count: Int) {
        backprop_gelu_backward_f32(dA, z, dZ, count)
    }

    /// `a[i] = λ·z` for `z > 0`, else `λα·(eᶻ − 1)` (SELU) over `count` elements (`a` may be `z`).
    @usableFromInline
    static func selu(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int, scale: Float, alpha: Float) {
        backprop_selu_f32(z, a, count, scale, alpha)
    }

    /// The instruction set the C kernels run on: `"avx512"`, `"avx2"` or `"baseline"`.
    static var kernelLevel: String { String(cString: backprop_kernel_level()) }
}
