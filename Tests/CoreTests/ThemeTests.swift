import Testing
@testable import MusrenbangCore

@Suite("Thematic musrenbang")
struct ThemeTests {
    @Test("a proposal takes the first thematic session's theme; a tag it has is kept; general sessions tag nothing")
    func tagging() {
        #expect(ThemeRules.tag(current: nil, joined: []) == nil)
        #expect(ThemeRules.tag(current: nil, joined: [nil]) == nil)
        #expect(ThemeRules.tag(current: nil, joined: [nil, .women]) == .women)
        #expect(ThemeRules.tag(current: nil, joined: [.youth, .women]) == .youth)
        #expect(ThemeRules.tag(current: .disability, joined: [.women]) == .disability)
        #expect(ThemeRules.tag(current: .children, joined: [nil]) == .children)
    }

    @Test("themes parse from their API names; blank is the general musrenbang; anything else is refused naming the field")
    func parsing() throws {
        for theme in AssemblyTheme.allCases {
            #expect(try ThemeRules.parse(theme.rawValue).get() == theme)
        }
        #expect(try ThemeRules.parse(nil).get() == nil)
        #expect(try ThemeRules.parse("  ").get() == nil)
        #expect(try ThemeRules.parse(" women ").get() == .women)
        for bad in ["perempuan", "Women", "elderly", String(repeating: "x", count: 5000)] {
            guard case .failure(let refusal) = ThemeRules.parse(bad, field: "theme") else {
                Issue.record("\(bad.prefix(20)) accepted"); continue
            }
            #expect(refusal.field == "theme")
            #expect(refusal.code == "theme.invalid")
            #expect(refusal.message.id.count < 200)
        }
    }

    @Test("a theme's group among attendees: by unsur, and every woman at the women's musrenbang")
    func participants() {
        #expect(AssemblyTheme.women.includes(role: .rtRw, gender: .female))
        #expect(AssemblyTheme.women.includes(role: .womensGroup, gender: .male))
        #expect(!AssemblyTheme.women.includes(role: .community, gender: .male))
        #expect(AssemblyTheme.disability.includes(role: .disabledGroup, gender: .male))
        #expect(!AssemblyTheme.disability.includes(role: .community, gender: .female))
        #expect(AssemblyTheme.youth.includes(role: .youth, gender: .female))
        #expect(!AssemblyTheme.children.includes(role: .community, gender: .female))
    }

    @Test("beneficiaries read L / P / RTM / difabel; men are the total less the women, never negative")
    func beneficiaries() {
        let counted = Beneficiaries(total: 50, women: 20, poor: 5, disabled: 2)
        #expect(counted.men == 30)
        #expect(counted.breakdown == "L 30 · P 20 · RTM 5 · difabel 2")
        let odd = Beneficiaries(total: 3, women: 9)
        #expect(odd.men == 0)
        #expect(odd.breakdown.hasPrefix("L 0 · P 3"))
    }
}
