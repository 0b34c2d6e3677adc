import MusrenbangCore

/// Where a paged list is and the links around it ("‹ 3 / 12 ›"), for every paged page.
struct PageLinks: Sendable {
    let total: Int
    let page: Int
    let pageCount: Int
    let previous: String?
    let next: String?

    init(_ paging: Paging, total: Int, link: (Int) -> String) {
        self.total = total
        page = paging.page
        pageCount = paging.pageCount(total: total)
        previous = paging.page > 1 ? link(paging.page - 1) : nil
        next = paging.page < pageCount ? link(paging.page + 1) : nil
    }

    static let single = PageLinks(.clamped(page: 1, size: 1), total: 0) { _ in "" }
}
