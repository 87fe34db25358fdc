import Foundation
import BackpropCore

/// Writes a TensorBoard event file (`events.out.tfevents.<seconds>.<host>.<pid>`) in a
/// folder: scalars, histograms and text, which `tensorboard --logdir` and TensorBoard's
/// `EventAccumulator` read (see the Exporting article).
///
/// The file is a sequence of records, each `length` (UInt64, little-endian), the masked
/// ``CRC32C`` of those 8 bytes, the data, and the masked CRC32C of the data. Each record's
/// data is a TensorFlow `Event` message (`wall_time`, `step`, and a `Summary`); the first
/// holds `file_version = "brain.Event:2"`. Events are buffered in memory and appended to the
/// file by ``flush()``. The messages are encoded with ``ProtobufWriter``, so nothing beyond
/// Foundation is needed.
///
/// ```swift
/// let writer = try TensorBoardWriter(folder: URL(fileURLWithPath: "runs/a/tensorboard"))
/// writer.scalar("epoch/train_cost", 0.31, step: 1)
/// try writer.flush()
/// ```
public final class TensorBoardWriter {
    /// The event file.
    public let file: URL
    private var pending: [UInt8] = []
    private let handle: FileHandle

    /// Creates `folder` when needed and a new event file in it, beginning with the version
    /// record.
    ///
    /// - Throws: ``ModelFileError/unreadable(file:detail:)`` when the folder or the file
    ///   cannot be created.
    public init(folder: URL, now: Date = Date()) throws {
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        var name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host).\(ProcessInfo.processInfo.processIdentifier)"
        let files = FileManager.default
        var suffix = 1
        while files.fileExists(atPath: folder.appendingPathComponent(name).path) {
            suffix += 1
            name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host).\(ProcessInfo.processInfo.processIdentifier).\(suffix)"
        }
        file = folder.appendingPathComponent(name)
        do {
            try files.createDirectory(at: folder, withIntermediateDirectories: true)
            guard files.createFile(atPath: file.path, contents: nil) else {
                throw ModelFileError.unreadable(file: file.path, detail: "cannot create the TensorBoard event file")
            }
            handle = try FileHandle(forWritingTo: file)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError.unreadable(file: file.path, detail: "cannot create the TensorBoard event file: \(error.localizedDescription)")
        }
        var event = Self.event(step: 0, wallTime: now.timeIntervalSince1970)
        event.string(3, "brain.Event:2")              // file_version
        append(event)
        try flush()
    }

    deinit {
        try? flush()
        try? handle.close()
    }

    // MARK: - Summaries

    /// A scalar `value` of the series `tag` at `step` (a `simple_value`).
    public func scalar(_ tag: String, _ value: Double, step: Int) {
        summary(tag, step: step) { $0.float(2, Float(value)) }   // simple_value
    }

    /// The histogram of `values` under `tag` at `step`: `binCount` equal-width buckets over
    /// the values' range, with their count, sum and sum of squares. Nothing is written for
    /// no values.
    public func histogram(_ tag: String, values: [Double], step: Int, binCount: Int = 30) {
        let finite = values.filter(\.isFinite)
        guard let lower = finite.min(), let upper = finite.max() else { return }
        var counts = [Int](repeating: 0, count: max(binCount, 1))
        let width = (upper - lower) / Double(counts.count)
        for value in finite {
            let bin = width > 0 ? min(Int((value - lower) / width), counts.count - 1) : 0
            counts[bin] += 1
        }
        let sum = finite.reduce(0, +), squares = finite.reduce(0) { $0 + $1 * $1 }
        histogram(tag, ValueHistogram(lower: lower, upper: upper, counts: counts), sum: sum, sumOfSquares: squares, step: step)
    }

    /// A histogram already binned (the monitor's activation histograms) under `tag` at
    /// `step`; bucket `i` ends at edge `i + 1`.
    ///
    /// - Parameters:
    ///   - tag: the series name.
    ///   - histogram: the bins and their counts.
    ///   - sum: the sum of the values.
    ///   - sumOfSquares: the sum of their squares.
    ///   - step: the step (epoch or update) of the histogram.
    public func histogram(_ tag: String, _ histogram: ValueHistogram, sum: Double, sumOfSquares: Double, step: Int) {
        let limits = Array(histogram.edges.dropFirst())
        summary(tag, step: step) { value in
            value.message(5) { proto in                           // histo: HistogramProto
                proto.double(1, histogram.lower)                  // min
                proto.double(2, histogram.upper)                  // max
                proto.double(3, Double(histogram.counts.reduce(0, +)))  // num
                proto.double(4, sum)                              // sum
                proto.double(5, sumOfSquares)                     // sum_squares
                proto.packedDoubles(6, limits)                    // bucket_limit
                proto.packedDoubles(7, histogram.counts.map(Double.init))  // bucket
            }
        }
    }

    /// Markdown `text` under `tag` at `step`, shown by TensorBoard's text dashboard.
    public func text(_ tag: String, _ text: String, step: Int) {
        summary(tag, step: step) { value in
            value.message(9) { metadata in                        // metadata: SummaryMetadata
                metadata.message(1) { plugin in plugin.string(1, "text") }   // plugin_data.plugin_name
            }
            value.message(8) { tensor in                          // tensor: TensorProto
                tensor.int(1, 7)                                  // dtype DT_STRING
                tensor.message(2) { _ in }                        // tensor_shape: a scalar
                tensor.bytes(8, Array(text.utf8))                 // string_val
            }
        }
    }

    /// Appends the buffered events to the file.
    ///
    /// - Throws: ``ModelFileError/unreadable(file:detail:)`` when the file cannot be written.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: pending)
        } catch {
            throw ModelFileError.unreadable(file: file.path, detail: "cannot write the TensorBoard event file: \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: - Records

    /// An `Event` with its wall time and step.
    private static func event(step: Int, wallTime: Double = Date().timeIntervalSince1970) -> ProtobufWriter {
        var event = ProtobufWriter()
        event.double(1, wallTime)                             // wall_time
        event.int(2, step)                                    // step
        return event
    }

    /// An event holding one `Summary.Value` tagged `tag` whose value `body` writes.
    private func summary(_ tag: String, step: Int, _ body: (inout ProtobufWriter) -> Void) {
        var event = Self.event(step: step)
        event.message(5) { summary in                         // summary: Summary
            summary.message(1) { value in                     // value: Summary.Value
                value.string(1, tag)                          // tag
                body(&value)
            }
        }
        append(event)
    }

    /// Frames `event` as a record: length, masked CRC of the length, data, masked CRC of the data.
    private func append(_ event: ProtobufWriter) {
        pending.append(contentsOf: Self.record(event.bytes))
    }

    /// The record framing of `data`.
    static func record(_ data: [UInt8]) -> [UInt8] {
        var frame = ProtobufWriter()
        frame.appendLittleEndian(UInt64(data.count))
        let length = frame.bytes
        frame.appendLittleEndian(CRC32C.masked(length))
        var bytes = frame.bytes
        bytes.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }
}

extension TensorBoardWriter {
    /// Records a run's hyper-parameters at step 0, so that runs can be compared side by
    /// side: each numeric value as the scalar `hparams/<name>`, and all of them as the
    /// Markdown table `hyperparameters` in the text dashboard.
    ///
    /// - Parameters:
    ///   - values: the names and values, in display order.
    ///   - numbers: the numeric values by name (scalars); names absent from it are text only.
    public func hyperparameters(_ values: [(name: String, value: String)], numbers: [String: Double]) {
        for (name, _) in values {
            if let number = numbers[name] { scalar("hparams/\(name)", number, step: 0) }
        }
        let rows = values.map { "| \($0.name) | \($0.value) |" }
        text("hyperparameters", (["| hyper-parameter | value |", "|---|---|"] + rows).joined(separator: "\n"), step: 0)
    }
}
