import BackpropCore

extension TrainingHistory {
    /// The columns of ``csvText()`` for a run without a weight average.
    public static let csvColumns = ["epoch", "train_cost", "train_accuracy", "dev_cost", "dev_accuracy", "learning_rate", "seconds"]
    /// The columns added after ``csvColumns`` when the run keeps a weight average (`--ema`):
    /// the dev cost and accuracy of the averaged weights.
    public static let averagedCSVColumns = ["ema_dev_cost", "ema_dev_accuracy"]

    /// One header line and one line per epoch:
    /// `epoch,train_cost,train_accuracy,dev_cost,dev_accuracy,learning_rate,seconds`, then
    /// `ema_dev_cost,ema_dev_accuracy` when a record measured the averaged weights.
    /// Values absent from a record (no dev set, regression) are empty fields; numbers are
    /// written with full `Double` precision.
    public func csvText() -> String {
        func field(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        let averaged = epochs.contains { $0.averagedDevCost != nil }
        var lines = [(Self.csvColumns + (averaged ? Self.averagedCSVColumns : [])).joined(separator: ",")]
        for record in epochs {
            var fields = [
                "\(record.epoch)", field(record.trainCost), field(record.trainAccuracy), field(record.devCost),
                field(record.devAccuracy), field(record.learningRate), field(record.seconds),
            ]
            if averaged { fields += [field(record.averagedDevCost), field(record.averagedDevAccuracy)] }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
