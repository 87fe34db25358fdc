import Foundation
import BackpropCore
import BackpropRecipes

/// Several saved ``Model``s predicting together: the ensemble's probabilities are the mean
/// of the members' probabilities, `p̄(x) = (1/N)·Σₖ pₖ(x)` (regression: the mean of the
/// predicted values). Each member applies its own saved preprocessing to the raw inputs.
///
/// An ensemble folder holds `ensemble.json` (``EnsembleManifest``) and one model folder per
/// member (`member-1/`, `member-2/`, …, each with `model.json` and `model.safetensors`).
///
/// ```swift
/// let ensemble = try EnsembleModel(members: [try Model.load(from: a), try Model.load(from: b)])
/// try ensemble.save(to: URL(fileURLWithPath: "ensemble"))
/// let probabilities = try EnsembleModel.load(from: URL(fileURLWithPath: "ensemble")).classProbabilities(raw)
/// ```
public final class EnsembleModel {
    /// The file name of the description in an ensemble folder.
    public static let manifestFileName = "ensemble.json"

    /// The members, in order.
    public let members: [Model]
    /// The description written to `ensemble.json`.
    public let manifest: EnsembleManifest

    /// The class names shared by the members (classification), or `nil`.
    public var classNames: [String]? { manifest.classNames }
    /// The recipe of the first member; its data and seed define the default evaluation data.
    public var recipe: TrainingRecipe { members[0].manifest.recipe }
    /// Raw features per input row.
    public var featureCount: Int { manifest.featureCount }

    /// An ensemble of `members`, saved in folders `member-1`, `member-2`, …; the seeds
    /// default to the members' recipe seeds.
    ///
    /// - Throws: `NetworkError.invalidSize(what:value:requirement:)` without members,
    ///   `NetworkError.unusable(what:reason:)` when members differ in class names, feature
    ///   count, output count or task (classification or regression), naming the first
    ///   differing member; `NetworkError.incompatible(_:_:relation:)` for a wrong seed count.
    public init(members: [Model], seeds: [UInt64]? = nil) throws {
        guard let first = members.first else { throw NetworkError.invalidSize(what: "an ensemble", value: 0, requirement: "needs at least one member") }
        if let problem = Self.mismatch(members) {
            throw NetworkError.unusable(what: "ensemble member \(problem.index + 1)", reason: problem.detail)
        }
        let seeds = seeds ?? members.map(\.manifest.recipe.seed)
        guard seeds.count == members.count else {
            throw NetworkError.incompatible("\(seeds.count) seeds", "\(members.count) ensemble members", relation: "given for")
        }
        self.members = members
        manifest = EnsembleManifest(members: members.indices.map { "member-\($0 + 1)" }, seeds: seeds, classNames: first.classNames,
                                    featureCount: first.manifest.featureCount, outputCount: first.manifest.outputCount)
    }

    private init(members: [Model], manifest: EnsembleManifest) {
        self.members = members
        self.manifest = manifest
    }

    /// The first member (by index) that cannot be averaged with member 0, and why.
    static func mismatch(_ members: [Model]) -> (index: Int, detail: String)? {
        guard let first = members.first?.manifest else { return nil }
        for (index, member) in members.enumerated().dropFirst() {
            let manifest = member.manifest
            if manifest.regression != first.regression {
                return (index, manifest.regression ? "is a regression model, the first member a classifier" : "is a classifier, the first member a regression model")
            }
            if manifest.featureCount != first.featureCount {
                return (index, "takes \(manifest.featureCount) features, the first member \(first.featureCount)")
            }
            if manifest.outputCount != first.outputCount {
                return (index, "has \(manifest.outputCount) outputs, the first member \(first.outputCount)")
            }
            if manifest.classNames != first.classNames {
                return (index, "has classes \(manifest.classNames ?? []), the first member \(first.classNames ?? [])")
            }
        }
        return nil
    }

    // MARK: - Predictions

    /// The mean of the members' ``Model/predictProbabilities(_:)`` for raw inputs
    /// (`n × featureCount` → `n × outputs`), summed in `Double` in member order.
    public func predictProbabilities(_ rawInputs: Matrix<Float>) throws -> Matrix<Float> {
        var sum: [Double] = []
        var columns = 0
        for member in members {
            let outputs = try member.predictProbabilities(rawInputs)
            if sum.isEmpty { sum = Array(repeating: 0, count: outputs.count); columns = outputs.columns }
            for index in 0..<outputs.count { sum[index] += Double(outputs.base[index]) }
        }
        let scale = 1 / Double(members.count)
        return Matrix(rows: rawInputs.rows, columns: columns, elements: sum.map { Float($0 * scale) })
    }

    /// The mean of the members' ``Model/classProbabilities(_:)``: one probability per class
    /// and row (`n × max(outputs, 2)`).
    public func classProbabilities(_ rawInputs: Matrix<Float>) throws -> [[Double]] {
        var mean: [[Double]] = []
        for member in members {
            let rows = try member.classProbabilities(rawInputs)
            if mean.isEmpty {
                mean = rows
            } else {
                for row in rows.indices { for column in rows[row].indices { mean[row][column] += rows[row][column] } }
            }
        }
        let count = Double(members.count)
        return mean.map { $0.map { $0 / count } }
    }

    /// Evaluates the ensemble on `data` given in raw features. Classification: the metrics
    /// of ``classProbabilities(_:)``; the cost is their log-loss `−(1/n)·Σᵢ log p̄(yᵢ|xᵢ)`.
    /// Regression: the metrics of the mean prediction; the cost is the quadratic cost
    /// `(1/n)·Σᵢ ½‖ȳᵢ − yᵢ‖²`.
    ///
    /// - Throws: `NetworkError` when the data's width, outputs or class names do not
    ///   match the ensemble's.
    public func evaluate(_ data: Dataset<Float>) throws -> ModelEvaluation {
        let data = try data.checkedForEvaluation(outputCount: manifest.outputCount, classNames: classNames, by: "the ensemble's")
        if let labels = data.labels, let names = classNames {
            let metrics = try ClassificationMetrics(labels: labels, probabilities: try classProbabilities(data.features), classNames: names)
            return ModelEvaluation(count: data.count, cost: metrics.logLoss, classification: metrics)
        }
        let predictions = try predictProbabilities(data.features)
        func rows(_ matrix: Matrix<Float>) -> [[Double]] {
            (0..<matrix.rows).map { row in (0..<matrix.columns).map { Double(matrix[row, $0]) } }
        }
        let targets = rows(data.targets), predicted = rows(predictions)
        var cost = 0.0
        for (target, prediction) in zip(targets, predicted) {
            for (y, value) in zip(target, prediction) { cost += 0.5 * (value - y) * (value - y) }
        }
        return ModelEvaluation(count: data.count, cost: cost / Double(data.count),
                               regression: try RegressionMetrics(targets: targets, predictions: predicted))
    }

    // MARK: - Files

    /// Writes each member as a model folder (``Model/save(to:)``) under the names of
    /// ``EnsembleManifest/members``, then `ensemble.json`; every file is written atomically
    /// and `ensemble.json` last, so a folder with it is complete.
    public func save(to folder: URL) throws {
        for (member, name) in zip(members, manifest.members) {
            try member.save(to: folder.appendingPathComponent(name))
        }
        try AtomicFile.write(manifest.encoded(), to: folder.appendingPathComponent(Self.manifestFileName))
    }

    /// `true` when `folder` holds an `ensemble.json`.
    public static func isEnsemble(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(manifestFileName).path)
    }

    /// Reads the ensemble in `folder`: `ensemble.json`, then every member model folder.
    ///
    /// - Throws: ``ModelFileError`` naming the file and the problem: a missing or invalid
    ///   `ensemble.json`, a missing member folder, an unreadable member (the member's own
    ///   error), or members that differ in classes, features, outputs or task, or disagree
    ///   with `ensemble.json`.
    public static func load(from folder: URL) throws -> EnsembleModel {
        let manifestURL = folder.appendingPathComponent(manifestFileName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw ModelFileError.unreadable(file: manifestURL.path, detail: "no such file: \(folder.path) is not an ensemble folder (backprop ensemble --out makes one)")
        }
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw ModelFileError.unreadable(file: manifestURL.path, detail: "cannot read: \(error.localizedDescription)")
        }
        let manifest = try EnsembleManifest(data: data, file: manifestURL.path)
        var members: [Model] = []
        for name in manifest.members {
            let memberFolder = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: memberFolder.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ModelFileError.unreadable(file: memberFolder.path, detail: "member folder \"\(name)\" listed in \(manifestFileName) is missing")
            }
            members.append(try Model.load(from: memberFolder))
        }
        if let problem = mismatch(members) {
            let file = folder.appendingPathComponent(manifest.members[problem.index]).appendingPathComponent(Model.manifestFileName).path
            throw ModelFileError.malformed(file: file, detail: "member \"\(manifest.members[problem.index])\" \(problem.detail)")
        }
        let first = members[0].manifest
        guard first.classNames == manifest.classNames, first.featureCount == manifest.featureCount, first.outputCount == manifest.outputCount else {
            throw ModelFileError.malformed(file: manifestURL.path, detail: "class names, feature count or output count differ from the members' (\(first.classNames ?? []), \(first.featureCount) features, \(first.outputCount) outputs)")
        }
        return EnsembleModel(members: members, manifest: manifest)
    }
}
