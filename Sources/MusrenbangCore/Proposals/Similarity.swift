/// Finds proposals that say the same thing in other words ("usulan berulang"), for Indonesian:
/// case and punctuation ignored, common words dropped, simple affixes stripped
/// (perbaikan → baik, pembangunan → bangun, jalannya → jalan), numbers kept with their unit dropped.
public enum Similarity {
    static let stopwords: Set<String> = [
        "dan", "di", "ke", "dari", "yang", "untuk", "dengan", "pada", "atau", "ini", "itu", "dalam", "oleh",
        "agar", "bagi", "serta", "sebagai", "juga", "karena", "akan", "ada", "tidak", "belum", "sudah", "sangat",
        "desa", "dusun", "rt", "rw", "kampung", "warga", "masyarakat", "usulan", "kegiatan", "program",
        "m", "meter", "km", "unit", "buah", "paket", "titik", "lokasi", "tahun", "rp",
    ]

    /// The normalised words of a text: a set, as order rarely matters in a proposal's title.
    public static func tokens(_ text: String) -> Set<String> {
        var result = Set<String>()
        for word in TextFolding.fold(text).split(separator: " ") {
            var token = String(word)
            if let number = leadingNumber(token) {
                result.insert(number)
                continue
            }
            if stopwords.contains(token) { continue }
            token = stem(token)
            if token.count >= 3 && !stopwords.contains(token) { result.insert(token) }
        }
        return result
    }

    /// Dice coefficient of the two texts' tokens: 0 (nothing shared) to 1 (the same words).
    public static func score(_ a: String, _ b: String) -> Double {
        score(tokens(a), tokens(b))
    }

    public static func score(_ a: Set<String>, _ b: Set<String>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return 2 * Double(a.intersection(b).count) / Double(a.count + b.count)
    }

    /// "350m" and "350" are the same number; "2,5" and "2.5" too.
    static func leadingNumber(_ token: String) -> String? {
        guard let first = token.first, first.isNumber else { return nil }
        let digits = token.prefix { $0.isNumber }
        return String(digits)
    }

    /// A light stemmer after Nazief–Adriani, without its dictionary: particles and possessives,
    /// then the suffix that pairs with the prefix (pe-/ke-…-an, me-/di-…-kan/-i), then up to two
    /// prefixes with their sound changes. Not always the dictionary root, but the same root for
    /// the forms a proposal uses: perbaikan, memperbaiki, diperbaiki → baik.
    public static func stem(_ word: String) -> String {
        var w = word
        for suffix in ["lah", "kah", "pun", "nya"] where w.hasSuffix(suffix) && w.count - suffix.count >= 4 {
            w.removeLast(suffix.count)
            break
        }
        let nounConfix = ["pe", "ke"].contains { w.hasPrefix($0) }
        for suffix in nounConfix ? ["an"] : ["kan", "an", "i"] where w.hasSuffix(suffix) && w.count - suffix.count >= 4 {
            w.removeLast(suffix.count)
            break
        }
        guard let first = stripPrefix(w) else { return w }
        w = first
        // A second prefix only as in memper-, diper-, keber-: never ke- then se- (kesehatan → sehat).
        if ["per", "ber", "ter"].contains(where: { w.hasPrefix($0) }), let second = stripPrefix(w) {
            w = second
        }
        return w
    }

    private static let prefixes: [(prefix: String, beforeVowel: String)] = [
        ("menye", "s"), ("meny", "s"), ("penye", "s"), ("peny", "s"),
        ("memp", "p"), ("mem", "p"), ("pemb", "b"), ("pem", "p"),
        ("meng", ""), ("peng", ""), ("men", "t"), ("pen", "t"),
        ("per", ""), ("ber", ""), ("ter", ""), ("me", ""), ("pe", ""), ("be", ""), ("di", ""), ("ke", ""), ("se", ""),
    ]

    private static func stripPrefix(_ word: String) -> String? {
        for (prefix, beforeVowel) in prefixes where word.hasPrefix(prefix) && word.count - prefix.count >= 3 {
            let rest = String(word.dropFirst(prefix.count))
            if prefix == "pemb" { return "b" + rest }
            if prefix == "memp" { return "p" + rest }
            guard let first = rest.first else { return nil }
            return "aiueo".contains(first) ? beforeVowel + rest : rest
        }
        return nil
    }
}
