import Backprop
import Foundation

// MARK: - The one place the benchmark chooses its optimiser

/// Creates the optimiser of a training case. This is the only function to change when
/// the library's own optimisers are used (`Adam(...)`, `SGD(...)`).
///
/// Until then it returns ``BenchmarkAdam`` / ``BenchmarkSGD``: minimal, allocation-free
/// updates with the same formulas as `torch.optim.Adam` and plain SGD.
func makeOptimizer(_ kind: OptimizerKind, for parameters: [Parameter<Float>]) -> any Optimizer<Float> {
    switch kind {
    case .adam: BenchmarkAdam(parameters: parameters)
    case .sgd: BenchmarkSGD()
    }
}

/// The optimiser a case trains with, and its learning rate.
enum OptimizerKind: String {
    case adam, sgd

    var learningRate: Float {
        switch self {
        case .adam: 1e-3
        case .sgd: 0.1
        }
    }
}

// MARK: - Minimal local optimisers

/// Adam as in `torch.optim.Adam` (16-lane SIMD loop): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − (η/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`; β₁ 0.9, β₂ 0.999, ε 1e-8.
final class BenchmarkAdam: Optimizer {
    typealias Scalar = Float
    let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    private var firstMoments: [Matrix<Float>]
    private var secondMoments: [Matrix<Float>]
    private var step = 0

    init(parameters: [Parameter<Float>]) {
        firstMoments = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        secondMoments = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
    }

    var description: String { "BenchmarkAdam(β₁ \(beta1), β₂ \(beta2), ε \(epsilon))" }

    func update(_ parameters: [Parameter<Float>], learningRate: Float) {
        step += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
        let inverseRootCorrection2 = 1 / Float((1 - pow(Double(beta2), Double(step))).squareRoot())
        let stepSize = learningRate / correction1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for index in parameters.indices {
            let count = parameters[index].value.count
            let value = parameters[index].value.base, gradient = parameters[index].gradient.base
            let m = firstMoments[index].base, v = secondMoments[index].base
            // 16 lanes at a time (SIMD16), then the remainder one by one.
            let vectorEnd = count - count % 16
            var element = 0
            while element < vectorEnd {
                let g = UnsafeRawPointer(gradient + element).loadUnaligned(as: SIMD16<Float>.self)
                let newM = b1 * UnsafeRawPointer(m + element).loadUnaligned(as: SIMD16<Float>.self) + (1 - b1) * g
                let newV = b2 * UnsafeRawPointer(v + element).loadUnaligned(as: SIMD16<Float>.self) + (1 - b2) * g * g
                UnsafeMutableRawPointer(m + element).storeBytes(of: newM, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(v + element).storeBytes(of: newV, as: SIMD16<Float>.self)
                let theta = UnsafeRawPointer(value + element).loadUnaligned(as: SIMD16<Float>.self)
                let updated = theta - stepSize * newM / (newV.squareRoot() * inverseRootCorrection2 + eps)
                UnsafeMutableRawPointer(value + element).storeBytes(of: updated, as: SIMD16<Float>.self)
                element += 16
            }
            while element < count {
                let g = gradient[element]
                let newM = b1 * m[element] + (1 - b1) * g
                let newV = b2 * v[element] + (1 - b2) * g * g
                m[element] = newM
                v[element] = newV
                value[element] -= stepSize * newM / (newV.squareRoot() * inverseRootCorrection2 + eps)
                element += 1
            }
        }
    }

    var state: OptimizerState {
        OptimizerState(step: step, slots: [
            "m": firstMoments.map { $0.elements.map(Double.init) },
            "v": secondMoments.map { $0.elements.map(Double.init) },
        ])
    }

    func restore(_ state: OptimizerState, for parameters: [Parameter<Float>]) throws {
        guard let m = state.slots["m"], let v = state.slots["v"], m.count == parameters.count, v.count == parameters.count
        else { throw NetworkError.invalidConfiguration("BenchmarkAdam state does not match \(parameters.count) parameters") }
        firstMoments = zip(parameters, m).map { Matrix(rows: $0.value.rows, columns: $0.value.columns, elements: $1.map(Float.init)) }
        secondMoments = zip(parameters, v).map { Matrix(rows: $0.value.rows, columns: $0.value.columns, elements: $1.map(Float.init)) }
        step = state.step
    }
}

/// Plain stochastic gradient descent: `θ ← θ − η·g`.
final class BenchmarkSGD: Optimizer {
    typealias Scalar = Float
    var description: String { "BenchmarkSGD" }

    func update(_ parameters: [Parameter<Float>], learningRate: Float) {
        for parameter in parameters {
            let value = parameter.value.base, gradient = parameter.gradient.base
            for element in 0..<parameter.value.count { value[element] -= learningRate * gradient[element] }
        }
    }

    var state: OptimizerState { OptimizerState() }

    func restore(_ state: OptimizerState, for parameters: [Parameter<Float>]) throws {}
}
