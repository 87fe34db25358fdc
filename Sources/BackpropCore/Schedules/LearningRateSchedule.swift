/// A learning rate as a pure function of training progress.
///
/// `epoch` counts from 0 and `step` (updates so far) from 0; a schedule may use either.
/// A constant learning rate is a schedule too.
public protocol LearningRateSchedule: Sendable, CustomStringConvertible {
    /// α for the update made at `step` within `epoch`.
    func learningRate(epoch: Int, step: Int) -> Double
}

/// The same α at every step.
public struct ConstantSchedule: LearningRateSchedule {
    /// α.
    public let learningRate: Double

    public init(_ learningRate: Double) {
        self.learningRate = learningRate
    }

    public func learningRate(epoch: Int, step: Int) -> Double { learningRate }

    public var description: String { "constant(\(learningRate))" }
}
