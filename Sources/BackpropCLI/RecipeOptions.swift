import ArgumentParser
import Backprop
import Foundation

// MARK: - Training settings for the model-selection commands

/// `--config` and the `train` flags (without `--seed`, which each command declares itself),
/// read exactly as `backprop train` reads them: the flags become config values through
/// ``TrainCommand/flagValues`` and override the file.
struct RecipeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A YAML or TOML file of settings named like the train flags (flags given here win).", valueName: "file"))
    var config: String?

    @OptionGroup(title: "Data") var dataOptions: DataOptions
    @OptionGroup(title: "Network") var networkOptions: ArchitectureOptions
    @OptionGroup(title: "Optimisation") var optimizationOptions: OptimizationOptions
    @OptionGroup(title: "Regularisation") var regularizationOptions: RegularizationOptions

    /// The `train` command these options describe, with `seed` as its `--seed`.
    func trainCommand(seed: UInt64?) throws -> TrainCommand {
        var command = try TrainCommand.parse([])
        command.config = config
        command.dataOptions = dataOptions
        command.networkOptions = networkOptions
        command.optimizationOptions = optimizationOptions
        command.regularizationOptions = regularizationOptions
        command.seed = seed
        return command
    }

    /// The configuration file (kept with its `search:` block) overridden by the flags.
    func configuration(seed: UInt64? = nil) throws -> RunConfiguration {
        let file = try config.map { try RunConfiguration.load(path: $0) } ?? RunConfiguration(entries: [])
        return file.overriding(with: try trainCommand(seed: seed).flagValues)
    }

    /// The recipe: defaults, then the config file, then the flags, then `seed` when given.
    func recipe(seed: UInt64?) throws -> TrainingRecipe {
        try trainCommand(seed: seed).recipe()
    }
}

// MARK: - Formatting

/// `%.4f` of a value, `—` for `nil`.
func fixed(_ value: Double?, _ digits: Int = 4) -> String {
    guard let value else { return "—" }
    return String(format: "%.\(digits)f", value)
}

/// Left-aligned columns separated by two spaces.
func tableLines(_ rows: [[String]]) -> [String] {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
}

/// Writes `text` to `path` atomically.
func writeText(_ text: String, to path: String) throws {
    try AtomicFile.write(text, to: URL(fileURLWithPath: path))
}
