import CBackpropKernels
import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// The single-precision fast paths (vectorised kernels, `sgemv`, per-size BLAS threading)
/// against the plain generic code they replace.
@Suite("Float fast paths")
struct FastPathTests {
    // MARK: - Matrix-vector products

    @Test func vectorProductsMatchTheTripleLoop() {
        // m = 1 or n = 1 go through sgemv; every transpose combination, k not a multiple of 16.
        let shapes: [(m: Int, k: Int, n: Int)] = [(1, 300, 37), (41, 300, 1), (1, 19, 1), (1, 1, 5)]
        for (index, shape) in shapes.enumerated() {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a: Matrix<Float> = ta ? randomMatrix(shape.k, shape.m, seed: UInt64(index)) : randomMatrix(shape.m, shape.k, seed: UInt64(index))
                    let b: Matrix<Float> = tb ? randomMatrix(shape.n, shape.k, seed: 5) : randomMatrix(shape.k, shape.n, seed: 5)
                    let start: Matrix<Float> = randomMatrix(shape.m, shape.n, seed: 8)
                    let expected = GEMMTests().naive(a, ta, b, tb, alpha: 0.75, beta: 0.5, c: start)
                    let result = start.copy()
                    GEMM.multiply(a, b, into: result, transposeA: ta, transposeB: tb, alpha: 0.75, beta: 0.5, engine: .default)
                    #expect(allClose(result.elements.map(Double.init), expected, absolute: 1e-4, relative: 1e-4),
                            "\(shape) ta=\(ta) tb=\(tb)")
                }
            }
        }
    }

    @Test(arguments: FloatGEMMKernel.allCases)
    func oneThreadAndTwoThreadsGiveTheSameProduct(kernel: FloatGEMMKernel) throws {
        if let missing = kernel.missingCPUFeatures {
            print("skipped the \(kernel.rawValue) kernel: the CPU lacks \(missing)")
            return
        }
        let a: Matrix<Float> = randomMatrix(96, 200, seed: 1), b: Matrix<Float> = randomMatrix(150, 200, seed: 2)
        // Both engines allow two threads; only the limits decide whether this product splits.
        let single = ComputeEngine(floatGEMMKernel: kernel, threadCount: 2,
                                   nativeParallelFLOPLimit: .infinity, blasParallelFLOPLimit: .infinity)
        let split = ComputeEngine(floatGEMMKernel: kernel, threadCount: 2,
                                  nativeParallelFLOPLimit: 0, blasParallelFLOPLimit: 0)
        #expect(single.floatGEMMKernel == kernel && split.floatGEMMKernel == kernel)
        let one = Matrix<Float>(rows: 96, columns: 150)
        GEMM.multiply(a, b, into: one, transposeB: true, engine: single)
        let two = Matrix<Float>(rows: 96, columns: 150)
        GEMM.multiply(a, b, into: two, transposeB: true, engine: split)
        if kernel != .blas {
            #expect(one.elements == two.elements)
        } else {
            #expect(allClose(one.elements, two.elements, absolute: 1e-4, relative: 1e-5))
        }
        let expected = GEMMTests().naive(a, false, b, true, alpha: 1, beta: 0, c: one)
        #expect(allClose(one.elements.map(Double.init), expected, absolute: 1e-4, relative: 1e-4))
    }

    // MARK: - Dense layers

    /// A Float layer and a Double layer with the same weights; `columns` not a multiple of 16.
    func layerPair(activation: Activation, hasBias: Bool) -> (Dense<Float>, Dense<Double>) {
        let single = Dense<Float>(inputCount: 23, outputCount: 37, activation: activation, hasBias: hasBias)
        let double = Dense<Double>(inputCount: 23, outputCount: 37, activation: activation, hasBias: hasBias)
        var random = RandomGenerator(seed: 11)
        for (p, q) in zip(single.parameters, double.parameters) {
            for i in 0..<p.value.count {
                let value = random.normal()
                p.value.base[i] = Float(value)
                q.value.base[i] = Double(Float(value))
            }
        }
        return (single, double)
    }

    @Test(arguments: [(Activation.relu, true), (.relu, false), (.identity, true), (.identity, false), (.sigmoid, true)])
    func denseForwardAndBackwardMatchTheGenericPath(activation: Activation, hasBias: Bool) throws {
        let (single, double) = layerPair(activation: activation, hasBias: hasBias)
        let x: Matrix<Float> = randomMatrix(9, 23, seed: 3)
        let dA: Matrix<Float> = randomMatrix(9, 37, seed: 4)
        let a = try single.forward(x, mode: .training).copy()
        let aDouble = try double.forward(x.converted(to: Double.self), mode: .training)
        #expect(allClose(a.elements.map(Double.init), aDouble.elements, absolute: 1e-5, relative: 1e-5))
        if activation == .relu { #expect(a.elements.contains(0) && a.elements.allSatisfy { $0 >= 0 }) }
        let dX = try #require(single.backward(dA, needsInputGradient: true)).copy()
        let dXDouble = try #require(double.backward(dA.converted(to: Double.self), needsInputGradient: true))
        #expect(allClose(dX.elements.map(Double.init), dXDouble.elements, absolute: 1e-5, relative: 1e-5))
        for (p, q) in zip(single.parameters, double.parameters) {
            #expect(allClose(p.gradient.elements.map(Double.init), q.gradient.elements, absolute: 1e-5, relative: 1e-5), "\(p.name)")
        }
    }

    @Test func reluBackwardBlocksTheGradientWhereZIsNotPositive() {
        // z: positive, zero, negative and NaN in the vector part and in the remainder.
        let columns = 19
        var zValues = [Float](repeating: 1, count: columns)
        zValues[0] = 0; zValues[1] = -2; zValues[2] = .nan; zValues[17] = 0; zValues[18] = .nan
        let dA = (0..<columns).map { Float($0) + 1 }
        var dZ = [Float](repeating: -1, count: columns)
        var bias = [Float](repeating: -1, count: columns)
        FloatKernels.reluBackward(outputGradient: dA, z: zValues, into: &dZ, biasGradient: &bias, rows: 1, columns: columns,
                                  engine: .default)
        let expected = (0..<columns).map { zValues[$0] > 0 ? dA[$0] : 0 }
        #expect(dZ == expected)
        #expect(bias == expected)
    }

    @Test func reluBackwardSplitBetweenTwoCoresGivesTheSameBitsAndSumsRowsInOrder() {
        // 400 × 100: the columns are halved at 48; in place (dZ = dA) and into a new matrix.
        let rows = 400, columns = 100
        let dA: Matrix<Float> = randomMatrix(rows, columns, seed: 21)
        let z: Matrix<Float> = randomMatrix(rows, columns, seed: 22)
        var expectedBias = [Float](repeating: 0, count: columns)
        var expected = [Float](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns {
                let masked: Float = z[i, j] > 0 ? dA[i, j] : 0
                expected[i * columns + j] = masked
                expectedBias[j] += masked
            }
        }
        for threads: Int32 in [1, 2] {
            let dZ = Matrix<Float>(rows: rows, columns: columns, repeating: .nan)
            let bias = Matrix<Float>(rows: 1, columns: columns, repeating: .nan)
            backprop_relu_backward_f32(dA.base, z.base, dZ.base, bias.base, rows, columns, threads)
            #expect(dZ.elements == expected, "threads \(threads)")
            #expect(bias.elements == expectedBias, "threads \(threads)")
            let inPlace = dA.copy()
            backprop_relu_backward_f32(inPlace.base, z.base, inPlace.base, nil, rows, columns, threads)
            #expect(inPlace.elements == expected, "in place, threads \(threads)")
        }
    }

    @Test func sigmoidInFloatIsWithinTwoAndAHalfUnitsInTheLastPlace() {
        // Every 0.001 over [−110, 110] (underflow to subnormals and 0 included), then specials.
        let inputs = (0...220_000).map { Float(-110 + Double($0) / 1000) }
        var outputs = [Float](repeating: .nan, count: inputs.count)
        FloatKernels.sigmoid(inputs, into: &outputs, count: inputs.count)
        var worst = 0.0
        for (x, y) in zip(inputs, outputs) {
            let exact = 1 / (1 + Foundation.exp(-Double(x)))
            let ulp = Double(Float(exact).ulp)
            worst = max(worst, abs(Double(y) - exact) / ulp)
        }
        #expect(worst <= 2.5, "worst error \(worst) units in the last place")
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 88, -104.5]
        var results = [Float](repeating: -1, count: specials.count)
        FloatKernels.sigmoid(specials, into: &results, count: specials.count)
        #expect(results[0].isNaN)
        #expect(Array(results[1...]) == [1, 0, 0.5, 0.5, 1, 0])
    }

    @Test func gradientDescentInFloatSubtractsTheScaledGradient() {
        let parameter = Parameter(name: "w", value: randomMatrix(1, 37, seed: 1) as Matrix<Float>, isRegularized: true)
        let start = parameter.value.elements
        parameter.gradient.assign(randomMatrix(1, 37, seed: 2))
        GradientDescent<Float>().update([parameter], learningRate: 0.5)
        let expected = zip(start, parameter.gradient.elements).map { $0 - 0.5 * $1 }
        #expect(parameter.value.elements == expected)
    }

    // MARK: - Reductions

    @Test func columnSumsAndNonFiniteSearchCoverVectorAndRemainder() {
        let x: Matrix<Float> = randomMatrix(5, 70, seed: 9)
        let sums = Matrix<Float>(rows: 1, columns: 70)
        x.sumRows(into: sums)
        for j in [0, 15, 16, 63, 64, 69] {
            let expected = (0..<5).reduce(Float(0)) { $0 + x[$1, j] }
            #expect(sums[0, j] == expected)
        }
        #expect(x.firstNonFinite() == nil)
        for (row, column) in [(0, 3), (2, 64), (4, 69)] {
            let y = x.copy()
            y[row, column] = row == 2 ? .infinity : .nan
            #expect(y.firstNonFinite()! == (row, column))
        }
    }

    // MARK: - Optimisers

    /// Every optimiser with a specialised `Float` step (Adam's C kernel, the others on the
    /// SIMD lanes), beside its `Double` twin.
    static let laneOptimizers: [(name: String, float: @Sendable () -> any Optimizer<Float>, double: @Sendable () -> any Optimizer<Double>)] = [
        ("Adam", { Adam<Float>() }, { Adam<Double>() }),
        ("classical momentum", { ClassicalMomentum<Float>(momentum: 0.9) }, { ClassicalMomentum<Double>(momentum: 0.9) }),
        ("Nesterov", { Nesterov<Float>(momentum: 0.9) }, { Nesterov<Double>(momentum: 0.9) }),
        ("RMSprop", { RMSprop<Float>(beta: 0.9, epsilon: 1e-8) }, { RMSprop<Double>(beta: 0.9, epsilon: 1e-8) }),
        ("AdamW", { DecoupledWeightDecay(Adam<Float>(), decay: 0.1) }, { DecoupledWeightDecay(Adam<Double>(), decay: 0.1) }),
    ]

    @Test(arguments: 0..<laneOptimizers.count)
    func laneOptimizersInFloatFollowTheDoubleFormulas(index: Int) {
        let (name, makeFloat, makeDouble) = Self.laneOptimizers[index]
        for count in [5, 37, 1000] {
            let single = Parameter(name: "w", value: randomMatrix(1, count, seed: 1) as Matrix<Float>, isRegularized: true)
            let double = Parameter(name: "w", value: single.value.converted(to: Double.self), isRegularized: true)
            let float = makeFloat(), reference = makeDouble()
            for step in 0..<5 {
                let gradient: Matrix<Float> = randomMatrix(1, count, seed: UInt64(step + 10))
                single.gradient.assign(gradient)
                double.gradient.assign(gradient.converted(to: Double.self))
                float.update([single], learningRate: 0.01)
                reference.update([double], learningRate: 0.01)
            }
            #expect(allClose(single.value.elements.map(Double.init), double.value.elements, absolute: 1e-5, relative: 1e-5),
                    "\(name), \(count) elements")
        }
    }

    @Test func velocityAndRunningSquareFlushSubnormalsToZero() throws {
        let count = 37
        let parameter = Parameter(name: "w", value: Matrix<Float>(rows: 1, columns: count, repeating: 1), isRegularized: true)
        let tiny = Array(repeating: Double(Float.leastNormalMagnitude), count: count)
        for optimizer in [ClassicalMomentum<Float>(momentum: 0.9), Nesterov<Float>(momentum: 0.9)] as [any Optimizer<Float>] {
            try optimizer.restore(OptimizerState(step: 1, slots: ["velocity": [tiny]]), for: [parameter])
            optimizer.update([parameter], learningRate: 0.1)
            #expect(optimizer.state.slots["velocity"]![0].allSatisfy { $0 == 0 }, "\(optimizer)")
        }
        let rmsprop = RMSprop<Float>(beta: 0.9, epsilon: 1e-8)
        try rmsprop.restore(OptimizerState(step: 1, slots: ["squares": [tiny]]), for: [parameter])
        rmsprop.update([parameter], learningRate: 0.1)
        #expect(rmsprop.state.slots["squares"]![0].allSatisfy { $0 == 0 })
    }

    @Test func theKernelLevelIsOneOfTheCompiledVariants() {
        #expect(["avx512", "avx2", "baseline"].contains(FloatKernels.kernelLevel))
    }

    @Test func adamAndMomentumFlushSubnormalMomentsToZero() throws {
        // 37 elements: the vector part and the remainder; gradients zero, moments start tiny.
        let count = 37
        let parameter = Parameter(name: "w", value: Matrix<Float>(rows: 1, columns: count, repeating: 1), isRegularized: true)
        let tiny = Double(Float.leastNormalMagnitude)
        let adam = Adam<Float>()
        try adam.restore(OptimizerState(step: 3, slots: ["firstMoment": [Array(repeating: tiny, count: count)],
                                                         "secondMoment": [Array(repeating: tiny, count: count)]]),
                         for: [parameter])
        adam.update([parameter], learningRate: 0.001)
        // β·tiny is below the normal range: stored as exactly zero, not as a subnormal.
        #expect(adam.state.slots["firstMoment"]![0].allSatisfy { $0 == 0 })
        #expect(adam.state.slots["secondMoment"]![0].allSatisfy { $0 == 0 })
        let momentum = Momentum<Float>()
        try momentum.restore(OptimizerState(step: 1, slots: ["velocity": [Array(repeating: tiny, count: count)]]), for: [parameter])
        momentum.update([parameter], learningRate: 0.1)
        #expect(momentum.state.slots["velocity"]![0].allSatisfy { $0 == 0 })
        // Normal moments are kept.
        parameter.gradient.fill(1)
        adam.update([parameter], learningRate: 0.001)
        #expect(adam.state.slots["firstMoment"]![0].allSatisfy { isClose($0, 0.1, absolute: 1e-7) })
    }

    // MARK: - Training loop

    @Test func aNonFiniteTrainingSetIsRejectedBeforeTheFirstBatch() throws {
        let features: Matrix<Float> = randomMatrix(20, 3, seed: 2)
        features[13, 2] = .nan
        let data = try Dataset(features: features, labels: (0..<20).map { $0 % 2 }, classCount: 2)
        let network = try Sequential<Float>([Dense(inputCount: 3, outputCount: 2)])
        let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy(), optimizer: GradientDescent(),
                              schedule: ConstantSchedule(0.1), options: TrainingOptions(epochs: 1, batchSize: 4, seed: 1))
        #expect(throws: NetworkError.nonFinite(place: "The training set", row: 13, column: 2)) { try trainer.fit(data) }
    }
}
