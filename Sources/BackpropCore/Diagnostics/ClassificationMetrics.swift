import Foundation

/// How well predicted class probabilities match labels.
///
/// With `C[i][j]` the number of examples of true class `i` predicted as `j` (the
/// confusion matrix, rows true, columns predicted):
/// - accuracy `= Σᵢ C[i][i] / n`;
/// - precision of class `k` `= C[k][k] / Σᵢ C[i][k]` (0 when nothing is predicted as `k`);
/// - recall of class `k` `= C[k][k] / Σⱼ C[k][j]` (0 when the class has no example);
/// - F1 `= 2·P·R / (P + R)` (0 when both are 0);
/// - log-loss `= −(1/n) Σ log max(p_true, 1e-15)`.
///
/// The predicted class is the arg-max of the probabilities (the first on ties).
///
/// ```swift
/// let metrics = try ClassificationMetrics(labels: [0, 1, 1], probabilities: [[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]],
///                                         classNames: ["no", "yes"])
/// metrics.accuracy   // 2/3
/// ```
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// The class names, index by index.
    public var classNames: [String]
    /// `confusion[true][predicted]` counts.
    public var confusion: [[Int]]
    /// The fraction classified correctly.
    public var accuracy: Double
    /// Precision per class.
    public var precision: [Double]
    /// Recall per class.
    public var recall: [Double]
    /// F1 per class.
    public var f1: [Double]
    /// Examples per true class.
    public var support: [Int]
    /// Mean negative log-probability of the true class (probabilities clipped at 1e-15).
    public var logLoss: Double
    /// The unweighted mean of the per-class F1 scores.
    public var macroF1: Double

    /// The metrics of `probabilities` (one row per example, one column per class) against `labels`.
    ///
    /// - Throws: ``NetworkError/shapeMismatch(layer:expected:actual:)`` for different counts
    ///   or a row of the wrong width, ``NetworkError/labelOutOfRange(label:row:classCount:)``.
    public init(labels: [Int], probabilities: [[Double]], classNames: [String]) throws {
        let classCount = classNames.count
        guard labels.count == probabilities.count, !labels.isEmpty else {
            throw NetworkError.shapeMismatch(layer: "classification metrics", expected: "\(labels.count) probability rows", actual: "\(probabilities.count)")
        }
        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        var logLossSum = 0.0
        for (row, (label, values)) in zip(labels, probabilities).enumerated() {
            guard values.count == classCount else {
                throw NetworkError.shapeMismatch(layer: "classification metrics", expected: "\(classCount) probabilities in row \(row)", actual: "\(values.count)")
            }
            guard (0..<classCount).contains(label) else { throw NetworkError.labelOutOfRange(label: label, row: row, classCount: classCount) }
            var predicted = 0
            for k in 1..<max(classCount, 1) where values[k] > values[predicted] { predicted = k }
            confusion[label][predicted] += 1
            logLossSum -= log(max(values[label], 1e-15))
        }
        self.classNames = classNames
        self.confusion = confusion
        let n = labels.count
        accuracy = Double((0..<classCount).reduce(0) { $0 + confusion[$1][$1] }) / Double(n)
        let support = confusion.map { $0.reduce(0, +) }
        let precision = (0..<classCount).map { k in
            let predicted = confusion.reduce(0) { $0 + $1[k] }
            return predicted == 0 ? 0 : Double(confusion[k][k]) / Double(predicted)
        }
        let recall = (0..<classCount).map { k in support[k] == 0 ? 0 : Double(confusion[k][k]) / Double(support[k]) }
        let f1 = zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
        self.support = support
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        logLoss = logLossSum / Double(n)
        macroF1 = f1.reduce(0, +) / Double(max(classCount, 1))
    }
}

/// How well real-valued predictions match targets, pooled over every output column:
/// - MSE `= (1/(n·k)) Σ (y − ŷ)²`;
/// - MAE `= (1/(n·k)) Σ |y − ŷ|`;
/// - R² `= 1 − Σ (y − ŷ)² / Σ (y − ȳ_col)²`, with `ȳ_col` the mean of each target column
///   (`−∞`… any value ≤ 1; 1 is a perfect fit, 0 predicts no better than the means;
///   `nan` when every target column is constant).
///
/// ```swift
/// let metrics = try RegressionMetrics(targets: [[1], [2], [3]], predictions: [[1], [2], [4]])
/// metrics.mse   // 1/3
/// ```
public struct RegressionMetrics: Sendable, Equatable, Codable {
    /// Mean squared error.
    public var mse: Double
    /// Mean absolute error.
    public var mae: Double
    /// Coefficient of determination.
    public var r2: Double

    /// The metrics of `predictions` against `targets` (same shape, one row per example).
    ///
    /// - Throws: ``NetworkError/shapeMismatch(layer:expected:actual:)`` when the shapes differ.
    public init(targets: [[Double]], predictions: [[Double]]) throws {
        guard targets.count == predictions.count, !targets.isEmpty,
              let width = targets.first?.count, zip(targets, predictions).allSatisfy({ $0.count == width && $1.count == width }) else {
            throw NetworkError.shapeMismatch(layer: "regression metrics", expected: "\(targets.count) rows like the targets", actual: "\(predictions.count) rows")
        }
        let n = Double(targets.count)
        var squared = 0.0, absolute = 0.0, total = 0.0
        for column in 0..<width {
            let mean = targets.reduce(0) { $0 + $1[column] } / n
            for (target, prediction) in zip(targets, predictions) {
                let error = target[column] - prediction[column]
                squared += error * error
                absolute += abs(error)
                total += (target[column] - mean) * (target[column] - mean)
            }
        }
        let count = n * Double(width)
        mse = squared / count
        mae = absolute / count
        r2 = total == 0 ? .nan : 1 - squared / total
    }
}
