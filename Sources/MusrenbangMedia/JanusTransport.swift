import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How requests reach Janus. The server is the only party that talks to Janus's API.
public protocol JanusTransport: Sendable {
    /// POSTs a JSON body to a path under the Janus base URL (`""`, `/{session}`, `/{session}/{handle}`).
    func post(_ path: String, body: Data) async throws -> Data
    /// The long poll for a session's events (`GET /{session}?maxev=N`); Janus answers within 30 s.
    func poll(_ path: String) async throws -> Data
}

/// Janus's HTTP transport (`http://127.0.0.1:8088/janus`).
public struct HTTPJanusTransport: JanusTransport {
    let base: URL
    let session: URLSession
    let pollSession: URLSession

    public init(base: URL, timeout: TimeInterval = 10) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        self.session = URLSession(configuration: configuration)
        let polling = URLSessionConfiguration.ephemeral
        polling.timeoutIntervalForRequest = 40
        self.pollSession = URLSession(configuration: polling)
    }

    public func post(_ path: String, body: Data) async throws -> Data {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return try await load(request, session)
    }

    public func poll(_ path: String) async throws -> Data {
        try await load(URLRequest(url: URL(string: base.absoluteString + path)!), pollSession)
    }

    private func load(_ request: URLRequest, _ session: URLSession) async throws -> Data {
        do {
            let (data, _) = try await session.data(for: request)
            return data
        } catch {
            throw JanusError.unavailable("\(error)")
        }
    }
}
