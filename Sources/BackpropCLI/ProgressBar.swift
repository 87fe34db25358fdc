import Backprop
import Foundation

/// A live progress bar inside each epoch, drawn on standard error:
///
/// `epoch 3/100 [##########..........]  52%  812/1563 batches  ETA 0:04`
///
/// Redrawn at most every ``interval`` seconds (carriage return, no new line) and erased
/// before the epoch ends, so the per-epoch line printed after it starts on a clean line.
/// The ETA is the epoch's remaining batches at the epoch's average speed so far.
final class ProgressBar: TrainingCallback {
    typealias Scalar = Float

    /// Seconds between redraws.
    let interval: Duration
    /// Characters of the bar.
    let width: Int
    /// The planned epochs.
    let epochs: Int
    private let write: (String) -> Void
    private let clock = ContinuousClock()
    private var epochStart: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private var lineLength = 0

    /// `false`: it draws costs only.
    var readsGradientsAfterEachBatch: Bool { false }

    /// A bar that sends its text to `write` (standard error by default).
    init(epochs: Int, interval: Duration = .milliseconds(100), width: Int = 30, write: @escaping (String) -> Void = ProgressBar.standardError) {
        self.epochs = epochs
        self.interval = interval
        self.width = width
        self.write = write
        epochStart = clock.now
        lastDraw = clock.now
    }

    /// `true` when standard error is a terminal (the only place a bar makes sense).
    static var isTerminal: Bool { isatty(FileHandle.standardError.fileDescriptor) != 0 }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    func trainingWillBegin(_ context: TrainingContext<Float>) throws {
        epochStart = clock.now
    }

    func batchDidEnd(_ context: TrainingContext<Float>, batch: Int, cost: Double) throws {
        let now = clock.now
        guard now - lastDraw >= interval else { return }
        lastDraw = now
        let elapsed = Self.seconds(now - epochStart)
        let text = Self.line(epoch: context.epoch, of: epochs, batch: batch, of: context.plan.batchesPerEpoch,
                             cost: cost, elapsed: elapsed, width: width)
        let padding = String(repeating: " ", count: max(0, lineLength - text.count))
        lineLength = text.count
        write("\r" + text + padding)
    }

    func epochDidEnd(_ context: TrainingContext<Float>, record: EpochRecord) throws -> CallbackDecision {
        clear()
        epochStart = clock.now
        return .proceed
    }

    func trainingDidEnd(_ context: TrainingContext<Float>) throws {
        clear()
    }

    private func clear() {
        guard lineLength > 0 else { return }
        write("\r" + String(repeating: " ", count: lineLength) + "\r")
        lineLength = 0
    }

    // MARK: - Text

    /// The bar's text for `batch` of `batches` done after `elapsed` seconds of the epoch.
    static func line(epoch: Int, of epochs: Int?, batch: Int, of batches: Int, cost: Double, elapsed: Double, width: Int) -> String {
        let fraction = batches > 0 ? min(max(Double(batch) / Double(batches), 0), 1) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let remaining = batch > 0 ? elapsed / Double(batch) * Double(batches - batch) : .nan
        var text = "epoch \(epoch)" + (epochs.map { "/\($0)" } ?? "") + " [\(bar)] " + String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
        text += "  \(batch)/\(batches) batches  cost " + String(format: "%.4f", cost) + "  ETA " + clockText(remaining)
        return text
    }

    /// `m:ss` or `h:mm:ss`; `--:--` when unknown.
    static func clockText(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
