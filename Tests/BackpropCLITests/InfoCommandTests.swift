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

    @Test func saysWhetherMPIIsAvailable() {
        let line = InfoCommand.mpiAvailability()
        #expect(line.hasPrefix("available (Open MPI") || (line.hasPrefix("unavailable: MPI is unavailable") && line.contains("libmpi.so.40")))
    }
}
