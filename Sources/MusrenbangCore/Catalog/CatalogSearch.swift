/// Finding dictionary items while someone types, the Indonesian way of the similar-proposal
/// check: case, accents and punctuation folded, affixes stripped, so "perbaikan jalan",
/// "memperbaiki jalan" and "jalan diperbaiki" find the same items.
public enum CatalogSearch {
    /// What an item is found by: its folded words and their stems, each preceded by a space so
    /// that a word's beginning can be matched (`LIKE '% jal%'`).
    public static func index(_ item: CatalogItem) -> String {
        let words = TextFolding.fold("\(item.id) \(item.text) \(item.outputText) \(item.group)").split(separator: " ").map(String.init)
        let stems = words.map(Similarity.stem).filter { !words.contains($0) }
        return " " + (words + stems).joined(separator: " ") + " "
    }

    /// Every word typed, each with the forms an item may hold it in (the word as typed, which
    /// may be a beginning still being typed, and its stem). An item matches when each word
    /// matches by one of its forms. Common words are left out unless nothing else is typed.
    public static func terms(_ query: String) -> [[String]] {
        let words = TextFolding.fold(query).split(separator: " ").map(String.init)
        let meaningful = words.filter { !Similarity.stopwords.contains($0) }
        return (meaningful.isEmpty ? words : meaningful).prefix(8).map { word in
            let stem = Similarity.stem(word)
            return stem == word || stem.count < 3 ? [word] : [word, stem]
        }
    }
}
