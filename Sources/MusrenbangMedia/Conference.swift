import Foundation

/// One assembly's conference on Janus: a VideoRoom stage where the hub publishes and villages
/// holding the floor join it, and a Streaming mountpoint for the public view. Rooms are not
/// permanent, so after a Janus restart `ensure` builds them again.
public actor Conference {
    public struct Layout: Sendable, Equatable {
        public let room: Int
        public let mountpoint: JanusClient.Mountpoint
    }

    let client: JanusClient
    let assembly: Int64
    let description: String
    /// The hub's join token; village tokens are added while they hold the floor.
    let hubToken: String
    let recordingDirectory: String?
    private var layout: Layout?

    public init(client: JanusClient, assembly: Int64, description: String, hubToken: String, recordingDirectory: String? = nil) {
        self.client = client
        self.assembly = assembly
        self.description = description
        self.hubToken = hubToken
        self.recordingDirectory = recordingDirectory
    }

    /// Room and mountpoint numbers derived from the assembly, so every server process agrees.
    public var roomNumber: Int { 10_000 + Int(assembly) }

    /// Makes sure the room and mountpoint exist, creating them (again) when Janus lost them.
    public func ensure() async throws -> Layout {
        if let layout, try await client.roomExists(layout.room) { return layout }
        let room = roomNumber
        if try await !client.roomExists(room) {
            try await client.createRoom(room, .init(description: description, publishers: 3, allowed: [hubToken],
                                                    recordingDirectory: recordingDirectory))
        }
        try? await client.destroyMountpoint(room)
        let mountpoint = try await client.createMountpoint(room, description: "\(description) (publik)")
        let fresh = Layout(room: room, mountpoint: mountpoint)
        layout = fresh
        return fresh
    }

    /// Lets the holder of `token` publish on the stage (a village given the floor).
    public func admit(_ token: String) async throws {
        let layout = try await ensure()
        _ = try await client.allow(layout.room, tokens: [token], add: true)
    }

    /// Takes the right to publish away again (the floor ended).
    public func dismiss(_ token: String) async throws {
        let layout = try await ensure()
        _ = try await client.allow(layout.room, tokens: [token], add: false)
    }

    /// The tokens allowed on the stage now.
    public func allowed() async throws -> [String] {
        let layout = try await ensure()
        return try await client.allow(layout.room, tokens: [], add: true)
    }

    public func close() async throws {
        guard let layout else { return }
        try? await client.destroyMountpoint(layout.mountpoint.id)
        try await client.destroyRoom(layout.room)
        self.layout = nil
    }
}
