import Testing
import Backprop
@testable import BackpropCore

@Suite("Dropout and Gaussian noise")
struct DropoutTests {
    @Test func keepsTheMeanActivationInExpectation() throws {
        let dropout = Dropout<Double>(width: 50, dropProbability: 0.3, seed: 1)
        let input = Matrix<Double>(rows: 2000, columns: 50, repeating: 1)
        let output = try dropout.forward(input, mode: .training)
        let values = output.elements
        let mean = values.reduce(0, +) / Double(values.count)
        // Each element is 1/p with probability p, else 0: variance (1 − p)/p ≈ 0.43, so the
        // mean of 100 000 elements has σ ≈ 0.0021; 0.011 is five σ.
        #expect(abs(mean - 1) < 0.011, "mean \(mean)")
        let keptFraction = Double(values.filter { $0 != 0 }.count) / Double(values.count)
        #expect(abs(keptFraction - 0.7) < 0.01, "kept \(keptFraction)")
        #expect(values.allSatisfy { $0 == 0 || isClose($0, 1 / 0.7) })
    }

    @Test func isTheIdentityAtInference() throws {
        let dropout = Dropout<Float>(width: 4, dropProbability: 0.5, seed: 2)
        let input: Matrix<Float> = randomMatrix(6, 4, seed: 3)
        let output = try dropout.forward(input, mode: .inference)
        #expect(output.elements == input.elements)
        #expect(dropout.latestMask == nil)
        let gradient: Matrix<Float> = randomMatrix(6, 4, seed: 4)
        #expect(dropout.backward(gradient, needsInputGradient: true)?.elements == gradient.elements)
    }

    @Test func backwardAppliesTheSameScaledMask() throws {
        let dropout = Dropout<Double>(width: 5, dropProbability: 0.4, seed: 9)
        let input: Matrix<Double> = randomMatrix(8, 5, seed: 1)
        let output = try dropout.forward(input, mode: .training)
        let mask = try #require(dropout.latestMask).elements
        #expect(allClose(output.elements, zip(input.elements, mask).map { $0 * $1 }))
        let gradient: Matrix<Double> = randomMatrix(8, 5, seed: 2)
        let dX = try #require(dropout.backward(gradient, needsInputGradient: true))
        #expect(allClose(dX.elements, zip(gradient.elements, mask).map { $0 * $1 }))
        #expect(mask.contains(0) && mask.contains { isClose($0, 1 / 0.6) })
    }

    @Test func drawsAFreshMaskForEveryBatch() throws {
        let dropout = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 5)
        let input = Matrix<Float>(rows: 10, columns: 20, repeating: 1)
        let first = try dropout.forward(input, mode: .training).elements
        let second = try dropout.forward(input, mode: .training).elements
        #expect(first != second)
    }

    @Test func sameSeedGivesTheSameMasksAndStateResumes() throws {
        let input = Matrix<Float>(rows: 10, columns: 20, repeating: 1)
        let a = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 11)
        let b = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 11)
        #expect(try a.forward(input, mode: .training).elements == b.forward(input, mode: .training).elements)
        let saved = a.randomState
        let next = try a.forward(input, mode: .training).elements
        let c = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 999)
        c.randomState = saved
        #expect(try c.forward(input, mode: .training).elements == next)
    }

    /// Float runs its own kernel, Double the generic loop: both hash the same key per batch,
    /// so the same elements are kept, whichever rows of the whole batch they hold (one
    /// process, or a slice as in data-parallel training).
    @Test(arguments: [nil, 37] as [Int?], [0.5, 0.1, 0.8])
    func floatKernelKeepsExactlyTheElementsTheGenericLoopKeeps(firstExample: Int?, drop: Double) throws {
        let single = Dropout<Float>(width: 33, dropProbability: drop, seed: 21)
        let double = Dropout<Double>(width: 33, dropProbability: drop, seed: 21)
        single.firstExampleIndex = firstExample
        double.firstExampleIndex = firstExample
        let singleInput: Matrix<Float> = randomMatrix(17, 33, seed: 22)
        let doubleInput = Matrix<Double>(rows: 17, columns: 33, elements: singleInput.elements.map(Double.init))
        for _ in 0..<3 {
            let kept = try single.forward(singleInput, mode: .training).elements.map { $0 != 0 }
            #expect(try double.forward(doubleInput, mode: .training).elements.map { $0 != 0 } == kept)
            let gradient: Matrix<Float> = randomMatrix(17, 33, seed: 23)
            let dX = try #require(single.backward(gradient, needsInputGradient: true))
            #expect(dX.elements == zip(gradient.elements, try #require(single.latestMask).elements).map { $0 * $1 })
        }
        #expect(single.randomState == double.randomState)
    }

    @Test func oneProcessAndTheSlicesOfItsBatchDrawTheSameMasks() throws {
        let input = Matrix<Float>(rows: 10, columns: 20, repeating: 1)
        let whole = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 5)
        let wholeMask = try whole.forward(input, mode: .training).elements
        var slices: [Float] = []
        for (first, rows) in [(0, 4), (4, 6)] {
            let part = Dropout<Float>(width: 20, dropProbability: 0.5, seed: 5)
            part.firstExampleIndex = first
            slices += try part.forward(Matrix<Float>(rows: rows, columns: 20, repeating: 1), mode: .training).elements
        }
        #expect(slices == wholeMask)
        #expect(wholeMask.contains(0) && wholeMask.contains(2))
    }

    @Test func oneThreadAndTwoDrawTheSameMask() throws {
        let input: Matrix<Float> = randomMatrix(64, 50, seed: 8)
        var masks: [[Float]] = []
        for threads in [1, 2] {
            let dropout = Dropout<Float>(width: 50, dropProbability: 0.3, seed: 12)
            dropout.engine = ComputeEngine(threadCount: threads, parallelElementLimit: 16)
            #expect(dropout.engine.elementwiseThreads(forElements: input.count) == Int32(threads))
            masks.append(try dropout.forward(input, mode: .training).elements)
        }
        #expect(masks[0] == masks[1])
    }

    @Test func noiseOffMakesTrainingTheIdentity() throws {
        let dropout = Dropout<Double>(width: 3, dropProbability: 0.5, seed: 1)
        dropout.isNoiseEnabled = false
        let input: Matrix<Double> = randomMatrix(4, 3, seed: 6)
        #expect(try dropout.forward(input, mode: .training).elements == input.elements)
    }

    @Test func networkWithDropoutPassesGradientCheckingWithDropoutOff() throws {
        let blueprint = NetworkBlueprint(sizes: [4, 6, 5, 3], hiddenActivation: .function(.tanh),
                                         dropProbabilities: [0.5, 0.3], inputDropProbability: 0.1)
        let network: Sequential<Double> = try blueprint.build(seed: 3)
        #expect(network.layers.filter { $0 is Dropout<Double> }.count == 3)
        randomizeParameters(network, seed: 4, scale: 1)
        let inputs: Matrix<Double> = randomMatrix(7, 4, seed: 5)
        let targets = try Matrix<Double>.oneHot(labels: [0, 1, 2, 1, 0, 2, 2], classCount: 3)
        let report = try GradientCheck.run(network: network, loss: SoftmaxCrossEntropy(), inputs: inputs, targets: targets)
        #expect(report.maxRelativeError < 1e-7, "\(report.tensors)")
        // Noise is back on afterwards: two training passes now differ.
        let first = try network.forward(inputs, mode: .training).elements
        let second = try network.forward(inputs, mode: .training).elements
        #expect(first != second)
    }

    // MARK: - Gaussian noise

    @Test func gaussianNoiseHasTheRequestedDeviationAndMeanZero() throws {
        let noise = GaussianNoise<Double>(width: 40, standardDeviation: 0.5, seed: 7)
        let input = Matrix<Double>(rows: 1000, columns: 40, repeating: 2)
        let added = try noise.forward(input, mode: .training).elements.map { $0 - 2 }
        let mean = added.reduce(0, +) / Double(added.count)
        let deviation = (added.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(added.count)).squareRoot()
        // σ of the mean of 40 000 draws is 0.0025; of the sample σ about 0.0018.
        #expect(abs(mean) < 0.0125, "mean \(mean)")
        #expect(abs(deviation - 0.5) < 0.01, "σ \(deviation)")
    }

    @Test func floatNoiseKernelDrawsTheGenericLoopsValuesOnAnyThreadsAndSlices() throws {
        // Zero input: each Float value is the Double one rounded, so they compare exactly.
        // Width 33 makes slices start on odd indices (the sine half of a Box–Muller pair).
        let zeros = Matrix<Double>(rows: 9, columns: 33, repeating: 0)
        let reference = try GaussianNoise<Double>(width: 33, standardDeviation: 0.7, seed: 4)
            .forward(zeros, mode: .training).elements.map(Float.init)
        for threads in [1, 2] {
            let noise = GaussianNoise<Float>(width: 33, standardDeviation: 0.7, seed: 4)
            noise.engine = ComputeEngine(threadCount: threads, parallelElementLimit: 16)
            #expect(try noise.forward(Matrix(rows: 9, columns: 33, repeating: 0), mode: .training).elements == reference)
        }
        var slices: [Float] = []
        for (first, rows) in [(0, 3), (3, 1), (4, 5)] {
            let part = GaussianNoise<Float>(width: 33, standardDeviation: 0.7, seed: 4)
            part.beginSlice(at: first)
            slices += try part.forward(Matrix(rows: rows, columns: 33, repeating: 0), mode: .training).elements
        }
        #expect(slices == reference)
        // Even and odd indices hold the cosine and sine of the same pairs: no pair repeats a value.
        #expect(Set(reference).count == reference.count)
    }

    @Test func gaussianNoiseIsTheIdentityAtInferenceAndPassesGradients() throws {
        let noise = GaussianNoise<Float>(width: 3, standardDeviation: 1, seed: 1)
        let input: Matrix<Float> = randomMatrix(5, 3, seed: 2)
        #expect(try noise.forward(input, mode: .inference).elements == input.elements)
        #expect(try noise.forward(input, mode: .training).elements != input.elements)
        let gradient: Matrix<Float> = randomMatrix(5, 3, seed: 3)
        #expect(noise.backward(gradient, needsInputGradient: true)?.elements == gradient.elements)
    }
}
