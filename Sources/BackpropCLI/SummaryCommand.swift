import ArgumentParser
import Backprop

/// `backprop summary`: the layer table of a network and its parameter count.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a network's layers, output shapes and parameter counts.",
        discussion: "Example: backprop summary --layers 3,4,4,1 --activation relu  (41 parameters)")

    @OptionGroup var network: NetworkOptions
    @OptionGroup var output: OutputOptions

    /// The summary of the network the options describe.
    func summary() throws -> NetworkSummary {
        NetworkSummary(try network.makeNetwork(Float.self))
    }

    func run() throws {
        let summary = try summary()
        print(output.json ? try jsonText(summary) : summary.description)
    }
}
