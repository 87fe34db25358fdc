import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Optimizer clipping, state and configuration")
struct OptimizerStateTests {
    private func parameters(_ values: [[Float]]) -> [Parameter<Float>] {
        values.enumerated().map { index, row in
            Parameter(name: index == 0 ? "weight" : "bias", value: Matrix(rows: 1, columns: row.count, elements: row), isRegularized: index == 0)
        }
    }

    @Test("Clipping by value clamps each element to [−c, c]")
    func clipByValue() {
        let list = parameters([[0, 0, 0], [0]])
        _ = list[0].gradient.buffer.update(fromContentsOf: [3, -0.5, -7] as [Float])
        list[1].gradient[0, 0] = 0.25
        GradientClipping(GradientDescent<Float>(), rule: .value(1)).update(list, learningRate: 1)
        #expect(list[0].value.elements == [-1, 0.5, 1])
        #expect(list[1].value.elements == [-0.25])
    }

    @Test("Clipping by global norm scales all gradients together, only above the limit")
    func clipByGlobalNorm() {
        // Gradients (3, 4) and (12): global norm 13. Limit 6.5 halves them; limit 20 leaves them.
        let list = parameters([[0, 0], [0]])
        _ = list[0].gradient.buffer.update(fromContentsOf: [3, 4] as [Float])
        list[1].gradient[0, 0] = 12
        let clipping = GradientClipping(GradientDescent<Float>(), rule: .globalNorm(6.5))
        clipping.update(list, learningRate: 1)
        #expect(isClose(clipping.lastGlobalNorm, 13, relative: 1e-6))
        #expect(list[0].value.elements == [-1.5, -2] && list[1].value.elements == [-6])

        let untouched = parameters([[0, 0], [0]])
        _ = untouched[0].gradient.buffer.update(fromContentsOf: [3, 4] as [Float])
        untouched[1].gradient[0, 0] = 12
        GradientClipping(GradientDescent<Float>(), rule: .globalNorm(20)).update(untouched, learningRate: 1)
        #expect(untouched[0].value.elements == [-3, -4] && untouched[1].value.elements == [-12])
    }

    /// A fixed sequence of gradients for step `step`.
    private func setGradients(_ list: [Parameter<Float>], step: Int) {
        var random = RandomGenerator(seed: UInt64(100 + step))
        for parameter in list {
            for i in 0..<parameter.gradient.count { parameter.gradient.base[i] = Float(random.normal()) }
        }
    }

    @Test("Exported state restores bit for bit: continued updates equal uninterrupted ones", arguments: OptimizerName.allCases)
    func stateRoundTrip(name: OptimizerName) throws {
        let configuration = try OptimizerConfiguration(parsing: name.rawValue + ":clip-norm=2.5")
        let start: [[Float]] = [[0.5, -1, 2, 0.25, -0.75, 1.5], [0.1, -0.2, 0.3]]

        let uninterrupted: any Optimizer<Float> = try configuration.makeOptimizer()
        let reference = parameters(start)
        for step in 0..<6 {
            setGradients(reference, step: step)
            uninterrupted.update(reference, learningRate: 0.05)
        }

        let first: any Optimizer<Float> = try configuration.makeOptimizer()
        let interrupted = parameters(start)
        for step in 0..<3 {
            setGradients(interrupted, step: step)
            first.update(interrupted, learningRate: 0.05)
        }
        let saved = first.state
        #expect(saved.step == 3)
        let decoded = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(saved))
        #expect(decoded == saved)

        let resumed = parameters(interrupted.map(\.value.elements))
        let second: any Optimizer<Float> = try configuration.makeOptimizer()
        try second.restore(decoded, for: resumed)
        #expect(second.state == saved)
        for step in 3..<6 {
            setGradients(resumed, step: step)
            second.update(resumed, learningRate: 0.05)
        }
        for (a, b) in zip(reference, resumed) {
            #expect(a.value.elements == b.value.elements, "\(name)")
        }
        #expect(second.state == uninterrupted.state)
    }

    @Test("State is inspectable and a state that does not fit is refused")
    func stateInspectionAndRefusal() throws {
        let adam = Adam<Float>()
        let list = parameters([[1, 2], [3]])
        _ = list[0].gradient.buffer.update(fromContentsOf: [1, -2] as [Float])
        list[1].gradient[0, 0] = 4
        adam.update(list, learningRate: 0.1)
        let state = adam.state
        #expect(state.step == 1)
        // v = 0.1·g, s = 0.001·g².
        #expect(allClose(state.slots["firstMoment"]![0], [0.1, -0.2], relative: 1e-6))
        #expect(allClose(state.slots["secondMoment"]![1], [0.016], relative: 1e-6))

        #expect(throws: NetworkError.self) { try Momentum<Float>().restore(state, for: list) }
        var short = state
        short.slots["firstMoment"]![0] = [1]
        #expect(throws: NetworkError.self) { try Adam<Float>().restore(short, for: list) }
        #expect(throws: NetworkError.self) { try Adam<Float>().restore(state, for: Array(list.prefix(1))) }
        // The state of an optimiser that has not updated yet restores as a reset.
        try Adam<Float>().restore(Adam<Float>().state, for: list)
    }

    @Test("Configurations parse from flags and build the named optimiser")
    func configuration() throws {
        #expect(OptimizerName.allCases.map(\.rawValue).starts(with: ["sgd", "momentum"]))
        for name in ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"] {
            #expect(try OptimizerConfiguration(parsing: name).name.rawValue == name)
        }
        let adam = try OptimizerConfiguration(parsing: "adam:beta1=0.8,beta2=0.99,epsilon=1e-7")
        let built: any Optimizer<Double> = try adam.makeOptimizer()
        let rule = try #require(built as? Adam<Double>)
        #expect(rule.beta1 == 0.8 && rule.beta2 == 0.99 && rule.epsilon == 1e-7)
        let adamW: any Optimizer<Double> = try OptimizerConfiguration(parsing: "adamw:decay=0.05").makeOptimizer()
        #expect((adamW as? DecoupledWeightDecay<Double>)?.decay == 0.05)
        #expect((adamW as? DecoupledWeightDecay<Double>)?.base is Adam<Double>)
        let clipped: any Optimizer<Double> = try OptimizerConfiguration(parsing: "momentum:beta=0.5,clip-value=1").makeOptimizer()
        #expect(((clipped as? GradientClipping<Double>)?.base as? Momentum<Double>)?.beta == 0.5)
        #expect(throws: NetworkError.self) { try OptimizerConfiguration(parsing: "adagrad") }
        #expect(throws: NetworkError.self) { try OptimizerConfiguration(parsing: "sgd:beta=0.9") }
        #expect(throws: NetworkError.self) { try OptimizerConfiguration(parsing: "momentum:beta=1") }
        #expect(throws: NetworkError.self) { try OptimizerConfiguration(parsing: "adam:epsilon=0") }
        #expect(try OptimizerConfiguration(parsing: adam.description) == adam)
    }
}

@Suite("Optimizer buffers")
struct OptimizerBufferTests {
    @Test("Per-parameter buffers are allocated once and reused by later updates and restores")
    func buffersAreReused() throws {
        let parameter = Parameter(name: "weight", value: Matrix<Float>(rows: 2, columns: 3, repeating: 1), isRegularized: true)
        parameter.gradient.fill(0.5)
        let adam = Adam<Float>()
        adam.update([parameter], learningRate: 0.1)
        let first = adam.storage.buffers.flatMap { $0 }.map(ObjectIdentifier.init)
        #expect(first.count == 2)
        for _ in 0..<5 { adam.update([parameter], learningRate: 0.1) }
        #expect(adam.storage.buffers.flatMap { $0 }.map(ObjectIdentifier.init) == first)
        #expect(adam.state.step == 6)

        // A different parameter list gets fresh zero state (and a fresh step count).
        let other = Parameter(name: "weight", value: Matrix<Float>(rows: 2, columns: 3, repeating: 1), isRegularized: true)
        adam.update([other], learningRate: 0.1)
        #expect(adam.state.step == 1)
        #expect(adam.storage.buffers.flatMap { $0 }.map(ObjectIdentifier.init) != first)

        // After a restore, updates reuse the restored buffers.
        let restored = Adam<Float>()
        try restored.restore(adam.state, for: [other])
        let afterRestore = restored.storage.buffers.flatMap { $0 }.map(ObjectIdentifier.init)
        restored.update([other], learningRate: 0.1)
        #expect(restored.storage.buffers.flatMap { $0 }.map(ObjectIdentifier.init) == afterRestore)
        #expect(restored.state.step == 2)
    }
}
