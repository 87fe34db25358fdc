import Foundation
import BackpropCore

/// The training history of a run's checkpoints, kept in the append-only file
/// `checkpoint-history.jsonl` of the run folder so that writing a checkpoint costs only the
/// epochs since the previous one, however long the run.
///
/// Each write appends one line, a JSON object with the epoch records and batch costs added
/// since the previous checkpoint: `{"batch_costs": [Double…], "epochs": [EpochRecord…]}`.
/// `checkpoint.json` records the ``Extent`` that belongs to it — how many records and batch
/// costs, how many bytes, and the CRC-32C of those bytes. Reading takes exactly that prefix
/// (lines appended by a write that crashed before its checkpoint was renamed into place are
/// ignored), and the next write cuts them off before appending.
package struct CheckpointHistoryLog {
    /// What one checkpoint holds of the log: the first `bytes` bytes, with checksum
    /// `crc32c`, holding `epochs` epoch records and `batchCosts` batch costs.
    package struct Extent: Codable, Hashable, Sendable {
        package var epochs: Int
        package var batchCosts: Int
        package var bytes: Int
        package var crc32c: UInt32

        package init(epochs: Int, batchCosts: Int, bytes: Int, crc32c: UInt32) {
            (self.epochs, self.batchCosts, self.bytes, self.crc32c) = (epochs, batchCosts, bytes, crc32c)
        }

        enum CodingKeys: String, CodingKey {
            case epochs, batchCosts = "batch_costs", bytes, crc32c
        }
    }

    /// One line of the log.
    private struct Chunk: Codable {
        var epochs: [EpochRecord]
        var batchCosts: [Double]

        enum CodingKeys: String, CodingKey {
            case epochs, batchCosts = "batch_costs"
        }
    }

    /// The log file.
    package let url: URL

    /// The log of the run folder `runFolder`.
    package init(runFolder: URL) {
        url = runFolder.appendingPathComponent(Checkpoint.historyFileName)
    }

    /// Stores `history`: after `extent` (whatever the file holds past it is cut off, then
    /// the new records are appended), or, when `extent` is `nil`, as a new file replacing
    /// any earlier one atomically. Returns the extent of the stored history.
    ///
    /// - Throws: `EncodingError` for a non-finite number; ``ModelFileError`` when the file
    ///   cannot be written or is shorter than `extent`.
    func store(_ history: TrainingHistory, after extent: Extent?) throws -> Extent {
        let start = extent ?? Extent(epochs: 0, batchCosts: 0, bytes: 0, crc32c: 0)
        guard start.epochs <= history.epochs.count, start.batchCosts <= history.batchCosts.count else {
            throw ModelFileError.malformed(file: url.path, detail: "holds \(start.epochs) epochs, more than the \(history.epochs.count) of the history to store")
        }
        let chunk = Chunk(epochs: Array(history.epochs[start.epochs...]), batchCosts: Array(history.batchCosts[start.batchCosts...]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(chunk)
        line.append(UInt8(ascii: "\n"))
        if extent == nil {
            try AtomicFile.write(line, to: url)
        } else {
            try append(line, at: start.bytes)
        }
        return Extent(epochs: history.epochs.count, batchCosts: history.batchCosts.count, bytes: start.bytes + line.count,
                      crc32c: CRC32C.checksum(line, continuing: start.crc32c))
    }

    /// Cuts the file to `offset` bytes and appends `line`.
    private func append(_ line: Data, at offset: Int) throws {
        do {
            let handle = try FileHandle(forUpdating: url)
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            guard size >= UInt64(offset) else {
                throw ModelFileError.malformed(file: url.path, detail: "holds \(size) bytes, fewer than the \(offset) its checkpoint records")
            }
            try handle.truncate(atOffset: UInt64(offset))
            try handle.write(contentsOf: line)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError.unreadable(file: url.path, detail: "cannot append: \(error.localizedDescription)")
        }
    }

    /// The epoch records and batch costs of `extent`.
    ///
    /// - Throws: ``ModelFileError`` naming the file when it is missing, shorter than
    ///   `extent`, fails the checksum or does not hold the recorded counts.
    package func read(_ extent: Extent) throws -> (epochs: [EpochRecord], batchCosts: [Double]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.unreadable(file: url.path, detail: "cannot read the checkpoint's history: \(error.localizedDescription)")
        }
        guard extent.bytes >= 0, data.count >= extent.bytes else {
            throw ModelFileError.malformed(file: url.path, detail: "holds \(data.count) bytes; the checkpoint needs the first \(extent.bytes)")
        }
        let prefix = data.prefix(extent.bytes)
        guard CRC32C.checksum(prefix) == extent.crc32c else {
            throw ModelFileError.malformed(file: url.path, detail: "its first \(extent.bytes) bytes do not match the checkpoint's checksum (the file was changed or belongs to another run)")
        }
        var epochs: [EpochRecord] = [], batchCosts: [Double] = []
        let decoder = JSONDecoder()
        for (index, line) in prefix.split(separator: UInt8(ascii: "\n")).enumerated() {
            do {
                let chunk = try decoder.decode(Chunk.self, from: Data(line))
                epochs += chunk.epochs
                batchCosts += chunk.batchCosts
            } catch {
                throw ModelFileError.malformed(file: url.path, detail: "line \(index + 1): \(VersionedJSON.reason(error))")
            }
        }
        guard epochs.count == extent.epochs, batchCosts.count == extent.batchCosts else {
            throw ModelFileError.malformed(file: url.path, detail: "holds \(epochs.count) epochs and \(batchCosts.count) batch costs; the checkpoint records \(extent.epochs) and \(extent.batchCosts)")
        }
        return (epochs, batchCosts)
    }
}
