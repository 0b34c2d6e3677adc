public enum Gender: String, Sendable, Codable, CaseIterable {
    case female, male
}

/// A calendar date without time zone, enough for birth dates and plan years.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDate.days(inMonth: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `2027-02-05` (what a date field of a form or the API sends), or nil.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        self.init(year: year, month: month, day: day)
    }
}

/// The 16-digit Nomor Induk Kependudukan, checked by its structure: PPKKCC (the district of
/// registration), DDMMYY (birth date, women's day + 40), then a 4-digit serial.
///
/// A valid NIK is personal data (UU 27/2022): this type never prints its digits; use `masked`
/// for display and keep only a keyed hash of `digits`.
public struct NIK: Sendable, Hashable, CustomStringConvertible {
    public let digits: String
    public let district: RegionCode
    public let birthDate: CalendarDate
    public let gender: Gender

    /// First 6 and last 2 digits, the rest hidden: `351013********01`.
    public var masked: String { Self.mask(digits) }

    /// The masked form of 16 digits, valid or not (the same rule as `masked`).
    public static func mask(_ digits: String) -> String {
        String(digits.prefix(6)) + String(repeating: "*", count: max(0, digits.count - 8)) + String(digits.suffix(2))
    }

    public var description: String { masked }

    /// Checks every rule and returns the first refusal, in the order a person would fix them.
    /// - Parameters:
    ///   - districtExists: whether a district code is in the Kemendagri list.
    ///   - today: birth dates after it are refused, and it decides the century of `YY`.
    public static func validate(
        _ raw: String,
        gender expected: Gender,
        today: CalendarDate,
        districtExists: (RegionCode) -> Bool
    ) -> Result<NIK, ValidationError> {
        let text = raw.filter { !$0.isWhitespace }
        guard text.count == 16, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(refusal("length", id: "NIK harus terdiri dari tepat 16 angka.",
                                    en: "NIK must be exactly 16 digits."))
        }
        let chars = Array(text)
        let prefix = String(chars[0..<6])
        guard let district = RegionCode(nikPrefix: prefix), districtExists(district) else {
            return .failure(refusal("unknownDistrict",
                                    id: "6 angka pertama NIK (\(prefix)) bukan kode kecamatan yang terdaftar.",
                                    en: "The first 6 digits of the NIK (\(prefix)) are not a registered district code."))
        }
        let rawDay = Int(String(chars[6..<8]))!
        let month = Int(String(chars[8..<10]))!
        let yy = Int(String(chars[10..<12]))!
        let gender: Gender = rawDay > 40 ? .female : .male
        let day = rawDay > 40 ? rawDay - 40 : rawDay
        let year = yy <= today.year % 100 ? (today.year / 100) * 100 + yy : (today.year / 100 - 1) * 100 + yy
        guard let birthDate = CalendarDate(year: year, month: month, day: day), birthDate <= today else {
            return .failure(refusal("birthDate",
                                    id: "Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang valid (DDMMYY; untuk perempuan tanggal ditambah 40).",
                                    en: "Digits 7–12 of the NIK are not a valid birth date (DDMMYY; women's day + 40)."))
        }
        guard gender == expected else {
            let implied = gender == .female ? ("perempuan", "female") : ("laki-laki", "male")
            let given = expected == .female ? ("perempuan", "female") : ("laki-laki", "male")
            return .failure(refusal("genderMismatch",
                                    id: "NIK menunjukkan jenis kelamin \(implied.0), tetapi yang dipilih \(given.0).",
                                    en: "The NIK implies gender \(implied.1) but \(given.1) was given."))
        }
        return .success(NIK(digits: text, district: district, birthDate: birthDate, gender: gender))
    }

    private static func refusal(_ reason: String, id: String, en: String) -> ValidationError {
        ValidationError(field: "nik", code: "nik.\(reason)", message: .init(id: id, en: en))
    }
}
