import Backprop
import Foundation
import Testing

/// Fetching against `Tests/Scripts/loopback_server.py` on 127.0.0.1 — no test reaches
/// further — with scripted faults: a wrong checksum, a cut connection, a 404 on the first
/// mirror, a redirect, a slow server.
@Suite("Data-set fetching", .enabled(if: LoopbackServer.isAvailable, "python3 is not installed"))
struct DatasetFetchTests {
    /// A temporary folder holding `served/tiny/blob.bin` (300 kB) and an empty `cache/`.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-fetch-\(UUID().uuidString)")
    let blob: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
    var served: URL { folder.appendingPathComponent("served") }
    var cache: DatasetCache { DatasetCache(root: folder.appendingPathComponent("cache").path) }

    init() throws {
        try FileManager.default.createDirectory(at: served.appendingPathComponent("tiny"), withIntermediateDirectories: true)
        try Data(blob).write(to: served.appendingPathComponent("tiny/blob.bin"))
    }

    /// A one-file data set whose mirrors are `mirrors`; `digest` defaults to the blob's.
    func tiny(mirrors: [String], digest: String? = nil) -> CatalogueDataset {
        var hash = SHA256()
        hash.update(blob)
        return CatalogueDataset(
            name: "tiny", title: "test bytes", format: .csv, classCount: 2, featureCount: 1, trainCount: 1, testCount: 0,
            mirrors: mirrors, files: [RemoteFile("blob.bin", sha256: digest ?? hash.hexDigest())],
            licence: "test", citation: "none", homepage: "none")
    }

    func fetcher(_ options: FetchOptions? = nil, events: EventLog = EventLog()) -> DatasetFetcher {
        DatasetFetcher(options: options ?? FetchOptions(cache: cache, timeout: 5)) { events.append($0) }
    }

    func cached() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: cache.folder(for: tiny(mirrors: [])) + "/blob.bin")) }

    @Test func fetchesVerifiesAndMarksTheSetComplete() throws {
        let server = try LoopbackServer(root: served)
        let events = EventLog()
        let dataset = tiny(mirrors: [server.url("files/tiny")])
        let folder = try fetcher(events: events).fetch(dataset)
        #expect(try cached() == Data(blob))
        #expect(cache.isComplete(dataset))
        #expect(!FileManager.default.fileExists(atPath: folder + "/blob.bin.part"))
        #expect(events.completed == ["tiny"])
        // A second fetch finds it in the cache and asks nothing.
        let before = server.requests.count
        try fetcher().fetch(dataset)
        #expect(server.requests.count == before)
    }

    @Test func aWrongChecksumDeletesTheDownloadAndSaysSo() throws {
        let server = try LoopbackServer(root: served)
        let dataset = tiny(mirrors: [server.url("files/tiny")], digest: String(repeating: "0", count: 64))
        #expect { try fetcher().fetch(dataset) } throws: { error in
            let text = "\(error)"
            return text.contains("SHA-256") && text.contains("the download was deleted") && text.contains("tiny:")
        }
        let folder = cache.folder(for: dataset)
        #expect(!FileManager.default.fileExists(atPath: folder + "/blob.bin"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/blob.bin.part"))
        #expect(!cache.isComplete(dataset))
    }

    @Test func aCutConnectionIsResumedWithARangeRequest() throws {
        let server = try LoopbackServer(root: served)
        let events = EventLog()
        try fetcher(events: events).fetch(tiny(mirrors: [server.url("cut/tiny")]))
        #expect(try cached() == Data(blob))
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests.last == "GET /cut/tiny/blob.bin bytes=150000-")
        #expect(events.failures.count == 1)
    }

    @Test func aPartialFileLeftByAnEarlierRunIsResumed() throws {
        let server = try LoopbackServer(root: served)
        let dataset = tiny(mirrors: [server.url("files/tiny")])
        try FileManager.default.createDirectory(atPath: cache.folder(for: dataset), withIntermediateDirectories: true)
        try Data(blob.prefix(1000)).write(to: URL(fileURLWithPath: cache.folder(for: dataset) + "/blob.bin.part"))
        try fetcher().fetch(dataset)
        #expect(try cached() == Data(blob))
        #expect(server.requests == ["GET /files/tiny/blob.bin bytes=1000-"])
    }

    @Test func aMissingFileOnTheFirstMirrorFallsBackToTheSecond() throws {
        let server = try LoopbackServer(root: served)
        let events = EventLog()
        try fetcher(events: events).fetch(tiny(mirrors: [server.url("gone/tiny"), server.url("files/tiny")]))
        #expect(try cached() == Data(blob))
        #expect(server.requests.map { $0.split(separator: " ")[1] } == ["/gone/tiny/blob.bin", "/files/tiny/blob.bin"])
        #expect(events.failures.first?.contains("HTTP status 404") == true)
    }

    @Test func redirectsAreFollowed() throws {
        let server = try LoopbackServer(root: served)
        try fetcher().fetch(tiny(mirrors: [server.url("redirect/tiny")]))
        #expect(try cached() == Data(blob))
        #expect(server.requests.map { $0.split(separator: " ")[1] } == ["/redirect/tiny/blob.bin", "/files/tiny/blob.bin"])
    }

    @Test func aSlowServerTimesOutWithAMessage() throws {
        let server = try LoopbackServer(root: served)
        let started = Date()
        #expect { try fetcher(FetchOptions(cache: cache, timeout: 1)).fetch(tiny(mirrors: [server.url("slow/tiny")])) } throws: { error in
            "\(error)".contains("timed out (no data for 1 s)")
        }
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func theMirrorOptionComesFirstAsURLSlashNameSlashFile() throws {
        let server = try LoopbackServer(root: served)
        let options = FetchOptions(cache: cache, mirror: server.url("files") + "/", timeout: 5)
        let dataset = tiny(mirrors: ["http://127.0.0.1:9/unused"])
        #expect(fetcher(options).urls(of: dataset.files[0], in: dataset) == [server.url("files/tiny/blob.bin"), "http://127.0.0.1:9/unused/blob.bin"])
        try fetcher(options).fetch(dataset)
        #expect(server.requests == ["GET /files/tiny/blob.bin -"])
    }

    @Test func offlineNeverTouchesTheNetwork() throws {
        let server = try LoopbackServer(root: served)
        let dataset = tiny(mirrors: [server.url("files/tiny")])
        #expect { try fetcher(FetchOptions(cache: cache, offline: true)).fetch(dataset) } throws: { error in
            "\(error)".contains("offline")
        }
        #expect(server.requests.isEmpty)
        try fetcher().fetch(dataset)
        try fetcher(FetchOptions(cache: cache, offline: true)).fetch(dataset)
        #expect(server.requests.count == 1)
    }

    @Test func twoConcurrentFetchesDownloadOnce() async throws {
        let server = try LoopbackServer(root: served)
        let dataset = tiny(mirrors: [server.url("files/tiny")])
        let first = fetcher(), second = fetcher()
        async let a = Task.detached { try first.fetch(dataset) }.value
        async let b = Task.detached { try second.fetch(dataset) }.value
        _ = try await (a, b)
        #expect(try cached() == Data(blob))
        #expect(server.requests.count == 1)
    }

    @Test(.enabled(if: LoopbackServer.sharedDataFolder != nil, "the MNIST files are not beside the package"))
    func mnistFromAnEmptyCacheThroughTheMirror() throws {
        let server = try LoopbackServer(root: URL(fileURLWithPath: LoopbackServer.sharedDataFolder!))
        let options = FetchOptions(cache: cache, mirror: server.url("files"))
        try DatasetFetcher(options: options).fetch(DatasetCatalogue.mnist)
        let (train, test): (Dataset<Float>, Dataset<Float>?) = try cache.load(DatasetCatalogue.mnist)
        #expect(train.count == 60_000)
        #expect(test?.count == 10_000)
        #expect(server.requests.count == 4)
    }
}

/// The events of a fetch, collected across threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [FetchEvent] = []

    func append(_ event: FetchEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    var completed: [String] {
        lock.lock()
        defer { lock.unlock() }
        return events.compactMap { if case let .completed(dataset, _) = $0 { dataset.name } else { nil } }
    }

    var failures: [String] {
        lock.lock()
        defer { lock.unlock() }
        return events.compactMap { if case let .failed(reason) = $0 { reason.description } else { nil } }
    }
}
