import Testing
@testable import MusrenbangCore

let catalogHeader = "id_kamus,giat_teks,satuan,anggaran,kode_skpd,kelompok,bidang,sub_bidang,output_teks,is_locked"
let agencies = Set(Agencies.defaults.map(\.code))

/// A whole file checked the way an import checks it, fed in pieces of `chunk` bytes.
func checked(_ text: String, chunk: Int = 7) -> CatalogCSV.Check {
    var check = CatalogCSV.Check(agencies: agencies)
    let bytes = Array(text.utf8)
    for start in stride(from: 0, to: bytes.count, by: chunk) { check.feed(bytes[start..<min(start + chunk, bytes.count)]) }
    check.finish()
    return check
}

@Suite("CSV records")
struct CSVParserTests {
    func records(_ text: String, chunk: Int) -> [[String]] {
        var parser = CSVParser()
        var out: [[String]] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) { out += parser.feed(bytes[start..<min(start + chunk, bytes.count)]) }
        return out + parser.finish()
    }

    @Test("quotes, doubled quotes, separators and line breaks inside fields, CRLF, a BOM — read the same in any piece size",
          arguments: [1, 2, 3, 5, 64])
    func quoting(chunk: Int) {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,3"
        let expected = [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["1", "", "3"]]
        #expect(records(text, chunk: chunk) == expected)
    }

    @Test("an unbalanced quote, or text after a closing quote, marks the file malformed")
    func malformed() {
        var open = CSVParser()
        _ = open.feed(Array("a,\"b\n".utf8))
        _ = open.finish()
        #expect(open.malformed)
        var trailing = CSVParser()
        _ = trailing.feed(Array("\"a\"b,c\n".utf8))
        #expect(trailing.malformed)
        var fine = CSVParser()
        _ = fine.feed(Array("\"a\",b\n".utf8))
        _ = fine.finish()
        #expect(!fine.malformed)
    }
}

@Suite("Activity dictionary (kamus usulan)")
struct CatalogTests {
    let good = "1001,Rabat beton jalan lingkungan,m2,150000,PUPR,Jalan,02,02.03,Jalan lingkungan terbangun,0"

    @Test("a good file gives every item, with SIPD's fields in their places")
    func goodFile() throws {
        let check = checked("\(catalogHeader),tahun_awal,tahun_akhir\n\(good),2026,2028\n1002,\"Pelatihan kader posyandu, tingkat desa\",orang,350000.00,DINKES,,02,02.02,,1\n")
        #expect(check.refusals.isEmpty)
        #expect(check.rows == 2)
        let first = try #require(check.items.first)
        #expect(first == CatalogItem(id: "1001", text: "Rabat beton jalan lingkungan", unit: "m2", unitPrice: 150_000, agencyCode: "PUPR",
                                     group: "Jalan", fieldCode: "02", subfieldCode: "02.03", outputText: "Jalan lingkungan terbangun",
                                     locked: false, firstYear: 2026, lastYear: 2028))
        #expect(check.items[1].text == "Pelatihan kader posyandu, tingkat desa")
        #expect(check.items[1].unitPrice == 350_000)
        #expect(check.items[1].locked)
        #expect(check.items[1].firstYear == nil)
    }

    @Test("columns may come in any order; extra SIPD columns are ignored; missing ones refuse the file at line 1")
    func columns() {
        let reordered = checked("is_locked,pekerjaan,sub_bidang,bidang,kelompok,kode_skpd,anggaran,satuan,giat_teks,id_kamus,output_teks\n0,x,02.03,02,,PUPR,1000,m,Saluran drainase,7,\n")
        #expect(reordered.refusals.isEmpty)
        #expect(reordered.items.first?.id == "7")
        let missing = checked("id_kamus,giat_teks,satuan\n1,Saluran,m\n")
        #expect(missing.refusals.count == 1)
        #expect(missing.refusals.first?.line == 1)
        #expect(missing.refusals.first?.reasons.first?.en.contains("anggaran") == true)
        #expect(missing.items.isEmpty)
        #expect(checked("").refusals.first?.line == 1)
    }

    @Test("every bad row is refused with its line, its id and every reason; good rows in the same file are not imported")
    func badRows() throws {
        let file = """
        \(catalogHeader)
        \(good)
        1002,Jalan,m,150.000,PUPR,,02,02.03,,0
        1003,Gorong-gorong,unit,-5,DINAS_X,,02,02.03,,0
        1004,Sumur bor,unit,25000000,PUPR,,07,02.03,,2
        1001,Rabat beton lagi,m2,160000,PUPR,,02,02.03,,0
        ,Tanpa id,m,1000,PUPR,,02,02.03,,0
        1007,Taman,m2,abc,DLH,,02,03.01,,0
        """
        let check = checked(file)
        #expect(check.refusals.map(\.line) == [3, 4, 5, 6, 7, 8])
        #expect(check.refusals.map(\.id) == ["1002", "1003", "1004", "1001", nil, "1007"])
        let reasons = check.refusals.map { $0.reasons.map(\.en).joined(separator: " ") }
        #expect(reasons[0].contains("anggaran \"150.000\""))
        #expect(reasons[1].contains("anggaran") && reasons[1].contains("kode_skpd \"DINAS_X\""))
        #expect(reasons[2].contains("Unknown bidang") && reasons[2].contains("is_locked"))
        #expect(reasons[3].contains("already appears on line 2"))
        #expect(reasons[4].contains("id_kamus is empty"))
        #expect(reasons[5].contains("sub_bidang") && reasons[5].contains("anggaran \"abc\""))
    }

    @Test("unit prices: whole rupiah, a zero fraction as SIPD writes it; thousands separators, fractions and signs refused")
    func prices() {
        #expect(CatalogCSV.rupiah("150000") == 150_000)
        #expect(CatalogCSV.rupiah("150000.00") == 150_000)
        #expect(CatalogCSV.rupiah("0") == 0)
        #expect(CatalogCSV.rupiah("1000000000000") == 1_000_000_000_000)
        for bad in ["150.000", "150,000", "1500.50", "-1", "+5", "1e6", "", "Rp 1000", "1000000000001", "99999999999999999999"] {
            #expect(CatalogCSV.rupiah(bad) == nil, "\(bad)")
        }
    }

    @Test("control characters and invalid UTF-8 in a row are refused")
    func hostileText() {
        let nul = checked("\(catalogHeader)\n1,Jalan\u{0}desa,m,1,PUPR,,02,02.03,,0\n")
        #expect(nul.refusals.count == 1)
        var check = CatalogCSV.Check(agencies: agencies)
        check.feed(Array("\(catalogHeader)\n1,Jalan ".utf8) + [0xFF, 0xFE] + Array(",m,1,PUPR,,02,02.03,,0\n".utf8))
        check.finish()
        #expect(check.refusals.first?.reasons.first?.en.contains("UTF-8") == true)
    }

    @Test("an exported dictionary reads back as the same items")
    func roundTrip() {
        let items = [CatalogItem(id: "A-1", text: "Saluran \"irigasi\", tersier", unit: "m", unitPrice: 425_000, agencyCode: "DISPERTAN",
                                 group: "Irigasi", fieldCode: "04", subfieldCode: "04.02", outputText: "Saluran\nterbangun", locked: true,
                                 firstYear: 2027, lastYear: nil)]
        let csv = CatalogCSV.records(items).map { record in
            record.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: ",")
        }.joined(separator: "\r\n")
        let check = checked(csv)
        #expect(check.refusals.isEmpty)
        #expect(check.items == items)
    }
}

@Suite("Pricing a proposal by the dictionary")
struct CatalogPricingTests {
    let item = CatalogItem(id: "1001", text: "Rabat beton jalan lingkungan", unit: "m2", unitPrice: 150_000, agencyCode: "PUPR",
                           fieldCode: "02", subfieldCode: "02.04", firstYear: 2026, lastYear: 2027)

    @Test("the cost is volume × unit price, whatever the client sent; unit, field and agency come from the item")
    func priced() throws {
        var draft = sampleDraft()
        draft.volume = 120.5
        draft.estimatedCost = 1
        draft.unit = "km"
        let priced = try CatalogPricing.apply(item, to: draft).get()
        #expect(priced.estimatedCost == 18_075_000)
        #expect(priced.unit == "m2")
        #expect(priced.subfieldCode == "02.04")
        #expect(priced.catalog == CatalogChoice(itemId: "1001", unitPrice: 150_000, agencyCode: "PUPR"))
        #expect(priced.responsibleAgency == "PUPR")
        #expect(priced.activity == draft.activity)
        var blank = draft
        blank.activity = " "
        #expect(try CatalogPricing.apply(item, to: blank).get().activity == item.text)
    }

    @Test("a locked item, an item not valid in the plan year, and a cost beyond Rp 1 trillion are refused naming the field")
    func refusals() {
        var locked = item
        locked.locked = true
        #expect(CatalogPricing.apply(locked, to: sampleDraft()).failure?.code == "catalogItemId.locked")
        var later = sampleDraft()
        later.year = 2028
        #expect(CatalogPricing.apply(item, to: later).failure?.code == "catalogItemId.retired")
        var huge = sampleDraft()
        huge.volume = 1e10
        #expect(CatalogPricing.apply(item, to: huge).failure?.field == "volume")
        #expect(CatalogPricing.cost(volume: 2.5, unitPrice: 3) == 8)
    }

    @Test("the agency forum takes a dictionary proposal's agency, a free one the sub-bidang's")
    func routing() {
        let context = ProposalContext(village: RegionCode("35.10.13.2007")!, fundingSource: .regencyBudget, subfieldCode: "02.03",
                                      catalogAgency: "DLH")
        #expect(context.responsibleAgency == "DLH")
        #expect(ProposalContext(village: RegionCode("35.10.13.2007")!, fundingSource: .regencyBudget, subfieldCode: "02.03").responsibleAgency == "PUPR")
        var pokir = sampleDraft(source: .council)
        pokir.catalog = CatalogChoice(itemId: "9", unitPrice: 1, agencyCode: "DISHUB")
        #expect(ProposalState.initial(for: pokir).agencyCode == "DISHUB")
    }
}

@Suite("Dictionary search terms")
struct CatalogSearchTests {
    @Test("words are folded and stemmed, common words dropped unless alone, the index holds words and stems")
    func terms() {
        #expect(CatalogSearch.terms("Perbaikan JALAN di desa") == [["perbaikan", "baik"], ["jalan"]])
        #expect(CatalogSearch.terms("desa") == [["desa"]])
        #expect(CatalogSearch.terms("  ") == [])
        let index = CatalogSearch.index(CatalogItem(id: "77", text: "Pembangunan jalan", unit: "m", unitPrice: 1, agencyCode: "PUPR",
                                                    fieldCode: "02", subfieldCode: "02.03"))
        #expect(index.contains(" pembangunan ") && index.contains(" bangun ") && index.contains(" 77 "))
        // "memperbaiki" and "perbaikan" meet at their stem.
        #expect(CatalogSearch.terms("memperbaiki").first?.contains("baik") == true)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
