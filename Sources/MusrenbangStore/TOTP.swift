@preconcurrency import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second
/// factor staff can add: what an authenticator app shows from the seed it was given once.
public enum TOTP {
    public static let period: TimeInterval = 30

    public static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code for a step (RFC 4226 dynamic truncation).
    public static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret))))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return String(format: "%06d", value % 1_000_000)
    }

    /// The step a code matches, one step of clock drift either way, and only a step after the last
    /// one used (a code seen over a shoulder cannot be replayed). Nil when it does not match.
    public static func match(_ typed: String, secret: [UInt8], now: Date, after lastStep: Int64?) -> Int64? {
        let code = typed.filter(\.isNumber)
        guard code.count == 6 else { return nil }
        let current = step(at: now)
        for candidate in [current, current - 1, current + 1] where candidate > (lastStep ?? Int64.min) {
            if constantTimeEqual(Self.code(secret: secret, step: candidate), code) { return candidate }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// RFC 4648 base32 without padding, as authenticator apps take a seed typed by hand.
    public static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    /// The `otpauth://` address an authenticator app opens.
    public static func uri(secret: [UInt8], account: String, issuer: String) -> String {
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(base32(secret))&issuer=\(escape(issuer))&algorithm=SHA1&digits=6&period=30"
    }
}
