import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Study description

/// What defines a study: the space, strategy, seed, objective and full-trial budget.
/// Reopening a study file checks that these match.
public struct StudyDescription: Sendable, Hashable {
    /// The search space.
    public var space: SearchSpace
    /// The strategy name (``SearchStrategy/name``).
    public var strategy: String
    /// The study seed.
    public var seed: UInt64
    /// The objective.
    public var objective: Objective
    /// Epochs of a full trial.
    public var budget: Int

    /// Creates a description.
    public init(space: SearchSpace, strategy: String, seed: UInt64, objective: Objective, budget: Int) {
        self.space = space
        self.strategy = strategy
        self.seed = seed
        self.objective = objective
        self.budget = budget
    }

    /// The proposal context of this study.
    public var context: ProposalContext {
        ProposalContext(space: space, seed: seed, objective: objective, budget: budget)
    }
}

// MARK: - Worker identity

/// Who evaluates a trial: an identifier, the host name and the process id (for liveness checks).
public struct WorkerIdentity: Sendable, Hashable {
    /// A unique identifier, by default `host:pid:random`.
    public var id: String
    /// The host name.
    public var host: String
    /// The process id.
    public var pid: Int32

    /// Creates an identity; defaults describe the current process with a fresh random suffix.
    public init(id: String? = nil, host: String = ProcessInfo.processInfo.hostName, pid: Int32 = getpid()) {
        self.host = host
        self.pid = pid
        self.id = id ?? "\(host):\(pid):\(UUID().uuidString.prefix(8))"
    }
}

/// The outcome of asking the store for work.
public enum TrialClaim: Sendable, Hashable {
    /// Evaluate this trial (now marked `running` for the caller).
    case trial(TrialRecord)
    /// Nothing to do now; other workers are running trials that may unlock more.
    case wait
    /// The study has reached its total or the strategy is exhausted, and nothing is running.
    case finished
}

// MARK: - Study store

/// A study in an SQLite file (WAL mode, busy timeout), shared safely by several processes.
///
/// Tables:
/// - `study` (one row): space JSON, strategy, seed, objective metric and direction, budget, created time;
/// - `trials`: id, number (unique), configuration JSON, seed, budget, bracket, rung, parent_id,
///   status (`pending`/`running`/`completed`/`failed`/`pruned`), objective, duration, started,
///   finished, worker, host, pid, heartbeat, error;
/// - `metrics`: (trial_id, epoch, name) → value, one row per reported metric per epoch.
///
/// ``claim(worker:strategy:totalTrials:staleAfter:)`` runs in one `BEGIN IMMEDIATE` transaction:
/// it re-queues trials whose worker is dead (heartbeat older than `staleAfter`, or on this host a
/// pid that no longer exists), hands out a pending trial, or asks the strategy for trial `k`
/// (`k` = number of trials so far) and inserts it as `running` — so two workers never get the same
/// trial or the same trial number.
public final class StudyStore: Sendable {
    /// The file path.
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating if needed) a study file with its own connection.
    /// - Parameters:
    ///   - path: the SQLite file of the study; it is created, with its tables, when missing.
    ///   - busyTimeout: seconds to wait for another connection's lock (default 30).
    ///   - sharedFileSystem: `false` (default) uses WAL mode, fast but limited to processes on one
    ///     host; `true` uses a rollback journal (`DELETE` mode), which relies only on file locks and
    ///     so also serves workers on several hosts sharing a file system that honours them.
    ///     The mode is stored in the file: every worker of a study should open it the same way
    ///     (switching needs all other connections closed).
    public init(path: String, busyTimeout: TimeInterval = 30, sharedFileSystem: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // The journal mode is stored in the file; change it only when it differs, since a
            // change needs every other connection closed.
            let wanted = sharedFileSystem ? "delete" : "wal"
            let current = try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased()
            if current != wanted {
                try db.execute(sql: "PRAGMA journal_mode = \(wanted.uppercased())")
            }
            if !sharedFileSystem { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try StudyStore.createSchema(db)
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw SearchError.storage("\(path): \(error.message ?? error.description)")
        }
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS study (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                space TEXT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL,
                metric TEXT NOT NULL, direction TEXT NOT NULL, budget INTEGER NOT NULL, created REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS trials (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                number INTEGER NOT NULL UNIQUE,
                configuration TEXT NOT NULL, seed INTEGER NOT NULL, budget INTEGER NOT NULL,
                bracket INTEGER NOT NULL DEFAULT 0, rung INTEGER NOT NULL DEFAULT 0, parent_id INTEGER,
                status TEXT NOT NULL, objective REAL, duration REAL, started REAL, finished REAL,
                worker TEXT, host TEXT, pid INTEGER, heartbeat REAL, error TEXT);
            CREATE INDEX IF NOT EXISTS trials_status ON trials(status);
            CREATE TABLE IF NOT EXISTS metrics (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                epoch INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
                PRIMARY KEY (trial_id, epoch, name));
            """)
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw SearchError.storage("\(path): \(error.message ?? error.description)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw SearchError.storage("\(path): \(error.message ?? error.description)")
        }
    }

    // MARK: Study

    /// Records the study on first use, or checks that the file holds the same study.
    /// - Throws: ``SearchError/studyMismatch(_:)`` naming what differs.
    public func prepare(_ study: StudyDescription) throws {
        let spaceJSON = try Self.json(study.space)
        try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM study WHERE id = 1") {
                var differences: [String] = []
                if (row["space"] as String) != spaceJSON { differences.append("search space") }
                if (row["strategy"] as String) != study.strategy { differences.append("strategy '\(row["strategy"] as String)' vs '\(study.strategy)'") }
                if UInt64(bitPattern: row["seed"] as Int64) != study.seed { differences.append("seed \(UInt64(bitPattern: row["seed"] as Int64)) vs \(study.seed)") }
                if (row["metric"] as String) != study.objective.metric || (row["direction"] as String) != study.objective.direction.rawValue {
                    differences.append("objective")
                }
                if (row["budget"] as Int) != study.budget { differences.append("epochs \(row["budget"] as Int) vs \(study.budget)") }
                if !differences.isEmpty { throw SearchError.studyMismatch(differences.joined(separator: ", ")) }
            } else {
                try db.execute(sql: """
                    INSERT INTO study (id, space, strategy, seed, metric, direction, budget, created)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [spaceJSON, study.strategy, Int64(bitPattern: study.seed), study.objective.metric,
                                     study.objective.direction.rawValue, study.budget, Date().timeIntervalSince1970])
            }
        }
    }

    /// The study recorded in the file, or `nil` for a new file.
    public func study() throws -> StudyDescription? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM study WHERE id = 1") else { return nil }
            let space = try JSONDecoder().decode(SearchSpace.self, from: Data((row["space"] as String).utf8))
            return StudyDescription(space: space, strategy: row["strategy"], seed: UInt64(bitPattern: row["seed"] as Int64),
                                    objective: Objective(metric: row["metric"], direction: Objective.Direction(rawValue: row["direction"]) ?? .minimize),
                                    budget: row["budget"])
        }
    }

    // MARK: Claiming

    /// Re-queues dead workers' trials, then hands out a pending trial or a newly proposed one,
    /// all in one immediate transaction. At most `totalTrials` trials are created, failed ones
    /// included (a failed trial is not retried), and never more than the strategy's maximum.
    /// Trial `k`'s training seed is `mix(study seed ⊕ 0x5EED, k)`; a promoted trial reuses its parent's.
    public func claim(worker: WorkerIdentity, strategy: SearchStrategy, totalTrials: Int,
                      staleAfter: TimeInterval = 600) throws -> TrialClaim {
        guard let study = try study() else { throw SearchError.storage("\(path): no study recorded; call prepare first") }
        guard study.strategy == strategy.name else {
            throw SearchError.studyMismatch("the study uses strategy '\(study.strategy)', not '\(strategy.name)'")
        }
        let context = study.context
        let limit = min(totalTrials, try strategy.maximumTrials(context: context) ?? Int.max)
        return try write { db in
            let now = Date().timeIntervalSince1970
            try requeueDeadTrials(db, now: now, staleAfter: staleAfter)
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM trials WHERE status = 'pending' ORDER BY number LIMIT 1") {
                try markRunning(db, id: id, worker: worker, now: now)
                return .trial(try trial(db, id: id)!)
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials") ?? 0
            let running = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE status = 'running'") ?? 0
            guard count < limit else { return running > 0 ? .wait : .finished }
            let history = try trials(db)
            switch try strategy.next(number: count, history: history, context: context) {
            case .wait:
                return running > 0 ? .wait : .finished
            case .exhausted:
                return running > 0 ? .wait : .finished
            case .propose(let proposal):
                var seed = ProposalContext.mix(study.seed ^ 0x5EED, UInt64(count))
                if let parentID = proposal.parentID, let parent = history.first(where: { $0.id == parentID }) { seed = parent.seed }
                try db.execute(sql: """
                    INSERT INTO trials (number, configuration, seed, budget, bracket, rung, parent_id, status,
                                        started, worker, host, pid, heartbeat)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
                    """, arguments: [count, try Self.json(proposal.configuration), Int64(bitPattern: seed), proposal.budget,
                                     proposal.bracket, proposal.rung, proposal.parentID, now, worker.id, worker.host,
                                     Int64(worker.pid), now])
                return .trial(try trial(db, id: db.lastInsertedRowID)!)
            }
        }
    }

    private func markRunning(_ db: Database, id: Int64, worker: WorkerIdentity, now: Double) throws {
        try db.execute(sql: """
            UPDATE trials SET status = 'running', started = ?, worker = ?, host = ?, pid = ?, heartbeat = ?
            WHERE id = ?
            """, arguments: [now, worker.id, worker.host, Int64(worker.pid), now, id])
    }

    /// Running trials whose heartbeat is older than `staleAfter`, or whose pid on this host is gone,
    /// go back to `pending` with their partial metrics removed. Returns how many.
    @discardableResult
    private func requeueDeadTrials(_ db: Database, now: Double, staleAfter: TimeInterval) throws -> Int {
        let host = ProcessInfo.processInfo.hostName
        var dead: [Int64] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, host, pid, heartbeat FROM trials WHERE status = 'running'") {
            let heartbeat = (row["heartbeat"] as Double?) ?? 0
            let sameHost = (row["host"] as String?) == host
            let pid = (row["pid"] as Int64?).map { Int32(truncatingIfNeeded: $0) }
            if now - heartbeat > staleAfter || (sameHost && pid.map { !Self.processIsAlive($0) } ?? false) {
                dead.append(row["id"])
            }
        }
        for id in dead {
            try db.execute(sql: "DELETE FROM metrics WHERE trial_id = ?", arguments: [id])
            try db.execute(sql: """
                UPDATE trials SET status = 'pending', worker = NULL, host = NULL, pid = NULL, heartbeat = NULL, started = NULL
                WHERE id = ?
                """, arguments: [id])
        }
        return dead.count
    }

    /// Whether a process with this id exists (`kill(pid, 0)` succeeds or is refused for permission).
    public static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Re-queues dead workers' trials now (see ``claim(worker:strategy:totalTrials:staleAfter:)``); returns how many.
    @discardableResult
    public func requeueDeadTrials(staleAfter: TimeInterval = 600) throws -> Int {
        try write { db in try requeueDeadTrials(db, now: Date().timeIntervalSince1970, staleAfter: staleAfter) }
    }

    // MARK: Reporting

    /// Records the metrics of one epoch (0-based) and refreshes the heartbeat, if the trial is
    /// still `running` for `worker`. Returns `false` (recording nothing) when the trial was
    /// re-queued or taken over meanwhile; the caller should then stop evaluating it.
    @discardableResult
    public func record(trialID: Int64, epoch: Int, metrics: [String: Double], worker: WorkerIdentity) throws -> Bool {
        try write { db in
            guard try owns(db, trialID: trialID, worker: worker) else { return false }
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO metrics (trial_id, epoch, name, value) VALUES (?, ?, ?, ?)",
                               arguments: [trialID, epoch, name, value])
            }
            try db.execute(sql: "UPDATE trials SET heartbeat = ? WHERE id = ?", arguments: [Date().timeIntervalSince1970, trialID])
            return true
        }
    }

    /// Refreshes a running trial's heartbeat if `worker` still owns it; returns whether it does.
    @discardableResult
    public func heartbeat(trialID: Int64, worker: WorkerIdentity) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE trials SET heartbeat = ? WHERE id = ? AND status = 'running' AND worker = ?",
                           arguments: [Date().timeIntervalSince1970, trialID, worker.id])
            return db.changesCount > 0
        }
    }

    /// Marks a trial finished with its status, objective, duration and error message, if `worker`
    /// still owns it. Returns `false` (changing nothing) when the trial was re-queued meanwhile.
    @discardableResult
    public func finish(trialID: Int64, worker: WorkerIdentity, status: TrialStatus, objective: Double?, duration: Double,
                       error: String? = nil) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE trials SET status = ?, objective = ?, duration = ?, finished = ?, heartbeat = NULL, error = ?
                WHERE id = ? AND status = 'running' AND worker = ?
                """, arguments: [status.rawValue, objective, duration, Date().timeIntervalSince1970, error, trialID, worker.id])
            return db.changesCount > 0
        }
    }

    private func owns(_ db: Database, trialID: Int64, worker: WorkerIdentity) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT status = 'running' AND worker = ? FROM trials WHERE id = ?",
                          arguments: [worker.id, trialID]) ?? false
    }

    // MARK: Queries

    /// Every trial, ordered by number, with the objective metric's per-epoch values.
    public func trials() throws -> [TrialRecord] {
        try read { db in try trials(db) }
    }

    /// All metrics of a trial: epoch → name → value.
    public func metrics(trialID: Int64) throws -> [Int: [String: Double]] {
        try read { db in
            var result: [Int: [String: Double]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT epoch, name, value FROM metrics WHERE trial_id = ?", arguments: [trialID]) {
                result[row["epoch"], default: [:]][row["name"]] = row["value"] as Double
            }
            return result
        }
    }

    /// The worker that ran or runs a trial, as stored (`nil` when pending).
    public func worker(trialID: Int64) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT worker FROM trials WHERE id = ?", arguments: [trialID]) }
    }

    private func trials(_ db: Database) throws -> [TrialRecord] {
        let metric = try String.fetchOne(db, sql: "SELECT metric FROM study WHERE id = 1") ?? ""
        var intermediate: [Int64: [Int: Double]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT trial_id, epoch, value FROM metrics WHERE name = ?", arguments: [metric]) {
            intermediate[row["trial_id"], default: [:]][row["epoch"]] = row["value"] as Double
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM trials ORDER BY number").map { row in
            var record = try Self.record(row)
            record.intermediate = intermediate[record.id] ?? [:]
            return record
        }
    }

    private func trial(_ db: Database, id: Int64) throws -> TrialRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM trials WHERE id = ?", arguments: [id]).map(Self.record)
    }

    private static func record(_ row: Row) throws -> TrialRecord {
        let configuration = try JSONDecoder().decode(TrialConfiguration.self, from: Data((row["configuration"] as String).utf8))
        return TrialRecord(id: row["id"], number: row["number"], configuration: configuration,
                           seed: UInt64(bitPattern: row["seed"] as Int64), budget: row["budget"], bracket: row["bracket"],
                           rung: row["rung"], parentID: row["parent_id"],
                           status: TrialStatus(rawValue: row["status"]) ?? .failed,
                           objective: row["objective"], duration: row["duration"])
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
