import ArgumentParser
import Backprop
import Foundation

/// `backprop ensemble`: train several members from different seeds and average their
/// probabilities.
struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Train N members with different seeds, average their probabilities and compare member and ensemble accuracy.",
        discussion: """
            All members train on the same split with the same preprocessing; member k uses seed + k for its weights, \
            dropout and shuffles.

            Examples:
              backprop ensemble --members 5
              backprop ensemble --members 5 --config run.yaml --out ensemble/
            """)

    @Option(help: "The number of members.")
    var members: Int = 5

    @OptionGroup var recipeOptions: RecipeOptions

    @Option(help: "Seed of the data split and of member 1 (member k uses seed + k − 1; default: 1).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("A folder to save the ensemble in: ensemble.json and one member-k folder per member.", valueName: "dir"))
    var out: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard members >= 1 else { throw ValidationError("--members must be at least 1, got \(members)") }
    }

    func run() throws {
        let report = try train { print($0) }
        if json { print(try jsonText(report)) }
    }

    /// What `--json` prints.
    struct Report: Codable {
        struct Member: Codable {
            var seed: UInt64
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

    /// Trains and measures, sending lines to `output` (nothing with `--json`).
    func train(output: @escaping (String) -> Void) throws -> Report {
        try reportingFailures {
            let recipe = try recipeOptions.recipe(seed: seed)
            let say: (String) -> Void = json ? { _ in } : output
            say("Training \(members) members on \(recipe.data), \(recipe.epochs) epochs each")
            let ensemble = try Ensemble.train(recipe: recipe, members: members) { index, run in
                say("member \(index + 1) (seed \(run.recipe.seed)) trained")
            }
            guard ensemble.splits.train.isClassification else {
                throw CommandFailure(message: "ensemble accuracy needs class labels; \(recipe.data) has real-valued targets")
            }
            let dev = ensemble.splits.dev, test = ensemble.splits.test
            let devMembers = try dev.map { try ensemble.memberAccuracies(on: $0) }
            let testMembers = try test.map { try ensemble.memberAccuracies(on: $0) }
            var report = Report(
                members: ensemble.members.indices.map { index in
                    Report.Member(seed: ensemble.members[index].recipe.seed, devAccuracy: devMembers?[index], testAccuracy: testMembers?[index])
                },
                meanMemberDevAccuracy: devMembers.map { MeanAndSpread($0).mean },
                meanMemberTestAccuracy: testMembers.map { MeanAndSpread($0).mean },
                ensembleDevAccuracy: try dev.map { try ensemble.accuracy(on: $0) },
                ensembleTestAccuracy: try test.map { try ensemble.accuracy(on: $0) })
            var rows = [["", "seed", "dev accuracy", "test accuracy"]]
            for (index, member) in report.members.enumerated() {
                rows.append(["member \(index + 1)", "\(member.seed)", fixed(member.devAccuracy), fixed(member.testAccuracy)])
            }
            rows.append(["mean of members", "", devMembers.map { MeanAndSpread($0).description } ?? "—", testMembers.map { MeanAndSpread($0).description } ?? "—"])
            rows.append(["ensemble", "", fixed(report.ensembleDevAccuracy), fixed(report.ensembleTestAccuracy)])
            tableLines(rows).forEach(say)
            if let out {
                try ensemble.save(to: URL(fileURLWithPath: out))
                report.saved = out
                say("Saved the ensemble to \(out) (ensemble.json and \(members) member folders)")
            }
            return report
        }
    }
}
