/// One activity of the regency's dictionary (kamus usulan): what the work is, which agency does
/// it, its unit and the unit price from the regency's standard prices (SSH/HSPK/ASB). A proposal
/// that follows an item is priced volume × unit price, the same way in every village.
public struct CatalogItem: Sendable, Hashable, Codable {
    /// SIPD's `id_kamus` when the dictionary came from SIPD: the key a re-import updates by.
    public var id: String
    public var text: String
    public var unit: String
    /// Rupiah per unit, whole.
    public var unitPrice: Int64
    public var agencyCode: String
    /// SIPD's `kelompok`: the dictionary's own grouping of items.
    public var group: String
    public var fieldCode: String
    public var subfieldCode: String
    public var outputText: String
    /// A locked item is shown but may not be chosen for a new proposal.
    public var locked: Bool
    /// The plan years the item and its price hold for; open at either end when nil.
    public var firstYear: Int?
    public var lastYear: Int?

    public init(id: String, text: String, unit: String, unitPrice: Int64, agencyCode: String, group: String = "",
                fieldCode: String, subfieldCode: String, outputText: String = "", locked: Bool = false,
                firstYear: Int? = nil, lastYear: Int? = nil) {
        self.id = id
        self.text = text
        self.unit = unit
        self.unitPrice = unitPrice
        self.agencyCode = agencyCode
        self.group = group
        self.fieldCode = fieldCode
        self.subfieldCode = subfieldCode
        self.outputText = outputText
        self.locked = locked
        self.firstYear = firstYear
        self.lastYear = lastYear
    }

    /// Whether the item may be chosen for a plan year (not retired, not yet to come).
    public func holds(in year: Int) -> Bool {
        (firstYear.map { year >= $0 } ?? true) && (lastYear.map { year <= $0 } ?? true)
    }
}

/// What a proposal keeps of the item it follows: the price is fixed when it is proposed, so a
/// later change of the dictionary never changes a proposal already made.
public struct CatalogChoice: Sendable, Hashable, Codable {
    public var itemId: String
    public var unitPrice: Int64
    public var agencyCode: String

    public init(itemId: String, unitPrice: Int64, agencyCode: String) {
        self.itemId = itemId
        self.unitPrice = unitPrice
        self.agencyCode = agencyCode
    }
}

/// A proposal that follows the dictionary: its unit, field, agency and cost come from the item,
/// never from what the client sent.
public enum CatalogPricing {
    /// Volume × unit price, to the nearest rupiah; nil beyond what a proposal may cost.
    public static func cost(volume: Double, unitPrice: Int64) -> Int64? {
        let cost = (volume * Double(unitPrice)).rounded()
        guard cost.isFinite, cost >= 0, cost <= Double(ProposalRules.maximumCost) else { return nil }
        return Int64(cost)
    }

    /// The draft priced by the item, or why the item may not be chosen (each naming `catalogItemId`
    /// or `volume`). The draft's own volume is kept; everything the item fixes is overwritten.
    public static func apply(_ item: CatalogItem, to draft: ProposalDraft) -> Result<ProposalDraft, ValidationError> {
        if item.locked {
            return .failure(ValidationError(field: "catalogItemId", code: "catalogItemId.locked", message: .init(
                id: "Kegiatan kamus \(item.id) dikunci dan tidak dapat dipilih.", en: "Dictionary item \(item.id) is locked and cannot be chosen.")))
        }
        if !item.holds(in: draft.year) {
            return .failure(ValidationError(field: "catalogItemId", code: "catalogItemId.retired", message: .init(
                id: "Kegiatan kamus \(item.id) tidak berlaku untuk tahun \(draft.year).",
                en: "Dictionary item \(item.id) does not hold for \(draft.year).")))
        }
        var draft = draft
        if draft.volume > 0, draft.volume.isFinite {
            guard let cost = cost(volume: draft.volume, unitPrice: item.unitPrice) else {
                return .failure(ValidationError(field: "volume", code: "volume.tooLarge", message: .init(
                    id: "Volume × harga satuan melebihi Rp 1 triliun.", en: "Volume × unit price exceeds Rp 1 trillion.")))
            }
            draft.estimatedCost = cost
        }
        draft.unit = item.unit
        draft.fieldCode = item.fieldCode
        draft.subfieldCode = item.subfieldCode
        if TextRules.isBlank(draft.activity) { draft.activity = item.text }
        draft.catalog = CatalogChoice(itemId: item.id, unitPrice: item.unitPrice, agencyCode: item.agencyCode)
        return .success(draft)
    }
}
