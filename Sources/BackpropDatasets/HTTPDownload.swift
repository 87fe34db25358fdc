import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP(S) download into a partial file, resumed with a `Range` request when the file
/// already holds bytes. Redirects are followed; proxies come from the standard
/// environment variables (`http_proxy`, `https_proxy`, `no_proxy`) on Linux and from the
/// system settings on macOS.
final class HTTPDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let url: URL
    private let path: String
    private let timeout: Double
    private let progress: (Int64, Int64?) -> Void
    private let done = DispatchSemaphore(value: 0)
    private var handle: FileHandle?
    private var received: Int64 = 0
    private var total: Int64?
    private var failure: DatasetFetchError.Reason?
    private var rangeSatisfied = false

    private init(url: URL, path: String, timeout: Double, progress: @escaping (Int64, Int64?) -> Void) {
        self.url = url
        self.path = path
        self.timeout = timeout
        self.progress = progress
    }

    /// Downloads `url` to `path`, appending to the bytes already there when the server
    /// honours a `Range` request and starting over when it does not.
    ///
    /// - Parameters:
    ///   - url: The file's address.
    ///   - path: The partial file (created when absent).
    ///   - timeout: Seconds without a byte before the transfer fails.
    ///   - progress: Called with the bytes in the file and the expected total.
    /// - Throws: ``DatasetFetchError`` for an HTTP error status, a time-out or a
    ///   broken connection; the bytes received stay in `path` for a later resume.
    static func run(url: URL, to path: String, timeout: Double, progress: @escaping (Int64, Int64?) -> Void) throws {
        let download = HTTPDownload(url: url, path: path, timeout: timeout, progress: progress)
        try download.start()
    }

    private func start() throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let existing = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if existing > 0 { request.setValue("bytes=\(existing)-", forHTTPHeaderField: "Range") }
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        received = existing
        session.dataTask(with: request).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        try? handle?.close()
        if let failure { throw DatasetFetchError(dataset: nil, reason: failure) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            failure = .transfer("not an HTTP response", url: url.absoluteString)
            return completionHandler(.cancel)
        }
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        switch http.statusCode {
        case 206:
            total = length.map { $0 + received }
        case 200:
            received = 0
            total = length
        case 416:
            // The partial file already holds every byte: the checksum decides.
            rangeSatisfied = true
            return completionHandler(.cancel)
        default:
            failure = .httpStatus(http.statusCode, url: url.absoluteString)
            return completionHandler(.cancel)
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            if http.statusCode == 200 { try handle.truncate(atOffset: 0) } else { try handle.seekToEnd() }
            self.handle = handle
        } catch {
            failure = .transfer("cannot write \(path): \(error.localizedDescription)", url: url.absoluteString)
            return completionHandler(.cancel)
        }
        progress(received, total)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let handle else { return }
        do {
            try handle.write(contentsOf: data)
            received += Int64(data.count)
            progress(received, total)
        } catch {
            failure = .transfer("cannot write \(path): \(error.localizedDescription)", url: url.absoluteString)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        defer { done.signal() }
        if failure != nil || rangeSatisfied { return }
        if let error = error as? URLError {
            failure = error.code == .timedOut
                ? .timeout(seconds: timeout, url: url.absoluteString)
                : .transfer(error.localizedDescription + " (\(received) bytes so far)", url: url.absoluteString)
        } else if let error {
            failure = .transfer(error.localizedDescription, url: url.absoluteString)
        } else if let total, received < total {
            failure = .transfer("the connection closed after \(received) of \(total) bytes", url: url.absoluteString)
        }
    }
}
