import ArgumentParser
import Foundation
import Testing
import Backprop
@testable import BackpropCLI

@Suite("backprop predict")
struct PredictCommandTests {
    static func model() throws -> URL {
        let folder = CommandRunner.temporaryFolder()
        let result = CommandRunner.execute(["train", "--out", folder.path, "--data", "moons:n=200", "--epochs", "5", "--standardize", "--json"])
        try #require(result.code == 0, "\(result.message)")
        return folder
    }

    @Test func csvWithAndWithoutHeaderAndNumPyGiveTheSameRows() throws {
        let folder = try Self.model()
        let points: [[Float]] = [[0.5, 0.2], [-1, 0.5], [1.8, -0.3]]
        let plain = points.map { "\($0[0]),\($0[1])" }.joined(separator: "\n")
        let csv = folder.appendingPathComponent("plain.csv"), headed = folder.appendingPathComponent("headed.csv")
        try plain.write(to: csv, atomically: true, encoding: .utf8)
        try ("a,b\n" + plain + "\n\n").write(to: headed, atomically: true, encoding: .utf8)
        // A float32 (3, 2) .npy file.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"
        var headerBytes = Array(header.utf8)
        while (10 + headerBytes.count + 1) % 64 != 0 { headerBytes.append(0x20) }
        headerBytes.append(0x0A)
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(headerBytes.count & 0xFF), UInt8(headerBytes.count >> 8)] + headerBytes
        for value in points.flatMap({ $0 }) { withUnsafeBytes(of: value.bitPattern.littleEndian) { npy.append(contentsOf: $0) } }
        let npyURL = folder.appendingPathComponent("points.npy")
        try Data(npy).write(to: npyURL)

        let outputs = try [csv, headed, npyURL].map { input in
            try CommandRunner.parse(["predict", folder.path, "--input", input.path, "--proba"], as: PredictCommand.self).predictions()
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
        let lines = outputs[0].split(separator: "\n")
        #expect(lines.count == 4 && lines[0] == "class,p_0,p_1")

        // The classes agree with the model applied to the same raw points.
        let model = try Model.load(from: folder)
        let probabilities = try model.classProbabilities(Matrix(rows: 3, columns: 2, elements: points.flatMap { $0 }))
        for (line, row) in zip(lines.dropFirst(), probabilities) {
            #expect(line.hasPrefix(row[1] > row[0] ? "1," : "0,"))
        }
        let classesOnly = try CommandRunner.parse(["predict", folder.path, "--input", csv.path], as: PredictCommand.self).predictions()
        #expect(classesOnly.split(separator: "\n").first == "class" && classesOnly.split(separator: "\n").count == 4)
    }

    @Test func outputFileIsWrittenAndBadInputLeavesItAlone() throws {
        let folder = try Self.model()
        let input = folder.appendingPathComponent("in.csv"), output = folder.appendingPathComponent("out.csv")
        try "0.1,0.2\n0.3,0.4\n".write(to: input, atomically: true, encoding: .utf8)
        #expect(CommandRunner.execute(["predict", folder.path, "--input", input.path, "--output", output.path]).code == 0)
        let written = try String(contentsOf: output, encoding: .utf8)
        #expect(written.split(separator: "\n").count == 3)

        try "0.1,0.2\n0.3\n".write(to: input, atomically: true, encoding: .utf8)
        let result = CommandRunner.execute(["predict", folder.path, "--input", input.path, "--output", output.path])
        #expect(result.code != 0 && result.message.contains("in.csv:2") && result.message.contains("expects 2 features"), "\(result.message)")
        #expect(try String(contentsOf: output, encoding: .utf8) == written)
        let missing = CommandRunner.execute(["predict", folder.path, "--input", folder.appendingPathComponent("nope.csv").path])
        #expect(missing.code != 0 && missing.message.contains("nope.csv"))
    }

    @Test func parserNamesTheBadLine() throws {
        let matrix = try PredictCommand.parseCSV("a,b\n1,2\n\n3,4\r\n", file: "f", featureCount: 2)
        #expect(matrix.rows == 2 && matrix.elements == [1, 2, 3, 4])
        #expect(try PredictCommand.parseCSV("1;2", file: "f", featureCount: 2, delimiter: ";").elements == [1, 2])
        #expect { try PredictCommand.parseCSV("x,y\n1,2\n3\n", file: "in.csv", featureCount: 2) } throws: {
            "\($0)".contains("in.csv:3") && "\($0)".contains("1 values")
        }
        #expect { try PredictCommand.parseCSV("1,2\n3,abc\n", file: "in.csv", featureCount: 2) } throws: {
            "\($0)".contains("in.csv:2") && "\($0)".contains("abc")
        }
        #expect { try PredictCommand.parseCSV("1,2\n3,nan\n", file: "in.csv", featureCount: 2) } throws: { "\($0)".contains("in.csv:2") }
        #expect { try PredictCommand.parseCSV("a,b,c\n1,2\n", file: "in.csv", featureCount: 2) } throws: { "\($0)".contains("header") }
        #expect { try PredictCommand.parseCSV("\n", file: "in.csv", featureCount: 2) } throws: { "\($0)".contains("no input rows") }
    }

    @Test("A bad first row before good ones is reported, not taken for a header")
    func badFirstRowIsReported() throws {
        let cases: [(String, [String])] = [
            ("0.5,abc\n1,2\n3,4\n", ["in.csv:1", "field 2", "abc"]),
            ("\n0.5,\n1,2\n", ["in.csv:2", "field 2", "not a finite number"]),
            ("1,2,3\n1,2\n", ["in.csv:1", "3 values", "expects 2 features"]),
            ("nan,1\n1,2\n", ["in.csv:1", "field 1", "nan"]),
            ("x,y\nx,y\n1,2\n", ["in.csv:2", "field 1", "\"x\""]),
        ]
        for (text, words) in cases {
            #expect { try PredictCommand.parseCSV(text, file: "in.csv", featureCount: 2) } throws: { error in
                words.allSatisfy { "\(error)".contains($0) }
            }
        }
        let folder = try Self.model()
        let input = folder.appendingPathComponent("first-bad.csv")
        try "0.1,oops\n0.3,0.4\n0.5,0.6\n".write(to: input, atomically: true, encoding: .utf8)
        let result = CommandRunner.execute(["predict", folder.path, "--input", input.path])
        #expect(result.code != 0 && result.message.contains("first-bad.csv:1") && result.message.contains("oops"), "\(result.message)")
    }
}
