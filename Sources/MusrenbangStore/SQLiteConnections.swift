import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import VaporCSQLite

/// SQLite's connections: one writer, whose transactions run on a thread of their own, a pool of
/// readers, and a checkpointer. All keep their prepared statements.
///
/// Why not sqlite-nio's pool: there every statement crossed the task, the pool's event loop and a
/// worker thread there and back, two tasks watched its deadline, and it was prepared anew: ~280 µs
/// where SQLite itself needs ~35 µs. Worse, SQLite's write lock was held across all of a
/// transaction's crossings, so every other write queued behind them (docs/benchmarks.md §3).
///
/// The writer is used by one session at a time, under its queue (`SQLiteWriter`), and its
/// transactions run on a thread of their own from BEGIN to COMMIT. Reads can be long (reports,
/// exports), so they run on the readers' threads, except those that have proved quick, which run
/// on the caller's thread (`SQLiteReaders.isQuick`).
final class SQLiteConnections: Sendable {
    let writer: SQLiteWriter
    let readers: SQLiteReaders
    /// Folds the WAL into the database file in the background. Left to the writer, SQLite does it
    /// inside a COMMIT every 1,000 pages, fsync included, while every other write waits.
    private let checkpointer: SQLiteHandle
    private let checkpoints: Task<Void, Never>
    static let checkpointEvery: Duration = .milliseconds(250)

    init(path: String, readers count: Int, statementLimit: Duration, connectionWait: Duration, writerWait: Duration,
         logger: Logger) throws {
        let writer = SQLiteWriter(try SQLiteHandle(path: path, role: .writer, logger: logger), wait: writerWait)
        self.writer = writer
        readers = try SQLiteReaders(path: path, count: count, statementLimit: statementLimit, wait: connectionWait, logger: logger)
        let checkpointer = try SQLiteHandle(path: path, role: .checkpointer, logger: logger)
        self.checkpointer = checkpointer
        checkpoints = Task.detached { [readers] in
            while (try? await Task.sleep(for: Self.checkpointEvery)) != nil {
                let frames = await readers.onThread { checkpointer.checkpoint() } ?? 0
                // SQLite starts the WAL over only when no reader is using it, which under steady
                // reads is almost never: past 64 MB (of 4 KB pages) it is emptied in one of the
                // writer's turns, so no write meets the checkpoint in SQLite's sleeping busy wait.
                if frames > SQLiteHandle.walLimit { try? await writer.turn { writer.handle.emptyWAL() } }
            }
        }
    }

    func close() async throws {
        checkpoints.cancel()
        try await readers.close()
        checkpointer.close()
        writer.handle.close()
        writer.thread.stop()
    }
}

/// SQLite's single writer: its connection, the thread its work runs on, and the queue for a turn.
/// Queueing here rather than in SQLite's busy handler keeps waiting writers from sleeping on
/// threads, and makes the order first come, first served.
struct SQLiteWriter: Sendable {
    let handle: SQLiteHandle
    /// Where write transactions run, so a long one (an import, a restore) never holds one of the
    /// few cooperative threads every request shares.
    let thread = SQLiteWriterThread()
    let queue = AsyncLock()
    let wait: Duration

    init(_ handle: SQLiteHandle, wait: Duration) {
        self.handle = handle
        self.wait = wait
    }

    /// Runs `work` on the writer's thread while no other write does; fails as unavailable after
    /// `wait` in the queue. The turn passes from one write to the next on that thread, so the
    /// writer is never idle waiting for a busy shared pool to schedule the next one.
    func turn<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(thread) {
            guard await queue.lock(within: wait) else {
                throw DatabaseUnavailable("SQLite writer queue: no turn within \(wait)")
            }
            defer { queue.unlock() }
            return try await work()
        }
    }
}

/// One thread that runs the jobs of the tasks that prefer it: a write transaction's body and its
/// statements run there from BEGIN to COMMIT, one crossing there and one back.
final class SQLiteWriterThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init() {
        // The thread keeps its executor alive until `stop()`.
        let thread = Thread { self.loop() }
        thread.name = "sqlite-writer"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func loop() {
        while true {
            let next = condition.withLock { () -> [UnownedJob]? in
                while jobs.isEmpty && !stopped { condition.wait() }
                if jobs.isEmpty { return nil }
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            guard let next else { return }
            for job in next { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// One SQLite connection and its prepared statements.
final class SQLiteHandle: @unchecked Sendable {
    /// Held while SQLite works on the connection: a statement, the cache, a rollback, closing.
    private let lock = NSLock()
    private let raw: OpaquePointer
    /// Who may use the connection and what it is doing, under `state`: readable while a statement
    /// runs (the watchdog asks without waiting for it), changed only while also holding `lock`.
    private let state = NSLock()
    private var closed = false
    /// Prepared statements by SQL text. Bounded: SQL with inlined literals would grow it for ever.
    private var statements: [String: OpaquePointer] = [:]
    private static let cacheLimit = 256
    /// The session allowed to use the connection; a session abandoned past its deadline finds its
    /// later statements refused instead of running inside the next session's transaction.
    private var current: UInt64 = 0
    /// When the statement now running began, for the readers' watchdog.
    private var runningSince: ContinuousClock.Instant?
    private let encoder = SQLiteDataEncoder()
    private let decoder = SQLiteDataDecoder()
    let logger: Logger

    /// WAL so readers never wait for the writer, foreign keys enforced, a bounded busy wait, and
    /// the durability the backups and the fault benchmark count on.
    static let pragmas = ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                          "PRAGMA busy_timeout = \(busyTimeout)", "PRAGMA synchronous = NORMAL"]

    /// What a connection is for, and so how it is set up.
    enum Role {
        /// Writes, and never checkpoints inside a COMMIT.
        case writer
        /// Refuses to write.
        case reader
        /// Only checkpoints (`SQLiteConnections`).
        case checkpointer

        var pragmas: [String] {
            switch self {
            case .writer: ["PRAGMA wal_autocheckpoint = 0", "PRAGMA journal_size_limit = \(Int(walLimit) * 4096 * 2)"]
            case .reader: ["PRAGMA query_only = ON"]
            case .checkpointer: ["PRAGMA wal_autocheckpoint = 0"]
            }
        }
    }

    init(path: String, role: Role, logger: Logger) throws {
        self.logger = logger
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard opened == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            sqlite_nio_sqlite3_close(handle)
            throw SQLiteStatementError(code: opened, message: message)
        }
        raw = handle
        for pragma in Self.pragmas + role.pragmas {
            try run(pragma)
        }
    }

    deinit { close() }

    func close() {
        lock.withLock {
            statements.values.forEach { sqlite_nio_sqlite3_finalize($0) }
            statements = [:]
            if !isClosed { sqlite_nio_sqlite3_close_v2(raw) }
            state.withLock { closed = true }
        }
    }

    /// A new session: any earlier one is over, and a transaction it left open is rolled back.
    func session() -> Session {
        lock.withLock {
            let id = state.withLock { current &+= 1; return current }
            rollBackLeftovers()
            return Session(handle: self, id: id)
        }
    }

    /// Ends session `id` past its deadline: a statement it is running stops, its open transaction
    /// is rolled back, and its later statements are refused.
    func abandon(_ id: UInt64) {
        if state.withLock({ current == id }) { interrupt() }
        lock.withLock {
            let over = state.withLock { () -> Bool in
                guard current == id else { return false }
                current &+= 1
                return true
            }
            if over { rollBackLeftovers() }
        }
    }

    /// Copies what it can of the WAL into the database file without waiting for anyone, while the
    /// writer goes on. Returns the WAL's length in frames.
    func checkpoint() -> Int32 {
        lock.withLock {
            guard !isClosed else { return 0 }
            var frames: Int32 = 0
            _ = sqlite_nio_sqlite3_wal_checkpoint_v2(raw, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, nil)
            return frames
        }
    }

    /// Copies the rest of the WAL and starts it over, waiting up to 100 ms for readers to leave it.
    /// For the writer, in its turn: a long report still reading an old snapshot makes it give up
    /// (the next tick tries again) rather than hold every write for the busy timeout's 10 s.
    /// Started over, not truncated: cutting the file took ~23 ms of the writer's turn at every
    /// start-over (about twice a second under bench/writes), and the next writes grew it again.
    /// The writer's `journal_size_limit` (twice `walLimit`) cuts it back after a longer burst.
    func emptyWAL() {
        lock.withLock {
            guard !isClosed else { return }
            sqlite_nio_sqlite3_busy_timeout(raw, 100)
            defer { sqlite_nio_sqlite3_busy_timeout(raw, Self.busyTimeout) }
            _ = sqlite_nio_sqlite3_wal_checkpoint_v2(raw, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
        }
    }

    /// Milliseconds SQLite waits for a lock held by another connection (`PRAGMA busy_timeout`).
    static let busyTimeout: Int32 = 10_000

    /// 64 MB of 4 KB pages.
    static let walLimit: Int32 = 16_384

    /// Lends its dialect and logger only (`LendingDatabase`'s template): its statements are refused.
    var dialectOnly: Session { Session(handle: self, id: .max) }

    func isOver(_ id: UInt64) -> Bool { state.withLock { current != id || closed } }

    private var isClosed: Bool { state.withLock { closed } }

    /// Stops the statement running now, if any; harmless otherwise (SQLite ≥ 3.42 ignores an
    /// interrupt with nothing running).
    func interrupt() {
        if state.withLock({ runningSince != nil && !closed }) { sqlite_nio_sqlite3_interrupt(raw) }
    }

    func running(longerThan limit: Duration, at now: ContinuousClock.Instant) -> Bool {
        state.withLock { runningSince.map { now - $0 > limit } ?? false }
    }

    private func rollBackLeftovers() {
        if !isClosed, sqlite_nio_sqlite3_get_autocommit(raw) == 0 {
            _ = sqlite_nio_sqlite3_exec(raw, "ROLLBACK", nil, nil, nil)
        }
    }

    private func run(_ sql: String) throws {
        try lock.withLock {
            guard !isClosed else { throw DatabaseUnavailable("the SQLite connection is closed") }
            let handle = raw
            let code = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw SQLiteStatementError(code: code, message: message(handle)) }
        }
    }

    /// Runs one statement to its end on the calling thread; rows are handed on once it is done,
    /// outside the lock, so a caller's closure never runs while the connection is held.
    /// `readOnly`: a statement that would write is refused with `NeedsWriter` before it runs.
    /// Returns how long SQLite took.
    @discardableResult
    func execute(_ id: UInt64, sql: String, binds: [any Encodable & Sendable], readOnly: Bool = false,
                 _ onRow: (any SQLRow) -> Void) throws -> Duration {
        let values = try binds.map { try encoder.encode($0) }
        var rows: [StatementRow] = []
        let started = ContinuousClock.now
        try lock.withLock {
            try state.withLock {
                guard current == id else { throw DatabaseUnavailable("the transaction was abandoned past its deadline") }
                guard !closed else { throw DatabaseUnavailable("the SQLite connection is closed") }
            }
            let handle = raw
            let statement = try prepared(sql, on: handle)
            if readOnly, sqlite_nio_sqlite3_stmt_readonly(statement) == 0 { throw NeedsWriter() }
            state.withLock { runningSince = .now }
            // Every parameter is bound anew each time, so the bindings are not cleared: clearing them
            // makes SQLite re-plan any statement whose plan may depend on a bound value
            // (`sqlite3_clear_bindings` expires it), nearly every read here.
            defer {
                state.withLock { runningSince = nil }
                sqlite_nio_sqlite3_reset(statement)
            }
            for (index, value) in values.enumerated() {
                try check(bind(value, at: Int32(index + 1), to: statement), handle)
            }
            var columns: StatementRow.Columns?
            while true {
                let step = sqlite_nio_sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else { try check(step, handle); break }
                let names = columns ?? StatementRow.Columns(statement)
                columns = names
                rows.append(StatementRow(columns: names, data: (0..<Int32(names.names.count)).map { value(at: $0, of: statement) },
                                         decoder: decoder))
            }
        }
        let elapsed = ContinuousClock.now - started
        rows.forEach(onRow)
        return elapsed
    }

    private func prepared(_ sql: String, on handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        if statements.count >= Self.cacheLimit {
            statements.values.forEach { sqlite_nio_sqlite3_finalize($0) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteStatementError(code: code, message: message(handle))
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let integer): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double): sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let text):
            sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case .blob(let buffer):
            buffer.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient)
            }
        }
    }

    private func value(at column: Int32, of statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .null }
            return .text(String(cString: text))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func check(_ code: Int32, _ handle: OpaquePointer) throws {
        guard code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE else {
            throw SQLiteStatementError(code: code, message: message(handle))
        }
    }

    private func message(_ handle: OpaquePointer) -> String {
        sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown"
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// The connection lent to one caller, its statements run inline; `SQLDatabase` so the store's
    /// code runs on it unchanged.
    struct Session: OnSQLiteHandle {
        let handle: SQLiteHandle
        let id: UInt64

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
            do {
                try run(query, onRow)
                return eventLoop.makeSucceededVoidFuture()
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
            try run(query, onRow)
        }

        private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) throws {
            let (sql, binds) = serialize(query)
            try handle.execute(id, sql: sql, binds: binds, onRow)
        }

        /// For `DatabaseDeadline`: what it closes past the deadline, and how it sees that.
        var lent: LentConnection {
            let handle = self.handle, id = self.id
            return LentConnection(sql: self, discard: { handle.abandon(id) }, isClosed: { handle.isOver(id) })
        }
    }
}

/// Reading connections, each statement run on one of the pool's own threads. A watchdog stops a
/// statement past its limit (`sqlite3_interrupt`), so no statement needs a watcher of its own.
final class SQLiteReaders: ConnectionLender, @unchecked Sendable {
    fileprivate let threads: NIOThreadPool
    private let all: [SQLiteHandle]
    private let free: WaitQueue<SQLiteHandle>
    private let wait: Duration
    /// Guards `timings`.
    private let lock = NSLock()
    private let watchdog: UInt64

    init(path: String, count: Int, statementLimit: Duration, wait: Duration, logger: Logger) throws {
        all = try (0..<count).map { _ in try SQLiteHandle(path: path, role: .reader, logger: logger) }
        free = WaitQueue(all)
        self.wait = wait
        threads = NIOThreadPool(numberOfThreads: count)
        threads.start()
        let handles = all
        watchdog = DatabaseDeadline.Watchdog.shared.addCheck { now in
            for handle in handles where handle.running(longerThan: statementLimit, at: now) {
                logger.warning("database read past its deadline: interrupted", metadata: ["limit": "\(statementLimit)"])
                handle.interrupt()
            }
        }
    }

    func close() async throws {
        DatabaseDeadline.Watchdog.shared.removeCheck(watchdog)
        try await threads.shutdownGracefully()
        all.forEach { $0.close() }
    }

    func withConnection<T>(_ body: (LentConnection) async throws -> T) async throws -> T {
        guard let handle = await free.take(within: wait) else {
            throw DatabaseUnavailable("no SQLite reader free within \(wait)")
        }
        defer { free.give(handle) }
        let session = Reader(handle: handle, readers: self)
        return try await body(LentConnection(sql: session, discard: { handle.interrupt() }, isClosed: { false }))
    }

    /// Reads that have proved quick run on the caller's own thread: for them the crossing to a
    /// reader thread and back costs more than SQLite does. A read is quick once it has run 8
    /// times and fewer than 1 in 20 of its runs took over a millisecond; any other read, and
    /// every read the first times, goes to the reader threads, so a long report never holds one
    /// of the few threads every request shares.
    private var timings: [String: (runs: Int, slow: Int)] = [:]

    func isQuick(_ sql: String) -> Bool {
        lock.withLock { timings[sql].map { $0.runs >= 8 && $0.slow * 20 < $0.runs } ?? false }
    }

    func record(_ sql: String, _ elapsed: Duration) {
        lock.withLock {
            if timings.count > 2_048 { timings = [:] }
            var timing = timings[sql] ?? (0, 0)
            timing.runs += 1
            if elapsed > .milliseconds(1) { timing.slow += 1 }
            timings[sql] = timing
        }
    }

    /// Runs `work` on one of the readers' threads (nil if they are shut down).
    func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            threads.submit { state in
                guard case .active = state else { return continuation.resume(returning: nil) }
                continuation.resume(returning: work())
            }
        }
    }

    /// The watchdog is the deadline: no watcher per statement.
    func guarded<T: Sendable>(_ limit: Duration, on connection: LentConnection,
                              _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await work()
    }

    /// One reader lent to a caller; each statement runs on a reader thread, or inline when quick.
    struct Reader: OnSQLiteHandle {
        let handle: SQLiteHandle
        let readers: SQLiteReaders

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
            let database = self
            return eventLoop.makeFutureWithTask { try await database.execute(sql: query, onRow) }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
            let (sql, binds) = serialize(query)
            let handle = self.handle, readers = self.readers
            if readers.isQuick(sql) {
                readers.record(sql, try handle.execute(0, sql: sql, binds: binds, readOnly: true, onRow))
                return
            }
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                readers.threads.submit { state in
                    guard case .active = state else {
                        return continuation.resume(throwing: DatabaseUnavailable("the SQLite readers are shut down"))
                    }
                    continuation.resume(with: Result {
                        readers.record(sql, try handle.execute(0, sql: sql, binds: binds, readOnly: true, onRow))
                    })
                }
            }
        }
    }
}

/// A reader was handed a statement that writes (raw SQL: SQLite itself tells, once it is prepared).
struct NeedsWriter: Error {}

/// What the writer's sessions and the readers share as `SQLDatabase`s: one connection, SQLite's
/// dialect, no query log (the store logs what matters itself).
protocol OnSQLiteHandle: SQLDatabase {
    var handle: SQLiteHandle { get }
}

extension OnSQLiteHandle {
    var logger: Logger { handle.logger }
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { QuotingDialect.sqlite }
    var queryLogLevel: Logger.Level? { nil }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// A statement SQLite could not run, with its result code and message.
struct SQLiteStatementError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// Busy, locked or interrupted: the database cannot answer now, rather than refusing.
    var meansUnavailable: Bool { [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT].contains(code & 0xff) }
    var description: String { "sqlite \(code): \(message)" }
}

/// A row as SQLiteKit would decode it.
private struct StatementRow: SQLRow {
    struct Columns: Sendable {
        let names: [String]
        let index: [String: Int]

        init(_ statement: OpaquePointer) {
            names = (0..<sqlite_nio_sqlite3_column_count(statement)).map {
                sqlite_nio_sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? ""
            }
            index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let data: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        columns.index[column].map { data[$0] == .null } ?? true
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.index[column] else {
            throw DecodingError.keyNotFound(ColumnKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return try decoder.decode(D.self, from: data[index])
    }
}

private struct ColumnKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
