import Foundation
import SQLKit

/// Rows that many requests append at once (the audit log), written together: each caller waits
/// until its own row is committed, as before, but one transaction carries every row that arrived
/// while the last one was being written. Under load that is one commit, and one turn of SQLite's
/// writer, for dozens of requests instead of one each.
final class GroupCommit<Row: Sendable>: @unchecked Sendable {
    private let write: @Sendable ([Row], any SQLDatabase) async throws -> Void
    private let lock = NSLock()
    private var pending: [(row: Row, done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false
    /// Keeps one statement's bound values well under both databases' limits.
    private let most = 200

    init(write: @escaping @Sendable ([Row], any SQLDatabase) async throws -> Void) {
        self.write = write
    }

    func append(_ row: Row, to database: Database) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let starts = lock.withLock { () -> Bool in
                pending.append((row, done))
                defer { flushing = true }
                return !flushing
            }
            if starts { Task { await self.flush(to: database) } }
        }
    }

    private func flush(to database: Database) async {
        while true {
            let batch = lock.withLock { () -> [(row: Row, done: CheckedContinuation<Void, any Error>)] in
                let batch = Array(pending.prefix(most))
                pending.removeFirst(batch.count)
                if batch.isEmpty { flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let rows = batch.map(\.row), write = self.write
            do {
                try await database.transaction { try await write(rows, $0) }
                batch.forEach { $0.done.resume() }
            } catch {
                batch.forEach { $0.done.resume(throwing: error) }
            }
        }
    }
}
