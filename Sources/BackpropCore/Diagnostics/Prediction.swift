// MARK: - Predictions

extension Sequential {
    /// The network's predictions for `inputs` (`n × inputCount`) in inference mode, as the
    /// `loss` defines them: softmax probabilities for ``SoftmaxCrossEntropy``, sigmoid
    /// probabilities for ``BinaryCrossEntropy``, the output activation for ``QuadraticCost``.
    ///
    /// The rows are processed in chunks of at most `batchSize`, so the layers' buffers stay
    /// bounded however large `inputs` is. The result is a new `n × outputCount` matrix.
    ///
    /// - Parameters:
    ///   - inputs: the examples, one per row, `n × inputCount`.
    ///   - loss: the loss the network was trained with; it decides what a prediction is.
    ///   - batchSize: rows per forward pass (1024 by default).
    /// - Throws: ``NetworkError`` for a wrong width, an empty input, a NaN or infinite
    ///   value (its row and column in `inputs`), or a `batchSize` below 1.
    public func predictProbabilities(_ inputs: Matrix<Scalar>, loss: some Loss<Scalar>, batchSize: Int = 1024) throws -> Matrix<Scalar> {
        let result = Matrix<Scalar>(rows: inputs.rows, columns: outputCount)
        var probabilities: Matrix<Scalar>?
        try forEachChunk(of: inputs, batchSize: batchSize) { start, logits in
            let buffer = Matrix<Scalar>.reuse(probabilities, rows: logits.rows, columns: logits.columns)
            probabilities = buffer
            loss.predictions(logits: logits, into: buffer)
            result.rowPointer(start).update(from: buffer.base, count: buffer.count)
        }
        return result
    }

    /// The predicted class of each row of `inputs`: the arg-max of the outputs (the first
    /// on ties) when the network has several outputs; for a single output, `1` when the
    /// prediction is at least 0.5 (a sigmoid probability) and `0` otherwise.
    ///
    /// Processes `batchSize` rows at a time, like ``predictProbabilities(_:loss:batchSize:)``.
    ///
    /// - Throws: ``NetworkError`` as ``predictProbabilities(_:loss:batchSize:)``.
    public func predictClasses(_ inputs: Matrix<Scalar>, loss: some Loss<Scalar>, batchSize: Int = 1024) throws -> [Int] {
        var classes: [Int] = []
        classes.reserveCapacity(inputs.rows)
        var probabilities: Matrix<Scalar>?
        try forEachChunk(of: inputs, batchSize: batchSize) { _, logits in
            let buffer = Matrix<Scalar>.reuse(probabilities, rows: logits.rows, columns: logits.columns)
            probabilities = buffer
            loss.predictions(logits: logits, into: buffer)
            classes.append(contentsOf: Self.classes(of: buffer))
        }
        return classes
    }

    /// The fraction of rows of `inputs` whose predicted class
    /// (``predictClasses(_:loss:batchSize:)``) equals the label, in `[0, 1]`.
    ///
    /// - Parameters:
    ///   - inputs: the examples, one per row, `n × inputCount`.
    ///   - labels: one class per row, in `0..<outputCount` (`0..<2` for a single output).
    ///   - loss: the loss the network was trained with; it decides what a prediction is.
    ///   - batchSize: rows per forward pass (1024 by default).
    /// - Throws: ``NetworkError/shapeMismatch(layer:expected:actual:)`` when the label count
    ///   differs from the row count, ``NetworkError/labelOutOfRange(label:row:classCount:)``,
    ///   and the errors of ``predictProbabilities(_:loss:batchSize:)``.
    public func accuracy(_ inputs: Matrix<Scalar>, labels: [Int], loss: some Loss<Scalar>, batchSize: Int = 1024) throws -> Double {
        guard labels.count == inputs.rows else {
            throw NetworkError.shapeMismatch(layer: "accuracy", expected: "\(inputs.rows) labels", actual: "\(labels.count) labels")
        }
        let classCount = Swift.max(outputCount, 2)
        if let row = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw NetworkError.labelOutOfRange(label: labels[row], row: row, classCount: classCount)
        }
        let predicted = try predictClasses(inputs, loss: loss, batchSize: batchSize)
        let correct = zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(labels.count)
    }

    // MARK: - Chunking

    /// The class of each row of predictions: arg-max, or a 0.5 threshold for one column.
    package static func classes(of predictions: Matrix<Scalar>) -> [Int] {
        if predictions.columns == 1 {
            return (0..<predictions.rows).map { predictions.base[$0] >= Scalar(0.5) ? 1 : 0 }
        }
        return predictions.argmaxPerRow()
    }

    /// Validates `inputs` as a whole, then runs it through the network `batchSize` rows at
    /// a time in inference mode, calling `body` with each chunk's first row and its output.
    func forEachChunk(of inputs: Matrix<Scalar>, batchSize: Int, _ body: (Int, Matrix<Scalar>) throws -> Void) throws {
        guard batchSize >= 1 else {
            throw NetworkError.invalidSize(what: "The prediction batch size", value: batchSize, requirement: "must be at least 1")
        }
        try layers[0].validate(inputs)
        if let (row, column) = inputs.firstNonFinite() {
            throw NetworkError.nonFinite(place: "The input", row: row, column: column)
        }
        if inputs.rows <= batchSize {
            try body(0, try forward(inputs, mode: .inference))
            return
        }
        let chunk = Matrix<Scalar>(rows: batchSize, columns: inputs.columns)
        for start in stride(from: 0, to: inputs.rows, by: batchSize) {
            let count = Swift.min(batchSize, inputs.rows - start)
            chunk.resize(rows: count)
            chunk.base.update(from: inputs.rowPointer(start), count: count * inputs.columns)
            try body(start, try forward(chunk, mode: .inference))
        }
    }
}
