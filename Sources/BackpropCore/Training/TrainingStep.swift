/// One update of a network on one batch — the step every training path runs: the fit loop
/// of ``Trainer``, `backprop bench core`, the benchmark runner and the gradient check.
///
/// ``run(features:targets:learningRate:checksFiniteInput:)`` does, in order:
/// 1. the forward pass in training mode (`m × inputCount` features → `m × outputCount` logits);
/// 2. the batch-mean cost `C = (1/m) Σᵢ ℓ(zᵢ, yᵢ)` and `∂C/∂z` (``Loss``);
/// 3. the backward pass, which overwrites every parameter gradient;
/// 4. the weight penalty `R(W)` and its gradient on every regularised parameter, with `n` =
///    ``penaltyExampleCount`` (L2: `λ/(2n)·‖W‖²`, gradient `(λ/n)·W`);
/// 5. when ``checksFiniteValues``, a scan of the cost and every gradient for NaN/Inf — a
///    non-finite value throws ``NonFiniteStepError`` **before** the weights are touched;
/// 6. the optimiser's update with step size α = `learningRate`, then the ``constraints``
///    (max-norm) on the updated parameters.
///
/// With ``adversarial`` set, steps 1–3 run twice — on the batch, continued to the input
/// gradient, then on the batch moved by `ε·sign(∇ₓJ)` — and step 3 leaves the weighted sum
/// of the two passes' gradients (``AdversarialTraining``).
///
/// With a ``group`` (data-parallel training) the gradients and the cost of step 3 are summed
/// over the processes before step 4, each process having run steps 1–3 on its slice.
///
/// Buffers are sized once for ``batchCapacity`` rows and reused: a step allocates nothing.
/// The optimiser computes with the network's ``ComputeEngine`` (kernel and threads).
///
/// ```swift
/// let step = TrainingStep(network: network, loss: SoftmaxCrossEntropy<Float>(),
///                         optimizer: Adam<Float>(), penaltyExampleCount: 60_000, batchCapacity: 128)
/// let cost = try step.run(features: x, targets: y, learningRate: 0.001)
/// ```
public final class TrainingStep<Scalar: NetworkScalar> {
    /// The network updated in place.
    public let network: Sequential<Scalar>
    /// The cost minimised.
    public let loss: any Loss<Scalar>
    /// The update rule.
    public let optimizer: any Optimizer<Scalar>
    /// The weight penalty, or `nil`.
    public let regularizer: (any Regularizer<Scalar>)?
    /// Projections applied after every update, in order (max-norm).
    public let constraints: [any ParameterConstraint]
    /// `n` in the penalty `λ/(2n)·‖W‖²`: usually the training-set size.
    public let penaltyExampleCount: Int
    /// The most rows a batch may have.
    public let batchCapacity: Int
    /// Whether the cost and gradients are scanned for NaN/Inf before each update (default `true`).
    public var checksFiniteValues = true
    /// Whether a step under plain ``GradientDescent`` may fold the update of the first
    /// layer's weights into their gradient's product (default `false`). When the first layer
    /// with parameters is ``Dense`` and the step has no penalty, ``group`` or
    /// ``adversarial`` pass, `W ← W − α·dZᵀ·X` is then one product that reads and writes `W`,
    /// instead of writing `dW`, scanning it for NaN/Inf and reading it back for the update.
    /// The weights come out as the separate update leaves them (bit for bit when the product
    /// sums over the batch in one pass), but that layer's `weight.gradient` is not written.
    /// The NaN/Inf check still precedes every change: the folded product runs only when
    /// `m·max|dZ|·max|X|` bounds every element of `dW` finite, else `dW` is computed and
    /// scanned as usual. ``Trainer`` sets it for every batch but an epoch's last, unless a
    /// callback reads gradients after each batch
    /// (``TrainingCallback/readsGradientsAfterEachBatch``).
    public var foldsFirstLayerDescent = false
    /// The logits of the latest step's forward pass on the batch as given (the network's
    /// output buffer, valid until the network runs again; with ``adversarial``, a copy of the
    /// clean pass's), from which a fit loop counts the batch's correct predictions; `nil`
    /// before the first step.
    public private(set) var logits: Matrix<Scalar>?
    /// Adversarial training: every step also trains on its batch perturbed by the fast
    /// gradient sign method, and returns the weighted cost `J̃`; `nil` (the default) for none.
    /// Buffers for the perturbed batch are sized once, when it is set.
    public var adversarial: AdversarialTraining? {
        didSet { if adversarial != nil, adversarialBuffers == nil { adversarialBuffers = AdversarialBuffers(step: self) } }
    }
    /// The processes sharing each batch, or `nil` for one process alone. With a group, each
    /// process runs the step on its slice of a batch of ``globalBatchRows`` rows: its
    /// `∂C/∂z` and cost are weighted by `m_slice / m`, and after the backward pass (before
    /// the penalty, which every process adds identically) all gradients and the cost are
    /// summed over the group in one flat buffer, so every process holds the batch-mean
    /// gradient of the whole batch.
    public var group: (any DataParallelGroup)? {
        didSet { if group != nil, flatBuffer.isEmpty { flatBuffer = [Double](repeating: 0, count: parameters.reduce(1) { $0 + $1.gradient.count }) } }
    }
    /// The rows of the whole batch shared by ``group`` (ignored without a group).
    public var globalBatchRows = 0

    private let parameters: [Parameter<Scalar>]
    private let regularizedParameters: [Parameter<Scalar>]
    private let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    private let outputGradient: Matrix<Scalar>
    /// Every gradient then the cost, for the group's sum; sized once when the group is set.
    private var flatBuffer: [Double] = []
    /// The perturbed batch, the clean pass's logits and weighted gradients; sized once when
    /// ``adversarial`` is set.
    private var adversarialBuffers: AdversarialBuffers?

    private struct AdversarialBuffers {
        let features: Matrix<Scalar>
        let logits: Matrix<Scalar>
        let gradients: [Matrix<Scalar>]

        init(step: TrainingStep) {
            features = Matrix(rows: step.batchCapacity, columns: step.network.inputCount)
            logits = Matrix(rows: step.batchCapacity, columns: step.network.outputCount)
            gradients = step.parameters.map { Matrix(rows: $0.gradient.rows, columns: $0.gradient.columns) }
        }
    }

    /// A step for `network`; nothing is computed until ``run(features:targets:learningRate:checksFiniteInput:)``.
    ///
    /// - Parameters:
    ///   - network: the network whose parameters every step updates in place.
    ///   - loss: the cost minimised; it gives `C` and `∂C/∂z` for the output logits.
    ///   - optimizer: the update rule applied to every parameter after the backward pass.
    ///   - regularizer: the weight penalty on regularised parameters, or `nil` for none.
    ///   - constraints: projections applied in order after every update (max-norm).
    ///   - penaltyExampleCount: `n` of the weight penalty (ignored without a regulariser).
    ///   - batchCapacity: the most rows a batch will have; the output-gradient buffer is
    ///     sized for it once.
    public init(network: Sequential<Scalar>, loss: any Loss<Scalar>, optimizer: any Optimizer<Scalar>,
                regularizer: (any Regularizer<Scalar>)? = nil, constraints: [any ParameterConstraint] = [],
                penaltyExampleCount: Int, batchCapacity: Int) {
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.regularizer = regularizer
        self.constraints = constraints
        self.penaltyExampleCount = penaltyExampleCount
        self.batchCapacity = batchCapacity
        parameters = network.parameters
        regularizedParameters = parameters.filter(\.isRegularized)
        namedParameters = network.namedParameters
        outputGradient = Matrix(rows: batchCapacity, columns: network.outputCount)
        (optimizer as? any EngineConfigurable)?.engine = network.engine
    }

    // MARK: - The step

    /// Runs one full step on a batch (`features`: `m × inputCount`, `targets`: `m × outputCount`,
    /// `m ≤ batchCapacity`) and returns its cost, penalty included.
    ///
    /// - Parameters:
    ///   - features: the batch's inputs, `m × inputCount`, one example per row.
    ///   - targets: the batch's targets, `m × outputCount` (one-hot rows for class labels).
    ///   - learningRate: the step size α of this update.
    ///   - checksFiniteInput: scan `features` for NaN/Inf (a loop that checked its
    ///     whole data set once passes `false`).
    /// - Throws: ``NetworkError`` for a batch of the wrong shape; ``NonFiniteStepError``
    ///   when the cost or a gradient is NaN or infinite (the weights keep their values).
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func run(features: Matrix<Scalar>, targets: Matrix<Scalar>, learningRate: Double,
                    checksFiniteInput: Bool = true) throws -> Double {
        if foldsFirstLayerDescent, adversarial == nil, group == nil, regularizer == nil,
           let descent = optimizer as? GradientDescent<Scalar> {
            return try runFoldingFirstLayerDescent(features: features, targets: targets, learningRate: learningRate,
                                                   checksFiniteInput: checksFiniteInput, descent: descent)
        }
        let cost = try computeGradients(features: features, targets: targets, checksFiniteInput: checksFiniteInput)
        try checkAndUpdate(cost: cost, learningRate: learningRate)
        return cost
    }

    /// ``run(features:targets:learningRate:checksFiniteInput:)`` with the first layer's
    /// gradient descent folded into its weight-gradient product (``foldsFirstLayerDescent``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func runFoldingFirstLayerDescent(features: Matrix<Scalar>, targets: Matrix<Scalar>, learningRate: Double,
                                             checksFiniteInput: Bool, descent: GradientDescent<Scalar>) throws -> Double {
        let cost = try forwardAndCost(features: features, targets: targets, checksFiniteInput: checksFiniteInput)
        guard let (first, dZ) = network.backwardDeferringFirstWeightGradient(outputGradient) else {
            network.backward(outputGradient)
            try checkAndUpdate(cost: cost, learningRate: learningRate)
            return cost
        }
        if checksFiniteValues,
           !first.weightGradientIsSurelyFinite(dZ) || nonFinitePlace(cost: cost, except: first.weight) != nil {
            first.computeWeightGradient(from: dZ)
            try checkAndUpdate(cost: cost, learningRate: learningRate)
            return cost
        }
        first.descendWeights(along: dZ, learningRate: Scalar(learningRate))
        descent.update(parameters, learningRate: Scalar(learningRate), except: first.weight)
        for constraint in constraints { constraint.apply(to: parameters) }
        return cost
    }

    /// Steps 5–6 on the gradients already in the parameters — from
    /// ``computeGradients(features:targets:checksFiniteInput:)``, or averaged over several
    /// batches (gradient accumulation): the NaN/Inf scan of `cost` and every gradient when
    /// ``checksFiniteValues``, then the update with step size `learningRate`.
    ///
    /// - Throws: ``NonFiniteStepError`` before touching the weights when something is not finite.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func checkAndUpdate(cost: Double, learningRate: Double) throws {
        if checksFiniteValues, let place = nonFinitePlace(cost: cost) {
            throw NonFiniteStepError(place: place)
        }
        update(learningRate: learningRate)
    }

    // MARK: - Parts of the step

    /// Steps 1–4: forward, cost, backward and penalty. Leaves `∂(C + R)/∂θ` in every
    /// parameter's gradient and returns `C + R`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func computeGradients(features: Matrix<Scalar>, targets: Matrix<Scalar>, checksFiniteInput: Bool = true) throws -> Double {
        var cost: Double
        if let adversarial, let buffers = adversarialBuffers {
            cost = try adversarialGradients(features: features, targets: targets, checksFiniteInput: checksFiniteInput,
                                            adversarial: adversarial, buffers: buffers)
        } else {
            cost = try passGradients(features: features, targets: targets, checksFiniteInput: checksFiniteInput)
        }
        if let group { cost = reduceGradients(cost: cost, over: group) }
        if let regularizer {
            for parameter in regularizedParameters {
                cost += Double(regularizer.penalty(parameter.value, exampleCount: penaltyExampleCount))
                regularizer.addGradient(of: parameter.value, to: parameter.gradient, exampleCount: penaltyExampleCount)
            }
        }
        return cost
    }

    /// Steps 1–3 on this process's rows: forward in training mode, the cost and `∂C/∂z`
    /// (weighted by this process's share of a group's batch), backward. Returns the
    /// (weighted) cost. With a `perturbation`, the backward pass continues to the input and
    /// its buffer receives `X + ε·sign(∂C/∂X)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func passGradients(features: Matrix<Scalar>, targets: Matrix<Scalar>, checksFiniteInput: Bool,
                               perturbation: (AdversarialTraining, into: Matrix<Scalar>)? = nil) throws -> Double {
        var cost = try forwardAndCost(features: features, targets: targets, checksFiniteInput: checksFiniteInput)
        if group != nil {
            let weight = Double(outputGradient.rows) / Double(max(globalBatchRows, 1))
            let g = outputGradient.base, factor = Scalar(weight)
            for i in 0..<outputGradient.count { g[i] *= factor }
            cost *= weight
        }
        if let (adversarial, perturbed) = perturbation {
            adversarial.perturb(features, along: network.inputGradient(backPropagating: outputGradient), into: perturbed)
        } else {
            network.backward(outputGradient)
        }
        return cost
    }

    /// Steps 1–2: the forward pass in training mode (its logits kept in ``logits``), then
    /// the cost, with `∂C/∂z` left in the output-gradient buffer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func forwardAndCost(features: Matrix<Scalar>, targets: Matrix<Scalar>, checksFiniteInput: Bool) throws -> Double {
        let logits = try network.forward(features, mode: .training, checksFiniteInput: checksFiniteInput)
        self.logits = logits
        outputGradient.resize(rows: logits.rows)
        return Double(loss.cost(logits: logits, targets: targets, gradient: outputGradient))
    }

    /// Steps 1–3 of adversarial training: the clean pass (continued to `∂C/∂X`), its
    /// gradients kept weighted by `w`; the pass on `X + ε·sign(∂C/∂X)`; every gradient left
    /// as `w·g_clean + (1 − w)·g_perturbed`. Returns `w·C_clean + (1 − w)·C_perturbed`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func adversarialGradients(features: Matrix<Scalar>, targets: Matrix<Scalar>, checksFiniteInput: Bool,
                                      adversarial: AdversarialTraining, buffers: AdversarialBuffers) throws -> Double {
        let perturbed = buffers.features
        perturbed.resize(rows: features.rows)
        let cleanCost = try passGradients(features: features, targets: targets, checksFiniteInput: checksFiniteInput,
                                          perturbation: (adversarial, into: perturbed))
        if let cleanLogits = logits { buffers.logits.assign(cleanLogits) }
        let w = Scalar(adversarial.cleanWeight), rest = 1 - w
        for (parameter, kept) in zip(parameters, buffers.gradients) {
            let g = parameter.gradient.base, k = kept.base
            for i in 0..<kept.count { k[i] = w * g[i] }
        }
        let perturbedCost = try passGradients(features: perturbed, targets: targets, checksFiniteInput: false)
        for (parameter, kept) in zip(parameters, buffers.gradients) {
            let g = parameter.gradient.base, k = kept.base
            for i in 0..<kept.count { g[i] = rest * g[i] + k[i] }
        }
        logits = buffers.logits
        return adversarial.cleanWeight * cleanCost + (1 - adversarial.cleanWeight) * perturbedCost
    }

    /// Sums every gradient and `cost` over `group` through the flat buffer; returns the summed cost.
    private func reduceGradients(cost: Double, over group: any DataParallelGroup) -> Double {
        flatBuffer.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            for parameter in parameters {
                let g = parameter.gradient.base
                for i in 0..<parameter.gradient.count { flat[offset + i] = Double(g[i]) }
                offset += parameter.gradient.count
            }
            flat[offset] = cost
            group.allReduceSum(flat)
            offset = 0
            for parameter in parameters {
                let g = parameter.gradient.base
                for i in 0..<parameter.gradient.count { g[i] = Scalar(flat[offset + i]) }
                offset += parameter.gradient.count
            }
            return flat[offset]
        }
    }

    /// Step 5: what is NaN or infinite — `"the cost (nan)"` or `"the gradient of
    /// layers.0.weight"` — or `nil` when everything is finite.
    public func nonFinitePlace(cost: Double) -> String? {
        nonFinitePlace(cost: cost, except: nil)
    }

    /// ``nonFinitePlace(cost:)`` skipping the gradient of `unwritten`.
    private func nonFinitePlace(cost: Double, except unwritten: Parameter<Scalar>?) -> String? {
        if !cost.isFinite { return "the cost (\(cost))" }
        for entry in namedParameters where entry.parameter !== unwritten
            && entry.parameter.gradient.firstNonFinite(using: network.engine) != nil {
            return "the gradient of \(entry.name)"
        }
        return nil
    }

    /// Step 6: the optimiser's update of every parameter with step size `learningRate`,
    /// then each constraint.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update(learningRate: Double) {
        optimizer.update(parameters, learningRate: Scalar(learningRate))
        for constraint in constraints { constraint.apply(to: parameters) }
    }
}

/// A training step found a NaN or infinite cost or gradient and left the weights untouched.
public struct NonFiniteStepError: BackpropError, Equatable {
    /// What was non-finite: `"the cost (nan)"`, `"the gradient of layers.0.weight"`.
    public var place: String

    /// The error for `place`.
    public init(place: String) {
        self.place = place
    }

    /// The one-line message; there is no location.
    public var message: String { "\(place) is NaN or infinite; the weights were not updated" }
}
