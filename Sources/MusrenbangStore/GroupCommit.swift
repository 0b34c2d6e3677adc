import Foundation
import SQLKit

/// Rows that many requests write at once (audit lines, supports), written together: each caller
/// waits until its own row is written, as before, but one write carries every row that arrived
/// while the last one was being written. Under load that is one statement or one commit for dozens
/// of requests instead of one each; alone, a row is written at once, as before.
final class GroupCommit<Row: Sendable, Answer: Sendable>: @unchecked Sendable {
    /// Answers in the order of the rows.
    private let write: @Sendable ([Row], Database) async throws -> [Answer]
    private let lock = NSLock()
    private var pending: [(row: Row, done: CheckedContinuation<Answer, any Error>)] = []
    private var flushing = false
    /// Keeps one statement's bound values well under both databases' limits.
    private let most = 200

    init(write: @escaping @Sendable ([Row], Database) async throws -> [Answer]) {
        self.write = write
    }

    func append(_ row: Row, to database: Database) async throws -> Answer {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Answer, any Error>) in
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
            let batch = lock.withLock { () -> [(row: Row, done: CheckedContinuation<Answer, any Error>)] in
                let batch = Array(pending.prefix(most))
                pending.removeFirst(batch.count)
                if batch.isEmpty { flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let answers = try await written(batch.map(\.row), to: database)
                for (waiting, answer) in zip(batch, answers) { waiting.done.resume(returning: answer) }
            } catch where batch.count > 1 && DatabaseUnavailable.reason(for: error) == nil {
                // One bad row (or a deadlock between two nodes' groups) must not fail the others'
                // requests: each is written alone, and only its own failure is its answer. A
                // database that is down fails them all at once instead of once each.
                for waiting in batch {
                    do { waiting.done.resume(returning: try await written([waiting.row], to: database)[0]) }
                    catch { waiting.done.resume(throwing: error) }
                }
            } catch {
                batch.forEach { $0.done.resume(throwing: error) }
            }
        }
    }

    private func written(_ rows: [Row], to database: Database) async throws -> [Answer] {
        let answers = try await write(rows, database)
        guard answers.count == rows.count else { throw StoreError.conflict("\(answers.count) answers for \(rows.count) rows") }
        return answers
    }
}
