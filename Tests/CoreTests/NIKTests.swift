import Testing
@testable import MusrenbangCore

@Suite("NIK rules")
struct NIKTests {
    let today = CalendarDate(year: 2026, month: 11, day: 29)!
    let known: Set<String> = ["35.10.13", "35.10.01", "11.01.01"]

    func check(_ raw: String, _ gender: Gender) -> Result<NIK, ValidationError> {
        NIK.validate(raw, gender: gender, today: today) { known.contains($0.description) }
    }

    func refusal(_ raw: String, _ gender: Gender) -> String? {
        if case .failure(let error) = check(raw, gender) { return error.code }
        return nil
    }

    @Test func aWomansNIKCarriesDayPlusForty() throws {
        let nik = try check("3510135203900001", .female).get()
        #expect(nik.gender == .female)
        #expect(nik.birthDate == CalendarDate(year: 1990, month: 3, day: 12))
        #expect(nik.district.description == "35.10.13")
        #expect(nik.masked == "351013********01")
        #expect("\(nik)" == "351013********01")
    }

    @Test func aMansNIKHasThePlainDay() throws {
        let nik = try check("3510131203900001", .male).get()
        #expect(nik.gender == .male)
        #expect(nik.birthDate == CalendarDate(year: 1990, month: 3, day: 12))
    }

    @Test func twoDigitYearsUpToThisYearAreThisCentury() throws {
        #expect(try check("3510131203250001", .male).get().birthDate.year == 2025)
        #expect(try check("3510131203270001", .male).get().birthDate.year == 1927)
    }

    @Test func spacesAreIgnored() throws {
        #expect(try check("3510 1352 0390 0001", .female).get().digits == "3510135203900001")
    }

    @Test("not 16 digits", arguments: ["", "351013520390000", "35101352039000011", "351013520390000a", "3510-13520390001"])
    func length(raw: String) {
        #expect(refusal(raw, .female) == "nik.length")
    }

    @Test func anUnknownDistrictIsRefused() {
        #expect(refusal("3599995203900001", .female) == "nik.unknownDistrict")
        #expect(refusal("9910135203900001", .female) == "nik.unknownDistrict")
    }

    @Test("impossible birth dates", arguments: [
        "3510130003900001", // day 0
        "3510133203900001", // day 32
        "3510134003900001", // day 40 = a woman's day 0
        "3510137203900001", // day 72 = a woman's day 32
        "3510133102900001", // 31 February
        "3510132902230001", // 29 February 2023
        "3510131213900001", // month 13
        "3510131200900001", // month 0
        "3510130112260001", // 1 December 2026, after today
    ])
    func birthDate(raw: String) {
        #expect(refusal(raw, raw.dropFirst(6).prefix(2) > "40" ? .female : .male) == "nik.birthDate")
    }

    @Test func leapDaysExistInLeapYears() throws {
        #expect(try check("3510132902240001", .male).get().birthDate == CalendarDate(year: 2024, month: 2, day: 29))
        #expect(try check("3510136902000001", .female).get().birthDate == CalendarDate(year: 2000, month: 2, day: 29))
    }

    @Test func theGenderMustMatch() throws {
        #expect(refusal("3510135203900001", .male) == "nik.genderMismatch")
        #expect(refusal("3510131203900001", .female) == "nik.genderMismatch")
        if case .failure(let error) = check("3510135203900001", .male) {
            #expect(error.field == "nik")
            #expect(error.message.id.contains("perempuan"))
            #expect(error.message.en.contains("female"))
        }
    }

    @Test func refusalsNameTheFieldAndNeverTheDigits() {
        for raw in ["123", "3599995203900001", "3510133203900001", "3510135203900001"] {
            if case .failure(let error) = check(raw, .male) {
                #expect(error.field == "nik")
                #expect(!error.message.id.contains(raw))
                #expect(!error.message.en.contains(raw))
            }
        }
    }
}
