/// The file name a download carries, saying what it is: `BA-Musrenbangdes-Bubuk-2027.pdf`,
/// `DU-RKPDes-Bubuk-2027.xlsx`. Place names keep their letters; anything a file system or a
/// header could misread is dropped.
public struct DownloadName: Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ parts: [String], extension ext: String) {
        let cleaned = parts.map(Self.clean).filter { !$0.isEmpty }
        description = cleaned.joined(separator: "-") + "." + ext
    }

    static func clean(_ part: String) -> String {
        var out = ""
        for scalar in part.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" {
                out.unicodeScalars.append(scalar)
            } else if scalar == " " || scalar == "-" || scalar == "/" {
                if !out.isEmpty && !out.hasSuffix("-") { out.append("-") }
            }
        }
        while out.hasSuffix("-") || out.hasSuffix(".") { out.removeLast() }
        return out
    }

    /// `Content-Disposition` value: the name is ASCII by construction, so no `filename*` is needed.
    public var contentDisposition: String { "attachment; filename=\"\(description)\"" }
}
