extension DatasetSplits {
    /// Checks that the classes of a classification set can be learnt from its training
    /// part: refuses a training part holding a single class (a classifier of one class
    /// reaches cost 0 and accuracy 1 at once and predicts that class for everything — the
    /// sign of a wrong target column or a filtered file, never a useful run), and returns
    /// one warning for every class of the dev or test part that never occurs in the
    /// training part (the network cannot predict it; a rare class can land outside the
    /// training part by chance, so that run still goes ahead). Regression sets pass.
    ///
    /// `source` names the data in messages; `file` is the data file, when there is one.
    ///
    /// - Throws: ``DataError/Reason/singleClass(name:count:)`` about `file`.
    public func checkClassCoverage(source: String, file: String?) throws -> [String] {
        guard let trainLabels = train.labels else { return [] }
        let seen = Set(trainLabels)
        func name(_ label: Int) -> String {
            train.classNames.flatMap { label < $0.count ? $0[label] : nil } ?? String(label)
        }
        if seen.count == 1, let only = seen.first {
            throw DataError(file: file, reason: .singleClass(name: name(only), count: train.count))
        }
        var warnings: [String] = []
        for (part, data) in [("dev", dev), ("test", test)] {
            guard let labels = data?.labels else { continue }
            var unseen: [Int: Int] = [:]
            for label in labels where !seen.contains(label) { unseen[label, default: 0] += 1 }
            for (label, count) in unseen.sorted(by: { $0.key < $1.key }) {
                warnings.append("class \"\(name(label))\" occurs in the \(part) part of \(source) (\(count) example\(count == 1 ? "" : "s")) but never in its training part; the network cannot learn to predict it")
            }
        }
        return warnings
    }
}
