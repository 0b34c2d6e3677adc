import Foundation

/// Any JSON value, for the free-form `plugindata.data` Janus plugins answer with.
public enum JSONValue: Sendable, Equatable, Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(_ key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var int: Int? { if case .number(let value) = self { Int(value) } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
}

/// What Janus answers on its HTTP API: `success`, `ack`, `event` or `error`.
struct JanusResponse: Decodable, Sendable {
    struct Identifier: Decodable, Sendable { let id: UInt64 }
    struct Failure: Decodable, Sendable { let code: Int; let reason: String }
    struct PluginData: Decodable, Sendable { let plugin: String; let data: JSONValue }

    let janus: String
    let transaction: String?
    let sender: UInt64?
    let data: Identifier?
    let error: Failure?
    let plugindata: PluginData?
    let jsep: SessionDescription?
}

/// An SDP offer or answer as WebRTC and Janus spell it.
public struct SessionDescription: Sendable, Codable, Equatable {
    public let type: String
    public let sdp: String

    public init(type: String, sdp: String) {
        self.type = type
        self.sdp = sdp
    }

    var json: [String: Any] { ["type": type, "sdp": sdp] }
}

/// Something Janus told about a handle without being asked: the media is up (`webrtcup`), the
/// peer connection closed (`hangup`), the handle is gone (`detached`), or a plugin event.
public struct JanusEvent: Sendable {
    public let kind: String
    public let handle: UInt64
    public let data: JSONValue?
}

/// What an asynchronous plugin request ended with: the plugin's data and, for offers and answers, the SDP.
public struct PluginReply: Sendable {
    public let data: JSONValue
    public let jsep: SessionDescription?
}

public enum JanusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Janus could not be reached or answered something that is not its API.
    case unavailable(String)
    /// Janus refused the request itself (e.g. 458 no such session).
    case janus(code: Int, reason: String)
    /// A plugin refused the request (e.g. 433 wrong admin_key, 426 no such room).
    case plugin(code: Int, reason: String)

    public var description: String {
        switch self {
        case .unavailable(let text): "Janus unavailable: \(text)"
        case .janus(let code, let reason): "Janus error \(code): \(reason)"
        case .plugin(let code, let reason): "Janus plugin error \(code): \(reason)"
        }
    }

    /// The session expired or Janus restarted: a new session and handles are needed.
    public var isSessionGone: Bool {
        if case .janus(let code, _) = self { return code == 458 || code == 459 }
        return false
    }
}
