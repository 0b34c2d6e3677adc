import Foundation
import MusrenbangCore
import MusrenbangDocuments

/// Western Indonesia Time (UTC+7), the clock Banyuwangi's officials and residents read.
enum WIB {
    static let timeZone = TimeZone(secondsFromGMT: 7 * 3600)!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()
}

/// Numbers, money and dates as people read them.
enum Format {
    static let monthsID = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    static let monthsEN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "5 Feb 2027" / "5 Feb 2027", in WIB.
    static func date(_ date: Date) -> LocalizedText {
        let parts = WIB.calendar.dateComponents([.day, .month, .year], from: date)
        let day = parts.day ?? 1, month = (parts.month ?? 1) - 1, year = parts.year ?? 1970
        return .init(id: "\(day) \(monthsID[month]) \(year)", en: "\(day) \(monthsEN[month]) \(year)")
    }

    /// A calendar day (no time, no zone): "5 Feb 2027".
    static func date(_ day: CalendarDate) -> LocalizedText {
        .init(id: "\(day.day) \(monthsID[day.month - 1]) \(day.year)", en: "\(day.day) \(monthsEN[day.month - 1]) \(day.year)")
    }

    static let monthNamesID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
                               "November", "Desember"]
    static let dayNamesID = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"]

    /// "21 Januari 2027", as an official paper writes a date (papers are Indonesian).
    static func longDate(_ date: Date) -> String {
        let parts = WIB.calendar.dateComponents([.day, .month, .year], from: date)
        return "\(parts.day ?? 1) \(monthNamesID[(parts.month ?? 1) - 1]) \(parts.year ?? 1970)"
    }

    /// "Selasa".
    static func dayName(_ date: Date) -> String { dayNamesID[(WIB.calendar.component(.weekday, from: date) - 1) % 7] }

    /// "19.05", the way Indonesian times are written; "19:05" in English.
    static func clock(_ date: Date) -> LocalizedText {
        let parts = WIB.calendar.dateComponents([.hour, .minute], from: date)
        let hour = String(format: "%02d", parts.hour ?? 0), minute = String(format: "%02d", parts.minute ?? 0)
        return .init(id: "\(hour).\(minute)", en: "\(hour):\(minute)")
    }

    /// "5 Feb 2027, 19.05 WIB".
    static func dateTime(_ date: Date) -> LocalizedText {
        let day = Format.date(date), time = clock(date)
        return .init(id: "\(day.id), \(time.id) WIB", en: "\(day.en), \(time.en) WIB")
    }

    /// "Rp 1.250.000" (the dots are how Indonesians group thousands, in both languages here).
    static func rupiah(_ amount: Int64) -> String {
        (amount < 0 ? "-Rp " : "Rp ") + Numbers.grouped(amount.magnitude)
    }

    /// "350" or "12,5" / "12.5".
    static func number(_ value: Double, _ locale: LocalizedText.Locale = .indonesian) -> String {
        guard value.isFinite, value.magnitude < 1e15 else { return String(value) }
        let text = value == value.rounded() ? String(Int64(value)) : String(value)
        return locale == .indonesian ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    static func percent(_ part: Int, of whole: Int) -> Int {
        whole == 0 ? 0 : Int((Double(part) / Double(whole) * 100).rounded())
    }
}
