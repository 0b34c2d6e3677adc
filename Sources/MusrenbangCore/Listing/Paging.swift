/// Which slice of a list to read. Built only through `init`, which bounds both numbers, so the
/// offset is always representable: an anonymous `?page=9223372036854775807` once overflowed the
/// multiplication and stopped the server.
public struct Paging: Sendable, Hashable {
    public static let maximumPage = 100_000
    public static let maximumSize = 1_000

    public let page: Int
    public let size: Int

    public init(page: Int, size: Int) throws(ValidationError) {
        guard (1...Self.maximumPage).contains(page) else {
            throw ValidationError(field: "page", code: "page.range",
                                  message: .init(id: "Nomor halaman harus 1–\(Self.maximumPage).",
                                                 en: "page must be 1–\(Self.maximumPage)."))
        }
        guard (1...Self.maximumSize).contains(size) else {
            throw ValidationError(field: "pageSize", code: "pageSize.range",
                                  message: .init(id: "Ukuran halaman harus 1–\(Self.maximumSize).",
                                                 en: "pageSize must be 1–\(Self.maximumSize)."))
        }
        self.page = page
        self.size = size
    }

    /// A page number from a link a person may have edited: out-of-range numbers go to the nearest page.
    public static func clamped(page: Int, size: Int) -> Paging {
        // Both are clamped into range, so this cannot fail.
        try! Paging(page: min(max(page, 1), maximumPage), size: min(max(size, 1), maximumSize))
    }

    /// At most 99,999 × 1,000: far from overflowing.
    public var offset: Int { (page - 1) * size }

    /// How many pages `total` rows fill (at least one, so an empty list has a page 1).
    public func pageCount(total: Int) -> Int { max(1, (total + size - 1) / size) }
}
