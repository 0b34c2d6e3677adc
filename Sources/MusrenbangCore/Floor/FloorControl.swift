/// Who may speak to the whole regency: the queue of villages with raised hands, the villages
/// on stage beside the hub, and the speaking timer. Server-authoritative and pure: the server
/// keeps the state, passes the clock in, and turns the returned events into Janus calls, live
/// events and minutes.
public struct FloorControl: Sendable, Equatable, Codable {
    public struct Rules: Sendable, Equatable, Codable {
        /// Villages on stage at once besides the hub.
        public var maximumOnStage: Int
        /// Seconds a village may speak before it is taken off automatically.
        public var speakingLimit: Double
        /// Seconds before the limit at which the speaker is warned.
        public var warningBefore: Double

        public init(maximumOnStage: Int = 2, speakingLimit: Double = 180, warningBefore: Double = 30) {
            self.maximumOnStage = maximumOnStage
            self.speakingLimit = speakingLimit
            self.warningBefore = warningBefore
        }
    }

    public struct Hand: Sendable, Equatable, Codable {
        public let village: RegionCode
        public let topic: String
        public let raisedAt: Double
    }

    public struct Speaker: Sendable, Equatable, Codable {
        public let village: RegionCode
        public let topic: String
        public let grantedAt: Double
        public var warned: Bool
        public var muted: Bool
    }

    /// One village's turn, for the minutes: who spoke, when, for how long, and how it ended.
    public struct Turn: Sendable, Equatable, Codable {
        public enum Ending: String, Sendable, Codable { case revoked, timeUp, finished }
        public let village: RegionCode
        public let topic: String
        public let startedAt: Double
        public let endedAt: Double
        public let ending: Ending
        public var seconds: Double { endedAt - startedAt }
    }

    public enum Event: Sendable, Equatable {
        case raised(village: RegionCode)
        case lowered(village: RegionCode)
        case granted(village: RegionCode)
        case muted(village: RegionCode, Bool)
        case warned(village: RegionCode, secondsLeft: Double)
        case ended(Turn)
    }

    public enum Refusal: Error, Sendable, Equatable {
        case alreadyWaiting, alreadyOnStage, notWaiting, notOnStage, stageFull, emptyTopic
    }

    public var rules: Rules
    public private(set) var queue: [Hand] = []
    public private(set) var stage: [Speaker] = []

    public init(rules: Rules = Rules()) {
        self.rules = rules
    }

    /// A village asks for the floor with a topic; it waits in order of asking.
    public mutating func raise(_ village: RegionCode, topic: String, now: Double) throws(Refusal) -> [Event] {
        let topic = String(topic.drop(while: \.isWhitespace))
        guard !topic.isEmpty else { throw .emptyTopic }
        guard !stage.contains(where: { $0.village == village }) else { throw .alreadyOnStage }
        guard !queue.contains(where: { $0.village == village }) else { throw .alreadyWaiting }
        queue.append(Hand(village: village, topic: String(topic.prefix(200)), raisedAt: now))
        return [.raised(village: village)]
    }

    public mutating func lower(_ village: RegionCode) throws(Refusal) -> [Event] {
        guard let index = queue.firstIndex(where: { $0.village == village }) else { throw .notWaiting }
        queue.remove(at: index)
        return [.lowered(village: village)]
    }

    /// Gives a waiting village the floor, if the stage has room.
    public mutating func grant(_ village: RegionCode, now: Double) throws(Refusal) -> [Event] {
        guard let index = queue.firstIndex(where: { $0.village == village }) else {
            throw stage.contains(where: { $0.village == village }) ? .alreadyOnStage : .notWaiting
        }
        guard stage.count < rules.maximumOnStage else { throw .stageFull }
        let hand = queue.remove(at: index)
        stage.append(Speaker(village: village, topic: hand.topic, grantedAt: now, warned: false, muted: false))
        return [.granted(village: village)]
    }

    public mutating func mute(_ village: RegionCode, _ muted: Bool) throws(Refusal) -> [Event] {
        guard let index = stage.firstIndex(where: { $0.village == village }) else { throw .notOnStage }
        stage[index].muted = muted
        return [.muted(village: village, muted)]
    }

    /// Takes a village off stage: by a moderator (`revoked`) or by itself (`finished`).
    public mutating func end(_ village: RegionCode, now: Double, ending: Turn.Ending = .revoked) throws(Refusal) -> [Event] {
        guard let index = stage.firstIndex(where: { $0.village == village }) else { throw .notOnStage }
        let speaker = stage.remove(at: index)
        return [.ended(Turn(village: village, topic: speaker.topic, startedAt: speaker.grantedAt, endedAt: now, ending: ending))]
    }

    /// The timer: a warning near the limit, and the end of the turn at it.
    public mutating func tick(now: Double) -> [Event] {
        var events: [Event] = []
        for speaker in stage {
            let elapsed = now - speaker.grantedAt
            if elapsed >= rules.speakingLimit {
                stage.removeAll { $0.village == speaker.village }
                events.append(.ended(Turn(village: speaker.village, topic: speaker.topic, startedAt: speaker.grantedAt,
                                          endedAt: speaker.grantedAt + rules.speakingLimit, ending: .timeUp)))
            } else if !speaker.warned && elapsed >= rules.speakingLimit - rules.warningBefore,
                      let index = stage.firstIndex(where: { $0.village == speaker.village }) {
                stage[index].warned = true
                events.append(.warned(village: speaker.village, secondsLeft: rules.speakingLimit - elapsed))
            }
        }
        return events
    }

    /// Whether a village may publish camera and microphone now: only when on stage and not muted.
    public func mayPublish(_ village: RegionCode) -> Bool {
        stage.contains { $0.village == village && !$0.muted }
    }

    /// Where a waiting village stands in the queue (1 = next), or nil.
    public func position(of village: RegionCode) -> Int? {
        queue.firstIndex { $0.village == village }.map { $0 + 1 }
    }
}
