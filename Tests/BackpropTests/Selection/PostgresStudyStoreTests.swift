import Foundation
import Testing
import Backprop
@testable import BackpropSelection

/// PostgreSQL studies: URL parsing and the SQLite schema need no server; the rest run against
/// the server named by `BACKPROP_TEST_POSTGRES_URL` and are skipped (with a printed reason)
/// without it.
@Suite("PostgresStudyStore")
struct PostgresStudyStoreTests {
    static let hasServer = StudyBackend.available.contains(.postgres)
    static let space = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1))])

    // MARK: URL

    @Test func urlPartsAreParsedAndThePasswordIsNeverShown() throws {
        let url = try PostgresURL(parsing: "postgresql://ann:s%40cret@db.example:6543/studies?sslmode=require")
        #expect(url.user == "ann" && url.password == "s@cret" && url.host == "db.example" && url.port == 6543)
        #expect(url.database == "studies" && url.options == ["sslmode": "require"])
        #expect(url.description == "postgresql://ann@db.example:6543/studies")
        #expect(url.keywords.contains { $0 == ("password", "s@cret") })
        let plain = try PostgresURL(parsing: "postgres://localhost/db")
        #expect(plain.user == nil && plain.password == nil && plain.port == nil && plain.description == "postgresql://localhost/db")
        let v6 = try PostgresURL(parsing: "postgresql://bob@[::1]:5433/db")
        #expect(v6.host == "::1" && v6.port == 5433 && v6.description == "postgresql://bob@[::1]:5433/db")
        #expect(StudyStores.isPostgres("postgresql://h/d") && !StudyStores.isPostgres("sqlite:x.db"))
        #expect(StudyStores.sqlitePath("sqlite:runs/x.db") == "runs/x.db" && StudyStores.sqlitePath("x.db") == "x.db")
    }

    @Test(arguments: ["postgresql://ann:hunter2@host:99999/db", "postgresql://ann:hunter2@host/", "postgresql://ann:hunter2@/db",
                      "postgresql://ann@host/db?password=hunter2"])
    func malformedURLsAreRefusedWithoutShowingThePassword(text: String) throws {
        #expect {
            try PostgresURL(parsing: text)
        } throws: { error in
            guard case SearchError.invalidStudyLocation = error else { return false }
            return !"\(error)".contains("hunter2")
        }
    }

    @Test func aPostgresStudyNeedsAName() {
        #expect(throws: SearchError.self) { try StudyStores.open("postgresql://ann:hunter2@127.0.0.1:1/db", studyName: nil) }
    }

    @Test func unreachableServerIsNamedWithoutThePassword() throws {
        // Port 1 on loopback: nothing listens there.
        let url = try PostgresURL(parsing: "postgresql://ann:hunter2@127.0.0.1:1/db?connect_timeout=2")
        #expect {
            try PostgresStudyStore(url: url, name: "s")
        } throws: { error in
            guard case SearchError.serverUnreachable(let server, _) = error else { return false }
            return server == "postgresql://ann@127.0.0.1:1/db" && !"\(error)".contains("hunter2")
        }
    }

    // MARK: Schema versions (SQLite needs no server)

    @Test func sqliteFileOfANewerReleaseIsRefusedAndAnOlderOneUpgraded() throws {
        let folder = try makeSearchTestDirectory()
        let newer = folder.appendingPathComponent("newer.db").path
        _ = try SQLiteStudyStore(path: newer)
        try runSQLite(newer, "PRAGMA user_version = 2")
        #expect {
            try SQLiteStudyStore(path: newer)
        } throws: { error in
            guard case SearchError.schemaTooNew(_, let found, let supported) = error else { return false }
            return found == 2 && supported == SQLiteStudyStore.schemaVersion
        }
        // A file of an earlier release: no attempts column, user_version 0.
        let older = folder.appendingPathComponent("older.db").path
        try runSQLite(older, """
            CREATE TABLE trials (id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL UNIQUE, configuration TEXT NOT NULL,
                seed INTEGER NOT NULL, budget INTEGER NOT NULL, bracket INTEGER NOT NULL DEFAULT 0, rung INTEGER NOT NULL DEFAULT 0,
                parent_id INTEGER, status TEXT NOT NULL, objective REAL, duration REAL, started REAL, finished REAL,
                worker TEXT, host TEXT, pid INTEGER, heartbeat REAL, error TEXT)
            """)
        let upgraded = try SQLiteStudyStore(path: older)
        try upgraded.prepare(StudyDescription(space: Self.space, strategy: "random", seed: 1, objective: Objective(), budget: 1))
        #expect(try StudyDriver(store: upgraded, strategy: RandomSearch()).run(totalTrials: 1) { _, _ in
            TrialResult(metrics: ["dev_cost": 1], epochs: 1)
        }.completed == 1)
        #expect(try upgraded.trials().first?.attempts == 1)
    }

    private func runSQLite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }

    // MARK: Against the server

    static func serverURL() throws -> PostgresURL {
        try PostgresURL(parsing: try #require(StudyBackend.postgresURL))
    }

    /// A raw connection for setting up a test.
    static func connection(_ url: PostgresURL) throws -> PostgresConnection {
        try PostgresConnection(url: url, retryDelays: [])
    }

    @Test(.enabled(if: hasServer)) func wrongPasswordAndMissingDatabaseAreNamed() throws {
        var url = try Self.serverURL()
        url.password = "not-the-password"
        #expect {
            try PostgresStudyStore(url: url, name: "s")
        } throws: { error in
            guard case SearchError.authenticationFailed(let server) = error else { return false }
            return server == url.description && !"\(error)".contains("not-the-password")
        }
        var missing = try Self.serverURL()
        missing.database = "no_such_database"
        #expect {
            try PostgresStudyStore(url: missing, name: "s")
        } throws: { error in
            guard case SearchError.databaseMissing(_, let database) = error else { return false }
            return database == "no_such_database"
        }
    }

    @Test(.enabled(if: hasServer)) func passwordComesFromAPassFile() throws {
        // The test server's password is in the pgpass file that PGPASSFILE names (or the URL).
        let url = try Self.serverURL()
        let passFile = try #require(ProcessInfo.processInfo.environment["PGPASSFILE"], "the test server writes a pgpass file")
        let line = try #require(try String(contentsOfFile: passFile, encoding: .utf8).split(separator: "\n").first)
        let password = String(line.split(separator: ":", maxSplits: 4)[4])
        let copy = try makeSearchTestDirectory().appendingPathComponent("pgpass").path
        try "\(url.host):\(url.port ?? 5432):*:\(url.user ?? ""):\(password)\n".write(toFile: copy, atomically: true, encoding: .utf8)
        chmod(copy, 0o600)
        var viaFile = url
        viaFile.options["passfile"] = copy
        _ = try PostgresStudyStore(url: viaFile, name: "pass-file")
        var viaURL = url
        viaURL.password = password
        viaURL.options["passfile"] = "/nonexistent"
        _ = try PostgresStudyStore(url: viaURL, name: "pass-url")
    }

    @Test(.enabled(if: hasServer)) func databaseOfANewerSchemaIsRefused() throws {
        let url = try Self.serverURL()
        let database = "backprop_schema_" + UUID().uuidString.prefix(8).lowercased()
        try Self.connection(url).execute("CREATE DATABASE \(database)", [])
        var other = url
        other.database = database
        _ = try PostgresStudyStore(url: other, name: "s")
        try Self.connection(other).execute("UPDATE backprop_schema SET version = 99", [])
        #expect {
            try PostgresStudyStore(url: other, name: "s")
        } throws: { error in
            guard case SearchError.schemaTooNew(let location, let found, _) = error else { return false }
            return found == 99 && location == other.description
        }
    }

    @Test(.enabled(if: hasServer)) func droppedConnectionIsReestablished() throws {
        var url = try Self.serverURL()
        let application = "backprop-drop-" + UUID().uuidString.prefix(8).lowercased()
        url.options["application_name"] = application
        let (_, location) = try makeStudy(StudyDescription(space: Self.space, strategy: "random", seed: 3, objective: Objective(), budget: 2),
                                          backend: .postgres)
        let store = try PostgresStudyStore(url: url, name: location.name, retryDelays: [0.1, 0.2, 0.4])
        let worker = WorkerIdentity(id: "dropped")
        guard case .trial(let trial) = try store.claim(worker: worker, strategy: RandomSearch(), totalTrials: 1) else {
            Issue.record("no trial claimed"); return
        }
        // Another session ends this store's backend, as a server restart or a network cut would.
        let killed = try Self.connection(try Self.serverURL()).execute(
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1", [application])
        #expect(killed.rows.count == 1)
        #expect(try store.record(trialID: trial.id, epoch: 0, metrics: ["dev_cost": 1], worker: worker))
        #expect(try store.finish(trialID: trial.id, worker: worker, status: .completed, objective: 1, duration: 0.1))
        #expect(try store.trials().map(\.status) == [.completed])
    }

    @Test(.enabled(if: hasServer)) func trialOfAWorkerOnAnotherMachineIsRequeuedWhenItsLeaseRunsOut() throws {
        let study = StudyDescription(space: Self.space, strategy: "random", seed: 5, objective: Objective(), budget: 1)
        let (store, _) = try makeStudy(study, backend: .postgres)
        // A worker on another host (its pid cannot be checked here) claims trial 0 and goes silent.
        let lost = WorkerIdentity(id: "lost", host: "another-machine", pid: 1)
        guard case .trial(let claimed) = try store.claim(worker: lost, strategy: RandomSearch(), totalTrials: 2) else {
            Issue.record("no trial claimed"); return
        }
        let start = Date()
        let summary = try StudyDriver(store: store, strategy: RandomSearch(), worker: WorkerIdentity(id: "survivor"), pollInterval: 0.05,
                                      staleAfter: 0.5)
            .run(totalTrials: 2, runner: syntheticRunner(log: EvaluationLog(), f: quadraticObjective))
        #expect(Set(summary.evaluated) == [0, 1])
        #expect(Date().timeIntervalSince(start) >= 0.4, "the lease was honoured until it ran out")
        let trials = try store.trials()
        #expect(trials.allSatisfy { $0.status == .completed && $0.worker == "survivor" })
        #expect(trials.first { $0.id == claimed.id }?.attempts == 2)
    }

    @Test(.enabled(if: hasServer), arguments: ["successive-halving", "hyperband"])
    func promotionAcrossWorkersEqualsTheSingleProcessResult(strategyName: String) throws {
        let space = SearchSpace(parameters: [SearchParameter(name: "x", domain: .uniform(lower: 0, upper: 1))])
        let strategy: any SearchStrategy = strategyName == "hyperband"
            ? try HyperbandSearch.hyperband(minimumBudget: 1, maximumBudget: 9, eta: 3, pruneWithinRung: false)
            : try HyperbandSearch.successiveHalving(initialCount: 9, minimumBudget: 1, maximumBudget: 9, eta: 3, pruneWithinRung: false)
        let study = StudyDescription(space: space, strategy: strategy.name, seed: 11, objective: Objective(), budget: 9)
        let total = try #require(try strategy.maximumTrials(context: study.context))
        // One process on an SQLite file.
        let (single, _) = try makeStudy(study)
        _ = try StudyDriver(store: single, strategy: strategy).run(totalTrials: total, runner: syntheticRunner(log: EvaluationLog(), f: quadraticObjective))
        // Three workers with their own connections on one PostgreSQL study.
        let (shared, location) = try makeStudy(study, backend: .postgres)
        let errors = runWorkerThreads(3) { w in
            _ = try StudyDriver(store: try location.open(), strategy: strategy, worker: WorkerIdentity(id: "w\(w)"), pollInterval: 0.02)
                .run(totalTrials: total, runner: syntheticRunner(log: EvaluationLog(), delay: 0.002, f: quadraticObjective))
        }
        #expect(errors.isEmpty, "\(errors)")
        /// Trials in a form independent of the order workers took them in.
        func outcome(_ store: any StudyStore) throws -> Set<String> {
            let trials = try store.trials()
            let byID = Dictionary(uniqueKeysWithValues: trials.map { ($0.id, $0) })
            return Set(trials.map { trial in
                let parent = trial.parentID.flatMap { byID[$0] }.map { "\($0.bracket)/\($0.rung)/\($0.configuration.values)" } ?? "-"
                return "\(trial.bracket)/\(trial.rung)/\(trial.configuration.values) budget \(trial.budget) \(trial.status) \(trial.objective ?? .nan) from \(parent)"
            })
        }
        let expected = try outcome(single)
        #expect(expected.count == total)
        #expect(try outcome(shared) == expected)
        #expect(try shared.trials().allSatisfy { $0.attempts == 1 })
    }
}
