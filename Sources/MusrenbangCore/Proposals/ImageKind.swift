/// Images are recognised by their first bytes, never by a file name or a declared type.
public enum ImageKind: String, Sendable, CaseIterable {
    case jpeg, png, webp

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        }
    }

    public static let maximumBytes = 5 * 1024 * 1024
    public static let maximumPerProposal = 3

    public static func detect(_ bytes: some Collection<UInt8>) -> ImageKind? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }
}

/// How much one person may upload in a day. Photos live on disk, so one account (or one stolen
/// token) must not be able to fill it: at most `maximumPhotos` photos and `maximumBytes` within
/// any `window` seconds. An operator entering a village's proposals with three photos each fits.
public enum PhotoQuota {
    public static let window: Double = 86_400
    public static let maximumPhotos = 60
    public static let maximumBytes = 150 * 1024 * 1024

    /// Whether one more photo of `size` bytes fits beside what the person uploaded in the window.
    public static func allows(photos: Int, bytes: Int, adding size: Int) -> Bool {
        photos < maximumPhotos && bytes + size <= maximumBytes
    }
}
