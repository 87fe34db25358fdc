import BackpropCore

extension TrainingHistory {
    /// The columns of ``csvText()``.
    public static let csvColumns = ["epoch", "train_cost", "train_accuracy", "dev_cost", "dev_accuracy", "learning_rate", "seconds"]

    /// One header line and one line per epoch:
    /// `epoch,train_cost,train_accuracy,dev_cost,dev_accuracy,learning_rate,seconds`.
    /// Values absent from a record (no dev set, regression) are empty fields; numbers are
    /// written with full `Double` precision.
    public func csvText() -> String {
        func field(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        var lines = [Self.csvColumns.joined(separator: ",")]
        for record in epochs {
            lines.append([
                "\(record.epoch)", field(record.trainCost), field(record.trainAccuracy), field(record.devCost),
                field(record.devAccuracy), field(record.learningRate), field(record.seconds),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
