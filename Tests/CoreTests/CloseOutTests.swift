import Testing
@testable import MusrenbangCore

@Suite("Station close-out rules")
struct CloseOutTests {
    func codes(_ paper: HeadCount) -> [String] { CloseOutRules.validate(paper).map(\.code) }

    @Test func paperFiguresAddUpWithinRange() {
        #expect(codes(.init(men: 20, women: 22, total: 42)).isEmpty)
        #expect(codes(.init(men: 0, women: 0, total: 0)).isEmpty)
        #expect(codes(.init(men: 50_000, women: 50_000, total: 100_000)).isEmpty)
        #expect(codes(.init(men: 20, women: 22, total: 43)) == ["total.sum"])
        #expect(codes(.init(men: -1, women: 22, total: 21)) == ["men.range"])
        #expect(codes(.init(men: 1, women: 100_001, total: 100_002)) == ["women.range", "total.range"])
        #expect(CloseOutRules.validate(.init(men: 20, women: 22, total: 43)).first?.field == "total")
    }

    @Test func comparisonSaysByHowMuch() {
        let recorded = HeadCount(men: 10, women: 12, total: 22)
        #expect(CloseOutRules.compare(paper: recorded, recorded: recorded) == .matches)
        #expect(!CloseOutRules.compare(paper: recorded, recorded: recorded).isMismatch)
        let more = CloseOutRules.compare(paper: .init(men: 11, women: 14, total: 25), recorded: recorded)
        #expect(more == .mismatch(total: 3, men: 1, women: 2))
        #expect(more.isMismatch)
        // Same total, split differently between men and women: still a mismatch.
        #expect(CloseOutRules.compare(paper: .init(men: 12, women: 10, total: 22), recorded: recorded) == .mismatch(total: 0, men: 2, women: -2))
    }

    @Test func handedInOnlyAfterClosingAndBeforeReview() {
        for stage in AssemblyStage.allCases where stage != .closed {
            #expect(CloseOutRules.mayHandIn(stage: stage, state: .pending) == .notClosed)
        }
        #expect(CloseOutRules.mayHandIn(stage: .closed, state: .pending) == nil)
        #expect(CloseOutRules.mayHandIn(stage: .closed, state: .submitted) == nil)
        #expect(CloseOutRules.mayHandIn(stage: .closed, state: .validated) == .reviewed)
        #expect(CloseOutRules.mayHandIn(stage: .closed, state: .incident) == .reviewed)
        #expect(CloseOutRules.maySubmit(stage: .closed, state: .pending, hasScan: false) == .noScan)
        #expect(CloseOutRules.maySubmit(stage: .closed, state: .pending, hasScan: true) == nil)
        #expect(CloseOutRules.maySubmit(stage: .agreement, state: .pending, hasScan: true) == .notClosed)
    }

    @Test func reviewedOnceAfterSubmission() {
        #expect(CloseOutRules.mayReview(state: .pending) == .notSubmitted)
        #expect(CloseOutRules.mayReview(state: .submitted) == nil)
        #expect(CloseOutRules.mayReview(state: .validated) == .reviewed)
        #expect(CloseOutRules.mayReview(state: .incident) == .reviewed)
    }

    @Test func incidentNeedsItsReason() throws {
        #expect(try CloseOutRules.incidentReason("  Lembar hadir hilang sebagian  ").get() == "Lembar hadir hilang sebagian")
        for (raw, code) in [(nil, "required"), ("   ", "required"), ("abc", "reason.length"),
                            (String(repeating: "a", count: 501), "reason.length")] as [(String?, String)] {
            guard case .failure(let refusal) = CloseOutRules.incidentReason(raw) else {
                Issue.record("accepted \(String(describing: raw))")
                continue
            }
            #expect(refusal.code == code)
            #expect(refusal.field == "reason")
        }
    }

    @Test func scansAreRecognisedByContent() {
        #expect(ScanKind.detect(Array("%PDF-1.7\n%âãÏÓ".utf8)) == .pdf)
        #expect(ScanKind.detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]) == .jpeg)
        #expect(ScanKind.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        #expect(ScanKind.detect(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBP".utf8)) == .webp)
        #expect(ScanKind.detect(Array("PK\u{3}\u{4}".utf8)) == nil)
        #expect(ScanKind.detect(Array("<html>%PDF-".utf8)) == nil)
        #expect(ScanKind.detect(Array("%PDF".utf8)) == nil)
        #expect(ScanKind.pdf.contentType == "application/pdf")
        #expect(ScanKind.pdf.image == nil && ScanKind.webp.image == .webp)
        // A photo upload never accepts a PDF: only the close-out does.
        #expect(ImageKind.detect(Array("%PDF-1.7".utf8)) == nil)
    }
}
