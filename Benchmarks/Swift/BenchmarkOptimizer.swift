import Backprop
import Foundation

// MARK: - The one place the benchmark chooses its optimiser

/// Creates the optimiser of a training case: the library's own ``Adam`` (β1 0.9, β2 0.999,
/// ε 1e-8, as `torch.optim.Adam`) or ``GradientDescent``.
func makeOptimizer(_ kind: OptimizerKind, for parameters: [Parameter<Float>]) -> any Optimizer<Float> {
    switch kind {
    case .adam: Adam<Float>()
    case .sgd: GradientDescent<Float>()
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
