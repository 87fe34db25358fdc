import Foundation
import Testing
import Backprop

/// Every configuration in `examples/` stays a valid recipe as the keys and their checks change.
@Suite("Example recipes")
struct ExampleRecipesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".toml") }.sorted()
    }

    @Test func theFolderHoldsTheRecipes() {
        #expect(Self.files.contains("mnist-best.yaml") && Self.files.count >= 10, "\(Self.folder.path): \(Self.files)")
    }

    @Test(arguments: files)
    func parsesAsARecipe(file: String) throws {
        let configuration = try RunConfiguration.load(path: Self.folder.appendingPathComponent(file).path)
        _ = try TrainingRecipe(configuration: configuration)
    }
}
