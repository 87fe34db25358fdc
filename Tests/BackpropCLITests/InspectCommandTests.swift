import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop inspect init")
struct InspectCommandTests {
    static func inspect(_ arguments: [String]) throws -> [String] {
        try #require(try BackpropCommand.parseAsRoot(["inspect", "init"] + arguments) as? InspectInitCommand).inspect()
    }

    /// The per-layer std column of the printed table.
    static func standardDeviations(_ lines: [String]) -> [Double] {
        lines.compactMap { line -> Double? in
            let cells = line.split(separator: " ")
            guard cells.count >= 3, Int(cells[0]) != nil else { return nil }
            return Double(cells[2])
        }
    }

    /// The experiment uses 1000 input rows; 200 rows (10⁵ activations per layer) keep the test fast and
    /// the estimates well inside the tolerance.
    @Test("Reproduces the published activation statistics within 15%", arguments: [
        (["--activation", "tanh", "--init", "xavier"], [0.63, 0.49, 0.41, 0.36], 0.23),
        (["--activation", "tanh", "--init", "small:std=1"], [0.98, 0.98, 0.98, 0.98], 0.98),
        (["--activation", "relu", "--init", "lecun"], [0.58], 0.026),
        (["--activation", "tanh", "--init", "small"], [0.21, 0.048, 0.011, 0.0024], nil),
    ] as [([String], [Double], Double?)])
    func specNumbers(arguments: [String], first: [Double], last: Double?) throws {
        let std = Self.standardDeviations(try Self.inspect(arguments + ["--depth", "10", "--width", "500", "--samples", "200", "--seed", "3"]))
        #expect(std.count == 10)
        for (measured, reference) in zip(std, first) { #expect(abs(measured - reference) <= 0.15 * reference, "\(std)") }
        if let last { #expect(abs(std[9] - last) <= 0.15 * last, "\(std)") }
    }

    @Test func writesHistogramsAndDefaultsTheInitialiser() throws {
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).html").path
        let lines = try Self.inspect(["--activation", "relu", "--depth", "3", "--width", "40", "--samples", "50", "--bins", "12", "--html", html])
        #expect(lines[0].contains("he"), "auto picks He for ReLU: \(lines[0])")
        #expect(lines.filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") || $0.hasPrefix("3 ") }.count == 3)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == 3 && page.contains("Layer 3"))
        #expect(InspectInitCommand.sparkline([0, 1, 8]) == " ▁█")
    }

    @Test func badValuesAreNamed() {
        for (arguments, flag) in [(["--init", "lsuv"], "--init"), (["--depth", "0"], "--depth"), (["--activation", "maxout"], "--activation")] {
            do {
                _ = try BackpropCommand.parseAsRoot(["inspect", "init"] + arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(BackpropCommand.message(for: error).contains(flag))
            }
        }
    }
}
