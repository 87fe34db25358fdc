/// A reason training stopped or could not start.
public enum TrainingError: BackpropError, Equatable {
    /// A NaN or infinite cost or gradient was found before the update, so the weights were
    /// not touched. `epoch` and `batch` count from 1; `place` says what was non-finite
    /// (`"the cost"`, `"the gradient of layers.0.weight"`), `hint` the likely cause.
    case nonFinite(epoch: Int, batch: Int, place: String, hint: String)
    /// Options that cannot work (batch size, epochs, data that do not fit the network).
    case invalidOptions(String)

    /// The one-line message; there is no location.
    public var message: String {
        switch self {
        case let .nonFinite(epoch, batch, place, hint):
            "Training stopped at epoch \(epoch), batch \(batch): \(place) is NaN or infinite; the weights were not updated. Likely cause: \(hint)"
        case let .invalidOptions(message):
            message
        }
    }
}
