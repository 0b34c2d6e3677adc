import Testing
@testable import MusrenbangCore

@Suite("Login throttle")
struct LoginThrottleTests {
    let rule = LoginThrottle.Rule(freeAttempts: 3, firstWait: 2, maximumWait: 30)

    @Test func freeAttemptsThenDoublingWaits() {
        var throttle = LoginThrottle()
        for _ in 0..<2 { throttle.recordFailure("a", rule: rule, now: 100) }
        #expect(throttle.wait(for: "a", now: 100) == 0)
        throttle.recordFailure("a", rule: rule, now: 100)
        #expect(throttle.wait(for: "a", now: 100) == 2)
        throttle.recordFailure("a", rule: rule, now: 100)
        #expect(throttle.wait(for: "a", now: 100) == 4)
        throttle.recordFailure("a", rule: rule, now: 100)
        #expect(throttle.wait(for: "a", now: 101) == 7)
        for _ in 0..<10 { throttle.recordFailure("a", rule: rule, now: 100) }
        #expect(throttle.wait(for: "a", now: 100) == 30)
        #expect(throttle.wait(for: "a", now: 200) == 0)
        #expect(throttle.wait(for: "b", now: 100) == 0)
    }

    @Test func successClearsAKey() {
        var throttle = LoginThrottle()
        for _ in 0..<5 { throttle.recordFailure("a", rule: rule, now: 0) }
        throttle.recordSuccess("a")
        #expect(throttle.wait(for: "a", now: 0) == 0)
    }

    @Test func pruneForgetsQuietKeysOnly() {
        var throttle = LoginThrottle()
        throttle.recordFailure("old", rule: rule, now: 0)
        throttle.recordFailure("new", rule: rule, now: 5000)
        throttle.prune(now: 5000, olderThan: 3600)
        #expect(throttle.trackedKeys == 1)
    }
}

@Suite("Account rules")
struct AccountRulesTests {
    @Test func namesAreTrimmedAndBounded() throws {
        #expect(try AccountRules.name("  Siti   Aminah ").get() == "Siti Aminah")
        #expect(throws: ValidationError.self) { try AccountRules.name("").get() }
        #expect(throws: ValidationError.self) { try AccountRules.name("A").get() }
        #expect(throws: ValidationError.self) { try AccountRules.name(String(repeating: "a", count: 101)).get() }
        #expect(throws: ValidationError.self) { try AccountRules.name("12345").get() }
    }

    @Test func passwordsAreEightToSeventyTwoBytes() throws {
        #expect(try AccountRules.password("12345678").get() == "12345678")
        #expect(throws: ValidationError.self) { try AccountRules.password("1234567").get() }
        #expect(throws: ValidationError.self) { try AccountRules.password(nil).get() }
        #expect(throws: ValidationError.self) { try AccountRules.password(String(repeating: "é", count: 40)).get() }
    }

    @Test(arguments: [("081234567890", "+6281234567890"), ("+62 812-3456-7890", "+6281234567890"),
                      ("6281234567890", "+6281234567890")])
    func phonesAreNormalised(raw: String, expected: String) throws {
        #expect(try AccountRules.phone(raw).get() == expected)
    }

    @Test func phonesMayBeAbsentButNotWrong() throws {
        #expect(try AccountRules.phone("").get() == nil)
        #expect(try AccountRules.phone(nil).get() == nil)
        for bad in ["12345", "0212345678", "08123abc4567", "+1 555 0100 000"] {
            #expect(throws: ValidationError.self, "\(bad)") { try AccountRules.phone(bad).get() }
        }
    }

    @Test func usernamesAreNeverNIKShaped() throws {
        #expect(try AccountRules.username(" Operator.Bubuk ").get() == "operator.bubuk")
        for bad in ["ab", "3510135203900001", "with space", "é-accent", String(repeating: "a", count: 33)] {
            #expect(throws: ValidationError.self, "\(bad)") { try AccountRules.username(bad).get() }
        }
    }

    @Test func agencyCodes() throws {
        #expect(try AccountRules.agencyCode("PUPR").get() == "PUPR")
        #expect(throws: ValidationError.self) { try AccountRules.agencyCode("").get() }
        #expect(throws: ValidationError.self) { try AccountRules.agencyCode("<b>").get() }
    }
}
