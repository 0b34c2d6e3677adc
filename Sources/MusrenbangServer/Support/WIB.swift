import Foundation

/// Western Indonesia Time (UTC+7), the clock Banyuwangi's officials and residents read.
enum WIB {
    static let timeZone = TimeZone(secondsFromGMT: 7 * 3600)!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    static let months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]

    /// "5 Feb 2027".
    static func date(_ date: Date) -> String {
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        return "\(parts.day!) \(months[parts.month! - 1]) \(parts.year!)"
    }

    /// "19.05", the way Indonesian times are written.
    static func clock(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d.%02d", parts.hour!, parts.minute!)
    }
}
