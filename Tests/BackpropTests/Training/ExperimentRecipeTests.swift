import Foundation
import Testing
import Backprop
@testable import BackpropData
@testable import BackpropRecipes
@testable import BackpropRuns
@testable import BackpropModelFiles

/// The classic experiments that each need a setting of their own (see the Experiments article).
@Suite("Classic experiments")
struct ExperimentRecipeTests {
    @Test func aBinaryClassifierHasOneSigmoidOutput() throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=300"
        recipe.layers = [2, 5, 1]
        recipe.loss = .binaryCrossEntropy
        recipe.epochs = 30
        let run = try TrainingRun(recipe: recipe)
        #expect(run.splits.train.outputCount == 1)
        #expect(run.splits.train.targets.elements.map(Int.init) == run.splits.train.labels)
        _ = try run.fit()
        let accuracy = try #require(try run.evaluate().dev?.accuracy)
        #expect(accuracy > 0.8, "a one-output sigmoid separates the moons")
        let raw = try #require(try TrainingRun.loadData(for: recipe).dev)
        let saved = try Model(run: run, metrics: [:]).evaluate(raw)
        #expect(abs((saved.classification?.accuracy ?? 0) - accuracy) < 1e-9, "a saved one-output model evaluates on two-class data")
        recipe.loss = .softmaxCrossEntropy
        #expect(throws: NetworkError.self) { try TrainingRun(recipe: recipe) }
    }

    /// One sigmoid neuron, input 1, target 0, w and b set by the initialisers, trained by
    /// gradient descent at η = 0.15 (the textbook's learning-slowdown figure).
    static func neuronCosts(weight: Double, bias: Double, loss: LossKind, epochs: Int) throws -> [Double] {
        var recipe = TrainingRecipe()
        recipe.layers = [1, 1]
        recipe.regression = true
        recipe.loss = loss
        recipe.outputActivation = "sigmoid"
        recipe.initializer = try SettingText(parsing: "constant:value=\(weight)")
        recipe.biasInit = try SettingText(parsing: "constant:\(bias)")
        recipe.optimizer = "sgd"
        recipe.learningRate = 0.15
        recipe.batchSize = 1
        recipe.epochs = epochs
        let one = try Dataset<Float>(features: Matrix(rows: 1, columns: 1, elements: [1]), targets: Matrix(rows: 1, columns: 1, elements: [0]))
        let run = try TrainingRun(recipe: recipe, data: DatasetSplits(train: one))
        #expect(run.network.parameters.map(\.value.elements) == [[Float(weight)], [Float(bias)]])
        return try run.fit().epochs.map(\.trainCost)
    }

    @Test func theQuadraticCostOfASaturatedSigmoidLearnsSlowly() throws {
        // Output σ(2·1 + 2) = 0.98: the quadratic cost's gradient carries σ'(z) ≈ 0.018.
        let quadratic = try Self.neuronCosts(weight: 2, bias: 2, loss: .quadratic, epochs: 300)
        let crossEntropy = try Self.neuronCosts(weight: 2, bias: 2, loss: .binaryCrossEntropy, epochs: 300)
        print("slowdown (2, 2): quadratic", quadratic[0], quadratic[49], quadratic[299], "cross-entropy", crossEntropy[0], crossEntropy[49], crossEntropy[299])
        #expect(quadratic[49] > 0.8 * quadratic[0], "the first 50 epochs barely move the quadratic cost")
        #expect(crossEntropy[49] < 0.1 * crossEntropy[0], "the cross-entropy falls at once")
        // Started at w = 0.6, b = 0.9 (output 0.82) both costs fall from the start.
        let unsaturated = try Self.neuronCosts(weight: 0.6, bias: 0.9, loss: .quadratic, epochs: 300)
        print("slowdown (0.6, 0.9): quadratic", unsaturated[0], unsaturated[49], unsaturated[299])
        #expect(unsaturated[49] < 0.5 * unsaturated[0])
    }

    @Test func biasesAndSymmetricWeightsCanBeForced() throws {
        var recipe = TrainingRecipe()
        recipe.data = "moons:n=200"
        recipe.layers = [2, 4, 2]
        recipe.epochs = 5
        recipe.initializer = "constant:value=0.5"
        #expect(throws: NetworkError.self) { try TrainingRun(recipe: recipe) }
        recipe.allowSymmetric = true
        recipe.biasInit = "constant:0.25"
        let run = try TrainingRun(recipe: recipe)
        let first = try #require(run.network.parameters.first)
        #expect(Set(first.value.elements) == [0.5])
        #expect(Set(run.network.parameters[1].value.elements) == [0.25])
        _ = try run.fit()
        let hidden = run.network.parameters[0].value
        for unit in 1..<hidden.rows { #expect(hidden.row(unit) == hidden.row(0), "symmetry is never broken") }
        recipe.biasInit = "normal:0.1"
        let drawn = try TrainingRun(recipe: recipe)
        #expect(Set(drawn.network.parameters[1].value.elements).count == 4)
        #expect(throws: NetworkError.self) { try BiasInitializer(parsing: "uniform") }
    }

    @Test func activationParametersAreReadEverywhere() throws {
        #expect(try HiddenActivation(parsing: "leaky-relu:slope=0.2") == .function(.leakyReLU(alpha: 0.2)))
        #expect(try HiddenActivation(parsing: "elu:alpha=0.5") == .function(.elu(alpha: 0.5)))
        #expect(try HiddenActivation(parsing: "maxout:pieces=3") == .maxout(pieces: 3))
        #expect(throws: NetworkError.self) { try HiddenActivation(parsing: "leaky-relu:slope=0.2,alpha=0.1") }
        let config = try RunConfiguration.parse(
            "activation: \"leaky-relu:slope=0.2\"\noutput-activation: sigmoid\nloss: mse\nbias-init: \"normal:0.1\"\nallow-symmetric: true\n",
            format: .yaml, file: "run.yaml")
        let recipe = try TrainingRecipe(configuration: config)
        #expect(recipe.activation.value == .function(.leakyReLU(alpha: 0.2)) && recipe.activation.text == "leaky-relu:slope=0.2")
        #expect(try recipe.outputFunction() == .sigmoid && recipe.biasInit?.value == .normal(standardDeviation: 0.1))
        #expect(recipe.allowSymmetric == true)
        #expect(throws: NetworkError.self) { try LossKind.softmaxCrossEntropy.makeLoss(regression: false, output: .sigmoid, scalar: Float.self) }
    }

    @Test func batchNormSettingsAndInputDropoutReachTheNetwork() throws {
        let config = try RunConfiguration.parse(
            "data: \"moons:n=100\"\nlayers: [2, 4, 2]\nbatch-norm: before\nbatch-norm-momentum: 0.8\nbatch-norm-epsilon: 0.001\ninput-dropout: 0.2\n",
            format: .yaml, file: "run.yaml")
        let run = try TrainingRun(recipe: TrainingRecipe(configuration: config))
        #expect(run.blueprint.batchNormMomentum == 0.8 && run.blueprint.batchNormEpsilon == 0.001)
        #expect(run.blueprint.inputDropProbability == 0.2)
        let norm = try #require(run.network.layers.compactMap { $0 as? BatchNormalization<Float> }.first)
        #expect(norm.epsilon == 0.001 && norm.momentum == 0.8)
        #expect(run.network.layers.first is Dropout<Float>)
    }

    @Test func earlyStoppingCanWatchTheDevAccuracy() throws {
        let config = try RunConfiguration.parse(
            "data: \"moons:n=200\"\nlayers: [2, 4, 2]\nepochs: 40\nearly-stopping: [2, 4]\nearly-stopping-monitor: dev-accuracy\n",
            format: .yaml, file: "run.yaml")
        let recipe = try TrainingRecipe(configuration: config)
        #expect(recipe.earlyStoppingMonitor == .devAccuracy)
        let run = try TrainingRun(recipe: recipe)
        #expect(run.earlyStopping?.monitor == .devAccuracy)
        let bad = try RunConfiguration.parse("early-stopping-monitor: dev-acc\n", format: .yaml, file: "run.yaml")
        #expect(throws: ConfigError.self) { try TrainingRecipe(configuration: bad) }
    }

    /// The search example of the Hyperparameter Search article.
    @Test func searchesCoverMomentumAndAdamsBetas() throws {
        let text = """
            data: moons
            layers: [2, 16, 2]
            epochs: 30
            search:
              lr: {log-uniform: [0.0001, 1.0]}
              momentum: {one-minus-log-uniform: [0.9, 0.999]}
              dropout: {uniform: [0.0, 0.5], grid-points: 3}
              batch-size: [16, 64]
              hidden-units: {int: [16, 256], log: true}
              hidden-layers: {int: [1, 3]}
              batch-norm-momentum: {uniform: [0.8, 0.99]}
              input-dropout: {uniform: [0.0, 0.2]}
            """
        let config = try RunConfiguration.parse(text, format: .yaml, file: "space.yaml")
        let space = try #require(try config.searchSpace())
        let trials = try RecipeTrials(base: config)
        try trials.validate(space)
        let recipe = try trials.recipe(for: space.configuration(at: Array(repeating: 0.5, count: space.dimension)), budget: 1, seed: 1)
        #expect(recipe.optimizer.value.name == .momentum && abs(recipe.optimizer.value.beta - (1 - 0.01)) < 1e-9, "√(0.1 · 0.001) = 0.01")
        let adam = try RunConfiguration.parse("optimizer: adam\n", format: .yaml, file: "base.yaml")
        let trial = TrialConfiguration(names: ["beta1", "beta2"], values: [.double(0.85), .double(0.995)], point: [0, 0])
        let adamRecipe = try TrainingRecipe(configuration: trial.applied(to: adam))
        #expect(adamRecipe.optimizer.value.beta1 == 0.85 && adamRecipe.optimizer.value.beta2 == 0.995)
    }

    @Test func classesAndLimitChooseAPartOfAnySource() throws {
        let config = try RunConfiguration.parse(
            "data: \"blobs:n=300,classes=3\"\nclasses: [2, 0]\nlimit: 50\nlayers: [2, 4, 2]\nepochs: 2\n", format: .yaml, file: "run.yaml")
        let recipe = try TrainingRecipe(configuration: config)
        #expect(recipe.subset == DataSubset(classes: ["2", "0"], limit: 50))
        let run = try TrainingRun(recipe: recipe)
        #expect(run.splits.train.count == 50 && run.splits.train.classNames == ["2", "0"])
        #expect(Set(run.splits.train.labels ?? []) == [0, 1] && run.splits.dev.map { $0.count > 30 } == true)
        let all = try TrainingRun.loadData(for: TrainingRecipe(configuration: RunConfiguration.parse(
            "data: \"blobs:n=300,classes=3\"\n", format: .yaml, file: "run.yaml")))
        let firstOfClassTwo = try #require(all.train.labels?.firstIndex(of: 2))
        #expect(run.splits.train.features.row(0) == all.train.features.row(min(firstOfClassTwo, all.train.labels!.firstIndex(of: 0)!)))
        var wrong = recipe
        wrong.subset = DataSubset(classes: ["7", "0"])
        #expect(throws: DataError.self) { try TrainingRun(recipe: wrong) }
    }

    @Test func theDataSpecificationIsStoredAsWritten() throws {
        let json = try JSONEncoder().encode(["data": "mnist"])
        // A recipe naming a bare `mnist` reads back whether or not the variable is set now.
        struct Holder: Decodable { var data: SettingText<DataSource> }
        let read = try JSONDecoder().decode(Holder.self, from: json)
        #expect(read.data.text == "mnist")
        if ProcessInfo.processInfo.environment[DataSource.mnistDirectoryVariable] != nil {
            let config = try RunConfiguration.parse("data: mnist\n", format: .yaml, file: "run.yaml")
            #expect(try TrainingRecipe(configuration: config).data.text == "mnist", "not the folder of BACKPROP_MNIST_DIR")
        }
        let written = try RunConfiguration.parse("data: \"csv:data/points.csv\"\n", format: .yaml, file: "run.yaml")
        #expect(try TrainingRecipe(configuration: written).data.text == "csv:data/points.csv")
    }

    @Test func vanillaDropoutScalesAtTestTime() throws {
        let vanilla = Dropout<Float>(width: 4, dropProbability: 0.25, random: RandomGenerator(seed: 1), style: .vanilla)
        let x = Matrix<Float>(rows: 2, columns: 4, elements: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try vanilla.forward(x, mode: .inference).elements == x.elements.map { $0 * 0.75 })
        let kept = try vanilla.forward(x, mode: .training).elements
        #expect(zip(kept, x.elements).allSatisfy { $0.0 == 0 || $0.0 == $0.1 }, "no 1/p in training")
        let config = try RunConfiguration.parse(
            "data: \"moons:n=100\"\nlayers: [2, 4, 2]\ndropout: 0.5\ndropout-style: vanilla\n", format: .yaml, file: "run.yaml")
        let run = try TrainingRun(recipe: TrainingRecipe(configuration: config))
        #expect(run.network.layers.compactMap { $0 as? Dropout<Float> }.map(\.style) == [.vanilla])
    }

    @Test func horizontalFlipMirrorsAboutHalfTheImages() throws {
        let options = try AugmentationOptions(parsing: "flip")
        #expect(options.horizontalFlip == true && !options.isIdentity && options.description == "horizontal flip")
        let augmenter = try Augmenter<Float>(featureCount: 9, options: options, random: RandomGenerator(seed: 4))
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9], mirrored: [Float] = [3, 2, 1, 6, 5, 4, 9, 8, 7]
        let batch = Matrix<Float>(rows: 200, columns: 9, elements: Array((0..<200).map { _ in image }.joined()))
        augmenter.augment(batch)
        let rows = (0..<200).map { batch.row($0) }
        #expect(rows.allSatisfy { $0 == image || $0 == mirrored })
        #expect((70...130).contains(rows.count { $0 == mirrored }))
        #expect(try AugmentationOptions(parsing: "shift").horizontalFlip == nil, "other runs store no new key")
    }
}
