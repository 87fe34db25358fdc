import Backprop
import Foundation
import Testing

@Suite("Data-set formats")
struct DatasetFormatTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-formats-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    // MARK: - SHA-256

    @Test func sha256MatchesThePublishedTestVectors() {
        func hex(_ text: String) -> String {
            var hash = SHA256()
            hash.update(Array(text.utf8))
            return hash.hexDigest()
        }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million a's, fed in uneven pieces.
        var hash = SHA256()
        var left = 1_000_000, piece = 1
        while left > 0 {
            let count = min(piece, left)
            hash.update([UInt8](repeating: UInt8(ascii: "a"), count: count))
            left -= count
            piece = piece * 3 % 9973 + 1
        }
        #expect(hash.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: - CIFAR-10

    func writeBatch(_ name: String, labels: [UInt8], truncate: Int = 0) throws {
        var bytes: [UInt8] = []
        for (index, label) in labels.enumerated() {
            bytes.append(label)
            bytes += (0..<CIFARLoader.featureCount).map { UInt8(truncatingIfNeeded: $0 + index) }
        }
        try Data(bytes.dropLast(truncate)).write(to: folder.appendingPathComponent(name))
    }

    @Test func cifarBatchesBecome3072FeaturesAndTenClasses() throws {
        for (index, file) in CIFARLoader.trainFiles.enumerated() { try writeBatch(file, labels: [UInt8(index), 9]) }
        try writeBatch(CIFARLoader.testFile, labels: [3])
        let (train, test) = try CIFARLoader.load(directory: folder.path, as: Float.self)
        #expect(train.count == 10)
        #expect(test.count == 1)
        #expect(train.featureCount == 3072)
        #expect(train.features[1, 0] == 1)
        #expect(train.features[1, 3071] == Float(3072 % 256))
        #expect(train.labels == [0, 9, 1, 9, 2, 9, 3, 9, 4, 9])
    }

    @Test func damagedCifarBatchesNameTheFileAndRecord() throws {
        try writeBatch("cut.bin", labels: [1, 2], truncate: 10)
        try writeBatch("label.bin", labels: [1, 12])
        #expect { _ = try CIFARLoader.loadBatches([folder.appendingPathComponent("cut.bin").path], as: Float.self) } throws: { error in
            guard let error = error as? DataError, case .truncated = error.reason else { return false }
            return error.location == .record(1) && "\(error)".contains("cut.bin")
        }
        #expect { _ = try CIFARLoader.loadBatches([folder.appendingPathComponent("label.bin").path], as: Float.self) } throws: { error in
            (error as? DataError)?.reason == .labelOutOfRange(label: 12, classCount: 10) && (error as? DataError)?.location == .record(1)
        }
    }

    // MARK: - Tables

    @Test func uciTablesBecomeNumericCSVWithTheClassLast() throws {
        let layout = TabularLayout(source: "t.data", labelColumn: 1, dropColumns: [0], classes: ["B", "M"], featureNames: ["x", "y"])
        #expect(try layout.csv(from: "17,M,1.5,2\n18,B,3,4\n\n", file: "t.data") == "x,y,class\n1.5,2,1\n3,4,0\n")
        #expect { try layout.csv(from: "17,Q,1,2\n", file: "t.data") } throws: { "\($0)".contains("t.data:1:2") && "\($0)".contains("unknown class \"Q\"") }
        #expect { try layout.csv(from: "17,B,1\n", file: "t.data") } throws: { (($0 as? DataError)?.reason == .raggedRow(expectedFields: 4, foundFields: 3)) }
        #expect { try layout.csv(from: "17,B,1,zz\n", file: "t.data") } throws: { (($0 as? DataError)?.reason == .nonNumeric("zz")) }
        #expect { try layout.csv(from: "\n\n", file: "t.data") } throws: { (($0 as? DataError)?.reason == .noRecords) }
    }

    @Test func everyCatalogueEntryIsConsistent() throws {
        #expect(Set(DatasetCatalogue.names).count == DatasetCatalogue.all.count)
        for dataset in DatasetCatalogue.all {
            #expect(!dataset.mirrors.isEmpty && !dataset.files.isEmpty && !dataset.licence.isEmpty && !dataset.citation.isEmpty)
            for file in dataset.files {
                #expect(file.sha256.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }, "\(dataset.name)/\(file.name)")
            }
            if case let .table(layout) = dataset.preparation {
                #expect(layout.featureNames.count == dataset.featureCount)
                #expect(layout.classes.count == dataset.classCount)
            }
            #expect(try DataSource(parsing: dataset.name, environment: [:]) == .catalogue(dataset.name))
        }
    }

    // MARK: - Archives

    /// Writes a `.tar.gz` and a `.zip` holding `a/one.bin` and `a/two.txt` with Python's
    /// standard library.
    func makeArchives() throws -> Bool {
        guard let python = LoopbackServer.python else { return false }
        let script = """
        import io, sys, tarfile, zipfile
        folder = sys.argv[1]
        members = {"a/one.bin": bytes(range(256)) * 40, "a/two.txt": b"hello\\n"}
        with tarfile.open(folder + "/x.tar.gz", "w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
        with zipfile.ZipFile(folder + "/x.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items(): archive.writestr(name, data)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test(.enabled(if: LoopbackServer.isAvailable, "python3 is not installed"))
    func tarGzAndZipMembersAreExtractedUnderNewNames() throws {
        #expect(try makeArchives())
        for archive in ["x.tar.gz", "x.zip"] {
            let target = folder.appendingPathComponent(archive + "-out")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try Archive.extract(folder.appendingPathComponent(archive).path,
                                members: [.init("a/one.bin", as: "one"), .init("a/two.txt", as: "two")], into: target.path)
            #expect(try Data(contentsOf: target.appendingPathComponent("one")) == Data([UInt8]((0..<10_240).map { UInt8($0 % 256) })))
            #expect(try String(contentsOf: target.appendingPathComponent("two"), encoding: .utf8) == "hello\n")
            #expect { try Archive.extract(folder.appendingPathComponent(archive).path, members: [.init("a/none", as: "n")], into: target.path) } throws: {
                "\($0)".contains("has no member a/none")
            }
        }
        // A damaged archive is a data error, not a crash.
        var bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("x.zip")))
        bytes[bytes.count / 3] ^= 0xFF
        try Data(bytes).write(to: folder.appendingPathComponent("bad.zip"))
        #expect(throws: (any Error).self) { try Archive.extract(folder.appendingPathComponent("bad.zip").path, members: [.init("a/one.bin", as: "one")], into: folder.path) }
    }
}
