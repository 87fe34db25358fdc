import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - SQLite store

/// A study in an SQLite file (WAL mode, busy timeout), shared safely by several processes on one
/// host (or on several hosts through a shared file system, see `sharedFileSystem`).
///
/// Tables:
/// - `study` (one row): space JSON, strategy, seed, objective metric and direction, budget, created time;
/// - `trials`: id, number (unique), configuration JSON, seed, budget, bracket, rung, parent_id,
///   status (`pending`/`running`/`completed`/`failed`/`pruned`), objective, duration, started,
///   finished, worker, host, pid, heartbeat, attempts, error;
/// - `metrics`: (trial_id, epoch, name) → value, one row per reported metric per epoch.
///
/// The schema version is the file's `user_version` (1; files of earlier releases, version 0, are
/// upgraded in place). ``claim(worker:strategy:totalTrials:staleAfter:)`` runs in one
/// `BEGIN IMMEDIATE` transaction, which locks the file against other writers.
public final class SQLiteStudyStore: StudyStore {
    /// The schema version this release writes and reads.
    public static let schemaVersion = 1
    /// The file path.
    public let path: String
    private let queue: DatabaseQueue

    /// The file path.
    public var location: String { path }

    /// Opens (creating if needed) a study file with its own connection.
    /// - Parameters:
    ///   - path: the SQLite file of the study; it is created, with its tables, when missing.
    ///   - busyTimeout: seconds to wait for another connection's lock (default 30).
    ///   - sharedFileSystem: `false` (default) uses WAL mode, fast but limited to processes on one
    ///     host; `true` uses a rollback journal (`DELETE` mode), which relies only on file locks and
    ///     so also serves workers on several hosts sharing a file system that honours them.
    ///     The mode is stored in the file: every worker of a study should open it the same way
    ///     (switching needs all other connections closed).
    /// - Throws: ``SearchError/schemaTooNew(location:found:supported:)`` for a file of a newer release.
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
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    guard version <= Self.schemaVersion else {
                        throw SearchError.schemaTooNew(location: path, found: version, supported: Self.schemaVersion)
                    }
                    try Self.createSchema(db)
                    if version < Self.schemaVersion {
                        // Version 0 (earlier releases) had no attempts column.
                        if try !db.columns(in: "trials").contains(where: { $0.name == "attempts" }) {
                            try db.execute(sql: "ALTER TABLE trials ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")
                        }
                        try db.execute(sql: "PRAGMA user_version = \(Self.schemaVersion)")
                    }
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
                worker TEXT, host TEXT, pid INTEGER, heartbeat REAL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT);
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
    /// - Parameter study: the study the caller wants to run.
    /// - Throws: ``SearchError/studyMismatch(_:)`` naming what differs.
    public func prepare(_ study: StudyDescription) throws {
        let spaceJSON = try StudyStores.json(study.space)
        try write { db in
            if let stored = try Self.study(db) {
                if let mismatch = try stored.mismatch(with: study, at: path) { throw SearchError.studyMismatch(mismatch) }
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
        try read { db in try Self.study(db) }
    }

    private static func study(_ db: Database) throws -> StudyDescription? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM study WHERE id = 1") else { return nil }
            let space = try JSONDecoder().decode(SearchSpace.self, from: Data((row["space"] as String).utf8))
            return StudyDescription(space: space, strategy: row["strategy"], seed: UInt64(bitPattern: row["seed"] as Int64),
                                    objective: Objective(metric: row["metric"], direction: Objective.Direction(rawValue: row["direction"]) ?? .minimize),
                                    budget: row["budget"])
    }

    // MARK: Claiming

    /// Re-queues dead workers' trials, then hands out a pending trial or a newly proposed one,
    /// all in one immediate transaction (see ``StudyStore/claim(worker:strategy:totalTrials:staleAfter:)``).
    /// - Parameters:
    ///   - worker: who asks; the trial is recorded as running for this worker.
    ///   - strategy: proposes new trials; its name must be the study's.
    ///   - totalTrials: the number of trials the study should hold in all.
    ///   - staleAfter: seconds after the last heartbeat when a running trial's lease runs out.
    public func claim(worker: WorkerIdentity, strategy: SearchStrategy, totalTrials: Int,
                      staleAfter: TimeInterval) throws -> TrialClaim {
        guard let study = try study() else { throw SearchError.storage("\(path): no study recorded; call prepare first") }
        try StudyStores.checkStrategy(strategy, of: study, at: path)
        return try write { db in
            let now = Date().timeIntervalSince1970
            try requeueDeadTrials(db, now: now, staleAfter: staleAfter)
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM trials WHERE status = 'pending' ORDER BY number LIMIT 1") {
                try markRunning(db, id: id, worker: worker, now: now)
                return .trial(try trial(db, id: id)!)
            }
            switch try StudyStores.nextTrial(study: study, strategy: strategy, totalTrials: totalTrials, history: try trials(db)) {
            case .wait: return .wait
            case .finished: return .finished
            case .propose(let number, let proposal, let seed):
                try db.execute(sql: """
                    INSERT INTO trials (number, configuration, seed, budget, bracket, rung, parent_id, status,
                                        started, worker, host, pid, heartbeat, attempts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, 1)
                    """, arguments: [number, try StudyStores.json(proposal.configuration), Int64(bitPattern: seed), proposal.budget,
                                     proposal.bracket, proposal.rung, proposal.parentID, now, worker.id, worker.host,
                                     Int64(worker.pid), now])
                return .trial(try trial(db, id: db.lastInsertedRowID)!)
            }
        }
    }

    private func markRunning(_ db: Database, id: Int64, worker: WorkerIdentity, now: Double) throws {
        try db.execute(sql: """
            UPDATE trials SET status = 'running', started = ?, worker = ?, host = ?, pid = ?, heartbeat = ?, attempts = attempts + 1
            WHERE id = ?
            """, arguments: [now, worker.id, worker.host, Int64(worker.pid), now, id])
    }

    /// Running trials whose heartbeat is older than `staleAfter`, or whose pid on this host is gone,
    /// go back to `pending` with their partial metrics removed. Returns how many.
    @discardableResult
    private func requeueDeadTrials(_ db: Database, now: Double, staleAfter: TimeInterval) throws -> Int {
        var dead: [Int64] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, host, pid, heartbeat FROM trials WHERE status = 'running'")
        where WorkerIdentity.isPresumedDead(host: row["host"], pid: row["pid"], heartbeat: row["heartbeat"], now: now, staleAfter: staleAfter) {
            dead.append(row["id"])
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

    /// Re-queues dead workers' trials now (see ``claim(worker:strategy:totalTrials:staleAfter:)``); returns how many.
    /// - Parameter staleAfter: seconds after the last heartbeat when a lease runs out.
    @discardableResult
    public func requeueDeadTrials(staleAfter: TimeInterval) throws -> Int {
        try write { db in try requeueDeadTrials(db, now: Date().timeIntervalSince1970, staleAfter: staleAfter) }
    }

    // MARK: Reporting

    /// Records the metrics of one epoch (0-based) and refreshes the heartbeat, if the trial is
    /// still `running` for `worker`. Returns `false` (recording nothing) when the trial was
    /// re-queued or taken over meanwhile; the caller should then stop evaluating it.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - epoch: the 0-based epoch.
    ///   - metrics: metric name → value.
    ///   - worker: the worker that claimed the trial.
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
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - worker: the worker that claimed the trial.
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
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - worker: the worker that claimed the trial.
    ///   - status: `completed`, `pruned` or `failed`.
    ///   - objective: the objective value, if any.
    ///   - duration: wall-clock seconds of the evaluation.
    ///   - error: why the trial failed, if it did.
    @discardableResult
    public func finish(trialID: Int64, worker: WorkerIdentity, status: TrialStatus, objective: Double?, duration: Double,
                       error: String?) throws -> Bool {
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
    /// - Parameter trialID: the trial's ``TrialRecord/id``.
    public func metrics(trialID: Int64) throws -> [Int: [String: Double]] {
        try read { db in
            var result: [Int: [String: Double]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT epoch, name, value FROM metrics WHERE trial_id = ?", arguments: [trialID]) {
                result[row["epoch"], default: [:]][row["name"]] = row["value"] as Double
            }
            return result
        }
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
                           objective: row["objective"], duration: row["duration"], worker: row["worker"],
                           attempts: row["attempts"])
    }
}
