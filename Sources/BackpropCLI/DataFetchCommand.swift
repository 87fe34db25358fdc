import ArgumentParser
import Backprop
import Foundation

/// The options that say where catalogued data sets come from: shared by `data fetch` and
/// every command with `--data`.
struct FetchFlags: ParsableArguments {
    @Option(help: ArgumentHelp("A base URL tried before the built-in mirrors; files are looked up as URL/NAME/FILE (default: $\(FetchOptions.mirrorVariable)).", valueName: "url"))
    var mirror: String?

    @Flag(help: "Never download: a data set missing from the cache ($\(DatasetCache.variable)) is an error.")
    var offline = false

    /// The fetch options: the flags over the environment.
    var options: FetchOptions {
        var options = FetchOptions()
        if let mirror { options.mirror = mirror }
        if offline { options.offline = true }
        return options
    }

    /// Fetches `source` when it is a catalogued set missing from the cache, drawing a
    /// progress bar on a terminal and printing the licence and citation once, on standard error.
    func prepare(_ source: DataSource) throws {
        guard source.catalogueDataset != nil else { return }
        try DatasetFetcher(options: options, report: DownloadReport.standardError()).prepare(source)
    }
}

/// Turns fetch events into lines and a progress bar on standard error.
final class DownloadReport: @unchecked Sendable {
    private let write: (String) -> Void
    private let terminal: Bool
    private let lock = NSLock()
    private let clock = ContinuousClock()
    private var started = ContinuousClock.now
    private var startBytes: Int64 = 0
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(terminal: Bool, write: @escaping (String) -> Void) {
        self.terminal = terminal
        self.write = write
    }

    /// A report to standard error, with a bar when it is a terminal.
    static func standardError() -> @Sendable (FetchEvent) -> Void {
        let report = DownloadReport(terminal: ProgressBar.isTerminal, write: ProgressBar.standardError)
        return { report.handle($0) }
    }

    func handle(_ event: FetchEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .downloading(file, url, offset):
            started = clock.now
            startBytes = offset
            lastDraw = nil
            line(offset > 0 ? "resuming \(file) at \(Self.bytes(offset)) from \(url)" : "downloading \(file) from \(url)")
        case let .progress(file, received, total):
            guard terminal else { return }
            let now = clock.now
            if let lastDraw, now - lastDraw < .milliseconds(100), received != total { return }
            lastDraw = now
            let elapsed = Double((now - started).components.attoseconds) / 1e18 + Double((now - started).components.seconds)
            write("\r" + Self.bar(file: file, received: received, total: total, rate: elapsed > 0 ? Double(received - startBytes) / elapsed : 0) + "\u{1B}[K")
            drawn = true
        case let .failed(reason):
            line("  \(reason)")
        case let .verified(file):
            line("verified \(file) (SHA-256)")
        case let .completed(dataset, folder):
            line("\(dataset.name) is in \(folder)\n  licence: \(dataset.licence)\n  cite: \(dataset.citation)")
        }
    }

    private func line(_ text: String) {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
        write(text + "\n")
    }

    /// `FILE [#####.....]  48%  4.7 MB / 9.9 MB  2.1 MB/s  ETA 0:03`.
    static func bar(file: String, received: Int64, total: Int64?, rate: Double, width: Int = 24) -> String {
        var text = file + " "
        if let total, total > 0 {
            let fraction = min(1, Double(received) / Double(total))
            let filled = Int(fraction * Double(width))
            text += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            text += String(format: "%3.0f%%  ", fraction * 100) + "\(bytes(received)) / \(bytes(total))"
            if rate > 0 {
                let remaining = Int((Double(total - received) / rate).rounded())
                text += "  \(bytes(Int64(rate)))/s  ETA \(remaining / 60):" + String(format: "%02d", remaining % 60)
            }
        } else {
            text += bytes(received) + (rate > 0 ? "  \(bytes(Int64(rate)))/s" : "")
        }
        return text
    }

    /// `512 B`, `4.7 kB`, `9.9 MB`, `1.2 GB` (powers of 1000).
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// `backprop data fetch NAME…`: download, verify and cache catalogued data sets.
struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download, verify (SHA-256) and cache catalogued data sets.",
        discussion: "The cache is $\(DatasetCache.variable), else ~/.cache/backprop (Linux) or ~/Library/Caches/backprop (macOS). `backprop data list` shows the names.")

    @Argument(help: ArgumentHelp("The data sets: \(DatasetCatalogue.names.joined(separator: ", ")).", valueName: "name"))
    var names: [String]

    @OptionGroup var fetch: FetchFlags

    @Option(help: ArgumentHelp("Seconds without data before a mirror is given up.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name at least one data set: \(DatasetCatalogue.names.joined(separator: ", "))") }
        for name in names where DatasetCatalogue.named(name) == nil {
            var message = "no data set \"\(name)\" in the catalogue; choose from \(DatasetCatalogue.names.joined(separator: ", "))"
            if let suggestion = KeySuggestion.closest(to: name.lowercased(), in: DatasetCatalogue.names) { message += " (did you mean '\(suggestion)'?)" }
            throw ValidationError(message)
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
    }

    func run() throws {
        var options = fetch.options
        options.timeout = timeout
        let fetcher = DatasetFetcher(options: options, report: DownloadReport.standardError())
        for name in names {
            let dataset = DatasetCatalogue.named(name)!
            let wasCached = options.cache.isComplete(dataset)
            let folder = try fetcher.fetch(dataset)
            if wasCached { print("\(dataset.name) is already in \(folder)") }
        }
    }
}

/// `backprop data list`: the catalogue, with what is cached, its size and where.
struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the catalogued data sets: size, classes, licence, citation, and what the cache holds.")

    @Flag(help: "Also print each set's citation and mirrors.")
    var verbose = false

    func run() throws {
        print(report(cache: DatasetCache()))
    }

    /// The table, for the cache `cache`.
    func report(cache: DatasetCache) -> String {
        var lines = ["cache: \(cache.root) ($\(DatasetCache.variable))", ""]
        let header = ["name", "examples", "features", "classes", "download", "cached", "licence"]
        var rows: [[String]] = []
        for dataset in DatasetCatalogue.all {
            let examples = dataset.testCount > 0 ? "\(dataset.trainCount)+\(dataset.testCount)" : "\(dataset.trainCount)"
            let cached = cache.isComplete(dataset) ? "yes, " + DownloadReport.bytes(Int64(cache.size(of: dataset))) : "no"
            rows.append([dataset.name, examples, "\(dataset.featureCount)", "\(dataset.classCount)",
                         dataset.downloadSize.map { DownloadReport.bytes(Int64($0)) } ?? "?", cached, dataset.licence])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            lines.append(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
        if verbose {
            for dataset in DatasetCatalogue.all {
                lines += ["", "\(dataset.name): \(dataset.title)", "  cite: \(dataset.citation)", "  home: \(dataset.homepage)",
                          "  mirrors: \(dataset.mirrors.joined(separator: ", "))"]
            }
        }
        return lines.joined(separator: "\n")
    }
}
