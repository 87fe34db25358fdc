import Foundation
import Testing
import Backprop
@testable import BackpropCore

@Suite("Named settings")
struct NamedSettingTests {
    @Test("name[:key=value,...] parses names, numbers, spaces and case")
    func parses() throws {
        let setting = try NamedSetting(parsing: " Step: every = 10 , FACTOR=5e-1 ")
        #expect(setting.name == "step")
        #expect(setting.options == ["every": 10, "factor": 0.5])
        #expect(try setting.integer("every", default: 1) == 10)
        #expect(setting.value("missing", default: 3) == 3)
        #expect(try NamedSetting(parsing: "adam").options.isEmpty)
        #expect(try NamedSetting(parsing: "adam:").options.isEmpty)
        #expect(try NamedSetting(parsing: setting.description) == setting)
    }

    @Test("Malformed settings are refused with the text in the message")
    func refuses() {
        for bad in ["", ":every=1", "step:every", "step:every=ten", "step:every=1,every=2", "step:=3", "step:every=inf"] {
            do {
                _ = try NamedSetting(parsing: bad)
                Issue.record("'\(bad)' was accepted")
            } catch let error as NetworkError {
                let message = error.message
                #expect(message.contains("'\(bad)'"), "\(message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(throws: NetworkError.self) { try NamedSetting(parsing: "step:every=2.5").integer("every", default: 1) }
        #expect(throws: NetworkError.self) { try NamedSetting(parsing: "step:size=2").validateKeys(["every"]) }
    }

    @Test("Initialisers, optimiser configurations and plateau state survive JSON")
    func codable() throws {
        let schemes: [Initializer] = [.zeros, .constant(0.5), .smallRandom(standardDeviation: 0.1), .heUniform, .orthogonal(gain: 2), .lsuv(tolerance: 0.01, maxIterations: 3)]
        let decoded = try JSONDecoder().decode([Initializer].self, from: JSONEncoder().encode(schemes))
        #expect(decoded == schemes)
        let configuration = try OptimizerConfiguration(parsing: "adamw:decay=0.1,clip-norm=1")
        #expect(try JSONDecoder().decode(OptimizerConfiguration.self, from: JSONEncoder().encode(configuration)) == configuration)
    }
}
