import BackpropCore
import Foundation

/// The folder where fetched data sets are kept: `$BACKPROP_DATA` when set, else the
/// user's cache folder (`~/Library/Caches/backprop` on macOS, `$XDG_CACHE_HOME/backprop`
/// or `~/.cache/backprop` elsewhere). Each data set has its own sub-folder, named after it.
///
/// A data set is complete when its folder holds the marker file ``completeMarker``, written
/// only after every download was verified and prepared.
public struct DatasetCache: Sendable, Equatable {
    /// The environment variable naming the cache folder.
    public static let variable = "BACKPROP_DATA"
    /// The file that marks a data set's folder complete.
    public static let completeMarker = ".complete"

    /// The cache folder.
    public var root: String

    /// A cache in `root`.
    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// The cache named by `environment` (`BACKPROP_DATA`, else the platform's user cache).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let folder = environment[Self.variable], !folder.isEmpty {
            self.init(root: folder)
            return
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        #if os(macOS)
        self.init(root: home + "/Library/Caches/backprop")
        #else
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            self.init(root: xdg + "/backprop")
        } else {
            self.init(root: home + "/.cache/backprop")
        }
        #endif
    }

    /// The folder of `dataset`.
    public func folder(for dataset: CatalogueDataset) -> String { root + "/" + dataset.name }

    /// `true` when `dataset` was fetched and prepared completely.
    public func isComplete(_ dataset: CatalogueDataset) -> Bool {
        FileManager.default.fileExists(atPath: folder(for: dataset) + "/" + Self.completeMarker)
    }

    /// The bytes the folder of `dataset` takes (0 when absent).
    public func size(of dataset: CatalogueDataset) -> Int {
        let folder = folder(for: dataset)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        return names.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? NSNumber)?.intValue ?? 0
            return total + size
        }
    }

    /// The training set and, when the data set ships one, its test set, read from the
    /// cache with raw values (pixels 0…255).
    ///
    /// - Throws: ``DataError`` when the data set was not fetched (naming
    ///   `backprop data fetch NAME`) or a file is damaged.
    public func load<Scalar: NetworkScalar>(_ dataset: CatalogueDataset, as _: Scalar.Type = Scalar.self) throws -> (train: Dataset<Scalar>, test: Dataset<Scalar>?) {
        let folder = folder(for: dataset)
        guard isComplete(dataset) else {
            throw DataError(file: folder, reason: .unreadable("\(dataset.name) is not in the cache yet: run `backprop data fetch \(dataset.name)`, or let `--data \(dataset.name)` fetch it"))
        }
        return try Self.read(dataset, in: folder, as: Scalar.self)
    }

    /// The training set and, when the data set ships one, its test set, read with raw values
    /// from `folder`, which holds the data set's files as the cache keeps them (MNIST-format
    /// sets: the four IDX files, gzip or not; CIFAR-10: the binary batch files).
    ///
    /// - Throws: ``DataError`` naming the file that is missing or damaged.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func read<Scalar: NetworkScalar>(_ dataset: CatalogueDataset, in folder: String, as _: Scalar.Type = Scalar.self) throws -> (train: Dataset<Scalar>, test: Dataset<Scalar>?) {
        switch dataset.format {
        case .idx:
            let (train, test) = try MNISTLoader.load(directory: folder, as: Scalar.self)
            return (train, test)
        case .cifar10:
            let (train, test) = try CIFARLoader.load(directory: folder, as: Scalar.self)
            return (train, test)
        case .csv:
            var options = CSVOptions()
            options.classCount = dataset.classCount
            return (try CSVLoader.load(path: folder + "/" + dataset.name + ".csv", options: options, as: Scalar.self), nil)
        }
    }
}
