import Foundation

/// Studies in a PostgreSQL database that any number of workers on any number of machines share.
///
/// A database holds many studies, told apart by name. Tables (created on first use, with the
/// schema version in `backprop_schema`):
/// - `backprop_studies`: id, name (unique), space JSON, strategy, seed, objective, budget, created;
/// - `backprop_trials`: as in ``SQLiteStudyStore``, plus the study id; `(study_id, number)` is unique;
/// - `backprop_metrics`: (trial_id, epoch, name) → value.
///
/// Claiming is one transaction: a pending trial (one whose worker died) is taken with
/// `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent workers each get a different one; otherwise the
/// worker locks its study's row (`SELECT … FOR UPDATE`), re-queues the trials whose lease ran out,
/// and inserts the strategy's next proposal as `running`, so proposals are made one at a time
/// from every trial in the database. Leases are timed by the server's clock, so workers'
/// clocks need not agree.
public final class PostgresStudyStore: StudyStore {
    /// The schema version this release writes and reads.
    public static let schemaVersion = 1
    /// The server and database.
    public let url: PostgresURL
    /// The study's name in the database.
    public let name: String
    private let connection: PostgresConnection

    /// The URL (without the password) and the study name.
    public var location: String { "\(url) (study '\(name)')" }

    /// Connects, and creates the tables on first use.
    /// - Parameters:
    ///   - url: the server and database.
    ///   - name: the study's name in the database.
    ///   - retryDelays: seconds to wait before each reconnection attempt after the connection
    ///     dropped; after the last the operation throws ``SearchError/connectionLost(server:attempts:reason:)``.
    /// - Throws: ``SearchError/serverUnreachable(server:reason:)``, ``SearchError/authenticationFailed(server:)``,
    ///   ``SearchError/databaseMissing(server:database:)``, or ``SearchError/schemaTooNew(location:found:supported:)``
    ///   for a database written by a newer release.
    public init(url: PostgresURL, name: String, retryDelays: [TimeInterval] = [0.5, 1, 2, 4, 8]) throws {
        self.url = url
        self.name = name
        connection = try PostgresConnection(url: url, retryDelays: retryDelays)
        try connection.transaction { db in
            // One creator at a time: concurrent CREATE TABLE IF NOT EXISTS can collide.
            try db.execute("SELECT pg_advisory_xact_lock(7245001)", [])
            try db.execute("CREATE TABLE IF NOT EXISTS backprop_schema (version INTEGER NOT NULL)", [])
            let found = try db.execute("SELECT max(version) AS version FROM backprop_schema", []).rows.first?.int("version")
            if let found, found > Self.schemaVersion {
                throw SearchError.schemaTooNew(location: url.description, found: found, supported: Self.schemaVersion)
            }
            guard found == nil else { return }
            for statement in Self.schema { try db.execute(statement, []) }
            try db.execute("INSERT INTO backprop_schema (version) VALUES ($1)", [Self.schemaVersion])
        }
    }

    private static let schema = [
        """
        CREATE TABLE IF NOT EXISTS backprop_studies (
            id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            space TEXT NOT NULL, strategy TEXT NOT NULL, seed BIGINT NOT NULL,
            metric TEXT NOT NULL, direction TEXT NOT NULL, budget INTEGER NOT NULL, created DOUBLE PRECISION NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS backprop_trials (
            id BIGSERIAL PRIMARY KEY,
            study_id BIGINT NOT NULL REFERENCES backprop_studies(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            configuration TEXT NOT NULL, seed BIGINT NOT NULL, budget INTEGER NOT NULL,
            bracket INTEGER NOT NULL DEFAULT 0, rung INTEGER NOT NULL DEFAULT 0, parent_id BIGINT,
            status TEXT NOT NULL, objective DOUBLE PRECISION, duration DOUBLE PRECISION,
            started DOUBLE PRECISION, finished DOUBLE PRECISION,
            worker TEXT, host TEXT, pid INTEGER, heartbeat DOUBLE PRECISION,
            attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
            UNIQUE (study_id, number))
        """,
        "CREATE INDEX IF NOT EXISTS backprop_trials_status ON backprop_trials (study_id, status)",
        """
        CREATE TABLE IF NOT EXISTS backprop_metrics (
            trial_id BIGINT NOT NULL REFERENCES backprop_trials(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (trial_id, epoch, name))
        """,
    ]

    /// The server's clock in seconds since 1970: leases are timed by it.
    private static let now = "extract(epoch FROM clock_timestamp())::float8"

    // MARK: Study

    /// Records the study under its name on first use, or checks that the stored one is the same.
    /// - Parameter study: the study the caller wants to run.
    /// - Throws: ``SearchError/studyMismatch(_:)`` naming the study, the server and what differs.
    public func prepare(_ study: StudyDescription) throws {
        let spaceJSON = try StudyStores.json(study.space)
        try connection.transaction { db in
            try db.execute("""
                INSERT INTO backprop_studies (name, space, strategy, seed, metric, direction, budget, created)
                VALUES ($1, $2, $3, $4, $5, $6, $7, \(Self.now)) ON CONFLICT (name) DO NOTHING
                """, [name, spaceJSON, study.strategy, Int64(bitPattern: study.seed), study.objective.metric,
                      study.objective.direction.rawValue, study.budget])
            guard let stored = try self.study(db)?.description else { return }
            if let mismatch = try stored.mismatch(with: study, at: location) { throw SearchError.studyMismatch(mismatch) }
        }
    }

    /// The study stored under ``name``, or `nil` before ``prepare(_:)``.
    public func study() throws -> StudyDescription? {
        try connection.transaction { db in try self.study(db)?.description }
    }

    private func study(_ db: PostgresConnection) throws -> (id: Int64, description: StudyDescription)? {
        guard let row = try db.execute("SELECT * FROM backprop_studies WHERE name = $1", [name]).rows.first else { return nil }
        let space = try JSONDecoder().decode(SearchSpace.self, from: Data((row["space"] ?? "").utf8))
        let objective = Objective(metric: row["metric"] ?? "", direction: Objective.Direction(rawValue: row["direction"] ?? "") ?? .minimize)
        let description = StudyDescription(space: space, strategy: row["strategy"] ?? "", seed: UInt64(bitPattern: row.int64("seed") ?? 0),
                                           objective: objective, budget: row.int("budget") ?? 0)
        return (row.int64("id") ?? 0, description)
    }

    private func studyID(_ db: PostgresConnection) throws -> Int64 {
        guard let id = try db.execute("SELECT id FROM backprop_studies WHERE name = $1", [name]).rows.first?.int64("id") else {
            throw SearchError.storage("\(location): no study recorded; call prepare first")
        }
        return id
    }

    // MARK: Claiming

    /// Takes a pending trial (`FOR UPDATE SKIP LOCKED`), or, holding the study's row lock,
    /// re-queues dead workers' trials and records the strategy's next proposal as running.
    /// - Parameters:
    ///   - worker: who asks; the trial is recorded as running for this worker.
    ///   - strategy: proposes new trials; its name must be the study's.
    ///   - totalTrials: the number of trials the study should hold in all.
    ///   - staleAfter: seconds after the last heartbeat when a running trial's lease runs out.
    public func claim(worker: WorkerIdentity, strategy: SearchStrategy, totalTrials: Int,
                      staleAfter: TimeInterval) throws -> TrialClaim {
        try connection.transaction { db in
            guard let (id, study) = try self.study(db) else { throw SearchError.storage("\(location): no study recorded; call prepare first") }
            try StudyStores.checkStrategy(strategy, of: study, at: location)
            if let trial = try claimPending(db, studyID: id, worker: worker) { return .trial(trial) }
            try db.execute("SELECT id FROM backprop_studies WHERE id = $1 FOR UPDATE", [id])
            if try requeueDeadTrials(db, studyID: id, staleAfter: staleAfter) > 0,
               let trial = try claimPending(db, studyID: id, worker: worker) {
                return .trial(trial)
            }
            switch try StudyStores.nextTrial(study: study, strategy: strategy, totalTrials: totalTrials,
                                             history: try trials(db, studyID: id, metric: study.objective.metric)) {
            case .wait: return .wait
            case .finished: return .finished
            case .propose(let number, let proposal, let seed):
                let inserted = try db.execute("""
                    INSERT INTO backprop_trials (study_id, number, configuration, seed, budget, bracket, rung, parent_id, status,
                                                 started, worker, host, pid, heartbeat, attempts)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', \(Self.now), $9, $10, $11, \(Self.now), 1)
                    RETURNING *
                    """, [id, number, try StudyStores.json(proposal.configuration), Int64(bitPattern: seed), proposal.budget,
                          proposal.bracket, proposal.rung, proposal.parentID, worker.id, worker.host, Int(worker.pid)])
                return .trial(try Self.record(inserted.rows[0]))
            }
        }
    }

    private func claimPending(_ db: PostgresConnection, studyID: Int64, worker: WorkerIdentity) throws -> TrialRecord? {
        guard let id = try db.execute("""
            SELECT id FROM backprop_trials WHERE study_id = $1 AND status = 'pending'
            ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED
            """, [studyID]).rows.first?.int64("id") else { return nil }
        let rows = try db.execute("""
            UPDATE backprop_trials SET status = 'running', started = \(Self.now), worker = $2, host = $3, pid = $4,
                heartbeat = \(Self.now), attempts = attempts + 1
            WHERE id = $1 RETURNING *
            """, [id, worker.id, worker.host, Int(worker.pid)]).rows
        return try rows.first.map(Self.record)
    }

    private func requeueDeadTrials(_ db: PostgresConnection, studyID: Int64, staleAfter: TimeInterval) throws -> Int {
        let rows = try db.execute("""
            SELECT id, host, pid, heartbeat, \(Self.now) AS now FROM backprop_trials
            WHERE study_id = $1 AND status = 'running' FOR UPDATE
            """, [studyID]).rows
        let dead = rows.filter {
            WorkerIdentity.isPresumedDead(host: $0["host"], pid: $0.int64("pid"), heartbeat: $0.double("heartbeat"),
                                          now: $0.double("now") ?? 0, staleAfter: staleAfter)
        }.compactMap { $0.int64("id") }
        for id in dead {
            try db.execute("DELETE FROM backprop_metrics WHERE trial_id = $1", [id])
            try db.execute("""
                UPDATE backprop_trials SET status = 'pending', worker = NULL, host = NULL, pid = NULL, heartbeat = NULL, started = NULL
                WHERE id = $1
                """, [id])
        }
        return dead.count
    }

    /// Re-queues dead workers' trials now, holding the study's row lock; returns how many.
    /// - Parameter staleAfter: seconds after the last heartbeat when a lease runs out.
    @discardableResult
    public func requeueDeadTrials(staleAfter: TimeInterval) throws -> Int {
        try connection.transaction { db in
            let id = try studyID(db)
            try db.execute("SELECT id FROM backprop_studies WHERE id = $1 FOR UPDATE", [id])
            return try requeueDeadTrials(db, studyID: id, staleAfter: staleAfter)
        }
    }

    // MARK: Reporting

    /// Records one epoch's metrics and renews the lease, if `worker` still owns the trial.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - epoch: the 0-based epoch.
    ///   - metrics: metric name → value.
    ///   - worker: the worker that claimed the trial.
    @discardableResult
    public func record(trialID: Int64, epoch: Int, metrics: [String: Double], worker: WorkerIdentity) throws -> Bool {
        try connection.transaction { db in
            let owned = try db.execute("""
                UPDATE backprop_trials SET heartbeat = \(Self.now) WHERE id = $1 AND status = 'running' AND worker = $2
                """, [trialID, worker.id]).changed > 0
            guard owned else { return false }
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
                try db.execute("""
                    INSERT INTO backprop_metrics (trial_id, epoch, name, value) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (trial_id, epoch, name) DO UPDATE SET value = EXCLUDED.value
                    """, [trialID, epoch, name, value])
            }
            return true
        }
    }

    /// Renews a running trial's lease if `worker` still owns it; returns whether it does.
    /// - Parameters:
    ///   - trialID: the trial's ``TrialRecord/id``.
    ///   - worker: the worker that claimed the trial.
    @discardableResult
    public func heartbeat(trialID: Int64, worker: WorkerIdentity) throws -> Bool {
        try connection.transaction { db in
            try db.execute("""
                UPDATE backprop_trials SET heartbeat = \(Self.now) WHERE id = $1 AND status = 'running' AND worker = $2
                """, [trialID, worker.id]).changed > 0
        }
    }

    /// Marks a trial finished if `worker` still owns it; `false` when it was re-queued meanwhile.
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
        try connection.transaction { db in
            try db.execute("""
                UPDATE backprop_trials SET status = $3, objective = $4, duration = $5, finished = \(Self.now), heartbeat = NULL, error = $6
                WHERE id = $1 AND status = 'running' AND worker = $2
                """, [trialID, worker.id, status.rawValue, objective, duration, error]).changed > 0
        }
    }

    // MARK: Queries

    /// Every trial of the study, ordered by number, with the objective metric's per-epoch values.
    public func trials() throws -> [TrialRecord] {
        try connection.transaction { db in
            guard let (id, study) = try self.study(db) else { return [] }
            return try trials(db, studyID: id, metric: study.objective.metric)
        }
    }

    /// All metrics of a trial: epoch → name → value.
    /// - Parameter trialID: the trial's ``TrialRecord/id``.
    public func metrics(trialID: Int64) throws -> [Int: [String: Double]] {
        try connection.transaction { db in
            var result: [Int: [String: Double]] = [:]
            for row in try db.execute("SELECT epoch, name, value FROM backprop_metrics WHERE trial_id = $1", [trialID]).rows {
                if let epoch = row.int("epoch"), let name = row["name"] { result[epoch, default: [:]][name] = row.double("value") }
            }
            return result
        }
    }

    private func trials(_ db: PostgresConnection, studyID: Int64, metric: String) throws -> [TrialRecord] {
        var intermediate: [Int64: [Int: Double]] = [:]
        for row in try db.execute("""
            SELECT m.trial_id, m.epoch, m.value FROM backprop_metrics m JOIN backprop_trials t ON t.id = m.trial_id
            WHERE t.study_id = $1 AND m.name = $2
            """, [studyID, metric]).rows {
            if let id = row.int64("trial_id"), let epoch = row.int("epoch") { intermediate[id, default: [:]][epoch] = row.double("value") }
        }
        return try db.execute("SELECT * FROM backprop_trials WHERE study_id = $1 ORDER BY number", [studyID]).rows.map { row in
            var record = try Self.record(row)
            record.intermediate = intermediate[record.id] ?? [:]
            return record
        }
    }

    private static func record(_ row: PostgresRow) throws -> TrialRecord {
        let configuration = try JSONDecoder().decode(TrialConfiguration.self, from: Data((row["configuration"] ?? "").utf8))
        return TrialRecord(id: row.int64("id") ?? 0, number: row.int("number") ?? 0, configuration: configuration,
                           seed: UInt64(bitPattern: row.int64("seed") ?? 0), budget: row.int("budget") ?? 0,
                           bracket: row.int("bracket") ?? 0, rung: row.int("rung") ?? 0, parentID: row.int64("parent_id"),
                           status: TrialStatus(rawValue: row["status"] ?? "") ?? .failed,
                           objective: row.double("objective"), duration: row.double("duration"), worker: row["worker"],
                           attempts: row.int("attempts") ?? 0)
    }
}
