import MusrenbangCore
import Testing

@Suite("Paging")
struct PagingTests {
    @Test("the offset of every allowed page fits; anything outside is refused with the field named")
    func bounds() throws {
        let last = try Paging(page: Paging.maximumPage, size: Paging.maximumSize)
        #expect(last.offset == (Paging.maximumPage - 1) * Paging.maximumSize)
        #expect(try Paging(page: 1, size: 25).offset == 0)
        #expect(try Paging(page: 3, size: 25).offset == 50)
        for (page, size, field) in [(Int.max, 2, "page"), (0, 2, "page"), (Int.min, 2, "page"), (1, 0, "pageSize"),
                                    (1, Int.max, "pageSize"), (Paging.maximumPage + 1, 1, "page")] {
            #expect(throws: ValidationError.self) { try Paging(page: page, size: size) }
            do { _ = try Paging(page: page, size: size) } catch { #expect(error.field == field) }
        }
    }

    @Test("a page number from an edited link goes to the nearest page")
    func clamping() {
        #expect(Paging.clamped(page: Int.max, size: 25).page == Paging.maximumPage)
        #expect(Paging.clamped(page: -7, size: 25).page == 1)
        #expect(Paging.clamped(page: 2, size: Int.max).size == Paging.maximumSize)
        #expect(Paging.clamped(page: 1, size: 25).pageCount(total: 0) == 1)
        #expect(Paging.clamped(page: 1, size: 25).pageCount(total: 51) == 3)
    }
}
