import Foundation
import BackpropCore

/// A part of a data set chosen by class and by count, for every source: `--classes 0,1`
/// (MNIST's zeros against its ones) and `--limit 1000` (the first 1000 training examples,
/// the textbook's overfitting run).
public struct DataSubset: Sendable, Equatable, Codable {
    /// The classes to keep, by name or 0-based index, in the order they become the new
    /// classes `0, 1, …`; `nil` keeps every class.
    public var classes: [String]?
    /// At most this many training examples (the first ones of the training part); `nil`
    /// keeps them all. Dev and test parts are not cut.
    public var limit: Int?

    /// A subset keeping `classes` and the first `limit` training examples.
    public init(classes: [String]? = nil, limit: Int? = nil) {
        self.classes = classes
        self.limit = limit
    }

    /// `true` when nothing is removed.
    public var keepsEverything: Bool { classes == nil && limit == nil }

    /// `splits` with only the chosen classes in every part (relabelled in the given order)
    /// and at most ``limit`` training examples.
    ///
    /// - Throws: ``DataError`` when a class is not in the set, the set has no classes, or
    ///   a part would be empty.
    public func apply<Scalar: NetworkScalar>(to splits: DatasetSplits<Scalar>) throws -> DatasetSplits<Scalar> {
        var result = splits
        if let classes {
            let chosen = try indices(of: classes, in: splits.train)
            result.train = try Self.keeping(chosen, of: splits.train)
            result.dev = try splits.dev.map { try Self.keeping(chosen, of: $0) }
            result.test = try splits.test.map { try Self.keeping(chosen, of: $0) }
        }
        if let limit, limit < result.train.count {
            guard limit >= 1 else { throw DataError(file: nil, reason: .invalidSpecification("limit must be at least 1, got \(limit)")) }
            result.train = result.train.subset(Array(0..<limit))
        }
        return result
    }

    /// The class index of each entry of `names`: a class name first, else an index.
    private func indices<Scalar>(of names: [String], in data: Dataset<Scalar>) throws -> [Int] {
        guard data.isClassification, let known = data.classNames else {
            throw DataError(file: nil, reason: .invalidSpecification("classes: the data have no class labels (regression targets)"))
        }
        var chosen: [Int] = []
        for name in names {
            guard let index = known.firstIndex(of: name) ?? Int(name).flatMap({ known.indices.contains($0) ? $0 : nil }) else {
                throw DataError(file: nil, reason: .invalidSpecification(
                    "classes: '\(name)' is not a class of the data (classes: \(known.joined(separator: ", ")))"))
            }
            guard !chosen.contains(index) else {
                throw DataError(file: nil, reason: .invalidSpecification("classes: '\(name)' is given twice"))
            }
            chosen.append(index)
        }
        guard chosen.count >= 2 else {
            throw DataError(file: nil, reason: .invalidSpecification("classes: keep at least two classes, got \(names.joined(separator: ","))"))
        }
        return chosen
    }

    /// The rows of `data` whose label is in `chosen`, relabelled by position in `chosen`.
    private static func keeping<Scalar>(_ chosen: [Int], of data: Dataset<Scalar>) throws -> Dataset<Scalar> {
        let labels = data.labels ?? []
        let rows = labels.indices.filter { chosen.contains(labels[$0]) }
        let kept = data.subset(rows)
        let names = data.classNames.map { all in chosen.map { all[$0] } }
        return try Dataset(features: kept.features, labels: rows.map { chosen.firstIndex(of: labels[$0])! },
                           classCount: chosen.count, classNames: names)
    }
}

extension DataSource {
    /// A specification read back from a file: as ``init(parsing:)``, except that a bare
    /// `mnist` — stored as written, never with the folder it was found in — reads back
    /// without `BACKPROP_MNIST_DIR` as `mnist` with no folder, so the model still loads;
    /// only loading its data then fails.
    public init(storedText text: String) throws {
        do { try self.init(parsing: text) } catch {
            guard text.trimmingCharacters(in: .whitespaces).lowercased() == "mnist" else { throw error }
            self = .mnist(directory: "")
        }
    }
}
