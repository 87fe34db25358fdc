import ArgumentParser
import Backprop
import Foundation

/// `--out` and `--baseline-error` of `backprop train`: where the run's files go and what
/// the bias/variance verdict compares with.
struct RunOutputOptions: ParsableArguments {
    /// Config-file keys these options also read.
    static let configurationKeys = ["baseline-error"]

    @Option(help: ArgumentHelp("Folder receiving history.csv, monitor.json and report.html (default: a new runs/<yyyyMMdd-HHmmss>).", valueName: "dir"))
    var out: String?

    @Option(name: .customLong("baseline-error"), help: ArgumentHelp(
        "The human or Bayes error (0 to 1, or a cost for regression) the bias/variance verdict compares the training error with (default 0; config key baseline-error).",
        valueName: "e"))
    var baselineError: Double?

    func validate() throws {
        if let baselineError, !(baselineError >= 0 && baselineError.isFinite) {
            throw ValidationError("--baseline-error must be a non-negative number, got \(baselineError)")
        }
    }
}

extension TrainCommand {
    /// The run folder: `--out DIR`, or a new `runs/<yyyyMMdd-HHmmss>` (with `-2`, `-3`, …
    /// appended when that exists already). Created when missing.
    func runDirectory() throws -> URL {
        let manager = FileManager.default
        var directory: URL
        if let out = runOutput.out {
            directory = URL(fileURLWithPath: out, isDirectory: true)
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            let stem = "runs/" + formatter.string(from: Date())
            directory = URL(fileURLWithPath: stem, isDirectory: true)
            var suffix = 2
            while manager.fileExists(atPath: directory.path) {
                directory = URL(fileURLWithPath: "\(stem)-\(suffix)", isDirectory: true)
                suffix += 1
            }
        }
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(message: "Cannot create the run folder \(directory.path): \(error.localizedDescription)")
        }
        return directory
    }

    /// The baseline error: `--baseline-error`, else the config file's `baseline-error`, else 0.
    func baselineError() throws -> Double {
        if let value = runOutput.baselineError { return value }
        guard let config else { return 0 }
        return try RunConfiguration.load(path: config).double("baseline-error", in: 0...1e12) ?? 0
    }
}
