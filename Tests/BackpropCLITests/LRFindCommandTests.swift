import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop lr-find")
struct LRFindCommandTests {
    @Test func scansRecommendsAndPlots() throws {
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("lr-\(UUID().uuidString).html").path
        let command = try #require(try BackpropCommand.parseAsRoot([
            "lr-find", "--data", "moons:n=200", "--layers", "2,8,2", "--optimizer", "sgd", "--from", "0.01", "--to", "100",
            "--per-decade", "2", "--probe-epochs", "2", "--html", html,
        ]) as? LearningRateFinderCommand)
        var streamed: [String] = []
        let lines = try command.find { streamed.append($0) }
        #expect(streamed.count == 2 + 9, "a heading, the column titles and one line per rate (0.01 … 100, two per decade)")
        #expect(streamed.contains { $0.contains("falls") } && streamed.contains { $0.contains("does not fall") || $0.contains("diverged") })
        let sentence = try #require(lines.first { $0.hasPrefix("Threshold") })
        let numbers = sentence.split(whereSeparator: { " ,:≈".contains($0) }).compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "."))) }
        #expect(numbers.count >= 2 && abs(numbers[1] - numbers[0] / 2) <= 0.01 * numbers[1], "recommended ≈ half the threshold: \(sentence)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("threshold"))
    }

    @Test func badRangeIsNamed() {
        do {
            _ = try BackpropCommand.parseAsRoot(["lr-find", "--from", "1", "--to", "0.1"])
            Issue.record("parsed")
        } catch {
            #expect(BackpropCommand.message(for: error).contains("--from"))
        }
    }
}
