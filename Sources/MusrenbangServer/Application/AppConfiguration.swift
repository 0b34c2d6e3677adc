import Foundation
import MusrenbangMedia
import MusrenbangCore
import MusrenbangStore

/// Everything the server needs to start, from flags and environment (flags win).
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The tenant: one regency (kabupaten/kota).
    public var regency: RegionCode
    public var dataDirectory: URL
    public var databaseURL: DatabaseURL
    public var secret: String?
    /// Set when a TLS proxy sits in front, so cookies carry `Secure`.
    public var behindTLS: Bool
    /// bcrypt cost: slow on purpose (≈ 50–100 ms at 10 here); tests lower it to stay quick.
    public var bcryptCost: UInt8
    /// Pooled database connections per event loop (one loop per core).
    public var connectionsPerLoop: Int = 4
    /// PostgreSQL: frequent statements prepared once per connection (`MUSRENBANG_DB_PREPARED=off`
    /// sends every one unnamed, as behind a pooler in transaction mode).
    public var preparedStatements = true
    /// Janus's HTTP API (`http://127.0.0.1:8088/janus`); without it video pages say it is unavailable.
    public var janusURL: URL?
    /// The VideoRoom and Streaming `admin_key`; only the server holds it.
    public var janusAdminKey: String = ""
    /// The PDF engine's command (WeasyPrint); found on `PATH` unless a path is given.
    public var pdfEngine: String = "weasyprint"
    /// How often strangers and accounts may repeat what costs us (`MUSRENBANG_RATE_LIMITS`).
    public var rateLimits: RateLimits = .defaults
    /// Proxies whose `X-Forwarded-For` is believed (`MUSRENBANG_TRUSTED_PROXIES="127.0.0.1,10.0.0.0/8"`);
    /// without them the peer's address is the client's.
    public var trustedProxies: [AddressRange] = []
    /// Serve a database with the demo loaded on an address beyond loopback (`MUSRENBANG_ALLOW_DEMO=1`):
    /// its accounts are known to whoever ran the demo, so it is refused unless asked for.
    public var allowDemoBeyondLoopback = false

    /// Whether the server listens only on this machine.
    public var listensOnLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
    /// Caps on the live event streams (`/live`): in all for the public, per client, and how long one lasts.
    public var live = LiveLimits()
    /// Caps on video connections through this server (public viewers in all and per client, and
    /// how long a connection may wait for the browser's answer before it is dropped at Janus).
    public var media = MediaLimits()
    /// Whether the public program is also packaged as HLS (`MUSRENBANG_HLS`, default on; needs ffmpeg).
    public var hls = true
    /// The ffmpeg that packages it (`MUSRENBANG_FFMPEG`, default `ffmpeg` on the PATH).
    public var ffmpeg = "ffmpeg"
    /// The regency's live platform, if it names one (`MUSRENBANG_RESTREAM_URL`, an `rtmp://` or
    /// `rtmps://` ingest URL with its key; `{assembly}` is replaced by the assembly's id): the
    /// program is pushed there from the same encode as the HLS.
    public var restream: HLSPackager.Restream?

    public init(host: String = "127.0.0.1", port: Int = 8080, regency: RegionCode = RegionCode("35.10")!,
                dataDirectory: URL, databaseURL: DatabaseURL? = nil, secret: String? = nil,
                behindTLS: Bool = false, bcryptCost: UInt8 = 10) {
        self.host = host
        self.port = port
        self.regency = regency
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL ?? .sqlite(path: dataDirectory.appendingPathComponent("musrenbang.sqlite").path)
        self.secret = secret
        self.behindTLS = behindTLS
        self.bcryptCost = bcryptCost
    }

    /// Reads `MUSRENBANG_DATA_DIR`, `DATABASE_URL`, `MUSRENBANG_SECRET`, `MUSRENBANG_BEHIND_TLS`,
    /// `JANUS_URL`, `JANUS_ADMIN_KEY`, `MUSRENBANG_PDF_ENGINE` and the caps (`MUSRENBANG_LIVE_*`,
    /// `MUSRENBANG_MEDIA_*`; see docs/operations.md).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        let dataDirectory = URL(fileURLWithPath: environment["MUSRENBANG_DATA_DIR"] ?? "var", isDirectory: true)
        let databaseURL = try environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : try DatabaseURL($0) }
        var configuration = AppConfiguration(
            dataDirectory: dataDirectory,
            databaseURL: databaseURL,
            secret: environment["MUSRENBANG_SECRET"],
            behindTLS: environment["MUSRENBANG_BEHIND_TLS"] == "1"
        )
        configuration.janusURL = environment["JANUS_URL"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
        configuration.janusAdminKey = environment["JANUS_ADMIN_KEY"] ?? ""
        configuration.allowDemoBeyondLoopback = environment["MUSRENBANG_ALLOW_DEMO"] == "1"
        if let engine = environment["MUSRENBANG_PDF_ENGINE"], !engine.isEmpty { configuration.pdfEngine = engine }
        if let limits = environment["MUSRENBANG_RATE_LIMITS"], !limits.isEmpty { configuration.rateLimits = try RateLimits.parse(limits) }
        if let proxies = environment["MUSRENBANG_TRUSTED_PROXIES"], !proxies.isEmpty {
            configuration.trustedProxies = try proxies.split(separator: ",").map {
                guard let range = AddressRange(String($0)) else { throw ConfigurationError("MUSRENBANG_TRUSTED_PROXIES: \($0) is not an address or an IPv4 network") }
                return range
            }
        }
        func count(_ name: String) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), value > 0 else { throw StoreError.invalidConfiguration("\(name) must be a positive whole number") }
            return value
        }
        if let value = try count("MUSRENBANG_DB_CONNECTIONS_PER_LOOP") { configuration.connectionsPerLoop = value }
        switch environment["MUSRENBANG_DB_PREPARED"] {
        case nil, "", "on": break
        case "off": configuration.preparedStatements = false
        case let other?: throw StoreError.invalidConfiguration("MUSRENBANG_DB_PREPARED must be on or off, not \(other)")
        }
        if let value = try count("MUSRENBANG_LIVE_MAX") { configuration.live.maximum = value }
        if let value = try count("MUSRENBANG_LIVE_PER_CLIENT") { configuration.live.perClient = value }
        if let value = try count("MUSRENBANG_LIVE_MAX_SECONDS") { configuration.live.longestSeconds = value }
        if let value = try count("MUSRENBANG_MEDIA_VIEWERS_MAX") { configuration.media.maximumViewers = value }
        // The newer name wins; 0 is allowed: every public viewer of this process watches HLS.
        if let text = environment["MUSRENBANG_WEBRTC_VIEWERS"], !text.isEmpty {
            guard let value = Int(text), value >= 0 else { throw StoreError.invalidConfiguration("MUSRENBANG_WEBRTC_VIEWERS must be a whole number, 0 or more") }
            configuration.media.maximumViewers = value
        }
        if let value = environment["MUSRENBANG_HLS"] { configuration.hls = value != "0" }
        if let value = environment["MUSRENBANG_FFMPEG"], !value.isEmpty { configuration.ffmpeg = value }
        if let text = environment["MUSRENBANG_RESTREAM_URL"], !text.isEmpty {
            guard let restream = HLSPackager.Restream(text) else {
                throw StoreError.invalidConfiguration("MUSRENBANG_RESTREAM_URL must be an rtmp:// or rtmps:// URL with a host, without | [ ] \\ quotes or spaces")
            }
            configuration.restream = restream
        }
        if let value = try count("MUSRENBANG_MEDIA_VIEWERS_PER_CLIENT") { configuration.media.viewersPerClient = value }
        if let value = try count("MUSRENBANG_MEDIA_ANSWER_SECONDS") { configuration.media.answerTimeout = .seconds(value) }
        return configuration
    }
}
