import Hummingbird
import MusrenbangCore
import MusrenbangStore
import NIOCore

/// What a request carries through the router: who is asking, in which language, from where.
public struct AppContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The signed-in account, set by `AuthenticationMiddleware`.
    public var user: UserRecord?
    /// How the account was proven: a bearer token (API) or the session cookie (pages).
    public var credential: Credential?
    public var locale: LocalizedText.Locale = .indonesian
    /// The CSRF nonce of this browser (from its cookie, or freshly made for this response).
    public var csrfNonce: String?
    /// The token of a one-time message the last form left (Post/Redirect/Get).
    public var flashToken: String?

    public enum Credential: Sendable {
        case bearer(String)
        case session(String)

        var token: String {
            switch self {
            case .bearer(let token), .session(let token): token
            }
        }
    }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Request bodies larger than this are refused with 413 before they are read.
    public var maxUploadSize: Int { 1 << 20 }

    public var principal: Principal? { user?.principal }

    /// The client's address as a rate-limit key: the peer's, or what trusted proxies forwarded
    /// (set by `AuthenticationMiddleware`).
    public var clientAddress: String = "local"

    var peerAddress: String {
        switch remoteAddress {
        case .v4(let address): address.host
        case .v6(let address): address.host
        default: "local"
        }
    }

    /// A typed id from the path; not a number means nothing is there (404).
    func id<Tag>(_ name: String, as type: Tagged<Tag, Int64>.Type) throws -> Tagged<Tag, Int64> {
        guard let raw = parameters.get(name, as: Int64.self) else {
            throw AppError.notFound(.init(id: "Alamat ini tidak ada.", en: "There is nothing at this address."))
        }
        return Tagged(rawValue: raw)
    }

    /// The `:year` of the path.
    func year() throws -> Int {
        guard let year = parameters.get("year", as: Int.self), (2000...2100).contains(year) else {
            throw AppError.notFound(.init(id: "Tahun tidak dikenal.", en: "Unknown year."))
        }
        return year
    }
}
