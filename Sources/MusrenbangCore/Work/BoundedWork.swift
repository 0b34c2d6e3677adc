/// Work that costs a lot per call (a PDF engine, a photo cleaner: each a subprocess of hundreds of
/// milliseconds and megabytes) runs a few at a time, a bounded queue waits behind them, and
/// beyond it callers are told at once to come back, never piled up.
public actor AdmissionGate {
    public let maxRunning: Int
    public let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(maxRunning: Int, maxWaiting: Int) {
        self.maxRunning = maxRunning
        self.maxWaiting = maxWaiting
    }

    /// Runs `work` when a place is free; nil, without running it, when the queue is full.
    public func admit<T: Sendable>(_ work: @Sendable () async -> T) async -> T? {
        if running < maxRunning {
            running += 1
        } else {
            guard waiting.count < maxWaiting else { return nil }
            // `leave` hands its place straight to the first waiting: `running` stays as it is.
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { leave() }
        return await work()
    }

    private func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// The answer of `work`, or `late` when it takes longer than `limit`: the first to come wins and
/// the other is cancelled (cancelling a subprocess's task tears the subprocess down). `work`
/// answers nil only when it was cancelled.
public func withDeadline<T: Sendable>(_ limit: Duration, late: T, _ work: @escaping @Sendable () async -> T?) async -> T {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await work() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return Task.isCancelled ? nil : late
        }
        for await answer in group {
            if let answer {
                group.cancelAll()
                return answer
            }
        }
        return late
    }
}
