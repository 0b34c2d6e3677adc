import Foundation

/// The data directory holds the database, the server's secret, photos, recordings and exports:
/// no other account on the machine may read any of it. Every command starts with
/// `restrictNewFiles()` (files it creates are 0600, directories 0700) and `secure(_:)`, which
/// creates the data directory 0700 or tightens one that already exists.
public enum PrivateFiles {
    /// From here on, what this process creates is readable by its own account only.
    public static func restrictNewFiles() {
        umask(0o077)
    }

    /// Creates `directory` (0700), or takes the group and other bits off it and everything under
    /// it (symbolic links are not followed). Returns how many entries it changed.
    @discardableResult
    public static func secure(_ directory: URL) throws -> Int {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var changed = try tighten(directory.path) ? 1 : 0
        guard let walker = manager.enumerator(atPath: directory.path) else { return changed }
        while let relative = walker.nextObject() as? String {
            if try tighten(directory.appendingPathComponent(relative).path) { changed += 1 }
        }
        return changed
    }

    /// A SQLite database outside the data directory: the file and its journals.
    @discardableResult
    public static func secureDatabaseFile(_ path: String) throws -> Int {
        var changed = 0
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            if try tighten(path + suffix) { changed += 1 }
        }
        return changed
    }

    /// Removes group and other permissions from one entry; true when it had any.
    static func tighten(_ path: String) throws -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }  // gone meanwhile
        if (info.st_mode & 0o170000) == 0o120000 { return false }  // S_IFMT, S_IFLNK: a link is not followed
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return false }
        guard chmod(path, mode & ~0o077) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return true
    }
}
