import Foundation
import BackpropCore

/// The contents of `ensemble.json`: the member model folders of a saved ensemble and how
/// their predictions combine.
///
/// ```json
/// {"format": "backprop-ensemble", "format_version": 1, "combination": "mean-probability",
///  "members": ["member-1", "member-2"], "seeds": [1, 2], "class_names": ["0", "1"], …}
/// ```
public struct EnsembleManifest: Codable, Equatable, Sendable {
    /// The `format` value of every ensemble file.
    public static let formatName = "backprop-ensemble"
    /// The format version this build writes and the newest it reads.
    public static let currentFormatVersion = 1
    /// The one combination rule: the mean of the members' probabilities (or predicted values).
    public static let meanProbability = "mean-probability"

    /// Always ``formatName``.
    public var format: String
    /// The format version of the file.
    public var formatVersion: Int
    /// The backprop version that wrote the file.
    public var backpropVersion: String
    /// How predictions combine; always ``meanProbability``.
    public var combination: String
    /// The member model folders, relative to the ensemble folder, in member order.
    public var members: [String]
    /// Each member's training seed, aligned with ``members``.
    public var seeds: [UInt64]
    /// The class names shared by every member (classification), or `nil` (regression).
    public var classNames: [String]?
    /// Raw features per input row, shared by every member.
    public var featureCount: Int
    /// Network outputs per row, shared by every member.
    public var outputCount: Int

    /// A manifest of the current format version.
    public init(members: [String], seeds: [UInt64], classNames: [String]?, featureCount: Int, outputCount: Int) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        backpropVersion = BackpropVersion.current
        combination = Self.meanProbability
        self.members = members
        self.seeds = seeds
        self.classNames = classNames
        self.featureCount = featureCount
        self.outputCount = outputCount
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", backpropVersion = "backprop_version", combination, members, seeds
        case classNames = "class_names", featureCount = "feature_count", outputCount = "output_count"
    }

    // MARK: - Reading and writing

    /// Pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        try VersionedJSON.encode(self)
    }

    /// Parses `ensemble.json` bytes; `file` names the source in errors.
    ///
    /// - Throws: ``ModelFileError`` for invalid JSON, a foreign file, a newer format
    ///   version, an unknown combination rule, no members, seeds not aligned with the
    ///   members, or a member path that leaves the ensemble folder.
    public init(data: Data, file: String) throws {
        self = try VersionedJSON.decode(EnsembleManifest.self, from: data, file: file,
                                        format: Self.formatName, supported: Self.currentFormatVersion)
        guard combination == Self.meanProbability else {
            throw ModelFileError.malformed(file: file, detail: "unknown combination \"\(combination)\" (supported: \(Self.meanProbability))")
        }
        guard !members.isEmpty else { throw ModelFileError.malformed(file: file, detail: "the ensemble lists no members") }
        guard seeds.count == members.count else {
            throw ModelFileError.malformed(file: file, detail: "\(seeds.count) seeds for \(members.count) members")
        }
        if let bad = members.first(where: { $0.isEmpty || $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
            throw ModelFileError.malformed(file: file, detail: "member \"\(bad)\" is not a folder inside the ensemble folder")
        }
    }
}
