/// Folds text for matching: lower case, accents and apostrophes removed, every run of
/// other non-alphanumerics a single space. "Regapu’u" matches "regapuu"; "BUBUK" matches "bubuk".
public enum TextFolding {
    public static func fold(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for character in text.lowercased() {
            if apostrophes.contains(character) { continue }
            let base = accentFree[character] ?? character
            if base.isLetter || base.isNumber {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(base)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    private static let apostrophes: Set<Character> = ["'", "’", "`", "ʼ", "‘"]

    /// Latin letters with diacritics and their base letter: enough for Indonesian names,
    /// without pulling Foundation into Core.
    private static let accentFree: [Character: Character] = [
        "à": "a", "á": "a", "â": "a", "ä": "a", "ã": "a", "å": "a",
        "è": "e", "é": "e", "ê": "e", "ë": "e",
        "ì": "i", "í": "i", "î": "i", "ï": "i",
        "ò": "o", "ó": "o", "ô": "o", "ö": "o", "õ": "o",
        "ù": "u", "ú": "u", "û": "u", "ü": "u",
        "ñ": "n", "ç": "c", "ý": "y", "ÿ": "y",
    ]
}
