import Hummingbird
import HTTPTypes

/// A path the router knows asked with a method it does not: 405 with `Allow`, not 404.
///
/// Hummingbird 2's `RouterResponder` sends "no such path" and "no such method on this path" alike
/// to its not-found responder. `buildRouter` adds this middleware after every route, so it wraps
/// that responder only (a middleware applies to the routes added after it, and the not-found
/// responder is built with all of them). It finds the endpoint the path resolves to the way the
/// router's trie does — literal segments before captures, depth first — and answers with that
/// endpoint's methods.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppContext

    /// One segment of the registered paths, with what can follow it.
    struct Node: Sendable {
        let element: RouterPath.Element?
        let children: [Node]
        let methods: [HTTPRequest.Method]

        init(element: RouterPath.Element?, routes: [(components: ArraySlice<RouterPath.Element>, method: HTTPRequest.Method)]) {
            self.element = element
            self.methods = routes.filter(\.components.isEmpty).map(\.method).sorted { $0.rawValue < $1.rawValue }
            var order: [String] = []
            var groups: [String: (element: RouterPath.Element, routes: [(components: ArraySlice<RouterPath.Element>, method: HTTPRequest.Method)])] = [:]
            for route in routes {
                guard let first = route.components.first else { continue }
                let key = first.description
                if groups[key] == nil { order.append(key); groups[key] = (first, []) }
                groups[key]!.routes.append((route.components.dropFirst(), route.method))
            }
            // The trie tries literal segments first, then everything else in the order added.
            let children = order.map { key in Node(element: groups[key]!.element, routes: groups[key]!.routes) }
            self.children = children.filter(\.isLiteral) + children.filter { !$0.isLiteral }
        }

        var isLiteral: Bool { element.map { $0 == $0.description } ?? false }

        /// The node `segments` end on, as the router's trie resolves them; nil when none.
        func resolve(_ segments: ArraySlice<Substring>) -> Node? {
            guard let segment = segments.first else { return self }
            for child in children where child.element.map({ $0 ~= segment }) ?? false {
                if segments.count == 1 { return child }
                if let found = child.resolve(segments.dropFirst()) { return found }
            }
            return nil
        }
    }

    let root: Node

    init(routes: [Router<AppContext>.RouteDescription]) {
        root = Node(element: nil, routes: routes.map { (ArraySlice($0.path.components), $0.method) })
    }

    /// The methods registered on the endpoint `path` resolves to (none: not a route).
    func allowedMethods(_ path: String) -> [HTTPRequest.Method] {
        root.resolve(ArraySlice(path.split(separator: "/")))?.methods ?? []
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = allowedMethods(request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            var refusal = AppError(.methodNotAllowed, code: "methodNotAllowed",
                                   message: .init(id: "Metode \(request.method.rawValue) tidak diizinkan di alamat ini.",
                                                  en: "Method \(request.method.rawValue) is not allowed at this address."))
            refusal.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            throw refusal
        }
    }
}
