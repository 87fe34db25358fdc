import BackpropCore
import Foundation

/// Where examples come from, as written after `--data`:
///
/// | specification | meaning |
/// | --- | --- |
/// | `moons[:n=300,noise=0.2,seed=S]` | ``BackpropCore/Dataset/twoMoons(count:noise:seed:)`` |
/// | `circles[:n=300,noise=0.1,factor=0.5,seed=S]` | ``BackpropCore/Dataset/circles(count:noise:factor:seed:)`` |
/// | `spiral[:n=300,noise=0.2,classes=3,seed=S]` | ``BackpropCore/Dataset/spiral(count:classes:noise:seed:)`` |
/// | `blobs[:n=300,noise=1,classes=3,dimensions=2,seed=S]` | ``BackpropCore/Dataset/blobs(count:classes:dimensions:noise:seed:)`` |
/// | `xor[:n=300,noise=0.1,seed=S]` | ``BackpropCore/Dataset/xor(count:noise:seed:)`` |
/// | `mnist:DIR` | the four MNIST IDX files in `DIR` (gzip or raw) |
/// | `mnist` | the same, in the folder named by the environment variable `BACKPROP_MNIST_DIR`; without it, the catalogued `mnist` |
/// | `fashion-mnist`, `cifar-10`, `iris`, … | a data set of ``DatasetCatalogue``, read from the ``DatasetCache`` (fetched there first by the commands and `TrainingRun`) |
/// | `fashion-mnist:DIR`, `cifar-10:DIR`, `kmnist:DIR`, `emnist-digits:DIR` | the same data set's files, laid out as in the cache, read from `DIR` (never fetched) |
/// | `csv:FILE` | a delimited text file (``CSVLoader``) |
/// | `npy:FEATURES.npy,TARGETS.npy` | two NumPy arrays (``NumPyLoader``) |
///
/// Synthetic sets without `seed=` use the seed given to ``load(options:as:)``. A bare `mnist`
/// takes its folder from `BACKPROP_MNIST_DIR` when the source is parsed; without it, it
/// names the catalogued MNIST in the cache.
///
/// ```swift
/// let source = try DataSource(parsing: "spiral:n=600,classes=4")
/// let splits: DatasetSplits<Float> = try source.load(options: DataLoadingOptions(seed: 1))
/// ```
public enum DataSource: Equatable, Sendable, Setting {
    /// A generated set.
    case synthetic(SyntheticKind, SyntheticParameters)
    /// MNIST (or Fashion-MNIST) IDX files in a folder.
    case mnist(directory: String)
    /// A CSV file.
    case csv(path: String)
    /// A features array and a targets array.
    case npy(features: String, targets: String)
    /// A data set of ``DatasetCatalogue`` by name, read from the ``DatasetCache``.
    case catalogue(String)
    /// A data set of ``DatasetCatalogue`` by name, its files read from a folder of the user's.
    case catalogueFolder(String, directory: String)

    /// The generated sets.
    public enum SyntheticKind: String, CaseIterable, Sendable {
        /// ``BackpropCore/Dataset/twoMoons(count:noise:seed:)``.
        case moons
        /// ``BackpropCore/Dataset/circles(count:noise:factor:seed:)``.
        case circles
        /// ``BackpropCore/Dataset/spiral(count:classes:noise:seed:)``.
        case spiral
        /// ``BackpropCore/Dataset/blobs(count:classes:dimensions:noise:seed:)``.
        case blobs
        /// ``BackpropCore/Dataset/xor(count:noise:seed:)``.
        case xor

        /// The one-line help of this kind.
        public var help: String {
            let shape = switch self {
            case .moons: "two interleaved half-moons"
            case .circles: "two concentric circles"
            case .spiral: "interleaved spiral arms"
            case .blobs: "Gaussian blobs"
            case .xor: "the four XOR quadrants"
            }
            return "\(shape); options \(keys.joined(separator: ", "))"
        }

        /// The `key=value` keys this kind accepts.
        public var keys: [String] {
            switch self {
            case .moons, .xor: return ["n", "noise", "seed"]
            case .circles: return ["n", "noise", "factor", "seed"]
            case .spiral: return ["n", "noise", "classes", "seed"]
            case .blobs: return ["n", "noise", "classes", "dimensions", "seed"]
            }
        }
    }

    /// The settings of a generated set; `nil` means the generator's default.
    public struct SyntheticParameters: Equatable, Sendable {
        /// Examples (`n=`).
        public var count: Int?
        /// Noise level (`noise=`).
        public var noise: Double?
        /// Classes (`classes=`, spiral and blobs).
        public var classes: Int?
        /// Feature count (`dimensions=`, blobs).
        public var dimensions: Int?
        /// Inner radius (`factor=`, circles).
        public var factor: Double?
        /// Seed (`seed=`).
        public var seed: UInt64?

        /// Parameters with the given values.
        public init(count: Int? = nil, noise: Double? = nil, classes: Int? = nil, dimensions: Int? = nil, factor: Double? = nil, seed: UInt64? = nil) {
            self.count = count
            self.noise = noise
            self.classes = classes
            self.dimensions = dimensions
            self.factor = factor
            self.seed = seed
        }
    }

    // MARK: - Registry

    public static let family = "data source"

    /// The environment variable naming the MNIST folder of a bare `mnist`.
    public static let mnistDirectoryVariable = "BACKPROP_MNIST_DIR"

    /// The kinds in the order help texts list them, with their help.
    public static var registry: [SettingName] {
        SyntheticKind.allCases.map { SettingName($0.rawValue, $0.help) } + [
            SettingName("mnist", "mnist:DIR, the MNIST IDX files in DIR (default: $\(mnistDirectoryVariable))"),
            SettingName("csv", "csv:FILE, a delimited text file"),
            SettingName("npy", "npy:FEATURES.npy,TARGETS.npy, two NumPy arrays"),
        ] + DatasetCatalogue.all.filter { $0.name != "mnist" }.map { dataset in
            let folder = dataset.format == .csv ? "" : " (or \(dataset.name):DIR, its files in DIR)"
            return SettingName(dataset.name, "\(dataset.title), fetched into the cache\(folder)")
        }
    }

    // MARK: - Parsing

    /// Parses a `--data` specification, reading `BACKPROP_MNIST_DIR` from the process
    /// environment for a bare `mnist`.
    ///
    /// - Throws: ``DataError`` with ``DataError/Reason/invalidSpecification(_:)`` for an
    ///   unknown kind (with the closest one), an unknown or repeated key, a value that is not
    ///   a number, or a missing path.
    public init(parsing text: String) throws {
        try self.init(parsing: text, environment: ProcessInfo.processInfo.environment)
    }

    /// Parses a `--data` specification; a bare `mnist` takes its folder from
    /// `environment["BACKPROP_MNIST_DIR"]`.
    ///
    /// - Throws: as ``init(parsing:)``. A bare `mnist` without the variable is the
    ///   catalogued MNIST.
    public init(parsing text: String, environment: [String: String]) throws {
        let trimmed = text.trimmingSpaces
        let kindText: Substring, argument: Substring?
        if let colon = trimmed.firstIndex(of: ":") {
            kindText = trimmed[..<colon]
            argument = trimmed[trimmed.index(after: colon)...]
        } else {
            kindText = Substring(trimmed)
            argument = nil
        }
        let kind = kindText.lowercased()
        func invalid(_ message: String) -> DataError {
            DataError(file: nil, reason: .invalidSpecification("--data \"\(text)\": \(message)"))
        }
        func path(_ usage: String) throws -> String {
            guard let argument, !argument.trimmingSpaces.isEmpty else { throw invalid("\(kind) needs a path: \(usage)") }
            return argument.trimmingSpaces
        }
        switch kind {
        case "mnist":
            if argument == nil || argument!.trimmingSpaces.isEmpty {
                let variable = Self.mnistDirectoryVariable
                if let directory = environment[variable]?.trimmingSpaces, !directory.isEmpty {
                    self = .mnist(directory: directory)
                } else {
                    self = .catalogue("mnist")
                }
            } else {
                self = .mnist(directory: try path("mnist:DIR"))
            }
        case "csv":
            self = .csv(path: try path("csv:FILE"))
        case "npy":
            let paths = try path("npy:FEATURES.npy,TARGETS.npy").split(separator: ",", maxSplits: 1).map { $0.trimmingSpaces }
            guard paths.count == 2, !paths[0].isEmpty, !paths[1].isEmpty else {
                throw invalid("npy needs two files: npy:FEATURES.npy,TARGETS.npy")
            }
            self = .npy(features: paths[0], targets: paths[1])
        case _ where DatasetCatalogue.named(kind) != nil:
            if argument == nil {
                self = .catalogue(kind)
            } else if DatasetCatalogue.named(kind)?.format != .csv {
                self = .catalogueFolder(kind, directory: try path("\(kind):DIR"))
            } else {
                throw invalid("\(kind) takes no options: write --data \(kind)")
            }
        default:
            guard let synthetic = SyntheticKind(rawValue: kind) else {
                let kinds = SyntheticKind.allCases.map(\.rawValue) + ["mnist:DIR", "csv:FILE", "npy:FEATURES.npy,TARGETS.npy"]
                    + DatasetCatalogue.names
                var message = "unknown data kind \"\(kindText)\"; choose from \(kinds.joined(separator: ", "))"
                if let suggestion = KeySuggestion.closest(to: kind, in: Self.names) { message += " (did you mean '\(suggestion)'?)" }
                throw invalid(message)
            }
            var parameters = SyntheticParameters()
            var seen: Set<String> = []
            for pair in (argument ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
                guard parts.count == 2, !parts[1].isEmpty else { throw invalid("expected key=value, got \"\(pair)\"") }
                let (key, value) = (parts[0].lowercased(), parts[1])
                guard synthetic.keys.contains(key) else {
                    var message = "unknown key \"\(key)\" for \(kind); accepted: \(synthetic.keys.joined(separator: ", "))"
                    if let suggestion = KeySuggestion.closest(to: key, in: synthetic.keys) { message += " (did you mean '\(suggestion)'?)" }
                    throw invalid(message)
                }
                guard seen.insert(key).inserted else { throw invalid("key \"\(key)\" given twice") }
                func integer() throws -> Int {
                    guard let number = Int(value), number > 0 else { throw invalid("\(key) must be a positive integer, got \"\(value)\"") }
                    return number
                }
                func real() throws -> Double {
                    guard let number = Double(value), number.isFinite, number >= 0 else { throw invalid("\(key) must be a non-negative number, got \"\(value)\"") }
                    return number
                }
                switch key {
                case "n": parameters.count = try integer()
                case "noise": parameters.noise = try real()
                case "classes": parameters.classes = try integer()
                case "dimensions": parameters.dimensions = try integer()
                case "factor": parameters.factor = try real()
                default:
                    guard let seed = UInt64(value) else { throw invalid("seed must be a non-negative integer, got \"\(value)\"") }
                    parameters.seed = seed
                }
            }
            self = .synthetic(synthetic, parameters)
        }
    }

    public var description: String {
        switch self {
        case let .synthetic(kind, p):
            var pairs: [String] = []
            if let n = p.count { pairs.append("n=\(n)") }
            if let noise = p.noise { pairs.append("noise=\(noise)") }
            if let classes = p.classes { pairs.append("classes=\(classes)") }
            if let dimensions = p.dimensions { pairs.append("dimensions=\(dimensions)") }
            if let factor = p.factor { pairs.append("factor=\(factor)") }
            if let seed = p.seed { pairs.append("seed=\(seed)") }
            return pairs.isEmpty ? kind.rawValue : kind.rawValue + ":" + pairs.joined(separator: ",")
        case let .mnist(directory): return "mnist:\(directory)"
        case let .csv(path): return "csv:\(path)"
        case let .npy(features, targets): return "npy:\(features),\(targets)"
        case let .catalogue(name): return name
        case let .catalogueFolder(name, directory): return "\(name):\(directory)"
        }
    }
}

/// How ``DataSource/load(options:as:)`` reads and splits a source.
public struct DataLoadingOptions: Sendable, Equatable {
    /// CSV reading options (delimiter, header, target column, classification or regression).
    public var csv: CSVOptions
    /// The train/dev/test shares; `nil` for the size-dependent default (for MNIST: the
    /// training file is all training data and the test file the test set).
    public var fractions: SplitFractions?
    /// `true` to keep each class's share in every part.
    public var stratified: Bool
    /// The seed of synthetic sets without their own `seed=` and of the split.
    public var seed: UInt64

    /// Options with the defaults above.
    public init(csv: CSVOptions = CSVOptions(), fractions: SplitFractions? = nil, stratified: Bool = false, seed: UInt64 = 0) {
        self.csv = csv
        self.fractions = fractions
        self.stratified = stratified
        self.seed = seed
    }
}

extension DataSource {
    /// Every example of the source as one set (for MNIST: the training file).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func loadDataset<Scalar: NetworkScalar>(options: DataLoadingOptions = DataLoadingOptions(), as _: Scalar.Type = Scalar.self) throws -> Dataset<Scalar> {
        switch self {
        case let .synthetic(kind, p):
            let seed = p.seed ?? options.seed
            switch kind {
            case .moons: return try .twoMoons(count: p.count ?? 300, noise: p.noise ?? 0.2, seed: seed)
            case .circles: return try .circles(count: p.count ?? 300, noise: p.noise ?? 0.1, factor: p.factor ?? 0.5, seed: seed)
            case .spiral: return try .spiral(count: p.count ?? 300, classes: p.classes ?? 3, noise: p.noise ?? 0.2, seed: seed)
            case .blobs: return try .blobs(count: p.count ?? 300, classes: p.classes ?? 3, dimensions: p.dimensions ?? 2, noise: p.noise ?? 1, seed: seed)
            case .xor: return try .xor(count: p.count ?? 300, noise: p.noise ?? 0.1, seed: seed)
            }
        case let .mnist(directory):
            return try MNISTLoader.loadPair(images: MNISTLoader.locate(MNISTLoader.fileNames.trainImages, in: directory),
                                            labels: MNISTLoader.locate(MNISTLoader.fileNames.trainLabels, in: directory))
        case let .csv(path):
            return try CSVLoader.load(path: path, options: options.csv)
        case let .npy(features, targets):
            return try NumPyLoader.loadDataset(features: features, targets: targets, classCount: options.csv.classCount)
        case let .catalogue(name):
            return try DatasetCache().load(Self.catalogued(name), as: Scalar.self).train
        case let .catalogueFolder(name, directory):
            return try DatasetCache.read(Self.catalogued(name), in: directory, as: Scalar.self).train
        }
    }

    /// The source divided into train / dev / test.
    ///
    /// MNIST (and every catalogued set that ships a test set) keeps its own test set (the
    /// `t10k` files); its training file goes to training,
    /// or is split into train and dev in the ratio `train : dev` of `options.fractions`
    /// when given. Every other source is split by `options.fractions` (default: 60/20/20
    /// up to 10⁶ examples, 98/1/1 above), stratified when asked, with `options.seed`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func load<Scalar: NetworkScalar>(options: DataLoadingOptions = DataLoadingOptions(), as _: Scalar.Type = Scalar.self) throws -> DatasetSplits<Scalar> {
        var shipped: (train: Dataset<Scalar>, test: Dataset<Scalar>?)?
        if case let .mnist(directory) = self { shipped = try MNISTLoader.load(directory: directory, as: Scalar.self) }
        if case let .catalogue(name) = self { shipped = try DatasetCache().load(Self.catalogued(name), as: Scalar.self) }
        if case let .catalogueFolder(name, directory) = self {
            shipped = try DatasetCache.read(Self.catalogued(name), in: directory, as: Scalar.self)
        }
        if let (train, shippedTest) = shipped, let test = shippedTest {
            guard let fractions = options.fractions, fractions.dev > 0 else { return DatasetSplits(train: train, test: test) }
            let share = fractions.dev / (fractions.train + fractions.dev)
            let devOnly = try SplitFractions(train: 1 - share, dev: share, test: 0)
            var parts = train.split(fractions: devOnly, stratified: options.stratified, seed: options.seed)
            parts.test = test
            return parts
        }
        let all = try shipped?.train ?? loadDataset(options: options, as: Scalar.self)
        return all.split(fractions: options.fractions, stratified: options.stratified && all.isClassification, seed: options.seed)
    }
}

extension DataSource {
    /// The catalogued data set `name`.
    ///
    /// - Throws: ``DataError`` with ``DataError/Reason/invalidSpecification(_:)`` when the
    ///   catalogue has no such set.
    public static func catalogued(_ name: String) throws -> CatalogueDataset {
        guard let dataset = DatasetCatalogue.named(name) else {
            throw DataError(file: nil, reason: .invalidSpecification("no data set \"\(name)\" in the catalogue; choose from \(DatasetCatalogue.names.joined(separator: ", "))"))
        }
        return dataset
    }

    /// `true` for sources of 8-bit images (values 0–255): `mnist:DIR` and the catalogued
    /// IDX and CIFAR-10 sets (`fashion-mnist`, `kmnist`, `emnist-digits`, `cifar-10`, …).
    public var isImages: Bool {
        switch self {
        case .mnist: true
        case let .catalogue(name), let .catalogueFolder(name, _): DatasetCatalogue.named(name).map { $0.format == .idx || $0.format == .cifar10 } ?? false
        case .synthetic, .csv, .npy: false
        }
    }

    /// The pixel scaling used when none is asked for: `unit` (`x/255`) for images
    /// (``isImages``), `none` for every other source.
    public var defaultPixelScale: PixelScale { isImages ? .unit : .unscaled }

    /// The catalogued data set this source reads, or `nil` for every other source.
    public var catalogueDataset: CatalogueDataset? {
        if case let .catalogue(name) = self { return DatasetCatalogue.named(name) }
        return nil
    }
}
