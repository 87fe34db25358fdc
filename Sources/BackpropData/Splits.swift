import BackpropCore

/// The shares of a train / dev / test split (see the BiasAndVariance article).
public struct SplitFractions: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The training share.
    public var train: Double
    /// The development (validation) share.
    public var dev: Double
    /// The test share.
    public var test: Double

    /// Shares that must be non-negative and sum to 1 (within 1e-9).
    ///
    /// - Throws: `NetworkError.invalidValue(setting:value:requirement:)` otherwise, or when `train` is 0.
    public init(train: Double, dev: Double, test: Double) throws {
        guard train > 0, dev >= 0, test >= 0, abs(train + dev + test - 1) < 1e-9 else {
            throw NetworkError.invalidValue(setting: "split fractions", value: "\(train), \(dev), \(test)",
                                            requirement: "must be non-negative with a positive train share and sum to 1")
        }
        (self.train, self.dev, self.test) = (train, dev, test)
    }

    /// Parses `"0.6,0.2,0.2"` (three shares) or `"0.8,0.2"` (train and dev, no test);
    /// percentages such as `"60,20,20"` are accepted when they sum to 100.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { Double($0.trimmingSpaces) }
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else {
            throw NetworkError.invalidValue(setting: "the split", value: "\"\(text)\"",
                                            requirement: "must be two or three comma-separated numbers (such as 0.6,0.2,0.2)")
        }
        var values = parts.map { $0! }
        if values.count == 2 { values.append(0) }
        let total = values.reduce(0, +)
        if abs(total - 100) < 1e-6 { values = values.map { $0 / 100 } }
        try self.init(train: values[0], dev: values[1], test: values[2])
    }

    /// The size-dependent default: 60/20/20 up to 10⁶ examples, 98/1/1 above.
    public static func defaults(forCount count: Int) -> SplitFractions {
        count <= 1_000_000 ? SplitFractions(uncheckedTrain: 0.6, dev: 0.2, test: 0.2) : SplitFractions(uncheckedTrain: 0.98, dev: 0.01, test: 0.01)
    }

    init(uncheckedTrain train: Double, dev: Double, test: Double) {
        (self.train, self.dev, self.test) = (train, dev, test)
    }

    /// The counts `(train, dev, test)` for `count` examples: `round(count·dev)` and
    /// `round(count·test)`, the rest to train.
    public func counts(for count: Int) -> (train: Int, dev: Int, test: Int) {
        let dev = min(count, Int((Double(count) * self.dev).rounded()))
        let test = min(count - dev, Int((Double(count) * self.test).rounded()))
        return (count - dev - test, dev, test)
    }

    public var description: String { "\(train)/\(dev)/\(test)" }
}

/// Row indices of a train / dev / test split.
public struct SplitIndices: Equatable, Sendable {
    /// Rows for training.
    public var train: [Int]
    /// Rows for development (validation).
    public var dev: [Int]
    /// Rows for the final test.
    public var test: [Int]
}

/// Seeded, deterministic ways of dividing examples: train/dev/test splits and k folds,
/// plain or stratified (every class keeps its share in every part).
public enum DataSplitter {
    /// A train/dev/test split of `count` examples.
    ///
    /// Plain: one shuffled permutation cut into `counts(for:)` pieces. Stratified (when
    /// `labels` is given): each class is shuffled and cut on its own (`round(n_c·dev)`,
    /// `round(n_c·test)`, the rest to train), so each class's count in each part is within
    /// one example of `n_c·fraction`; each part is then shuffled.
    public static func split(count: Int, fractions: SplitFractions, stratifiedBy labels: [Int]? = nil, seed: UInt64) -> SplitIndices {
        var random = RandomGenerator(seed: seed)
        guard let labels else {
            let order = random.permutation(count)
            let sizes = fractions.counts(for: count)
            return SplitIndices(train: Array(order[0..<sizes.train]),
                                dev: Array(order[sizes.train..<(sizes.train + sizes.dev)]),
                                test: Array(order[(sizes.train + sizes.dev)...]))
        }
        precondition(labels.count == count, "Stratified split needs one label per example")
        var result = SplitIndices(train: [], dev: [], test: [])
        for var members in groups(labels) {
            random.shuffle(&members)
            let sizes = fractions.counts(for: members.count)
            result.train += members[0..<sizes.train]
            result.dev += members[sizes.train..<(sizes.train + sizes.dev)]
            result.test += members[(sizes.train + sizes.dev)...]
        }
        random.shuffle(&result.train)
        random.shuffle(&result.dev)
        random.shuffle(&result.test)
        return result
    }

    /// `k` folds for cross-validation: each example is in exactly one validation fold; fold
    /// sizes differ by at most one (plain) or, stratified, each class is dealt round-robin
    /// so its members spread over the folds within one of each other.
    ///
    /// - Returns: `k` pairs `(train, validation)`; the validation sets partition `0..<count`.
    public static func kFold(count: Int, folds k: Int, stratifiedBy labels: [Int]? = nil, seed: UInt64) throws -> [(train: [Int], validation: [Int])] {
        guard k >= 2 && k <= count else {
            throw NetworkError.invalidSize(what: "the k of k-fold", value: k, requirement: "must be in 2...\(count) (the number of examples)")
        }
        var random = RandomGenerator(seed: seed)
        var validation = Array(repeating: [Int](), count: k)
        if let labels {
            precondition(labels.count == count, "Stratified k-fold needs one label per example")
            var next = 0
            for var members in groups(labels) {
                random.shuffle(&members)
                for member in members {
                    validation[next].append(member)
                    next = (next + 1) % k
                }
            }
        } else {
            for (position, index) in random.permutation(count).enumerated() { validation[position % k].append(index) }
        }
        return validation.indices.map { fold in
            let train = validation.indices.filter { $0 != fold }.flatMap { validation[$0] }.sorted()
            return (train, validation[fold].sorted())
        }
    }

    /// Row indices grouped by label, in ascending label order, each group ascending.
    static func groups(_ labels: [Int]) -> [[Int]] {
        var byLabel: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byLabel[label, default: []].append(index) }
        return byLabel.keys.sorted().map { byLabel[$0]! }
    }
}

/// A dataset divided into training, development and test parts.
public struct DatasetSplits<Scalar: NetworkScalar>: @unchecked Sendable {
    /// The training examples.
    public var train: Dataset<Scalar>
    /// The development examples, `nil` when the split has none.
    public var dev: Dataset<Scalar>?
    /// The test examples, `nil` when the split has none.
    public var test: Dataset<Scalar>?

    /// Parts from existing sets.
    public init(train: Dataset<Scalar>, dev: Dataset<Scalar>? = nil, test: Dataset<Scalar>? = nil) {
        self.train = train
        self.dev = dev
        self.test = test
    }

    /// The pipeline fitted on the training features and applied to every part.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func preprocessed(with methods: [PreprocessingMethod]) throws -> (splits: DatasetSplits, pipeline: PreprocessingPipeline) {
        var result = self  // shares the features with `self`, so every part is copied
        let pipeline = try result.preprocess(with: methods)
        return (result, pipeline)
    }

    /// Fits the pipeline on the training features and applies it to every part in place:
    /// features these splits alone hold are overwritten rather than copied (see
    /// `Dataset.apply(_:)`). Returns the pipeline.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func preprocess(with methods: [PreprocessingMethod]) throws -> PreprocessingPipeline {
        let pipeline = try PreprocessingPipeline.fit(methods, to: train.features)
        try train.apply(pipeline)
        try dev?.apply(pipeline)
        try test?.apply(pipeline)
        return pipeline
    }
}

extension Dataset {
    /// This set split by `fractions` (default: the size-dependent ``SplitFractions/defaults(forCount:)``),
    /// stratified by class when `stratified` is set and the set has labels; empty parts are `nil`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func split(fractions: SplitFractions? = nil, stratified: Bool = false, seed: UInt64) -> DatasetSplits<Scalar> {
        let indices = DataSplitter.split(count: count, fractions: fractions ?? .defaults(forCount: count),
                                         stratifiedBy: stratified ? labels : nil, seed: seed)
        return DatasetSplits(train: subset(indices.train),
                             dev: indices.dev.isEmpty ? nil : subset(indices.dev),
                             test: indices.test.isEmpty ? nil : subset(indices.test))
    }
}

extension Dataset {
    /// `k` (train, validation) pairs for cross-validation (see
    /// ``DataSplitter/kFold(count:folds:stratifiedBy:seed:)``); stratified by class when
    /// `stratified` is set and the set has labels.
    public func folds(_ k: Int, stratified: Bool = false, seed: UInt64) throws -> [(train: Dataset, validation: Dataset)] {
        try DataSplitter.kFold(count: count, folds: k, stratifiedBy: stratified ? labels : nil, seed: seed)
            .map { (subset($0.train), subset($0.validation)) }
    }
}
