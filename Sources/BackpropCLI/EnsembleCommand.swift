import ArgumentParser
import Backprop
import Foundation

/// `backprop ensemble`: train several members from different seeds (or combine saved model
/// folders) and average their probabilities.
///
/// Member and ensemble accuracies are measured on the raw data of the first member's recipe
/// through ``EnsembleModel/evaluate(_:)``, so `backprop evaluate` on the saved ensemble
/// reports the same test accuracy.
struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Train N members with different seeds (or combine saved models), average their probabilities and compare member and ensemble accuracy.",
        discussion: """
            All members train on the same split with the same preprocessing; member k uses seed + k − 1 for its weights, \
            dropout and shuffles. With --from, the given model folders are combined instead (no training): they must \
            share the classes and the number of features; each keeps its own preprocessing. Accuracies are measured on \
            the data of the first member's recipe.

            The saved folder (--out) holds ensemble.json and one model folder per member; backprop evaluate and \
            backprop predict accept it.

            Examples:
              backprop ensemble --members 5
              backprop ensemble --members 5 --config run.yaml --out ensemble/
              backprop ensemble --from runs/a,runs/b,runs/c --out ensemble/
            """)

    @Option(help: "The number of members to train.")
    var members: Int = 5

    @Option(help: ArgumentHelp("Combine these saved model folders instead of training (comma-separated, or repeat the option).", valueName: "dir,…"))
    var from: [String] = []

    @OptionGroup var recipeOptions: RecipeOptions

    @OptionGroup(title: "Execution") var execution: ExecutionOptions

    @Option(help: "Seed of the data split and of member 1 (member k uses seed + k − 1; default: \(TrainingRecipe.defaultSeed)).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("A new or empty folder to save the ensemble in: ensemble.json and one model folder member-k per member.", valueName: "dir"))
    var out: String?

    @Flag(help: "Allow --out to name an existing non-empty folder; its ensemble files are replaced.")
    var force = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    /// The folders given to `--from`, commas split.
    var memberFolders: [String] {
        from.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard members >= 1 else { throw ValidationError("--members must be at least 1, got \(members)") }
        if !from.isEmpty {
            guard !memberFolders.isEmpty else { throw ValidationError("--from needs at least one model folder") }
            let trainingFlags = try recipeOptions.trainCommand(seed: nil).flagValues
            if recipeOptions.config != nil || seed != nil || !trainingFlags.isEmpty {
                throw ValidationError("--from combines saved models without training; drop --config, --seed and the training flags")
            }
        }
    }

    func run() throws {
        let report = try train { print($0) }
        if json { print(try jsonText(report)) }
    }

    /// What `--json` prints.
    struct Report: Codable {
        struct Member: Codable {
            var seed: UInt64
            var folder: String?
            var devAccuracy: Double?
            var testAccuracy: Double?
        }
        var members: [Member]
        var meanMemberDevAccuracy: Double?
        var meanMemberTestAccuracy: Double?
        var ensembleDevAccuracy: Double?
        var ensembleTestAccuracy: Double?
        var saved: String?
    }

    /// Trains (or loads) the members, measures and saves, sending lines to `output`
    /// (nothing with `--json`).
    func train(output: @escaping (String) -> Void) throws -> Report {
        // Checked before training, so a long run is not lost to a refused folder.
        if let out { try OutputFolder.check(out, force: force) }
        return try reportingFailures {
            let say: (String) -> Void = json ? { _ in } : output
            let ensemble: EnsembleModel
            let data: DatasetSplits<Float>
            if memberFolders.isEmpty {
                let recipe = try recipeOptions.recipe(seed: seed)
                say("Training \(members) members on \(recipe.data), \(recipe.epochs) epochs each")
                data = try TrainingRun.loadData(for: recipe)
                let trained = try Ensemble.train(recipe: recipe, members: members, data: data,
                                                 prepare: execution.apply(to:)) { index, run in
                    say("member \(index + 1) (seed \(run.recipe.seed)) trained")
                }
                ensemble = try trained.model()
            } else {
                let models = try memberFolders.map { try Model.load(from: URL(fileURLWithPath: $0)) }
                for model in models { execution.apply(to: model.network) }
                do {
                    ensemble = try EnsembleModel(members: models)
                } catch let error as NetworkError {
                    throw CommandFailure(message: "cannot combine \(memberFolders.joined(separator: ", ")): \(error.description)")
                }
                say("Combining \(models.count) models; measuring on \(ensemble.recipe.data)")
                data = try TrainingRun.loadData(for: ensemble.recipe)
            }
            guard ensemble.classNames != nil, data.train.isClassification else {
                throw CommandFailure(message: "ensemble accuracy needs class labels; \(ensemble.recipe.data) has real-valued targets")
            }
            func accuracy(_ evaluation: ModelEvaluation) -> Double? { evaluation.classification?.accuracy }
            let devMembers = try data.dev.map { dev in try ensemble.members.map { accuracy(try $0.evaluate(dev)) ?? 0 } }
            let testMembers = try data.test.map { test in try ensemble.members.map { accuracy(try $0.evaluate(test)) ?? 0 } }
            var report = Report(
                members: ensemble.members.indices.map { index in
                    Report.Member(seed: ensemble.manifest.seeds[index], folder: memberFolders.isEmpty ? nil : memberFolders[index],
                                  devAccuracy: devMembers?[index], testAccuracy: testMembers?[index])
                },
                meanMemberDevAccuracy: devMembers.map { MeanAndSpread($0).mean },
                meanMemberTestAccuracy: testMembers.map { MeanAndSpread($0).mean },
                ensembleDevAccuracy: try data.dev.flatMap { accuracy(try ensemble.evaluate($0)) },
                ensembleTestAccuracy: try data.test.flatMap { accuracy(try ensemble.evaluate($0)) })
            var rows = [["", memberFolders.isEmpty ? "seed" : "folder", "dev accuracy", "test accuracy"]]
            for (index, member) in report.members.enumerated() {
                rows.append(["member \(index + 1)", member.folder ?? "\(member.seed)", fixed(member.devAccuracy), fixed(member.testAccuracy)])
            }
            rows.append(["mean of members", "", devMembers.map { MeanAndSpread($0).description } ?? "—", testMembers.map { MeanAndSpread($0).description } ?? "—"])
            rows.append(["ensemble", "", fixed(report.ensembleDevAccuracy), fixed(report.ensembleTestAccuracy)])
            tableLines(rows).forEach(say)
            if let out {
                try ensemble.save(to: URL(fileURLWithPath: out))
                report.saved = out
                say("Saved the ensemble to \(out) (ensemble.json and \(ensemble.members.count) model folders member-1 … member-\(ensemble.members.count))")
            }
            return report
        }
    }
}
