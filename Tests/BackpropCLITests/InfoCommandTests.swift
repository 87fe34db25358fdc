import ArgumentParser
import Testing
@testable import BackpropCLI

@Suite("backprop info")
struct InfoCommandTests {
    @Test func parsesAsASubcommand() throws {
        let command = try BackpropCommand.parseAsRoot(["info"])
        #expect(command is InfoCommand)
    }

    @Test func rootHelpListsInfo() {
        let help = BackpropCommand.helpMessage()
        #expect(help.contains("info"))
        #expect(help.contains("BLAS"))
    }

    @Test func unknownSubcommandIsRejected() {
        #expect(throws: (any Error).self) { try BackpropCommand.parseAsRoot(["no-such-command"]) }
    }
}
