/// The per-parameter state of an optimiser: named slots (e.g. `"velocity"`), each holding one
/// buffer per parameter with that parameter's shape, plus the step count.
///
/// Buffers are allocated on the first update (zeros) and reused afterwards; they are
/// re-created only when the optimiser is handed a different parameter list (other objects or
/// shapes), which also resets the step count.
final class SlotStorage<Scalar: NetworkScalar> {
    /// The slot names, in the order of ``buffers``.
    let slotNames: [String]
    /// Updates applied so far.
    private(set) var step = 0
    /// `buffers[slot][parameter]`.
    private(set) var buffers: [[Matrix<Scalar>]] = []
    private var identities: [ObjectIdentifier] = []

    init(slotNames: [String]) {
        self.slotNames = slotNames
    }

    /// Makes the buffers fit `parameters`, allocating zeros only for a new parameter list.
    func prepare(for parameters: [Parameter<Scalar>]) {
        guard !matches(parameters) else { return }
        identities = parameters.map { ObjectIdentifier($0) }
        buffers = slotNames.map { _ in parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) } }
        step = 0
    }

    /// Counts one more update and returns its number `t` (from 1).
    func advance() -> Int {
        step += 1
        return step
    }

    /// `true` when the buffers were made for exactly these parameters.
    private func matches(_ parameters: [Parameter<Scalar>]) -> Bool {
        guard identities.count == parameters.count else { return false }
        for index in 0..<parameters.count {
            let parameter = parameters[index]
            guard identities[index] == ObjectIdentifier(parameter) else { return false }
            for slot in buffers {
                guard slot[index].rows == parameter.value.rows, slot[index].columns == parameter.value.columns else { return false }
            }
        }
        return true
    }

    // MARK: - Exporting and restoring

    /// The step count and every slot as `Double` arrays (exact for `Float` and `Double`).
    var state: OptimizerState {
        var slots: [String: [[Double]]] = [:]
        for (name, slot) in zip(slotNames, buffers) {
            slots[name] = slot.map { $0.elementsAsDouble }
        }
        if buffers.isEmpty {
            for name in slotNames { slots[name] = [] }
        }
        return OptimizerState(step: step, slots: slots)
    }

    /// Restores `state` for `parameters`, checking slot names, counts and sizes.
    ///
    /// A state with step 0 and empty slots (exported before any update) resets the storage.
    func restore(_ state: OptimizerState, for parameters: [Parameter<Scalar>], optimizer: String) throws {
        guard Set(state.slots.keys) == Set(slotNames) else {
            throw NetworkError.stateMismatch(
                component: optimizer, detail: "the saved state has slots \(state.slots.keys.sorted()), expected \(slotNames.sorted())")
        }
        guard state.step >= 0 else {
            throw NetworkError.stateMismatch(component: optimizer, detail: "the saved step count \(state.step) is negative")
        }
        if state.step == 0 && state.slots.values.allSatisfy(\.isEmpty) {
            prepare(for: parameters)
            for slot in buffers { for buffer in slot { buffer.fill(0) } }
            step = 0
            return
        }
        var restored: [[Matrix<Scalar>]] = []
        for name in slotNames {
            let arrays = state.slots[name]!
            guard arrays.count == parameters.count else {
                throw NetworkError.stateMismatch(
                    component: optimizer, detail: "slot '\(name)' holds \(arrays.count) tensors, the network has \(parameters.count) parameters")
            }
            var slot: [Matrix<Scalar>] = []
            for (index, (values, parameter)) in zip(arrays, parameters).enumerated() {
                let (rows, columns) = (parameter.value.rows, parameter.value.columns)
                guard values.count == rows * columns else {
                    throw NetworkError.stateMismatch(
                        component: optimizer, detail: "slot '\(name)' tensor \(index) has \(values.count) values, parameter \(index) (\(parameter.name)) has \(rows)×\(columns)")
                }
                slot.append(Matrix(rows: rows, columns: columns, elements: values.map { Scalar($0) }))
            }
            restored.append(slot)
        }
        buffers = restored
        identities = parameters.map { ObjectIdentifier($0) }
        step = state.step
    }
}
