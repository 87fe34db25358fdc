import CLibPQ
import Foundation

// MARK: - URL

/// A PostgreSQL server and database: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?KEY=VALUE&…]`
/// (`postgres://` also accepted; user, password and database percent-decoded).
///
/// Without a password in the URL, libpq takes it from `PGPASSWORD` or from `~/.pgpass` (or the file
/// named by `PGPASSFILE`). Query parameters are passed to libpq as connection keywords, e.g.
/// `sslmode=require` or `connect_timeout=5`. The ``description`` never shows the password.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// The user name (`nil`: libpq's default, the operating-system user).
    public var user: String?
    /// The password, if the URL gives one.
    public var password: String?
    /// The host name or address.
    public var host: String
    /// The port (`nil`: 5432 or `PGPORT`).
    public var port: Int?
    /// The database.
    public var database: String
    /// Further libpq connection keywords, from the query string.
    public var options: [String: String]

    /// Parses a `postgresql://` or `postgres://` URL.
    /// - Parameter text: the URL.
    /// - Throws: ``SearchError/invalidStudyLocation(_:reason:)`` naming the URL without its password.
    public init(parsing text: String) throws {
        guard let url = try PostgresURL(parsingIfPostgres: text) else {
            throw SearchError.invalidStudyLocation(text, reason: "a PostgreSQL URL starts with postgresql://")
        }
        self = url
    }

    /// Parses `text` if it starts with `postgresql://` or `postgres://`; `nil` otherwise.
    init?(parsingIfPostgres text: String) throws {
        guard let scheme = ["postgresql://", "postgres://"].first(where: text.hasPrefix) else { return nil }
        var rest = Substring(text.dropFirst(scheme.count))
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        // The authority ends at the first '/' after the user information.
        let at = rest.lastIndex(of: "@")
        let hostStart = at.map { rest.index(after: $0) } ?? rest.startIndex
        let slash = rest[hostStart...].firstIndex(of: "/")
        let userInfo = at.map { rest[..<$0] }
        let hostPort = rest[hostStart..<(slash ?? rest.endIndex)]
        let path = slash.map { rest[rest.index(after: $0)...] } ?? ""
        // Shown in errors: the URL with the password replaced.
        let shown = userInfo.map { info in
            "\(scheme)\(info.split(separator: ":", maxSplits: 1).first ?? "")@\(rest[hostStart...])"
        } ?? text
        func fail(_ reason: String) -> SearchError { .invalidStudyLocation(shown, reason: reason) }
        if let userInfo, !userInfo.isEmpty {
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = parts[0].removingPercentEncoding
            password = parts.count > 1 ? parts[1].removingPercentEncoding : nil
            if user == nil || (parts.count > 1 && password == nil) { throw fail("bad percent-encoding in the user or password") }
        } else {
            user = nil
            password = nil
        }
        var hostText = hostPort, portText: Substring?
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            hostText = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            portText = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = hostPort.lastIndex(of: ":") {
            hostText = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        }
        guard !hostText.isEmpty else { throw fail("no host") }
        host = String(hostText)
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw fail("the port '\(portText)' is not a number from 1 to 65535") }
            port = number
        } else {
            port = nil
        }
        guard let name = path.removingPercentEncoding, !name.isEmpty, !name.contains("/") else { throw fail("no database name after the host") }
        database = name
        var options: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = parts[0].removingPercentEncoding, let value = parts[1].removingPercentEncoding else {
                throw fail("the query parameter '\(pair)' is not KEY=VALUE")
            }
            guard key != "password" else { throw fail("give the password before the host, in PGPASSWORD or in ~/.pgpass") }
            options[key] = value
        }
        self.options = options
    }

    /// `postgresql://USER@HOST:PORT/DATABASE`, without the password and the query.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user.map { "\($0)@" } ?? "")\(hostText)\(port.map { ":\($0)" } ?? "")/\(database)"
    }

    /// libpq connection keywords and values.
    var keywords: [(String, String)] {
        var pairs: [(String, String)] = [("host", host), ("dbname", database)]
        if options["application_name"] == nil { pairs.append(("application_name", "backprop")) }
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        if let port { pairs.append(("port", String(port))) }
        if options["connect_timeout"] == nil { pairs.append(("connect_timeout", "10")) }
        pairs += options.sorted { $0.key < $1.key }
        return pairs
    }
}

// MARK: - Connection

/// A value sent as a query parameter, in PostgreSQL's text format.
protocol PostgresParameter {
    var postgresText: String { get }
}

extension String: PostgresParameter { var postgresText: String { self } }
extension Int: PostgresParameter { var postgresText: String { String(self) } }
extension Int64: PostgresParameter { var postgresText: String { String(self) } }
extension Double: PostgresParameter {
    var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)  // the shortest text that reads back as the same double
    }
}

/// One row of a result, column name → text (`nil` for SQL NULL).
struct PostgresRow {
    var values: [String: String?]

    subscript(_ column: String) -> String? { values[column] ?? nil }
    func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    func int64(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }
    func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
}

/// One connection through libpq, used by one thread at a time (a lock serialises the store's
/// callers). A transaction whose connection drops is retried after reconnecting, waiting
/// `retryDelays[i]` seconds before attempt `i + 1`; after the last one it throws
/// ``SearchError/connectionLost(server:attempts:reason:)``.
final class PostgresConnection: @unchecked Sendable {
    let url: PostgresURL
    let retryDelays: [TimeInterval]
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// The connection dropped (the server went away, or the backend was terminated).
    private struct Dropped: Error { var reason: String }
    /// A deadlock or serialization failure: the transaction may simply be run again.
    private struct Conflict: Error {}

    init(url: PostgresURL, retryDelays: [TimeInterval]) throws {
        self.url = url
        self.retryDelays = retryDelays
        let pairs = url.keywords
        let keys = pairs.map { strdup($0.0) }, values = pairs.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        let connection = (keys.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keyBuffer in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keyBuffer.baseAddress, valueBuffer.baseAddress, 0)
            }
        }
        guard let connection else { throw SearchError.serverUnreachable(server: url.description, reason: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            PQfinish(connection)
            throw Self.connectionError(message, url: url)
        }
        handle = connection
        try? setUp()
    }

    deinit { PQfinish(handle) }

    /// Notices such as "relation already exists, skipping" stay off the terminal.
    private func setUp() throws {
        _ = try execute("SET client_min_messages = warning", [])
    }

    /// A connection failure's message as a typed error, naming the server without the password.
    static func connectionError(_ message: String, url: PostgresURL) -> SearchError {
        let lowered = message.lowercased()
        if lowered.contains("password authentication failed") || lowered.contains("no password supplied")
            || lowered.contains("authentication failed") {
            return .authenticationFailed(server: url.description)
        }
        if lowered.contains("database \"") && lowered.contains("does not exist") {
            return .databaseMissing(server: url.description, database: url.database)
        }
        let reason = message.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? message
        return .serverUnreachable(server: url.description, reason: reason.isEmpty ? "no answer" : reason)
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`, rolled back when it throws), retrying
    /// it after a dropped connection or a deadlock.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try lock.withLock {
            var attempt = 0, conflicts = 0
            while true {
                do {
                    _ = try execute("BEGIN", [])
                    do {
                        let result = try body(self)
                        _ = try execute("COMMIT", [])
                        return result
                    } catch let error as Dropped {
                        throw error
                    } catch {
                        _ = try? execute("ROLLBACK", [])
                        throw error
                    }
                } catch is Conflict where conflicts < 20 {
                    conflicts += 1
                    Thread.sleep(forTimeInterval: 0.01 * Double(conflicts))
                } catch let dropped as Dropped {
                    try reconnect(after: &attempt, reason: dropped.reason)
                }
            }
        }
    }

    /// Waits and resets the connection until it is back, or throws once the delays are used up.
    private func reconnect(after attempt: inout Int, reason: String) throws {
        var reason = reason
        while attempt < retryDelays.count {
            Thread.sleep(forTimeInterval: retryDelays[attempt])
            attempt += 1
            PQreset(handle)
            if PQstatus(handle) == CONNECTION_OK {
                try? setUp()
                return
            }
            reason = Self.text(PQerrorMessage(handle))
        }
        throw SearchError.connectionLost(server: url.description, attempts: attempt, reason: reason)
    }

    /// Runs one statement with `$1, $2, …` parameters; returns its rows and the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [(any PostgresParameter)?]) throws -> (rows: [PostgresRow], changed: Int) {
        let texts = parameters.map { $0.map { strdup($0.postgresText) } ?? nil }
        defer { texts.forEach { free($0) } }
        let result = texts.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = result.map { Self.text(PQresultErrorMessage($0)) } ?? Self.text(PQerrorMessage(handle))
            if PQstatus(handle) != CONNECTION_OK { throw Dropped(reason: message.isEmpty ? "connection closed" : message) }
            let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
            if state == "40P01" || state == "40001" { throw Conflict() }
            // 57P01 and friends: the server is shutting the session down; reconnecting may help.
            if state?.hasPrefix("57P") == true || state?.hasPrefix("08") == true { throw Dropped(reason: message) }
            throw SearchError.storage("\(url): \(message)")
        }
        var rows: [PostgresRow] = []
        let columns = PQnfields(result)
        let names = (0..<columns).map { String(cString: PQfname(result, $0)) }
        for row in 0..<PQntuples(result) {
            var values: [String: String?] = [:]
            for column in 0..<columns {
                values[names[Int(column)]] = PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
            rows.append(PostgresRow(values: values))
        }
        let changed = Int(String(cString: PQcmdTuples(result))) ?? 0
        return (rows, changed)
    }
}
