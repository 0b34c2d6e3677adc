import Foundation
import HummingbirdBcrypt
import Logging
import MusrenbangCore
import MusrenbangMedia
import MusrenbangStore
import NIOPosix

/// The long-lived parts every route uses, built once at start.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let regions: RegionStore
    public let accounts: AccountStore
    public let secret: ServerSecret
    /// The tenant regency's districts and villages with their names, in memory.
    public let places: Places
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let throttle: ThrottleBox
    let passwords: PasswordHasher
    let live: LiveHub
    let heartbeats = HeartbeatGate()
    /// The conferences on Janus; nil when no Janus is configured (video pages say so).
    let media: MediaDirector?
    /// The public program's HLS (its files are served even by a process without Janus of its own).
    let hls: HLSPackager?
    let printer: Printer
    let rateLimits: RateLimitBox

    public init(configuration: AppConfiguration, database: Database, logger: Logger) async throws {
        self.configuration = configuration
        self.database = database
        self.regions = RegionStore(database)
        self.accounts = AccountStore(database)
        self.secret = try ServerSecret.loadOrCreate(dataDirectory: configuration.dataDirectory, given: configuration.secret)
        guard let tenant = try await regions.region(configuration.regency), tenant.level == .regency else {
            throw StoreError.invalidConfiguration("\(configuration.regency) is not a regency in the region list")
        }
        self.places = try await Places.load(tenant, regions: regions)
        self.csrf = CSRFGuard(secret: secret)
        let flashes = FlashStore(database)
        self.pages = try await PageRenderer.load(regencyName: tenant.name, csrf: csrf, flashes: flashes, behindTLS: configuration.behindTLS)
        self.outcome = FormOutcome(flash: flashes, behindTLS: configuration.behindTLS)
        self.throttle = ThrottleBox()
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.printer = try await Printer.load(configuration)
        self.rateLimits = RateLimitBox(configuration.rateLimits)
        self.live = LiveHub(store: AssemblyStore(database), limits: configuration.live)
        let hls = configuration.hls ? HLSPackager(settings: .init(root: Self.hlsRoot(configuration), ffmpeg: configuration.ffmpeg, restream: configuration.restream)) : nil
        self.hls = hls
        if let url = configuration.janusURL {
            let secret = self.secret
            self.media = MediaDirector(
                // Derived from the server's secret: the same after a restart, so rooms Janus still has stay ours.
                client: JanusClient(transport: HTTPJanusTransport(base: url), adminKey: configuration.janusAdminKey,
                                    roomSecret: secret.sign("rooms", purpose: "janus-secret"), roomPin: secret.sign("rooms", purpose: "janus-pin")),
                recordingRoot: configuration.dataDirectory.absoluteURL.appendingPathComponent("recordings", isDirectory: true),
                limits: configuration.media,
                hls: hls,
                hubToken: { MediaService.hubToken(secret, assembly: AssemblyID(rawValue: $0)) })
        } else {
            self.media = nil
        }
    }

    /// `<data dir>/hls`: the public program's playlist and segments, one folder per assembly.
    static func hlsRoot(_ configuration: AppConfiguration) -> URL {
        configuration.dataDirectory.absoluteURL.appendingPathComponent("hls", isDirectory: true)
    }

    /// Today in WIB (UTC+7), the calendar the NIK's birth dates are written in.
    var today: CalendarDate { Self.today() }

    @Sendable static func today() -> CalendarDate {
        let parts = WIB.calendar.dateComponents([.year, .month, .day], from: Date())
        guard let today = CalendarDate(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0) else {
            preconditionFailure("the Gregorian calendar gave no date for now")
        }
        return today
    }
}

/// bcrypt, off the event loops: a slow hash must not stall other requests.
struct PasswordHasher: Sendable {
    let cost: UInt8
    /// What a password is checked against when the account does not exist (or has no password
    /// yet), so the answer takes as long as for one that does and timing does not tell which NIKs
    /// have accounts. Made once at start, of a random password, at the cost real hashes are made
    /// with: a cheaper decoy answered unknown accounts 15 times faster.
    let decoy: String

    init(cost: UInt8) {
        self.cost = cost
        self.decoy = Bcrypt.hash(UUID().uuidString, cost: cost)
    }

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String?) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { check(password, hash: hash) }
    }

    /// The work `verify` does on the pool: the same bcrypt whether or not there is a hash.
    func check(_ password: String, hash: String?) -> Bool {
        let ok = Bcrypt.verify(password, hash: hash ?? decoy)
        return ok && hash != nil
    }
}

/// The login throttle shared by all requests. Failures slow down the pair (account, address) and
/// the address, never the account alone: someone failing on the Bupati's account from elsewhere
/// cannot lock the Bupati out. Staff can add a second factor (TOTP) against guessing from many
/// addresses.
actor ThrottleBox {
    private var throttle = LoginThrottle()
    private var lastPrune = Date().timeIntervalSince1970

    func wait(account: String, address: String) -> Double {
        let now = Date().timeIntervalSince1970
        if now - lastPrune > 300 {
            throttle.prune(now: now)
            lastPrune = now
        }
        return max(throttle.wait(for: Self.pair(account, address), now: now), throttle.wait(for: "ip:\(address)", now: now))
    }

    func failed(account: String, address: String) {
        let now = Date().timeIntervalSince1970
        throttle.recordFailure(Self.pair(account, address), rule: .account, now: now)
        throttle.recordFailure("ip:\(address)", rule: .address, now: now)
    }

    func succeeded(account: String, address: String) {
        throttle.recordSuccess(Self.pair(account, address))
    }

    static func pair(_ account: String, _ address: String) -> String { "pair:\(account)|\(address)" }
}
