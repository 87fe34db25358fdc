import BackpropData
import Foundation

/// How ``DatasetFetcher`` reaches the network and where it keeps what it fetched.
public struct FetchOptions: Sendable, Equatable {
    /// The environment variable holding a mirror tried before the built-in ones.
    public static let mirrorVariable = "BACKPROP_MIRROR"
    /// The environment variable that, set to `1`, forbids downloading.
    public static let offlineVariable = "BACKPROP_OFFLINE"

    /// The cache the data sets are kept in.
    public var cache: DatasetCache
    /// A base URL tried before the built-in mirrors; a file is looked up there as
    /// `URL/NAME/FILE`.
    public var mirror: String?
    /// `true` to never touch the network: a set missing from the cache is an error.
    public var offline: Bool
    /// Seconds without a byte before a transfer fails and the next mirror is tried.
    public var timeout: Double
    /// Transfers per mirror: a broken connection is resumed (`Range`) up to this many
    /// times in all.
    public var attempts: Int

    /// Options with every field given.
    public init(cache: DatasetCache, mirror: String? = nil, offline: Bool = false, timeout: Double = 30, attempts: Int = 3) {
        self.cache = cache
        self.mirror = mirror.flatMap { $0.isEmpty ? nil : $0 }
        self.offline = offline
        self.timeout = timeout
        self.attempts = attempts
    }

    /// Options from `environment`: `BACKPROP_DATA`, `BACKPROP_MIRROR` and
    /// `BACKPROP_OFFLINE` (`1`, `true` or `yes`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let offline = ["1", "true", "yes"].contains(environment[Self.offlineVariable]?.lowercased() ?? "")
        self.init(cache: DatasetCache(environment: environment), mirror: environment[Self.mirrorVariable], offline: offline)
    }
}

/// What a fetch is doing, for a progress display.
public enum FetchEvent: Sendable {
    /// A download from `url` begins (or resumes after `resumingAt` bytes).
    case downloading(file: String, url: String, resumingAt: Int64)
    /// `received` of `total` bytes (when known) of `file` are in.
    case progress(file: String, received: Int64, total: Int64?)
    /// A transfer failed; the next attempt or mirror follows.
    case failed(DatasetFetchError.Reason)
    /// `file` was verified and saved.
    case verified(file: String)
    /// The data set is complete in the cache: print its licence and citation.
    case completed(CatalogueDataset, folder: String)
}

/// Fetches catalogued data sets into the cache: each file from the mirrors in order
/// (`--mirror` first), to a temporary `FILE.part` resumed with HTTP `Range` after a broken
/// connection, checked against its published SHA-256 (a mismatch deletes it), renamed when
/// verified; then archives are unpacked and tables converted, and the folder is marked
/// complete. A lock file in the set's folder makes a second process wait for the first.
///
/// ```swift
/// let fetcher = DatasetFetcher(options: FetchOptions())
/// let folder = try fetcher.fetch(DatasetCatalogue.fashionMNIST)
/// ```
public struct DatasetFetcher: Sendable {
    /// The options.
    public var options: FetchOptions
    /// Receives the events of a fetch (nothing by default).
    public var report: @Sendable (FetchEvent) -> Void

    /// A fetcher with the given options, reporting to `report`.
    public init(options: FetchOptions, report: @escaping @Sendable (FetchEvent) -> Void = { _ in }) {
        self.options = options
        self.report = report
    }

    /// The source itself for every source but a catalogued one, which is fetched when the
    /// cache lacks it.
    ///
    /// - Throws: as ``fetch(_:)``.
    public func prepare(_ source: DataSource) throws {
        if let dataset = source.catalogueDataset { _ = try fetch(dataset) }
    }

    /// The URLs `file` of `dataset` is tried at, in order.
    public func urls(of file: RemoteFile, in dataset: CatalogueDataset) -> [String] {
        let bases = (options.mirror.map { [Self.trimmed($0) + "/" + dataset.name] } ?? []) + dataset.mirrors
        return bases.map { Self.trimmed($0) + "/" + file.name }
    }

    /// Makes `dataset` complete in the cache and returns its folder; does nothing but
    /// return it when it already is.
    ///
    /// - Throws: ``DatasetFetchError`` when offline and not cached, when every mirror fails
    ///   for a file (each failure listed: HTTP status, time-out, broken connection, SHA-256
    ///   mismatch), or when the cache cannot be written; `DataError` for a damaged archive
    ///   or table.
    @discardableResult
    public func fetch(_ dataset: CatalogueDataset) throws -> String {
        let cache = options.cache
        let folder = cache.folder(for: dataset)
        if cache.isComplete(dataset) { return folder }
        if options.offline { throw DatasetFetchError(dataset: dataset.name, reason: .offline(cache: folder)) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetFetchError(dataset: dataset.name, reason: .cache("cannot create \(folder): \(error.localizedDescription)"))
        }
        let lock = try FileLock(path: folder + "/.lock")
        defer { lock.unlock() }
        if cache.isComplete(dataset) { return folder }  // another process finished it meanwhile

        for file in dataset.files {
            let target = folder + "/" + file.name
            if FileManager.default.fileExists(atPath: target) {
                if let digest = try? SHA256.hexDigest(ofFile: target), file.sha256.contains(digest) { continue }
                try? FileManager.default.removeItem(atPath: target)
            }
            do {
                try download(file, of: dataset, to: target)
            } catch let error as DatasetFetchError {
                throw DatasetFetchError(dataset: dataset.name, reason: error.reason)
            }
            report(.verified(file: file.name))
        }
        try prepareFiles(of: dataset, in: folder)
        let marker = "\(dataset.name) fetched \(ISO8601DateFormatter().string(from: Date()))\n"
        guard FileManager.default.createFile(atPath: folder + "/" + DatasetCache.completeMarker, contents: Data(marker.utf8)) else {
            throw DatasetFetchError(dataset: dataset.name, reason: .cache("cannot write \(folder)/\(DatasetCache.completeMarker)"))
        }
        report(.completed(dataset, folder: folder))
        return folder
    }

    private func download(_ file: RemoteFile, of dataset: CatalogueDataset, to target: String) throws {
        let partial = target + ".part"
        var failures: [DatasetFetchError.Reason] = []
        for address in urls(of: file, in: dataset) {
            guard let url = URL(string: address), url.scheme == "http" || url.scheme == "https" else {
                failures.append(.invalidURL(address))
                continue
            }
            var attempt = 0
            while attempt < max(options.attempts, 1) {
                attempt += 1
                let before = Self.size(of: partial)
                report(.downloading(file: file.name, url: address, resumingAt: before))
                do {
                    try HTTPDownload.run(url: url, to: partial, timeout: options.timeout) { received, total in
                        report(.progress(file: file.name, received: received, total: total ?? file.size.map(Int64.init)))
                    }
                } catch let error as DatasetFetchError {
                    let error = error.reason
                    report(.failed(error))
                    failures.append(error)
                    // A broken connection that brought bytes is resumed; anything else
                    // (HTTP status, time-out, nothing received) moves to the next mirror.
                    if case .transfer = error, Self.size(of: partial) > before { continue }
                    break
                }
                let digest = try SHA256.hexDigest(ofFile: partial)
                guard file.sha256.contains(digest) else {
                    try? FileManager.default.removeItem(atPath: partial)
                    let mismatch = DatasetFetchError.Reason.checksumMismatch(file: file.name, url: address, expected: file.sha256, actual: digest)
                    report(.failed(mismatch))
                    failures.append(mismatch)
                    break
                }
                do {
                    try? FileManager.default.removeItem(atPath: target)
                    try FileManager.default.moveItem(atPath: partial, toPath: target)
                } catch {
                    throw DatasetFetchError(dataset: nil, reason: .cache("cannot rename \(partial): \(error.localizedDescription)"))
                }
                return
            }
        }
        throw DatasetFetchError(dataset: nil, reason: .allMirrorsFailed(file: file.name, failures: failures))
    }

    private func prepareFiles(of dataset: CatalogueDataset, in folder: String) throws {
        switch dataset.preparation {
        case .none:
            return
        case let .extract(archive, members):
            try Archive.extract(folder + "/" + archive, members: members, into: folder)
        case let .table(layout):
            let source = folder + "/" + layout.source
            let text = String(decoding: try DataFile.bytes(at: source), as: UTF8.self)
            let csv = try layout.csv(from: text, file: source)
            let target = folder + "/" + dataset.name + ".csv"
            guard FileManager.default.createFile(atPath: target + ".part", contents: Data(csv.utf8)) else {
                throw DatasetFetchError(dataset: dataset.name, reason: .cache("cannot write \(target).part"))
            }
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: target + ".part", toPath: target)
        }
    }

    private static func trimmed(_ url: String) -> String {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    private static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}
