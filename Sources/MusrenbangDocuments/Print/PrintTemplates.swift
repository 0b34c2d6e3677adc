import Foundation
import Mustache

/// The official papers, each a Mustache template of its own library (so `{{>_letterhead}}`
/// resolves among the print partials, not the web pages').
public enum PrintedDocument: String, Sendable, CaseIterable {
    case villageMinutes = "ba-desa"
    case districtMinutes = "ba-kecamatan"
    case proposalSheet = "proposal-sheet"
}

public struct PrintTemplates: Sendable {
    let library: MustacheLibrary
    /// Templates, `print.css` and nothing else: WeasyPrint's base URL, so it can reach no other file.
    public let directory: URL

    public static func load() async throws -> PrintTemplates {
        guard let directory = Bundle.module.url(forResource: "print", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return PrintTemplates(library: try await MustacheLibrary(directory: directory.path), directory: directory)
    }

    /// The document's HTML: its content over the shared frame (title, draft mark, letterhead).
    public func html(_ document: PrintedDocument, _ content: some Sendable, frame: PrintFrame) -> String {
        library.render(MustacheLayers(content, frame), withTemplate: document.rawValue) ?? ""
    }
}
