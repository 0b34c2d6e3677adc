import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How requests reach Janus. The server is the only party that talks to Janus's API.
public protocol JanusTransport: Sendable {
    /// POSTs a JSON body to a path under the Janus base URL (`""`, `/{session}`, `/{session}/{handle}`).
    func post(_ path: String, body: Data) async throws -> Data
}

/// Janus's HTTP transport (`http://127.0.0.1:8088/janus`).
public struct HTTPJanusTransport: JanusTransport {
    let base: URL
    let session: URLSession

    public init(base: URL, timeout: TimeInterval = 10) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        self.session = URLSession(configuration: configuration)
    }

    public func post(_ path: String, body: Data) async throws -> Data {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        do {
            let (data, _) = try await session.data(for: request)
            return data
        } catch {
            throw JanusError.unavailable("\(error)")
        }
    }
}
