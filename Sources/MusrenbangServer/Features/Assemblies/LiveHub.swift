import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore
import NIOCore
import ServiceLifecycle

/// Wakes the live streams of an assembly when something was written. The events themselves
/// are read back from `assembly_events`, so a stream never skips one and never sees one twice,
/// and a reconnecting client resumes from its `Last-Event-ID`.
actor LiveHub {
    private var listeners: [AssemblyID: [UUID: AsyncStream<Void>.Continuation]] = [:]

    func subscribe(_ assembly: AssemblyID) -> (UUID, AsyncStream<Void>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        listeners[assembly, default: [:]][id] = continuation
        return (id, stream)
    }

    func unsubscribe(_ assembly: AssemblyID, _ id: UUID) {
        listeners[assembly]?[id]?.finish()
        listeners[assembly]?[id] = nil
    }

    func poke(_ assembly: AssemblyID) {
        for continuation in listeners[assembly]?.values ?? [:].values { continuation.yield() }
    }

    var listenerCount: Int { listeners.values.reduce(0) { $0 + $1.count } }
}

/// `text/event-stream` of an assembly's events: replays what came after `Last-Event-ID`, then
/// follows live; a comment line every 15 s keeps proxies from closing it; it ends after
/// `maxSeconds` (EventSource reconnects and resumes) or at server shutdown.
enum LiveStream {
    static func response(assembly: AssemblyID, lastEventId: Int64, maxSeconds: Int, store: AssemblyStore, hub: LiveHub) -> Response {
        let body = ResponseBody { writer in
            let (subscription, pokes) = await hub.subscribe(assembly)
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(15))
                    await hub.poke(assembly)
                }
            }
            defer { ticker.cancel() }
            let ending = Task {
                try? await Task.sleep(for: .seconds(maxSeconds))
                await hub.unsubscribe(assembly, subscription)
            }
            defer { ending.cancel() }
            var last = lastEventId
            do {
            try await withGracefulShutdownHandler {
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var iterator = pokes.makeAsyncIterator()
                repeat {
                    let events = try await store.events(assembly, after: last)
                    if events.isEmpty {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                    for event in events {
                        try await writer.write(ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind)\ndata: \(event.payload)\n\n"))
                        last = event.id
                    }
                } while await iterator.next() != nil
            } onGracefulShutdown: {
                Task { await hub.unsubscribe(assembly, subscription) }
            }
            } catch {
                // The client went away: stop listening.
                await hub.unsubscribe(assembly, subscription)
                throw error
            }
            await hub.unsubscribe(assembly, subscription)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                               .init("X-Accel-Buffering")!: "no"], body: body)
    }
}
