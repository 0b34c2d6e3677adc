import MusrenbangCore
import Testing

@Suite("Limits, addresses, names on papers, delegates, program mapping")
struct HostileRulesTests {
    @Test("a token bucket lets a burst through, then one per interval, and says how long to wait")
    func tokenBucket() {
        var limiter = RateLimiter()
        let rule = RateRule(3, per: 60)
        #expect((0..<3).allSatisfy { _ in limiter.take("k", rule: rule, now: 0) == nil })
        let wait = limiter.take("k", rule: rule, now: 0)
        #expect(wait != nil && abs(wait! - 20) < 0.001, "one token every 20 s")
        #expect(limiter.take("other", rule: rule, now: 0) == nil, "keys are separate")
        #expect(limiter.take("k", rule: rule, now: 20) == nil)
        #expect(limiter.take("k", rule: rule, now: 20) != nil)
        limiter.prune(now: 10_000, longest: 3600)
        #expect(limiter.count == 0)
        #expect(RateRule("10/60") == RateRule(10, per: 60) && RateRule("x/60") == nil && RateRule("0/60") == nil)
    }

    @Test("the client's address: the peer's, unless a trusted proxy forwarded it; hops a client adds are not believed")
    func clientAddress() {
        let trusted = [AddressRange("127.0.0.1")!, AddressRange("10.0.0.0/8")!]
        #expect(ClientAddress.resolve(peer: "203.0.113.5", forwardedFor: "1.2.3.4", trusted: trusted) == "203.0.113.5")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.7", trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.7, 10.1.2.3", trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trusted: trusted) == "127.0.0.1")
        #expect(AddressRange("10.0.0.0/8")!.contains("10.255.0.1") && !AddressRange("10.0.0.0/8")!.contains("11.0.0.1"))
        #expect(AddressRange("::1")!.contains("::1") && AddressRange("300.1.1.1") == nil && AddressRange("10.0.0.0/33") == nil)
    }

    @Test("a citizen appears by initials unless they agreed; staff by name")
    func publicName() {
        #expect(PublicName.shown("Siti Aminah", isCitizen: true, consented: false) == "S*** A***")
        #expect(PublicName.shown("Siti Aminah", isCitizen: true, consented: true) == "Siti Aminah")
        #expect(PublicName.shown("Drs. Sugiarto", isCitizen: false, consented: false) == "Drs. Sugiarto")
        #expect(PublicName.masked("  ") == "***")
    }

    @Test("three delegates with a woman among them, checked when final")
    func delegates() {
        let man = Delegate(name: "Bambang", gender: .male, institution: "LPMD")
        let woman = Delegate(name: "Siti Maryam", gender: .female, institution: "PKK")
        #expect(DelegateRules.validate([man], final: false).isEmpty, "a draft may be incomplete")
        #expect(DelegateRules.validate([man], final: true).map(\.code) == ["delegates.count", "delegates.woman"])
        #expect(DelegateRules.validate([man, man, man], final: true).map(\.code) == ["delegates.woman"])
        #expect(DelegateRules.validate([man, woman, man], final: true).isEmpty)
        #expect(DelegateRules.validate([man, woman, man, man], final: false).map(\.code) == ["delegates.tooMany"])
        #expect(DelegateRules.validate([Delegate(name: "Al", gender: .female, institution: "")], final: false).map(\.field) == ["delegates[0].name"])
    }

    @Test("a program mapping names a known sub-bidang and keeps its texts short")
    func programMapping() {
        #expect(ProgramMapping.validate(.init(subfieldCode: "02.03", regionalPriority: "A", regionalTarget: "", program: "P")).isEmpty)
        #expect(ProgramMapping.validate(.init(subfieldCode: "09.01", regionalPriority: "", regionalTarget: "", program: "")).map(\.code)
                == ["subfieldCode.unknown"])
        #expect(ProgramMapping.validate(.init(subfieldCode: "02.03", regionalPriority: String(repeating: "x", count: 301),
                                              regionalTarget: "", program: "")).map(\.field) == ["regionalPriority"])
        #expect(ProgramMapping(subfieldCode: "02.03", regionalPriority: "", regionalTarget: "", program: "").isEmpty)
    }
}
