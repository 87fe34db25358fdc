import BackpropCore
import BackpropData
import BackpropDatasets
import BackpropRecipes

/// A `TrainingRecipe` made concrete: the data loaded, split and preprocessed, the network
/// built and initialised, and a `Trainer` ready to fit it.
///
/// Every random choice derives from the recipe's seed in a fixed order (data generation
/// and split, then dropout masks, then initial weights, then shuffles), so the same recipe
/// gives the same run.
///
/// ```swift
/// var recipe = TrainingRecipe()
/// recipe.optimizer = "adam"
/// recipe.learningRate = 0.01
/// let run = try TrainingRun(recipe: recipe)
/// let history = try run.fit()
/// print(try run.evaluate().dev?.accuracy ?? .nan)
/// ```
public final class TrainingRun {
    /// The recipe this run was made from.
    public let recipe: TrainingRecipe
    /// The training, dev and (when the data have one) test sets, preprocessed.
    public let splits: DatasetSplits<Float>
    /// The preprocessing fitted on the training part; apply it to new inputs.
    public let pipeline: PreprocessingPipeline
    /// The network's structure (sizes, activation, dropout, batch norm).
    public let blueprint: NetworkBlueprint
    /// The network being trained.
    public let network: Sequential<Float>
    /// The trainer, with loss, optimiser, schedule and regulariser set from the recipe.
    public let trainer: Trainer<Float>
    /// Callbacks the recipe asks for (early stopping, the plateau schedule).
    public let recipeCallbacks: [any TrainingCallback<Float>]
    /// The early-stopping callback, when the recipe has one.
    public let earlyStopping: EarlyStopping<Float>?
    /// What is doubtful about the data but does not stop the run: each class of the dev or
    /// test part that never occurs in the training part.
    public let dataWarnings: [String]

    /// Loads the data and builds everything the recipe describes.
    ///
    /// - Throws: `DataError` for unreadable data or a classification training part of a
    ///   single class, `NetworkError` for settings that do not fit together (layer sizes
    ///   against the data, a bad initialiser), `TrainingError`.
    public convenience init(recipe: TrainingRecipe) throws {
        var random = RandomGenerator(seed: recipe.seed)
        var data = try Self.loadData(for: recipe, seed: random.next())
        // Nothing else holds the loaded features: preprocessing overwrites them.
        try self.init(recipe: recipe, random: &random, data: &data)
    }

    /// A run on data already loaded and split (not yet preprocessed), as
    /// ``loadData(for:)`` returns it: cross-validation folds, ensemble members sharing one
    /// split. The recipe's data keys are not read; its seed drives everything else exactly
    /// as in ``init(recipe:)``, so `TrainingRun(recipe: r, data: TrainingRun.loadData(for: r))`
    /// is the same run as `TrainingRun(recipe: r)`.
    public convenience init(recipe: TrainingRecipe, data raw: DatasetSplits<Float>) throws {
        var random = RandomGenerator(seed: recipe.seed)
        _ = random.next()
        var data = raw  // shares the caller's features, which preprocessing then copies
        try self.init(recipe: recipe, random: &random, data: &data)
    }

    /// The recipe's data loaded and split (before preprocessing), with the split seed that
    /// ``init(recipe:)`` uses.
    public static func loadData(for recipe: TrainingRecipe) throws -> DatasetSplits<Float> {
        var random = RandomGenerator(seed: recipe.seed)
        return try loadData(for: recipe, seed: random.next())
    }

    private static func loadData(for recipe: TrainingRecipe, seed: UInt64) throws -> DatasetSplits<Float> {
        let source = recipe.data.value
        // A catalogued set missing from the cache is fetched ($BACKPROP_MIRROR, $BACKPROP_OFFLINE).
        try DatasetFetcher(options: FetchOptions()).prepare(source)
        let csv = CSVOptions(
            delimiter: recipe.delimiter.first ?? ",", hasHeader: recipe.hasHeader,
            targetColumn: recipe.targetColumn.map { Int($0).map(CSVOptions.TargetColumn.index) ?? .name($0) } ?? .last,
            targetKind: recipe.regression ? .regression : .classification)
        let splits: DatasetSplits<Float> = try source.load(options: DataLoadingOptions(csv: csv, fractions: recipe.split, stratified: recipe.stratify, seed: seed))
        return try recipe.subset?.apply(to: splits) ?? splits
    }

    /// Preprocesses `data` in place (overwriting the features it alone holds) and builds the run.
    private init(recipe: TrainingRecipe, random: inout RandomGenerator, data: inout DatasetSplits<Float>) throws {
        self.recipe = recipe
        let file: String? = switch recipe.data.value {
        case let .csv(path): path
        case let .npy(_, targets): targets
        default: nil
        }
        dataWarnings = try data.checkClassCoverage(source: "\(recipe.data)", file: file)
        let fitted = try data.preprocess(with: recipe.preprocessing)
        var prepared = data
        if recipe.layers?.last == 1, prepared.train.isClassification, prepared.train.outputCount == 2,
           recipe.lossKind != .softmaxCrossEntropy {
            // A binary classifier with one sigmoid output: the target is the label itself.
            prepared = DatasetSplits(
                train: try prepared.train.withSingleBinaryOutput(), dev: try prepared.dev?.withSingleBinaryOutput(),
                test: try prepared.test?.withSingleBinaryOutput())
        }
        (splits, pipeline) = (prepared, fitted)

        let train = splits.train
        let sizes = recipe.layers ?? [train.featureCount, 16, 16, train.outputCount]
        guard sizes.first == train.featureCount, sizes.last == train.outputCount else {
            throw NetworkError.incompatible(
                "layers \(sizes)",
                "\(train.featureCount) (the features of \(recipe.data)) and end with \(train.outputCount) (its \(train.isClassification ? "classes" : "targets"))",
                relation: "must start with")
        }
        var planned = NetworkBlueprint(
            sizes: sizes, hiddenActivation: recipe.activation.value, dropProbabilities: recipe.dropout,
            inputDropProbability: recipe.inputDropout ?? 0, inputNoise: recipe.inputNoise, batchNormalization: recipe.batchNorm,
            batchNormMomentum: recipe.batchNormMomentum ?? 0.9)
        planned.batchNormEpsilon = recipe.batchNormEpsilon
        planned.dropoutStyle = recipe.dropoutStyle
        blueprint = planned
        network = try blueprint.build(seed: random.next())
        if let precision = recipe.precision {
            try precision.checkAvailable()
            network.engine.precision = precision
        }
        let scheme = recipe.initializer.value.scheme
        let lsuvBatch = train.features.rows >= 2 ? train.subset(Array(0..<min(train.count, 500))).features : nil
        try network.initializeParameters(
            scheme, random: &random, data: lsuvBatch, force: recipe.allowSymmetric ?? false, bias: recipe.biasInit?.value ?? .zeros)

        let optimizer = try recipe.optimizer.value.makeOptimizer(scalar: Float.self)
        let plan = try RegularizationPlan<Float>(l1: recipe.l1, l2: recipe.l2)
        var callbacks: [any TrainingCallback<Float>] = []
        let accumulation = recipe.accumulate ?? 1
        let updatesPerEpoch = try BatchPlan(exampleCount: train.count, batchSize: recipe.batchSize).updatesPerEpoch(accumulating: accumulation)
        var schedule = try recipe.schedule.value.makeSchedule(
            initialLearningRate: recipe.learningRate, epochs: recipe.epochs, updatesPerEpoch: updatesPerEpoch)
        if let plateau = schedule as? ReduceOnPlateau {
            // The plateau rule watches the dev cost (or accuracy) epoch by epoch: it runs as a
            // callback on top of the constant α.
            schedule = ConstantSchedule(recipe.learningRate)
            let cost: MonitoredMetric = splits.dev == nil ? .trainCost : .devCost
            let accuracy: MonitoredMetric = splits.dev == nil ? .trainAccuracy : .devAccuracy
            callbacks.append(PlateauCallback<Float>(
                monitor: plateau.goal == .maximize ? accuracy : cost, patience: plateau.patience, factor: plateau.factor,
                maximumReduction: plateau.stopAfterTotalFactor, minDelta: plateau.minDelta))
        }
        trainer = Trainer(
            network: network, loss: try recipe.lossKind.makeLoss(
                regression: !train.isClassification, output: recipe.outputFunction(), labelSmoothing: recipe.labelSmoothing ?? 0),
            optimizer: optimizer, schedule: schedule, regularizer: plan.global,
            options: TrainingOptions(epochs: recipe.epochs, batchSize: recipe.batchSize, seed: random.next(),
                                     accumulationSteps: accumulation, adversarialTraining: recipe.adversarialTraining))
        trainer.weightAverage = try recipe.ema.map { try WeightAverage<Float>(decay: $0) }
        if let maxNorm = recipe.maxNorm { trainer.constraints = [MaxNormConstraint(maxNorm: maxNorm)] }
        if let augmentation = recipe.augmentation {
            let augmenter = try Augmenter<Float>(featureCount: train.featureCount, options: augmentation, random: RandomGenerator(seed: random.next()))
            trainer.batchTransform = { augmenter.augment($0) }
        }
        let watchesAccuracy = recipe.earlyStoppingMonitor?.isHigherBetter == true && train.isClassification
        let monitored: MonitoredMetric = switch (splits.dev == nil, watchesAccuracy) {
        case (true, false): .trainCost
        case (true, true): .trainAccuracy
        case (false, false): .devCost
        case (false, true): .devAccuracy
        }
        let stopping = recipe.earlyStopping.map { EarlyStopping<Float>(monitor: monitored, patienceStages: $0) }
        if let stopping { callbacks.append(stopping) }
        earlyStopping = stopping
        recipeCallbacks = callbacks
    }

    /// Trains on the training set, watching the dev set, with the recipe's callbacks and
    /// `callbacks`.
    ///
    /// With `snapshot` (from a checkpoint of a run of the same recipe) training continues
    /// from that point exactly; `epochCompleted` runs after every epoch (see
    /// `Trainer.fit(_:validation:callbacks:resumingFrom:epochCompleted:)`).
    @discardableResult
    public func fit(callbacks: [any TrainingCallback<Float>] = [], resumingFrom snapshot: TrainingSnapshot? = nil,
                    epochCompleted: ((TrainingContext<Float>) throws -> Void)? = nil) throws -> TrainingHistory {
        try trainer.fit(splits.train, validation: splits.dev, callbacks: recipeCallbacks + callbacks,
                        resumingFrom: snapshot, epochCompleted: epochCompleted)
    }

    /// Cost and accuracy on each part (the dev and test entries are `nil` when the part is
    /// absent). Costs include the weight penalty with `n` = training-set size.
    public func evaluate() throws -> (train: Evaluation, dev: Evaluation?, test: Evaluation?) {
        let evaluator = Evaluator<Float>()
        evaluator.group = trainer.group
        let n = splits.train.count
        func measure(_ data: Dataset<Float>) throws -> Evaluation {
            try evaluator.evaluate(network, loss: trainer.loss, on: data, regularizer: trainer.regularizer, penaltyExampleCount: n)
        }
        return (try measure(splits.train), try splits.dev.map(measure), try splits.test.map(measure))
    }

    /// ``evaluate()`` of the averaged weights (the recipe's `ema`), or `nil` when the run
    /// keeps no average.
    public func evaluateAveragedWeights() throws -> (train: Evaluation, dev: Evaluation?, test: Evaluation?)? {
        try trainer.weightAverage.map { average in try average.withAveragedWeights { try evaluate() } }
    }
}
