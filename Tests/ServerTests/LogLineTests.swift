import Foundation
import Testing
@testable import MusrenbangServer

/// The log line is written by hand (for speed); it must still be one valid JSON object per line.
struct LogLineTests {
    @Test func aLineIsOneJSONObjectWithEveryFieldEscaped() throws {
        let fields = ["message": "quote \" backslash \\ newline \n tab \t bell \u{7} sampai jumpa", "label": "musrenbang",
                      "hb.request.path": "/usulan/12", "zz": ""]
        let line = String(decoding: StructuredLogHandler.line(fields), as: UTF8.self)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(parsed == fields)
        #expect(line.hasPrefix("{\"hb.request.path\""))
    }

    @Test func theTimestampIsISO8601InUTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_796_017_205.123)
        #expect(StructuredLogHandler.timestamp(date) == "2026-11-30T05:40:05.123Z")
        #expect(StructuredLogHandler.timestamp(Date(timeIntervalSince1970: 0.004)) == "1970-01-01T00:00:00.004Z")
    }
}
