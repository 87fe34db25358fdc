/// Mini-batch gradient descent with everything around it: the fit loop.
///
/// Each epoch draws a new seeded permutation of the training set and walks it in
/// ``BatchPlan`` batches. Each batch is gathered into reused buffers, passed through
/// ``batchTransform`` (augmentation) and handed to one ``TrainingStep`` — forward in
/// training mode, batch-mean cost and `∂C/∂logits`, backward, the regulariser's penalty
/// and gradient (`n` = training-set size unless set; the batch cost recorded includes the
/// penalty), a NaN/Inf scan **before** the weights are touched (throwing
/// ``TrainingError/nonFinite(epoch:batch:place:hint:)``), and the optimiser's update with
/// `α = schedule(epoch, step) · learningRateFactor`, then the ``constraints`` (max-norm).
/// With ``TrainingOptions/accumulationSteps`` `N` > 1 the gradients of `N` consecutive
/// batches are averaged (weighted by their rows) before one such update; `step` counts
/// updates. After every update the ``weightAverage``, when set, moves towards the weights.
///
/// After each epoch it records the train cost and accuracy, measures the dev cost and
/// accuracy, appends an ``EpochRecord`` and asks the callbacks whether to go on. The train
/// figures are, by default, running means over the epoch's batches as Keras reports them:
/// the cost is the mean of the epoch's batch costs (each the batch-mean loss plus the
/// penalty, as recorded in ``TrainingHistory/batchCosts``) and the accuracy the share of the
/// epoch's examples whose training-mode logits, before their batch's update, predicted
/// their label. They cost nothing extra but lag the weights by half an epoch and include
/// dropout; ``TrainingOptions/evaluatesTrainingSet`` asks for an exact pass over the whole
/// training set in inference mode after every epoch instead (`--eval-train full`). The dev
/// set is always evaluated exactly.
///
/// ```swift
/// let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: adam,
///                       schedule: ConstantSchedule(0.01),
///                       options: TrainingOptions(epochs: 100, batchSize: 64, seed: 1))
/// let history = try trainer.fit(training, validation: dev, callbacks: [EarlyStopping(patience: 10)])
/// ```
public final class Trainer<Scalar: NetworkScalar> {
    /// The network trained in place.
    public let network: Sequential<Scalar>
    /// The cost minimised.
    public let loss: any Loss<Scalar>
    /// The update rule.
    public let optimizer: any Optimizer<Scalar>
    /// α as a function of epoch and step.
    public var schedule: any LearningRateSchedule
    /// The weight penalty, or `nil`.
    public var regularizer: (any Regularizer<Scalar>)?
    /// The exponential moving average of the weights kept beside them, or `nil`: updated
    /// after every optimiser step, evaluated on the dev set after every epoch
    /// (``EpochRecord/averagedDevCost``) and carried by snapshots.
    public var weightAverage: WeightAverage<Scalar>?
    /// Applied in order after every update, e.g. to clamp each unit's weight vector
    /// (``MaxNormConstraint``).
    public var constraints: [any ParameterConstraint] = []
    /// Called on the features of every gathered training batch before the forward pass,
    /// e.g. to distort images on the fly (`Augmenter.augment(_:)` of BackpropData). Its own random state
    /// is not part of a checkpoint.
    public var batchTransform: ((Matrix<Scalar>) -> Void)?
    /// Epochs, batch size, seed and the rest.
    public var options: TrainingOptions
    /// The processes training this network together, or `nil` for one process. Every
    /// process shuffles identically and takes its contiguous ``DataParallelGroup/slice(of:)``
    /// of each batch; the step sums the gradients, batch normalisation shares its
    /// statistics, dropout draws its masks per example index, and the evaluations are split
    /// and summed — so every process makes the update a single process would make on the
    /// whole batch (to rounding).
    public var group: (any DataParallelGroup)?

    /// The update rule as reports name it: the optimiser, then each constraint
    /// (`momentum(…) + max-norm(3.0)`).
    public var updateDescription: String {
        ([optimizer.description] + constraints.map(\.description)).joined(separator: " + ")
    }

    /// The gatherer of the latest run (its ``BatchGatherer/allocationCount`` shows reuse).
    public private(set) var gatherer: BatchGatherer<Scalar>?

    /// A trainer for `network`; nothing happens until ``fit(_:validation:callbacks:resumingFrom:epochCompleted:)``.
    public init(network: Sequential<Scalar>, loss: any Loss<Scalar>, optimizer: any Optimizer<Scalar>,
                schedule: any LearningRateSchedule = ConstantSchedule(0.01), regularizer: (any Regularizer<Scalar>)? = nil,
                options: TrainingOptions = TrainingOptions()) {
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.schedule = schedule
        self.regularizer = regularizer
        self.options = options
    }

    // MARK: - Fit

    /// Trains on `training` for ``TrainingOptions/epochs`` epochs (fewer when a callback
    /// stops the run) and returns the history.
    ///
    /// - Throws: ``TrainingError`` for bad options or a non-finite cost or gradient (the
    ///   weights keep their last finite values); ``NetworkError`` when the data do not fit
    ///   the network; whatever a callback throws.
    ///
    /// - Parameters:
    ///   - training: the examples the updates learn from, shuffled every epoch; its feature
    ///     and target widths must match the network's input and output counts.
    ///   - validation: the dev set, evaluated after every epoch (its cost and accuracy go
    ///     into the ``EpochRecord``); `nil` for none.
    ///   - callbacks: told of the start, every batch, every epoch and the end of training,
    ///     in order; any of them may stop the run after an epoch.
    ///   - snapshot: a state saved by ``TrainingContext/snapshot()`` of a run with the same
    ///     network, optimiser, options and data: training continues from its epoch exactly
    ///     as if never interrupted (weights, buffers, optimiser slots, shuffle order and
    ///     generators, α factor, history and the state of every ``ResumableTrainingCallback``
    ///     are restored after `trainingWillBegin`). The schedule must be a function of
    ///     epoch and step only.
    ///   - epochCompleted: called after every epoch once every callback has decided, with a
    ///     stop reason already recorded in the history: the point where a snapshot resumes
    ///     exactly (checkpoints are taken here).
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func fit(_ training: Dataset<Scalar>, validation: Dataset<Scalar>? = nil,
                    callbacks: [any TrainingCallback<Scalar>] = [],
                    resumingFrom snapshot: TrainingSnapshot? = nil,
                    epochCompleted: ((TrainingContext<Scalar>) throws -> Void)? = nil) throws -> TrainingHistory {
        try options.validate()
        try check(training, named: "training set")
        if let validation { try check(validation, named: "dev set") }
        let plan = try BatchPlan(exampleCount: training.count, batchSize: options.batchSize)
        let smallestBatch = plan.remainder == 0 ? plan.batchSize : min(plan.batchSize, plan.remainder)
        if let layer = network.layers.first(where: { $0.layerDescription.minimumTrainingBatchSize > smallestBatch }) {
            throw TrainingError.invalidOptions(
                "\(training.count) examples in batches of \(plan.batchSize) leave a batch of \(smallestBatch == 1 ? "one example" : "\(smallestBatch) examples"), which \(layer) refuses; choose another batch size")
        }
        if let group, smallestBatch < group.size {
            throw TrainingError.invalidOptions(
                "\(training.count) examples in batches of \(plan.batchSize) leave a batch of \(smallestBatch), fewer than the \(group.size) processes sharing it; choose another batch size")
        }
        let n = options.penaltyExampleCount ?? training.count
        let step = TrainingStep(network: network, loss: loss, optimizer: optimizer, regularizer: regularizer,
                                constraints: constraints, penaltyExampleCount: n, batchCapacity: plan.batchSize)
        step.checksFiniteValues = options.checksFiniteValues
        step.adversarial = options.adversarialTraining
        step.group = group
        let parallelLayers = network.layers.compactMap { $0 as? any DataParallelLayer }
        for layer in parallelLayers { layer.join(group) }
        let gatherer = BatchGatherer<Scalar>(capacity: plan.batchSize, featureCount: training.featureCount, outputCount: training.outputCount)
        self.gatherer = gatherer
        let evaluator = Evaluator<Scalar>(chunkSize: options.evaluationBatchSize)
        evaluator.group = group
        let context = TrainingContext(network: network, optimizer: optimizer, plan: plan, history: TrainingHistory(),
                                      shuffleGenerator: RandomGenerator(seed: options.seed))
        context.order = Array(0..<training.count)
        context.resumableCallbacks = callbacks.compactMap { $0 as? any ResumableTrainingCallback<Scalar> }
            + (weightAverage.map { [$0] } ?? [])
        for callback in callbacks { try callback.trainingWillBegin(context) }
        weightAverage?.begin(network)
        if let snapshot { try context.restore(snapshot) }
        let accumulation = options.accumulationSteps
        let accumulator = accumulation > 1 ? GradientAccumulator(parameters: network.parameters) : nil
        let updatesPerEpoch = plan.updatesPerEpoch(accumulating: accumulation)
        // Every gradient is written by an epoch's last update, which the epoch-end callbacks
        // read, and by every update when a callback reads them after each batch.
        let foldsDescentMidEpoch = !callbacks.contains { $0.readsGradientsAfterEachBatch }

        /// Gathers batch `batch` of the epoch's order (this process's slice of it) and
        /// transforms it; returns the slice.
        func prepare(_ batch: Int) -> Range<Int> {
            let whole = plan.range(ofBatch: batch)
            let slice = group?.slice(of: whole) ?? whole
            if group != nil {
                step.globalBatchRows = whole.count
                for layer in parallelLayers { layer.beginSlice(at: slice.lowerBound - whole.lowerBound) }
            }
            gatherer.gather(context.order[slice], from: training, engine: network.engine)
            batchTransform?(gatherer.features)
            return slice
        }
        /// The examples of `slice` the latest training-mode forward pass classified correctly.
        func countCorrect(_ slice: Range<Int>) -> Int {
            guard let labels = training.labels, let logits = step.logits else { return 0 }
            return Evaluator<Scalar>.correctCount(logits: logits, labels: context.order[slice].lazy.map { labels[$0] })
        }
        // Room for every batch cost up front: appending in the loop never reallocates.
        context.history.batchCosts.reserveCapacity(plan.updates(epochs: options.epochs))
        context.history.epochs.reserveCapacity(options.epochs)
        let clock = ContinuousClock()
        let firstEpoch = context.history.stopReason == nil ? min(context.epoch, options.epochs) : options.epochs

        epochs: for epoch in firstEpoch..<options.epochs {
            let started = clock.now
            context.epoch = epoch + 1
            context.shuffleGenerator.shuffle(&context.order)
            var costSum = 0.0, correct = 0
            var learningRate = 0.0
            for update in 0..<updatesPerEpoch {
                let batches = plan.batches(ofUpdate: update, accumulating: accumulation)
                learningRate = schedule.learningRate(epoch: epoch, step: context.step) * context.learningRateFactor
                let cost: Double
                do {
                    if let accumulator {
                        for batch in batches {
                            let slice = prepare(batch)
                            let batchCost = try step.computeGradients(features: gatherer.features, targets: gatherer.targets,
                                                                      checksFiniteInput: false)
                            accumulator.add(rows: plan.range(ofBatch: batch).count, cost: batchCost)
                            costSum += batchCost
                            correct += countCorrect(slice)
                        }
                        cost = accumulator.finish()
                        try step.checkAndUpdate(cost: cost, learningRate: learningRate)
                    } else {
                        let slice = prepare(batches.lowerBound)
                        // The set's features were checked for NaN/Inf once, in `check`.
                        step.foldsFirstLayerDescent = foldsDescentMidEpoch && update + 1 < updatesPerEpoch
                        cost = try step.run(features: gatherer.features, targets: gatherer.targets, learningRate: learningRate,
                                            checksFiniteInput: false)
                        costSum += cost
                        correct += countCorrect(slice)
                    }
                } catch let error as NonFiniteStepError {
                    throw TrainingError.nonFinite(epoch: epoch + 1, batch: batches.upperBound, place: error.place, hint: hint(context: context))
                }
                context.step += 1
                weightAverage?.update()
                context.history.batchCosts.append(cost)
                for callback in callbacks { try callback.batchDidEnd(context, batch: update + 1, cost: cost) }
            }

            if let group, training.labels != nil { correct = Int(group.sum([Double(correct)])[0]) }
            let train: Evaluation = options.evaluatesTrainingSet
                ? try evaluator.evaluate(network, loss: loss, on: training, regularizer: regularizer, penaltyExampleCount: n)
                : Evaluation(cost: costSum / Double(plan.batchesPerEpoch),
                             accuracy: training.labels == nil ? nil : Double(correct) / Double(plan.exampleCount))
            let dev = try validation.map {
                try evaluator.evaluate(network, loss: loss, on: $0, regularizer: regularizer, penaltyExampleCount: n)
            }
            let averagedDev = try weightAverage.flatMap { average in
                try validation.map { data in
                    try average.withAveragedWeights {
                        try evaluator.evaluate(network, loss: loss, on: data, regularizer: regularizer, penaltyExampleCount: n)
                    }
                }
            }
            // Finite batch costs can still end in weights that overflow (a diverging
            // regression): the epoch's evaluation is checked too, for every loss.
            if !train.cost.isFinite || dev.map({ !$0.cost.isFinite }) == true {
                let place = train.cost.isFinite ? "the dev cost (\(dev!.cost))" : "the training cost (\(train.cost))"
                throw TrainingError.nonFinite(epoch: epoch + 1, batch: plan.batchesPerEpoch, place: place, hint: hint(context: context))
            }
            let record = EpochRecord(
                epoch: epoch + 1, trainCost: train.cost, trainAccuracy: train.accuracy, devCost: dev?.cost,
                devAccuracy: dev?.accuracy, learningRate: learningRate,
                seconds: Self.seconds(clock.now - started), updates: context.step,
                averagedDevCost: averagedDev?.cost, averagedDevAccuracy: averagedDev?.accuracy)
            context.history.epochs.append(record)
            var stopReason: String?
            for callback in callbacks {
                if case let .stop(reason) = try callback.epochDidEnd(context, record: record), stopReason == nil {
                    stopReason = reason
                }
            }
            if let stopReason { context.history.stopReason = stopReason }
            try epochCompleted?(context)
            if stopReason != nil { break epochs }
        }
        for callback in callbacks { try callback.trainingDidEnd(context) }
        return context.history
    }

    // MARK: - Checks

    private func check(_ data: Dataset<Scalar>, named name: String) throws {
        guard data.count > 0 else { throw TrainingError.invalidOptions("The \(name) is empty") }
        guard data.featureCount == network.inputCount else {
            throw TrainingError.invalidOptions("The \(name) has \(data.featureCount) features but the network expects \(network.inputCount)")
        }
        guard data.outputCount == network.outputCount else {
            throw TrainingError.invalidOptions("The \(name) has \(data.outputCount) target columns but the network produces \(network.outputCount)")
        }
        if let (row, column) = data.features.firstNonFinite() {
            throw NetworkError.nonFinite(place: "The \(name)", row: row, column: column)
        }
    }

    /// The likely cause of a non-finite value, from the costs seen so far.
    private func hint(context: TrainingContext<Scalar>) -> String {
        let costs = context.history.batchCosts
        let alpha = schedule.learningRate(epoch: max(context.epoch - 1, 0), step: context.step) * context.learningRateFactor
        if costs.isEmpty {
            return "the very first batch overflowed: check the input scaling (standardise the features) and the initialisation"
        }
        let recent = costs.suffix(5)
        let earliest = costs.prefix(5).reduce(0, +) / Double(min(costs.count, 5))
        if let last = recent.last, last > earliest || recent.contains(where: { !$0.isFinite }) {
            return "the learning rate α = \(alpha) is too high (the cost grew from \(earliest) to \(last)); lower it by 10× and retry"
        }
        return "the learning rate α = \(alpha) may be too high, or the inputs are badly scaled; lower α or standardise the features"
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
