import MusrenbangCore
import PropertyBased
import Testing

@Suite("Text rules: control characters, invisible text, grapheme bombs")
struct TextRulesTests {
    /// Characters worth mixing: controls, invisibles, combiners, quotes, markup, letters.
    static let alphabet: [Character] = [
        "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\r", "\u{1B}", "\u{7F}", "\u{85}", "\u{9F}",
        "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{00AD}", "\u{202E}", "\u{2066}", "\u{3164}", "\u{2800}",
        "\u{0301}", "\u{FE0F}", " ", "\u{00A0}", "\u{3000}",
        "a", "Z", "é", "ñ", "0", "9", "'", "\"", "<", ">", "&", "%", "/", "\\", ".", "-", "😀", "👩‍👩‍👧", "ꦱ",
    ]
    static let invisibles: [Character] = ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{00AD}", "\u{202E}",
                                          "\u{2066}", "\u{3164}", "\u{115F}", "\u{1160}", "\u{FFA0}", "\u{2800}", "\u{034F}",
                                          " ", "\u{00A0}", "\u{2003}", "\u{3000}", "\u{180E}", "\u{E0020}"]
    static let anyText = Gen<Character?>.element(of: alphabet).map { $0! }.string(of: 0...40)
    static let invisibleText = Gen<Character?>.element(of: invisibles).map { $0! }.string(of: 1...30)

    @Test("NUL is refused everywhere, with its own code, naming the field")
    func nul() {
        for multiline in [false, true] {
            guard case .failure(let refusal) = TextRules.boundary("Budi\u{0}", field: "name", multiline: multiline) else {
                Issue.record("NUL accepted")
                continue
            }
            #expect(refusal.code == "nul" && refusal.field == "name")
        }
    }

    @Test("line breaks and tabs only where text may span lines; other controls nowhere")
    func controls() {
        #expect((try? TextRules.boundary("a\nb\tc\r\n", field: "problem", multiline: true).get()) == "a\nb\tc\r\n")
        if case .failure(let refusal) = TextRules.boundary("a\nb", field: "title", multiline: false) {
            #expect(refusal.code == "text.control" && refusal.field == "title")
            #expect(refusal.message.en.contains("U+000A"))
        } else {
            Issue.record("a line break in a one-line field was accepted")
        }
        for scalar: UInt32 in [0x01, 0x08, 0x1B, 0x7F, 0x85, 0x9F] {
            let text = "a" + String(Character(Unicode.Scalar(scalar)!)) + "b"
            #expect(throws: ValidationError.self) { try TextRules.boundary(text, field: "f", multiline: true).get() }
        }
    }

    @Test("any mix of characters: refused exactly when it holds a forbidden control; accepted text holds none", arguments: [false, true])
    func boundaryProperty(multiline: Bool) async {
        await propertyCheck(count: 500, input: Self.anyText) { text in
            let forbidden = text.unicodeScalars.contains { scalar in
                (scalar.value < 0x20 && !(multiline && [0x09, 0x0A, 0x0D].contains(scalar.value))) || (0x7F...0x9F).contains(scalar.value)
            }
            switch TextRules.boundary(text, field: "f", multiline: multiline) {
            case .failure(let refusal):
                #expect(forbidden || refusal.code == "text.cluster", "refused \(text.debugDescription) as \(refusal.code)")
            case .success(let accepted):
                #expect(!forbidden, "accepted \(text.debugDescription)")
                #expect(accepted.isEmpty || !TextRules.isBlank(accepted), "invisible text passed as a value: \(accepted.debugDescription)")
            }
        }
    }

    @Test("text made only of invisible characters counts as empty: required fields refuse it, optional ones drop it")
    func invisibleOnly() async {
        await propertyCheck(count: 300, input: Self.invisibleText) { text in
            #expect(TextRules.isBlank(text))
            #expect((try? TextRules.boundary(text, field: "f", multiline: false).get()) == "")
            #expect(TextRules.trimmed(text) == "")
            #expect(AccountRules.name(text).failureCode == "required")
            #expect(TextRules.text(text, field: "groupName", label: .init(id: "Nama", en: "Name"), length: 1...100,
                                   required: false) == .success(nil))
            let draft = ProposalRules.cleaned(Self.draft(title: text, hamlet: text, groupName: text))
            #expect(draft.location.hamlet == nil && draft.groupName == nil)
            let refusals = ProposalRules.validate(draft, currentYear: 2026)
            #expect(refusals.contains { $0.field == "title" && $0.code == "required" })
        }
    }

    @Test("visible text keeps its inside; only the ends lose spaces and invisible characters")
    func trimming() async {
        #expect(TextRules.trimmed("\u{200B} Budi\u{200B}Santoso \u{FEFF}") == "Budi\u{200B}Santoso")
        #expect(AccountRules.name("\u{200B}Siti \u{200B} Aminah\u{FEFF}") == .success("Siti Aminah"))
        await propertyCheck(count: 300, input: Self.anyText) { text in
            let trimmed = TextRules.trimmed(text)
            #expect(TextRules.trimmed(trimmed) == trimmed)
            if let first = trimmed.unicodeScalars.first, let last = trimmed.unicodeScalars.last {
                #expect(!TextRules.isInvisible(first) && !TextRules.isInvisible(last))
            } else {
                #expect(TextRules.isBlank(text))
            }
        }
    }

    @Test("a character of thousands of code points is refused, so lengths in characters bound the bytes")
    func graphemeBombs() {
        let zalgo = "Jalan" + String(repeating: "\u{0301}", count: 5_000)
        #expect(zalgo.count == 5)
        #expect(TextRules.boundary(zalgo, field: "title", multiline: false).failureCode == "text.cluster")
        let joined = "abcde" + String(repeating: "\u{200D}", count: 100_000)
        #expect(TextRules.boundary(joined, field: "title", multiline: false).failureCode == "text.cluster")
        #expect((try? TextRules.boundary("👩🏽‍👩🏽‍👧🏽‍👦🏽 keluarga", field: "f", multiline: false).get()) != nil)
        let draft = Self.draft(title: joined)
        #expect(ProposalRules.validate(draft, currentYear: 2026).contains { $0.field == "title" && $0.code == "text.cluster" })
    }

    @Test("lengths are bounded: a search, a name, a title")
    func lengths() {
        let long = String(repeating: "a", count: 100_000)
        #expect(TextRules.search(long, maximum: 100).failureCode == "q.length")
        #expect(TextRules.search("\u{200B}\u{200B}", maximum: 100) == .success(""))
        #expect(AccountRules.name(long).failureCode == "name.length")
        #expect(ProposalRules.validate(Self.draft(title: long), currentYear: 2026).contains { $0.code == "title.length" })
        #expect(AccountRules.password("kata\u{0}sandi-1").failureCode == "nul")
    }

    static func draft(title: String, hamlet: String? = nil, groupName: String? = nil) -> ProposalDraft {
        ProposalDraft(villageCode: RegionCode("35.10.13.2007")!, year: 2027, title: title, problem: "Jalan berlubang sepanjang 350 m.",
                      activity: "Pengaspalan jalan", fieldCode: "02", subfieldCode: "02.03", kind: .physical,
                      location: .init(hamlet: hamlet), volume: 350, unit: "m", estimatedCost: 1_000_000,
                      fundingSource: .villageFund, beneficiaries: .init(total: 100), groupName: groupName)
    }
}

extension Result where Failure == ValidationError {
    var failureCode: String? {
        if case .failure(let refusal) = self { return refusal.code }
        return nil
    }
}
