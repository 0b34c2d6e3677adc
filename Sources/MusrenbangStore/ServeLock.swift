import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SQLite serves one process: a second `musrenbang serve` on the same file would keep its own
/// live hub, limits and timers and never hear the first one's events. It is refused at start
/// (several processes need PostgreSQL). The lock is the kernel's (`flock`): it goes with the
/// process, however the process ends, so a crash never leaves a stale lock behind.
public final class ServeLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock beside `databasePath`, or throws when another process holds it.
    public static func acquire(beside databasePath: String) throws -> ServeLock {
        let path = databasePath + ".serve-lock"
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.invalidConfiguration("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StoreError.invalidConfiguration("""
                another musrenbang serve is using \(databasePath): SQLite serves one process. Stop it first, \
                or run several processes on PostgreSQL (DATABASE_URL=postgres://…).
                """)
        }
        return ServeLock(descriptor: descriptor)
    }

    deinit { close(descriptor) }
}
