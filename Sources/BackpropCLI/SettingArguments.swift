import ArgumentParser
import Backprop

// MARK: - Flags from the setting registries

/// The flags whose values are ``Setting``s (`--activation`, `--loss`, `--init`, `--optimizer`,
/// `--schedule`, `--data`, `--scale`) parse them with their family's `init(parsing:)` and list
/// the family's registry in their help, so no command keeps a list of names of its own.
extension Setting {
    /// Parses a flag value; the family's message (with its "did you mean") becomes the
    /// parser's error for the flag.
    static func argument(_ text: String) throws -> Self {
        do { return try Self(parsing: text) } catch { throw ValidationError(Self.reason(error)) }
    }

    /// Parses a flag value, keeping the text as written.
    static func textArgument(_ text: String) throws -> SettingText<Self> {
        do { return try SettingText(parsing: text) } catch { throw ValidationError(Self.reason(error)) }
    }

    /// `one of: a, b, c` — the names of the registry, for help texts.
    static var choiceList: String { "one of: " + names.joined(separator: ", ") }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DataError, case let .invalidSpecification(message) = error.reason { return message }
        return "\(error)"
    }
}
