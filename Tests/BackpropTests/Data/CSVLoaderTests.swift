import Backprop
import Testing
@testable import BackpropCore
@testable import BackpropData

@Suite("CSV loader")
struct CSVLoaderTests {
    @Test func readsHeaderNamedTargetAndStringClasses() throws {
        let text = "sepal,species,petal\n5.1,setosa,1.4\n7.0,versicolor,4.7\r\n\n6.3,virginica,6.0\n4.9,setosa,1.5\n"
        let set: Dataset<Double> = try CSVLoader.parse(text, file: "iris.csv", options: CSVOptions(targetColumn: .name("species")))
        #expect(set.count == 4)
        #expect(set.featureCount == 2)
        #expect(set.features.row(1) == [7.0, 4.7])
        #expect(set.classNames == ["setosa", "versicolor", "virginica"])
        #expect(set.labels == [0, 1, 2, 0])
        #expect(set.targets.row(2) == [0, 0, 1])
    }

    @Test func readsWithoutHeaderWithDelimiterAndIndex() throws {
        let text = "1;0.5;2\n0;1.5;3\n2;2.5;4\n"
        let set: Dataset<Float> = try CSVLoader.parse(text, file: "x.csv", options: CSVOptions(delimiter: ";", hasHeader: false, targetColumn: .index(0)))
        #expect(set.labels == [1, 0, 2])
        #expect(set.outputCount == 3)
        #expect(set.features.row(2) == [2.5, 4])
    }

    @Test func readsRegressionTargetsAndQuotedFields() throws {
        let text = "a,\"b, quoted\",y\n1,2,0.25\n3,\"4\",-1.5\n"
        let set: Dataset<Double> = try CSVLoader.parse(text, file: "r.csv", options: CSVOptions(targetKind: .regression))
        #expect(!set.isClassification)
        #expect(set.targets.elements == [0.25, -1.5])
        #expect(set.features.elements == [1, 2, 3, 4])
    }

    @Test func spacesAroundNumbersAndExponentsAreAccepted() throws {
        let set: Dataset<Double> = try CSVLoader.parse("a,b,c\n 1.5 ,-2e3,0\n0x10,  7,1\n", file: "s.csv")
        #expect(set.features.elements == [1.5, -2000, 16, 7])
        let blank = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b,c\n1,  ,0\n5,6,1\n", file: "b.csv") }
        #expect(blank?.reason == .missingValue)
        #expect(blank?.location == .line(2, column: 2, columnName: "b"))
        let infinite = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b\ninf,0\n", file: "i.csv") }
        #expect(infinite?.reason == .nonNumeric("inf"))
        let trailing = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b\n1e,0\n5,1\n", file: "t.csv") }
        #expect(trailing?.reason == .nonNumeric("1e"))
    }

    @Test func loadsFromDisk() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("d.csv", text: "x,y,label\n0,1,1\n1,0,0\n")
        let set: Dataset<Float> = try CSVLoader.load(path: path)
        #expect(set.labels == [1, 0])
        // A UTF-8 byte-order mark does not become part of the first column name.
        let marked = try folder.write("bom.csv", [0xEF, 0xBB, 0xBF] + Array("x,label\n1,0\n".utf8))
        let named: Dataset<Float> = try CSVLoader.load(path: marked, options: CSVOptions(targetColumn: .name("label")))
        #expect(named.features.elements == [1])
    }

    // MARK: - Corruption

    @Test func emptyFile() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.parse("", file: "e.csv") }
        #expect(error?.reason == .emptyFile)
        #expect(error?.file == "e.csv")
        let blank = dataError { let _: Dataset<Float> = try CSVLoader.parse("\n  \n", file: "e.csv") }
        #expect(blank?.reason == .emptyFile)
    }

    @Test func headerOnly() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b,label\n", file: "h.csv") }
        #expect(error?.reason == .noRecords)
    }

    @Test func raggedRowNamesTheLine() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b,label\n1,2,0\n3,1\n", file: "r.csv") }
        #expect(error?.reason == .raggedRow(expectedFields: 3, foundFields: 2))
        #expect(error?.location == .line(3))
        #expect(error?.description.hasPrefix("r.csv:3: ") == true)
    }

    @Test func nonNumericCellNamesLineAndColumn() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b,label\n1,2,0\n3,abc,1\n", file: "n.csv") }
        #expect(error?.reason == .nonNumeric("abc"))
        #expect(error?.location == .line(3, column: 2, columnName: "b"))
    }

    @Test func missingCell() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b,label\n1,,0\n", file: "m.csv") }
        #expect(error?.reason == .missingValue)
        #expect(error?.location == .line(2, column: 2, columnName: "b"))
    }

    @Test func labelOutOfRange() {
        let negative = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,label\n1,0\n2,-1\n", file: "l.csv") }
        #expect(negative?.reason == .labelOutOfRange(label: -1, classCount: nil))
        #expect(negative?.location == .line(3, column: 2, columnName: "label"))
        let tooLarge = dataError {
            let _: Dataset<Float> = try CSVLoader.parse("a,label\n1,0\n2,3\n", file: "l.csv", options: CSVOptions(classCount: 3))
        }
        #expect(tooLarge?.reason == .labelOutOfRange(label: 3, classCount: 3))
    }

    @Test func unknownTargetColumnAndUnterminatedQuote() {
        let unknown = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b\n1,2\n", file: "c.csv", options: CSVOptions(targetColumn: .name("z"))) }
        guard case .invalidSpecification(let message)? = unknown?.reason else { Issue.record("wrong reason"); return }
        #expect(message.contains("\"z\""))
        let quote = dataError { let _: Dataset<Float> = try CSVLoader.parse("a,b\n\"1,2\n", file: "q.csv") }
        guard case .malformed? = quote?.reason else { Issue.record("wrong reason \(String(describing: quote))"); return }
        #expect(quote?.location == .line(2, column: 1))
    }

    @Test func missingFile() {
        let error = dataError { let _: Dataset<Float> = try CSVLoader.load(path: "/nonexistent/data.csv") }
        guard case .unreadable? = error?.reason else { Issue.record("wrong reason"); return }
    }
}
