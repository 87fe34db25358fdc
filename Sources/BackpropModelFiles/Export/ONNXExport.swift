import Foundation
import BackpropCore
import BackpropData

/// Writes a trained ``Model`` or ``EnsembleModel`` as an ONNX model (`.onnx`), which
/// onnxruntime and the other ONNX runtimes run in C, C++, C#, Java, JavaScript, Python and on
/// mobile (see the Exporting article).
///
/// The graph takes the **raw** features — input `input`, `N × featureCount` Float32 with a
/// dynamic batch dimension `N` — and starts with the saved preprocessing: an element-wise
/// step (standardise, subtract the mean, min-max, affine) becomes `Sub`, `Mul`, `Add`; a
/// projection (PCA, PCA or ZCA whitening) becomes `Sub` and `MatMul`. Each layer is read
/// through its `LayerDescription` and its parameter and buffer values:
///
/// | layer | operators |
/// |---|---|
/// | dense | `Gemm` (`transB = 1`), then its activation |
/// | identity, sigmoid, tanh, relu, leaky-relu, elu, softmax | nothing, `Sigmoid`, `Tanh`, `Relu`, `LeakyRelu`, `Elu`, `Softmax` (last axis) |
/// | gelu | `x·½(1 + Erf(x/√2))` with `Mul`, `Erf`, `Add` (opset 17 has no `Gelu`) |
/// | silu, selu | `Mul` of the input and its `Sigmoid`; `Selu` with λ and α |
/// | prelu | `PRelu` with the learned slopes |
/// | maxout | `Gemm`, `Reshape` to `N × units × pieces`, `ReduceMax` over the pieces |
/// | batch normalisation | inference form `(x − running_mean)·γ/√(running_var + ε) + β`: `Sub`, `Mul`, `Add` |
/// | dropout, Gaussian noise | left out (identity at inference) |
///
/// The outputs follow the loss. A classifier has `probabilities` (`N × classes`: softmax,
/// or the sigmoids; one sigmoid output `p` becomes the two columns `1 − p, p`, as
/// `backprop predict --proba` prints them) and `label` (`N`, Int64, the arg-max class, the
/// first on ties). A regression model has `predictions` (`N × outputs`). An ensemble is its
/// members' graphs side by side, each with its own preprocessing, joined by `Mean`.
///
/// The model uses opset ``opsetVersion`` and IR version ``irVersion``; its metadata holds
/// the producer (`Backprop` and the version), the loss, the feature count and the class
/// names (`class_names`, a JSON array). A layer the exporter has no operators for (a
/// `custom` description) is refused with ``ExportError/unsupportedLayer(index:kind:)``.
///
/// The protobuf messages are written by a small hand-written encoder (``ProtobufWriter``)
/// rather than code generated with swift-protobuf, whose plugin build would slow every
/// build of the package; the tests check its output with `onnx.checker` and onnxruntime.
///
/// ```swift
/// try Model.load(from: URL(fileURLWithPath: "runs/20261122-101500")).exportONNX(to: URL(fileURLWithPath: "model.onnx"))
/// ```
public enum ONNXExport {
    /// The ONNX operator set the graphs use.
    public static let opsetVersion = 17
    /// The ONNX IR version of the files (8 goes with opset 17).
    public static let irVersion = 8
    /// The name of the graph input.
    public static let inputName = "input"
    /// The output of class probabilities (classifiers).
    public static let probabilitiesName = "probabilities"
    /// The output of predicted class indices (classifiers).
    public static let labelName = "label"
    /// The output of predicted values (regression).
    public static let predictionsName = "predictions"

    /// The ONNX bytes of `members` averaged (one member: the model itself).
    static func encode(_ members: [Model], classNames: [String]?, regression: Bool, featureCount: Int) throws -> Data {
        var graph = ONNXGraphBuilder()
        var outputs: [String] = []
        for (index, member) in members.enumerated() {
            let prefix = members.count == 1 ? "" : "member\(index + 1)/"
            outputs.append(try graph.appendModel(member, input: inputName, prefix: prefix))
        }
        let outputWidth = members[0].manifest.regression ? members[0].manifest.outputCount : max(members[0].manifest.outputCount, 2)
        let resultName = regression ? predictionsName : probabilitiesName
        if outputs.count == 1 {
            graph.add("Identity", [outputs[0]], output: resultName)
        } else {
            graph.add("Mean", outputs, output: resultName)
        }
        var outputInfos = [ONNXValueInfo(name: resultName, elementType: .float, shape: [.symbol("N"), .size(outputWidth)])]
        if !regression {
            graph.add("ArgMax", [resultName], output: labelName, attributes: [.int("axis", 1), .int("keepdims", 0)])
            outputInfos.append(ONNXValueInfo(name: labelName, elementType: .int64, shape: [.symbol("N")]))
        }
        var metadata: [(key: String, value: String)] = [
            ("backprop_version", BackpropVersion.current),
            ("loss", members[0].manifest.loss),
            ("task", regression ? "regression" : "classification"),
            ("feature_count", "\(featureCount)"),
            ("ensemble_members", "\(members.count)"),
        ]
        if let classNames {
            let json = try JSONEncoder().encode(classNames)
            metadata.append(("class_names", String(decoding: json, as: UTF8.self)))
        }
        let model = ONNXModelProto(
            irVersion: irVersion, opsetVersion: opsetVersion, producerName: "Backprop", producerVersion: BackpropVersion.current,
            docString: members.count == 1 ? "\(members[0].network)" : "Ensemble of \(members.count) models",
            graph: ONNXGraph(name: members.count == 1 ? "backprop_model" : "backprop_ensemble", nodes: graph.nodes,
                             initializers: graph.initializers,
                             inputs: [ONNXValueInfo(name: inputName, elementType: .float, shape: [.symbol("N"), .size(featureCount)])],
                             outputs: outputInfos),
            metadata: metadata)
        return Data(model.encoded)
    }
}

/// Nodes and initialisers of a graph under construction, with unique tensor names.
struct ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    private var used: Set<String> = []

    /// `base`, or `base_2`, `base_3`, … when taken.
    private mutating func unique(_ base: String) -> String {
        var name = base, suffix = 2
        while used.contains(name) { name = "\(base)_\(suffix)"; suffix += 1 }
        used.insert(name)
        return name
    }

    /// A Float32 initialiser named after `name`; returns its name.
    mutating func constant(_ name: String, dimensions: [Int], floats: [Float]) -> String {
        let unique = unique(name)
        initializers.append(ONNXTensor(name: unique, dimensions: dimensions, floats: floats))
        return unique
    }

    /// An Int64 initialiser named after `name`; returns its name.
    mutating func constant(_ name: String, dimensions: [Int], int64s: [Int]) -> String {
        let unique = unique(name)
        initializers.append(ONNXTensor(name: unique, dimensions: dimensions, int64s: int64s))
        return unique
    }

    /// Appends `opType(inputs)` writing a tensor named after `output`; returns its name.
    @discardableResult
    mutating func add(_ opType: String, _ inputs: [String], output: String, attributes: [ONNXAttribute] = []) -> String {
        let name = unique(output)
        nodes.append(ONNXNode(opType: opType, inputs: inputs, outputs: [name], name: "\(opType)_\(nodes.count)", attributes: attributes))
        return name
    }

    // MARK: - A model

    /// Appends `model`'s preprocessing, layers and output function reading `input`; returns
    /// the tensor of its class probabilities (or regression values). `prefix` keeps the names
    /// of ensemble members apart.
    mutating func appendModel(_ model: Model, input: String, prefix: String) throws -> String {
        var current = input
        for (index, step) in model.pipeline.steps.enumerated() {
            current = appendPreprocessing(step, input: current, name: "\(prefix)preprocessing.\(index)")
        }
        for (index, layer) in model.network.layers.enumerated() {
            current = try appendLayer(layer, index: index, input: current, name: "\(prefix)layers.\(index)")
        }
        let manifest = model.manifest
        current = appendActivation(try manifest.outputFunction(), input: current, name: "\(prefix)output")
        if !manifest.regression && manifest.outputCount == 1 {
            // One sigmoid output p: the two class probabilities (1 − p, p).
            let one = constant("\(prefix)output.one", dimensions: [1], floats: [1])
            let complement = add("Sub", [one, current], output: "\(prefix)output.complement")
            current = add("Concat", [complement, current], output: "\(prefix)output.classes", attributes: [.int("axis", 1)])
        }
        return current
    }

    /// `z = (x − shift)·scale + offset` element-wise, or `z = (x − shift)·P`.
    mutating func appendPreprocessing(_ step: FittedPreprocessor, input: String, name: String) -> String {
        let n = step.inputCount
        var current = input
        if step.shift.contains(where: { $0 != 0 }) {
            let shift = constant("\(name).shift", dimensions: [n], floats: step.shift.map(Float.init))
            current = add("Sub", [current, shift], output: "\(name).centered")
        }
        if !step.projection.isEmpty {
            let projection = constant("\(name).projection", dimensions: [n, step.outputCount], floats: step.projection.map(Float.init))
            return add("MatMul", [current, projection], output: "\(name).projected")
        }
        if step.scale.contains(where: { $0 != 1 }) {
            let scale = constant("\(name).scale", dimensions: [n], floats: step.scale.map(Float.init))
            current = add("Mul", [current, scale], output: "\(name).scaled")
        }
        if step.offset.contains(where: { $0 != 0 }) {
            let offset = constant("\(name).offset", dimensions: [n], floats: step.offset.map(Float.init))
            current = add("Add", [current, offset], output: "\(name).shifted")
        }
        return current
    }

    /// The operators of one layer, read through its description.
    mutating func appendLayer(_ layer: any Layer<Float>, index: Int, input: String, name: String) throws -> String {
        let description = layer.layerDescription
        func parameter(_ key: String) -> Matrix<Float>? { layer.parameters.first { $0.name == key }?.value }
        func buffer(_ key: String) -> Matrix<Float>? { layer.buffers.first { $0.name == key }?.value }
        func affine(_ output: String) -> String {
            let weight = parameter("weight")!
            let weightName = constant("\(name).weight", dimensions: [weight.rows, weight.columns], floats: weight.elements)
            var inputs = [input, weightName]
            if let bias = parameter("bias") {
                inputs.append(constant("\(name).bias", dimensions: [bias.count], floats: bias.elements))
            }
            return add("Gemm", inputs, output: output, attributes: [.int("transB", 1)])
        }
        switch description.kind {
        case let .dense(activation, _):
            return appendActivation(activation, input: affine("\(name).linear"), name: name)
        case let .activation(activation):
            return appendActivation(activation, input: input, name: name)
        case .prelu:
            let alpha = parameter("weight")!
            let slope = constant("\(name).weight", dimensions: [alpha.count], floats: alpha.elements)
            return add("PRelu", [input, slope], output: "\(name).prelu")
        case let .maxout(pieces):
            let pieceValues = affine("\(name).pieces")
            let shape = constant("\(name).shape", dimensions: [3], int64s: [-1, description.outputCount, pieces])
            let grouped = add("Reshape", [pieceValues, shape], output: "\(name).grouped")
            return add("ReduceMax", [grouped], output: "\(name).maxout", attributes: [.ints("axes", [2]), .int("keepdims", 0)])
        case let .batchNormalization(epsilon, _):
            let gamma = parameter("weight")!.elements, beta = parameter("bias")!.elements
            let mean = buffer("running_mean")!.elements, variance = buffer("running_var")!.elements
            let width = gamma.count
            // Swift computes 1/√(var + ε) in Float, then γ·((x − μ)·that) + β.
            let factors = (0..<width).map { j in gamma[j] * (1 / (variance[j] + Float(epsilon)).squareRoot()) }
            let meanName = constant("\(name).running_mean", dimensions: [width], floats: mean)
            let factorName = constant("\(name).factor", dimensions: [width], floats: factors)
            let betaName = constant("\(name).bias", dimensions: [width], floats: beta)
            let centered = add("Sub", [input, meanName], output: "\(name).centered")
            let scaled = add("Mul", [centered, factorName], output: "\(name).scaled")
            return add("Add", [scaled, betaName], output: "\(name).normalized")
        case let .dropout(probability, .vanilla):
            // Vanilla dropout multiplies by the keep probability at inference.
            let keep = constant("\(name).keep", dimensions: [1], floats: [Float(1 - probability)])
            return add("Mul", [input, keep], output: "\(name).scaled")
        case .dropout, .gaussianNoise:
            return input
        case let .custom(kind):
            throw ExportError.unsupportedLayer(index: index, kind: kind)
        }
    }

    /// The operator of `activation` (none for the identity).
    mutating func appendActivation(_ activation: Activation, input: String, name: String) -> String {
        switch activation {
        case .identity: return input
        case .sigmoid: return add("Sigmoid", [input], output: "\(name).sigmoid")
        case .tanh: return add("Tanh", [input], output: "\(name).tanh")
        case .relu: return add("Relu", [input], output: "\(name).relu")
        case let .leakyReLU(alpha): return add("LeakyRelu", [input], output: "\(name).leaky_relu", attributes: [.float("alpha", Float(alpha))])
        case let .elu(alpha): return add("Elu", [input], output: "\(name).elu", attributes: [.float("alpha", Float(alpha))])
        case .gelu:
            // Opset 17 has no Gelu: x·½(1 + erf(x/√2)) from Mul, Erf and Add.
            let inverseRoot2 = constant("\(name).gelu.inverse_sqrt2", dimensions: [1], floats: [Float(1 / 2.0.squareRoot())])
            let one = constant("\(name).gelu.one", dimensions: [1], floats: [1])
            let half = constant("\(name).gelu.half", dimensions: [1], floats: [0.5])
            let scaled = add("Mul", [input, inverseRoot2], output: "\(name).gelu.scaled")
            let erf = add("Erf", [scaled], output: "\(name).gelu.erf")
            let shifted = add("Add", [erf, one], output: "\(name).gelu.shifted")
            let halved = add("Mul", [shifted, half], output: "\(name).gelu.cdf")
            return add("Mul", [input, halved], output: "\(name).gelu")
        case .silu:
            let sigmoid = add("Sigmoid", [input], output: "\(name).silu.sigmoid")
            return add("Mul", [input, sigmoid], output: "\(name).silu")
        case .selu:
            return add("Selu", [input], output: "\(name).selu",
                       attributes: [.float("alpha", Float(Activation.seluAlpha)), .float("gamma", Float(Activation.seluScale))])
        case .softmax: return add("Softmax", [input], output: "\(name).softmax", attributes: [.int("axis", -1)])
        }
    }
}

// MARK: - Models

extension Model {
    /// The model as ONNX bytes (see ``ONNXExport``).
    ///
    /// - Throws: ``ExportError`` for a layer ONNX export does not support.
    public func onnxData() throws -> Data {
        try ONNXExport.encode([self], classNames: classNames, regression: manifest.regression, featureCount: manifest.featureCount)
    }

    /// Writes the model as an ONNX file at `url`, atomically (see ``ONNXExport``).
    ///
    /// - Throws: ``ExportError`` for a layer ONNX export does not support,
    ///   ``ModelFileError`` when the file cannot be written.
    public func exportONNX(to url: URL) throws {
        try AtomicFile.write(try onnxData(), to: url)
    }
}

extension EnsembleModel {
    /// The ensemble as ONNX bytes: the members' graphs and their mean (see ``ONNXExport``).
    ///
    /// - Throws: ``ExportError`` for a layer ONNX export does not support.
    public func onnxData() throws -> Data {
        try ONNXExport.encode(members, classNames: classNames, regression: members[0].manifest.regression, featureCount: featureCount)
    }

    /// Writes the ensemble as an ONNX file at `url`, atomically (see ``ONNXExport``).
    ///
    /// - Throws: ``ExportError`` for a layer ONNX export does not support,
    ///   ``ModelFileError`` when the file cannot be written.
    public func exportONNX(to url: URL) throws {
        try AtomicFile.write(try onnxData(), to: url)
    }
}

extension LoadedModel {
    /// Writes the model or ensemble as an ONNX file at `url` (see ``ONNXExport``).
    ///
    /// - Throws: ``ExportError`` for a layer ONNX export does not support,
    ///   ``ModelFileError`` when the file cannot be written.
    public func exportONNX(to url: URL) throws {
        switch self {
        case let .single(model): try model.exportONNX(to: url)
        case let .ensemble(ensemble): try ensemble.exportONNX(to: url)
        }
    }
}
