import ArgumentParser
import Backprop
import Foundation

/// `backprop export DIR --format onnx [--output FILE]`: a saved model or ensemble as a file
/// other tools run (see the Exporting article).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a saved model or ensemble as an ONNX file that takes raw features (onnxruntime, other ONNX runtimes).",
        discussion: """
            The graph applies the saved preprocessing, the network and the output function; its input is "input" \
            (N × features, float32), its outputs "probabilities" and "label" (classifiers) or "predictions" (regression).

            Examples:
              backprop export runs/20261122-101500 --format onnx
              backprop export ensemble-dir --format onnx --output ensemble.onnx
            """)

    /// The formats `--format` accepts.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case onnx
    }

    @Argument(help: ArgumentHelp("A model folder written by backprop train, or an ensemble folder written by backprop ensemble.", valueName: "dir"))
    var model: String

    @Option(help: "The file format: onnx.")
    var format: Format = .onnx

    @Option(help: ArgumentHelp("The file to write (default: DIR/model.onnx).", valueName: "file"))
    var output: String?

    func run() throws {
        print(try reportingFailures { try export() })
    }

    /// Writes the file and returns the line reporting it.
    func export() throws -> String {
        let loaded = try LoadedModel.load(from: URL(fileURLWithPath: model))
        let file = URL(fileURLWithPath: output ?? (model as NSString).appendingPathComponent("model.onnx"))
        try loaded.exportONNX(to: file)
        let outputs = loaded.classNames == nil ? "predictions" : "probabilities, label"
        return "Wrote \(file.relativePath) (ONNX opset \(ONNXExport.opsetVersion); input \"input\" N×\(loaded.featureCount) raw features; outputs \(outputs))"
    }
}
