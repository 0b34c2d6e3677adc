@preconcurrency import Crypto
import Foundation

/// The server's own secret: keys the NIK hash and signs CSRF and check-in codes.
///
/// Given by `MUSRENBANG_SECRET`, or generated once into the data directory (mode 0600) and
/// reused, because changing it would orphan every stored NIK hash.
public struct ServerSecret: Sendable {
    let key: SymmetricKey

    public init(_ bytes: some DataProtocol) {
        self.key = SymmetricKey(data: Data(bytes))
    }

    public static func loadOrCreate(dataDirectory: URL, given: String?) throws -> ServerSecret {
        if let given, !given.isEmpty {
            guard given.utf8.count >= 16 else {
                throw StoreError.invalidConfiguration("MUSRENBANG_SECRET must be at least 16 characters")
            }
            return ServerSecret(Data(given.utf8))
        }
        let file = dataDirectory.appendingPathComponent("secret.key")
        if let existing = try? Data(contentsOf: file), existing.count >= 32 {
            return ServerSecret(existing)
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: file.path, contents: fresh, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.invalidConfiguration("cannot write \(file.path)")
        }
        return ServerSecret(fresh)
    }

    /// A key for one purpose, so a signature made for one use is worthless for another.
    public func subkey(_ purpose: String) -> SymmetricKey {
        SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: key)))
    }

    /// The keyed hash under which a NIK is stored and looked up; the NIK itself is never kept.
    public func nikHash(_ digits: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: subkey("nik")).hex
    }

    public func sign(_ message: String, purpose: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: subkey(purpose)).hex
    }

    /// Seals a small secret (a TOTP seed) so the database alone does not give it away.
    public func seal(_ secret: [UInt8], purpose: String) throws -> String {
        try AES.GCM.seal(Data(secret), using: subkey(purpose)).combined!.base64EncodedString()
    }

    public func open(_ sealed: String, purpose: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let opened = try? AES.GCM.open(box, using: subkey(purpose)) else { return nil }
        return Array(opened)
    }

    public func verify(_ signature: String, for message: String, purpose: String) -> Bool {
        let expected = sign(message, purpose: purpose)
        guard expected.utf8.count == signature.utf8.count else { return false }
        return zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex. Written out by hand because `String(format:)` per byte cost a measurable
    /// share of every request (ETags, session digests, CSRF nonces; bench/overhead).
    public var hex: String {
        let bytes = Array(self)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for (index, byte) in bytes.enumerated() {
                    buffer[2 * index] = digits[Int(byte >> 4)]
                    buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
                }
            }
            return bytes.count * 2
        }
    }
}

/// Random tokens for sessions and API access; only their SHA-256 is stored.
public enum TokenMaker {
    public static func random(bytes count: Int = 32) -> String {
        // Eight bytes per draw from the system's generator (one getrandom each), not one.
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        return bytes.prefix(count).hex
    }

    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }
}
