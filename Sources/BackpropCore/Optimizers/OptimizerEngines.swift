// Optimisers that wrap another hand its ``ComputeEngine`` through, so a training loop sets
// the engine of the optimiser it holds whatever the wrapping. Reading gives the wrapped
// optimiser's engine, or ``ComputeEngine/default`` when it computes without one.

extension DecoupledWeightDecay: EngineConfigurable {
    public var engine: ComputeEngine {
        get { (base as? any EngineConfigurable)?.engine ?? .default }
        set { if let base = base as? any EngineConfigurable { base.engine = newValue } }
    }
}

extension GradientClipping: EngineConfigurable {
    public var engine: ComputeEngine {
        get { (base as? any EngineConfigurable)?.engine ?? .default }
        set { if let base = base as? any EngineConfigurable { base.engine = newValue } }
    }
}
