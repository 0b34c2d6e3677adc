import Foundation

/// One column of an official table: its header, its width, and how a row fills it.
public struct FormColumn<Row>: Sendable {
    public let title: String
    public let width: Double
    /// Whether subtotal and total rows sum this column.
    public let isSummed: Bool
    /// What the column holds, for the open data's README.
    public let note: String
    let cell: @Sendable (Row) -> SpreadsheetCell

    public init(_ title: String, width: Double, summed: Bool = false, note: String = "",
                _ cell: @escaping @Sendable (Row) -> SpreadsheetCell) {
        self.title = title
        self.width = width
        self.isSummed = summed
        self.note = note
        self.cell = cell
    }
}

/// A table as an official form lays it out: the column list is written once, here, and the
/// same rows go to an `.xlsx` sheet or a CSV file. Sums are computed from the rows written,
/// so a subtotal always equals its rows.
public struct TableForm<Row>: Sendable {
    public let columns: [FormColumn<Row>]
    /// Where group titles and the words of sum rows go.
    public let labelColumn: Int

    public init(_ columns: [FormColumn<Row>], labelColumn: Int = 1) {
        self.columns = columns
        self.labelColumn = labelColumn
    }

    public var spreadsheetColumns: [SpreadsheetColumn] { columns.map { SpreadsheetColumn(title: $0.title, width: $0.width) } }

    public func cells(_ row: Row) -> [SpreadsheetCell] { columns.map { $0.cell(row) } }

    /// A row of sums, its words in the label column.
    public func sumRow(_ label: String, sums: [Int: Decimal]) -> [SpreadsheetCell] {
        columns.indices.map { index in
            // An empty list still sums to zero: a blank total reads as "not computed".
            if columns[index].isSummed { return .rupiah(sums[index] ?? 0) }
            return index == labelColumn ? .text(label) : .empty
        }
    }

    /// Running sums of the summed columns.
    public struct Totals: Sendable {
        public fileprivate(set) var values: [Int: Decimal] = [:]
        public fileprivate(set) var count = 0
        public init() {}
    }

    public func add(_ row: Row, to totals: inout Totals) {
        totals.count += 1
        for (index, column) in columns.enumerated() where column.isSummed {
            if case .rupiah(let amount) = column.cell(row) { totals.values[index, default: 0] += amount }
        }
    }

    /// Writes one row and counts it.
    public func append(_ row: Row, to sink: some SpreadsheetRowWriter, totals: inout Totals) throws {
        try sink.append(cells(row))
        add(row, to: &totals)
    }

    /// Writes rows, then one total row.
    public func write<Rows: Sequence>(_ rows: Rows, to sink: some SpreadsheetRowWriter, total: String?) throws -> Totals
    where Rows.Element == Row {
        var totals = Totals()
        for row in rows { try append(row, to: sink, totals: &totals) }
        if let total { try sink.append(sumRow(total, sums: totals.values), style: .total) }
        return totals
    }
}

/// Rows in groups, as they stream in sorted by group: each group opens with a title row and
/// closes with its subtotal, and `finish` writes the grand total. One group's sums in memory.
public struct GroupedTableWriter<Row, Sink: SpreadsheetRowWriter> {
    let form: TableForm<Row>
    let sink: Sink
    let group: (Row) -> String
    let subtotal: (String) -> String
    private var current: (key: String, totals: TableForm<Row>.Totals)?
    public private(set) var grand = TableForm<Row>.Totals()

    public init(_ form: TableForm<Row>, to sink: Sink, group: @escaping (Row) -> String, subtotal: @escaping (String) -> String) {
        self.form = form
        self.sink = sink
        self.group = group
        self.subtotal = subtotal
    }

    public mutating func append(_ row: Row) throws {
        let key = group(row)
        if current?.key != key {
            try closeGroup()
            current = (key, .init())
            try sink.append(form.columns.indices.map { $0 == form.labelColumn ? .text(key) : .empty }, style: .subtotal)
        }
        try form.append(row, to: sink, totals: &current!.totals)
        form.add(row, to: &grand)
    }

    public mutating func finish(total: String) throws -> TableForm<Row>.Totals {
        try closeGroup()
        try sink.append(form.sumRow(total, sums: grand.values), style: .total)
        return grand
    }

    private mutating func closeGroup() throws {
        guard let open = current else { return }
        try sink.append(form.sumRow(subtotal(open.key), sums: open.totals.values), style: .subtotal)
        current = nil
    }
}
