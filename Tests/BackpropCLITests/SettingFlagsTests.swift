import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

/// The flags that take settings list exactly their registry's names, and the config keys
/// are exactly the `train` flags.
@Suite("Setting flags and config keys")
struct SettingFlagsTests {
    /// The help of `command` on long lines, so every option's text is on one line.
    static func help(_ command: any ParsableCommand.Type) -> String {
        BackpropCommand.helpMessage(for: command, columns: 100_000)
    }

    /// The names after `one of:` on the help line of `flag`.
    static func listedNames(_ flag: String, in help: String) -> [String]? {
        let lines = help.split(separator: "\n")
        guard let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(flag) ") }) else { return nil }
        // A long option label puts its text on the next line.
        let line = lines[index...].prefix(2).joined(separator: " ")
        guard let range = line.range(of: "one of: ") else { return nil }
        let list = line[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "," || $0 == " " }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test("the help of every setting flag lists exactly the registry's names")
    func helpListsTheRegistries() throws {
        let train = Self.help(TrainCommand.self)
        let expected: [(String, [String])] = [
            ("--activation", HiddenActivation.names), ("--init", InitializerChoice.names), ("--loss", LossKind.names),
            ("--optimizer", OptimizerConfiguration.names), ("--schedule", ScheduleConfiguration.names),
            ("--data", DataSource.names), ("--scale", PixelScale.names),
        ]
        for (flag, names) in expected {
            #expect(Self.listedNames(flag, in: train) == names, "\(flag)")
        }
        let gradcheck = Self.help(GradcheckCommand.self)
        #expect(Self.listedNames("--activation", in: gradcheck) == HiddenActivation.names)
        #expect(Self.listedNames("--loss", in: gradcheck) == LossKind.names)
        #expect(Self.help(TrainCommand.self).contains("BACKPROP_MNIST_DIR"))
    }

    /// The long flags of `backprop train`.
    static func trainFlags() -> Set<String> {
        var flags: Set<String> = []
        for line in help(TrainCommand.self).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            let option = text.hasPrefix("-") && !text.hasPrefix("--") ? String(text.drop { $0 != " " }.dropFirst()) : text
            guard option.hasPrefix("--") else { continue }
            flags.insert(String(option.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
        }
        return flags
    }

    @Test("RunConfiguration.trainKeys are exactly the train flags that shape a recipe")
    func trainKeysAreTheTrainFlags() {
        /// Flags of `train` that are no recipe key: where to read settings and write results,
        /// how to print, the report's baseline (read from the file by its own option group),
        /// and how the run computes and measures without changing what it learns.
        let cliOnly: Set<String> = [
            "config", "out", "force", "resume", "checkpoint-every", "stop-after", "tensorboard", "baseline-error", "print-every", "json",
            "threads", "eval-train", "mirror", "offline", "distributed",
            "version", "help",
        ]
        #expect(cliOnly.isSubset(of: Self.trainFlags()), "\(cliOnly.subtracting(Self.trainFlags()).sorted()) are no train flags")
        // `--no-header` sets the key `header`.
        let flags = Self.trainFlags().subtracting(cliOnly).map { $0 == "no-header" ? "header" : $0 }
        #expect(Set(flags) == Set(RunConfiguration.trainKeys),
                "keys without a flag: \(Set(RunConfiguration.trainKeys).subtracting(flags).sorted()); flags without a key: \(Set(flags).subtracting(RunConfiguration.trainKeys).sorted())")
        #expect(RunConfiguration.trainKeys.count == Set(RunConfiguration.trainKeys).count)
        #expect(TrainingRecipe.keys == RunConfiguration.trainKeys)
    }

    @Test func aBareMNISTFlagIsTheCataloguedSetWithoutTheFolderVariable() throws {
        guard ProcessInfo.processInfo.environment[DataSource.mnistDirectoryVariable] == nil else { return }
        let command = try TrainCommand.parse(["--data", "mnist", "--offline", "--mirror", "http://127.0.0.1:9"])
        #expect(try command.dataOptions.source() == .catalogue("mnist"))
        #expect(command.dataOptions.fetch.options.offline)
        #expect(command.dataOptions.fetch.options.mirror == "http://127.0.0.1:9")
    }
}
