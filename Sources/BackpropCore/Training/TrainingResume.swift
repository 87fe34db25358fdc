// MARK: - Callback state

/// The saved state of a callback: named numbers (counters, best values; an absent key
/// means `nil`) and tensors (saved weights), as plain values.
public struct CallbackState: Sendable, Equatable, Codable {
    /// Counters and scores by name; integers are stored exactly (|n| < 2⁵³).
    public var numbers: [String: Double]
    /// Tensors in the callback's own order, row-major.
    public var tensors: [[Double]]

    /// A state of the given values (empty by default).
    public init(numbers: [String: Double] = [:], tensors: [[Double]] = []) {
        self.numbers = numbers
        self.tensors = tensors
    }
}

/// A callback whose state a checkpoint saves and a resumed run restores, so that it acts
/// exactly as in an uninterrupted run (early stopping's patience counter and best
/// weights, the plateau schedule's wait and reduction).
///
/// The trainer calls ``restore(_:in:)`` after `trainingWillBegin`, which resets the state.
public protocol ResumableTrainingCallback<Scalar>: AnyObject {
    associatedtype Scalar: NetworkScalar

    /// A short name of the callback kind (`early-stopping`); the snapshot prefixes it with
    /// the callback's position among the resumable callbacks.
    var checkpointKey: String { get }
    /// The state now.
    func checkpointState() -> CallbackState
    /// Puts back a state from ``checkpointState()`` in the run of `context`.
    ///
    /// - Throws: ``TrainingError/invalidOptions(_:)`` when the state does not fit.
    func restore(_ state: CallbackState, in context: TrainingContext<Scalar>) throws
}

// MARK: - Restoring a snapshot

extension TrainingContext {
    /// The resumable callbacks with their snapshot keys `<position>.<checkpointKey>`.
    var callbackStateKeys: [(key: String, callback: any ResumableTrainingCallback<Scalar>)] {
        resumableCallbacks.enumerated().map { (key: "\($0.offset).\($0.element.checkpointKey)", callback: $0.element) }
    }

    /// Puts the run back in the state `snapshot` describes: parameters, buffers, optimiser
    /// slots, generators, schedule position, order, history and callback states.
    ///
    /// Everything is checked against the network first; nothing changes when a check fails.
    ///
    /// - Throws: ``TrainingError/invalidOptions(_:)`` naming what does not fit.
    func restore(_ snapshot: TrainingSnapshot) throws {
        func fail(_ detail: String) -> TrainingError {
            TrainingError.invalidOptions("The checkpoint does not fit this run: \(detail)")
        }
        let parameters = network.namedParameters, buffers = network.namedBuffers
        guard snapshot.parameters.map(\.name) == parameters.map(\.name) else {
            throw fail("it holds parameters \(snapshot.parameters.map(\.name)), the network has \(parameters.map(\.name))")
        }
        guard snapshot.buffers.map(\.name) == buffers.map(\.name) else {
            throw fail("it holds buffers \(snapshot.buffers.map(\.name)), the network has \(buffers.map(\.name))")
        }
        for (saved, live) in Array(zip(snapshot.parameters, parameters.map(\.parameter.value))) + Array(zip(snapshot.buffers, buffers.map(\.value)))
        where saved.values.count != live.count {
            throw fail("\(saved.name) has \(saved.values.count) values, the network needs \(live.count)")
        }
        let noiseLayers: [(name: String, layer: any StochasticLayer)] = network.layers.enumerated().compactMap { index, layer in
            (layer as? any StochasticLayer).map { (name: "layers.\(index)", layer: $0) }
        }
        guard snapshot.layerGeneratorStates.map(\.name) == noiseLayers.map(\.name),
              snapshot.layerGeneratorStates.allSatisfy({ $0.state.count == 4 && $0.state.contains { $0 != 0 } }) else {
            throw fail("it holds generator states for \(snapshot.layerGeneratorStates.map(\.name)), the network's noise layers are \(noiseLayers.map(\.name))")
        }
        guard snapshot.shuffleGeneratorState.count == 4, snapshot.shuffleGeneratorState.contains(where: { $0 != 0 }) else {
            throw fail("the shuffle generator state is not four words, not all zero")
        }
        guard snapshot.order.count == order.count, Set(snapshot.order) == Set(order) else {
            throw fail("its example order covers \(snapshot.order.count) examples, the training set has \(order.count)")
        }
        guard snapshot.epoch >= 0, snapshot.step >= 0, snapshot.history.epochs.count == snapshot.epoch else {
            throw fail("epoch \(snapshot.epoch) with \(snapshot.history.epochs.count) history records")
        }
        let keyed = callbackStateKeys
        guard Set(snapshot.callbackStates.keys) == Set(keyed.map(\.key)) else {
            throw fail("it holds the state of callbacks \(snapshot.callbackStates.keys.sorted()), the run has \(keyed.map(\.key))")
        }
        do {
            try optimizer.restore(snapshot.optimizerState, for: network.parameters)
        } catch let error as NetworkError {
            throw fail("\(error)")
        }
        for entry in keyed { try entry.callback.restore(snapshot.callbackStates[entry.key]!, in: self) }

        for (saved, live) in Array(zip(snapshot.parameters, parameters.map(\.parameter.value))) + Array(zip(snapshot.buffers, buffers.map(\.value))) {
            for index in 0..<saved.values.count { live.base[index] = Scalar(saved.values[index]) }
        }
        for (saved, entry) in zip(snapshot.layerGeneratorStates, noiseLayers) {
            entry.layer.randomState = saved.state
        }
        epoch = snapshot.epoch
        step = snapshot.step
        learningRateFactor = snapshot.learningRateFactor
        shuffleGenerator = RandomGenerator(state: snapshot.shuffleGeneratorState)
        order = snapshot.order
        history = snapshot.history
    }
}
