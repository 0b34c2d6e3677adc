import MusrenbangCore
import Testing

@Suite("Bounded work: the admission gate and the deadline")
struct BoundedWorkTests {
    actor Counter {
        var now = 0, most = 0
        func enter() { now += 1; most = max(most, now) }
        func leave() { now -= 1 }
    }

    @Test("at most maxRunning run at once, maxWaiting wait, the rest are refused at once")
    func gate() async throws {
        let gate = AdmissionGate(maxRunning: 2, maxWaiting: 1)
        let counter = Counter()
        let started = (0..<3).map { _ in
            Task { await gate.admit { await counter.enter(); try? await Task.sleep(for: .milliseconds(500)); await counter.leave(); return true } }
        }
        while await counter.now < 2 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(50))  // the third is queued by now
        #expect(await gate.admit { true } == nil, "a full queue refuses without running")
        for task in started { #expect(await task.value == true) }
        #expect(await counter.most == 2)
        #expect(await gate.admit { 7 } == 7, "places are given back")
    }

    @Test("the first answer wins: the work's when in time, the late value when not")
    func deadline() async {
        #expect(await withDeadline(.seconds(5), late: "late") { "done" } == "done")
        let slow = await withDeadline(.milliseconds(50), late: "late") {
            try? await Task.sleep(for: .seconds(30))
            return Task.isCancelled ? nil : "done"
        }
        #expect(slow == "late")
    }
}
