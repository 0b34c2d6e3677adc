import Mustache

/// Values looked up in several objects in turn, the first that has the name wins: a page's
/// model before its layout, a document's content before its letterhead. Templates see all
/// layers without prefixes. Empty strings count as absent, as in other Mustache implementations
/// (swift-mustache alone would treat "" as true in a section).
public struct MustacheLayers: MustacheParent {
    let layers: [Any]

    public init(_ layers: Any...) { self.layers = layers }

    public func child(named name: String) -> Any? {
        for layer in layers {
            if let value = Self.field(name, of: layer) { return value }
        }
        return nil
    }

    static func field(_ name: String, of object: Any) -> Any? {
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return nil }
        let mirror = Mirror(reflecting: child.value)
        // Unwrapped here, not mapped: an `Any??` handed back as `Any?` would stay an Optional
        // inside, and a section over it would look its names up in the Optional, finding none.
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return blankIsAbsent(wrapped)
        }
        return blankIsAbsent(child.value)
    }

    static func blankIsAbsent(_ value: Any) -> Any? {
        if let text = value as? String, text.isEmpty { return nil }
        return value
    }
}
