import Foundation
import Testing
import Backprop
@testable import BackpropCore

/// The toy problem of the Optimizers article: J(w) = w² − 10w + 25, dJ/dw = 2w − 10, minimum at w = 5.
private func toyRun(_ optimizer: any Optimizer<Double>, steps: Int, learningRate: Double, start: Double = 0) -> [Double] {
    let parameter = Parameter(name: "weight", value: Matrix<Double>(rows: 1, columns: 1, repeating: start), isRegularized: true)
    var trajectory: [Double] = []
    for _ in 0..<steps {
        parameter.gradient[0, 0] = 2 * parameter.value[0, 0] - 10
        optimizer.update([parameter], learningRate: learningRate)
        trajectory.append(parameter.value[0, 0])
    }
    return trajectory
}

@Suite("Optimizer updates")
struct OptimizerUpdateTests {
    @Test("Toy quadratic: GD from 0 with α = 0.01 gives 0.1 after one step and 5(1 − 0.98^k) after k")
    func toyGradientDescent() {
        // w ← w − 0.01(2w − 10) = 0.98w + 0.1, so w_k = 5(1 − 0.98^k).
        let trajectory = toyRun(GradientDescent<Double>(), steps: 1000, learningRate: 0.01)
        #expect(isClose(trajectory[0], 0.1))
        for k in [1, 2, 10, 100, 1000] {
            #expect(isClose(trajectory[k - 1], 5 * (1 - pow(0.98, Double(k))), absolute: 1e-12, relative: 1e-10))
        }
        #expect(abs(trajectory[999] - 5) < 1e-6)
    }

    @Test("SGD: first three updates")
    func sgd() {
        // α = 0.1: g = −10 → w = 1; g = −8 → w = 1.8; g = −6.4 → w = 2.44.
        #expect(allClose(toyRun(GradientDescent<Double>(), steps: 3, learningRate: 0.1), [1, 1.8, 2.44]))
    }

    @Test("Momentum (average form): first three updates")
    func momentum() {
        // β = 0.9, α = 0.1.
        // t=1: g = −10, v = 0.1·(−10) = −1, w = 0 + 0.1 = 0.1.
        // t=2: g = −9.8, v = −0.9 − 0.98 = −1.88, w = 0.1 + 0.188 = 0.288.
        // t=3: g = −9.424, v = −1.692 − 0.9424 = −2.6344, w = 0.288 + 0.26344 = 0.55144.
        #expect(allClose(toyRun(Momentum<Double>(beta: 0.9), steps: 3, learningRate: 0.1), [0.1, 0.288, 0.55144]))
    }

    @Test("Classical momentum: first three updates")
    func classicalMomentum() {
        // μ = 0.9, α = 0.1.
        // t=1: g = −10, v = 1, w = 1.   t=2: g = −8, v = 0.9 + 0.8 = 1.7, w = 2.7.
        // t=3: g = −4.6, v = 1.53 + 0.46 = 1.99, w = 4.69.
        #expect(allClose(toyRun(ClassicalMomentum<Double>(momentum: 0.9), steps: 3, learningRate: 0.1), [1, 2.7, 4.69]))
    }

    @Test("Nesterov: first three updates equal the look-ahead formulation")
    func nesterov() {
        // Look-ahead form (θ, v from 0; gradient at φ = θ + μv), μ = 0.9, α = 0.1:
        // t=1: φ = 0, g = −10, v = 1, θ = 1, next φ = 1 + 0.9 = 1.9.
        // t=2: g(1.9) = −6.2, v = 0.9 + 0.62 = 1.52, θ = 2.52, φ = 2.52 + 1.368 = 3.888.
        // t=3: g(3.888) = −2.224, v = 1.368 + 0.2224 = 1.5904, θ = 4.1104, φ = 4.1104 + 1.43136 = 5.54176.
        // The optimiser stores φ.
        #expect(allClose(toyRun(Nesterov<Double>(momentum: 0.9), steps: 3, learningRate: 0.1), [1.9, 3.888, 5.54176]))
    }

    @Test("RMSprop: first three updates")
    func rmsprop() {
        // β = 0.9, ε = 1e-8, α = 0.1.
        // t=1: g = −10, s = 0.1·100 = 10, w = 0.1·10/(√10 + ε) = 0.31622776501683794.
        // t=2: g = −9.367544469966324, s = 9 + 0.1·g² = 17.775088, w += 0.1·|g|/√s = 0.5384153923072424.
        // t=3: g = −8.923169215385515, s = 15.9975792 + 7.962294 = 23.959873, w = 0.7207112727942105.
        let expected = [0.3162277650168379, 0.5384153923072424, 0.7207112727942105]
        #expect(allClose(toyRun(RMSprop<Double>(beta: 0.9, epsilon: 1e-8), steps: 3, learningRate: 0.1), expected, relative: 1e-12))
    }

    @Test("Adam with bias correction: first three updates (fails if plain SGD is used)")
    func adam() {
        // β1 = 0.9, β2 = 0.999, ε = 1e-8, α = 0.1.
        // t=1: g = −10, v = −1, s = 0.1, v̂ = −10, ŝ = 100, w = 0.1·10/(10 + ε) = 0.0999999999.
        // t=2: g = −9.8000000002, v = −1.88, s = 0.0999 + 0.09604 = 0.19594, v̂ = −1.88/0.19 = −9.8947368,
        //      ŝ = 0.19594/0.001999 = 98.019, √ŝ = 9.90046, w = 0.1 + 0.1·0.99942 = 0.19994224313114345.
        // t=3: w = 0.2997867086666087 (v̂ ≈ −9.8, √ŝ ≈ 9.80, a step of ≈ α every time).
        // SGD with α = 0.1 would give 1, 1.8, 2.44 instead.
        let expected = [0.09999999990000005, 0.19994224313114345, 0.2997867086666087]
        #expect(allClose(toyRun(Adam<Double>(), steps: 3, learningRate: 0.1), expected, relative: 1e-12))
    }

    @Test("AdamW: decoupled decay shrinks weights by α·λ before the Adam step, never biases")
    func adamW() {
        // λ = 0.1, α = 0.1: factor 1 − 0.01 = 0.99 on w before each Adam step; the gradient is taken
        // at the undecayed w, so the Adam steps are those of the Adam test:
        // t=1: 0.99·0 + 0.0999999999 = 0.0999999999.
        // t=2: 0.99·0.0999999999 + 0.0999422432 = 0.19894224313214348.
        // t=3: 0.99·0.19894224313 + (0.2997867087 − 0.1999422431) = 0.29679815687778344.
        let expected = [0.09999999990000005, 0.19894224313214348, 0.29679815687778344]
        let optimizer = DecoupledWeightDecay(Adam<Double>(), decay: 0.1)
        #expect(allClose(toyRun(optimizer, steps: 3, learningRate: 0.1), expected, relative: 1e-12))

        let bias = Parameter(name: "bias", value: Matrix<Double>(rows: 1, columns: 1, repeating: 2), isRegularized: false)
        let plain = Parameter(name: "bias", value: Matrix<Double>(rows: 1, columns: 1, repeating: 2), isRegularized: false)
        let adamW = DecoupledWeightDecay(Adam<Double>(), decay: 0.5), adam = Adam<Double>()
        for step in 0..<3 {
            bias.gradient[0, 0] = Double(step) - 1
            plain.gradient[0, 0] = Double(step) - 1
            adamW.update([bias], learningRate: 0.1)
            adam.update([plain], learningRate: 0.1)
        }
        #expect(bias.value[0, 0] == plain.value[0, 0])
    }
}
