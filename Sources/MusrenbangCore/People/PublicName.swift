/// How a person's name appears on a paper others read (daftar hadir, berita acara, exports).
/// Staff and invited officials sign in their office and are named; a citizen is named only when
/// they agreed at check-in, otherwise each word keeps its first letter: "Siti Aminah" → "S*** A***".
/// The initials still let the person find their own line to sign.
public enum PublicName {
    public static func shown(_ name: String, isCitizen: Bool, consented: Bool) -> String {
        isCitizen && !consented ? masked(name) : name
    }

    public static func masked(_ name: String) -> String {
        let words = name.split(whereSeparator: { $0.isWhitespace })
        guard !words.isEmpty else { return "***" }
        return words.map { "\($0.first!)***" }.joined(separator: " ")
    }
}
