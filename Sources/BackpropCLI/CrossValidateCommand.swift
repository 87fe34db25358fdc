import ArgumentParser
import Backprop
import Foundation

/// `backprop cv`: K-fold cross-validation of any training configuration.
struct CrossValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "K-fold cross-validation: per-fold and mean ± std train and validation cost and accuracy, with a bias/variance verdict.",
        discussion: """
            The folds divide the training and dev parts of the data together (a test part stays untouched). Each fold trains a \
            fresh network on the other folds, with preprocessing fitted on them alone, and validates on the held-out fold.

            Examples:
              backprop cv --folds 5
              backprop cv --folds 10 --stratified --config run.yaml --baseline-error 0.05
            """)

    @Option(help: "The number of folds K (2 ≤ K ≤ examples; K = examples is leave-one-out).")
    var folds: Int = 5

    @Flag(help: "Keep each class's share in every fold.")
    var stratified = false

    @OptionGroup var recipeOptions: RecipeOptions

    @Option(help: "Seed of every random choice (data, folds, initialisation, shuffles; default: \(TrainingRecipe.defaultSeed)).")
    var seed: UInt64?

    @OptionGroup(title: "Verdict") var baseline: BaselineOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2, got \(folds)") }
    }

    func run() throws {
        let report = try crossValidate { print($0) }
        if json { print(try jsonText(report)) }
    }

    /// What `--json` prints.
    struct Report: Codable {
        var folds: [CrossValidation.FoldResult]
        var trainCost: MeanAndSpread
        var validationCost: MeanAndSpread
        var trainAccuracy: MeanAndSpread?
        var validationAccuracy: MeanAndSpread?
        var verdict: BiasVarianceDiagnosis?
    }

    /// Runs the folds, sending the table lines to `output` (nothing with `--json`).
    func crossValidate(output: @escaping (String) -> Void) throws -> Report {
        try reportingFailures {
            let recipe = try recipeOptions.recipe(seed: seed)
            let say: (String) -> Void = json ? { _ in } : output
            say("\(folds)-fold\(stratified ? " stratified" : "") cross-validation of \(recipe.data), \(recipe.epochs) epochs per fold")
            say(Self.header.joined(separator: "  "))
            let summary = try CrossValidation.run(recipe: recipe, folds: folds, stratified: stratified) { fold in
                say(Self.row(fold))
            }
            say("mean ± std:")
            say("  train cost      \(summary.trainCost)")
            say("  validation cost \(summary.validationCost)")
            if let train = summary.trainAccuracy, let validation = summary.validationAccuracy {
                say("  train accuracy      \(train)")
                say("  validation accuracy \(validation)")
            }
            var verdict: BiasVarianceDiagnosis?
            if let train = summary.trainAccuracy, let validation = summary.validationAccuracy {
                var diagnosis = BiasVarianceDiagnosis(trainError: 1 - train.mean, devError: 1 - validation.mean, baselineError: baseline.baselineError)
                diagnosis.heldOutName = "validation"
                verdict = diagnosis
                say("Mean train error \(fixed((1 - train.mean) * 100, 1))%, validation error \(fixed((1 - validation.mean) * 100, 1))%, baseline \(fixed(baseline.baselineError * 100, 1))%.")
                say("Verdict: " + diagnosis.summary)
            } else {
                say("No verdict: the targets are not class labels.")
            }
            return Report(folds: summary.folds, trainCost: summary.trainCost, validationCost: summary.validationCost,
                          trainAccuracy: summary.trainAccuracy, validationAccuracy: summary.validationAccuracy, verdict: verdict)
        }
    }

    static let header = ["fold", "train", "valid", "train cost", "train acc", "valid cost", "valid acc", "epochs"]

    static func cells(_ fold: CrossValidation.FoldResult) -> [String] {
        ["\(fold.fold)", "\(fold.trainCount)", "\(fold.validationCount)", fixed(fold.train.cost), fixed(fold.train.accuracy),
         fixed(fold.validation.cost), fixed(fold.validation.accuracy), "\(fold.epochs)"]
    }

    /// One fold as a line aligned under the header.
    static func row(_ fold: CrossValidation.FoldResult) -> String {
        zip(cells(fold), header).map { cell, title in cell.padding(toLength: max(title.count, cell.count), withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
}
