import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import MusrenbangStore
import PropertyBased
import SQLKit
import Testing
import TestSupport

/// Every parameter of every route at its extremes. The routes and how to call them come from
/// `RouteMatrixTests` (which fails when a route is missing from it), each called as a caller who
/// may use it, so the input reaches the rules. Each text parameter (path segment, query value,
/// JSON leaf, form field) in turn gets NUL, 100,000 characters, zero-width text only, control
/// characters, a grapheme bomb, SQL and path fragments; each number Int64.max and min, -1, 0,
/// 1e308, a fraction and 2^31. Then random hostile text (PropertyBased) in random places. The
/// server must never trap and never answer 5xx; afterwards no stored text may hold a control
/// character, be invisible-only, or run past 10,000 characters, and no photo file may exist
/// that the database does not name.
@Suite("Hostile input: every parameter of every route at its extremes")
struct HostileInputTests {
    typealias Call = RouteMatrixTests.Call

    static let texts: [(name: String, value: String)] = [
        ("NUL", "\u{0}"), ("NUL inside", "Jalan\u{0}desa"), ("100k characters", String(repeating: "a", count: 100_000)),
        ("zero-width only", "\u{200B}\u{200C}\u{200D}\u{FEFF}\u{2060}"), ("controls", "\u{1B}[31mmerah\u{7}\u{85}"),
        ("grapheme bomb", "Jalan" + String(repeating: "\u{0301}", count: 5_000)), ("SQL", "' OR '1'='1'; DROP TABLE users; --"),
        ("path", "../../../../etc/passwd"), ("markup", "<script>window.__xss=1</script>"), ("empty", ""),
    ]
    static let numberTexts = ["9223372036854775807", "-9223372036854775808", "-1", "99999999999999999999", "1e309"]
    static var jsonNumbers: [(name: String, value: Any)] { [
        ("Int64.max", NSNumber(value: Int64.max)), ("Int64.min", NSNumber(value: Int64.min)), ("-1", NSNumber(value: -1)),
        ("0", NSNumber(value: 0)), ("1e308", NSNumber(value: 1e308)), ("0.5", NSNumber(value: 0.5)), ("2^31", NSNumber(value: 2_147_483_648)),
    ] }
    /// Path segments: ids, codes and file names.
    static let segments = ["9223372036854775807", "-1", "0", "99999999999999999999", "%00", "..%2F..%2F..%2Fetc%2Fpasswd",
                           "%E2%80%8B%E2%80%8B", String(repeating: "9", count: 2_000)]
    /// Parameters the list and search routes read besides those their matrix call sends.
    static let moreQuery: [String: [String]] = [
        "GET /api/v1/proposals": ["q", "page", "pageSize", "year", "status", "village", "district", "field", "agency", "source", "level"],
        "GET /usulan": ["q", "page", "year", "status", "village", "district", "field", "source", "level"],
        "GET /api/v1/decisions": ["after", "village", "district", "year"],
        "GET /api/v1/regions": ["within"],
        "GET /dokumen": ["tahun"],
        "GET /api/v1/similar": ["year"],
        "GET /api/v1/assemblies/{id}/live": ["lastEventId"],
    ]
    /// Never varied: the live stream's length (any value but a small number holds the call open for minutes).
    static let fixedQuery: Set<String> = ["maxSeconds"]
    /// Called after all others: they end the session or remove the world.
    static let destructive: Set<String> = ["DELETE /api/v1/assemblies/{id}", "POST /musrenbang/{id}/hapus",
                                           "POST /api/v1/auth/logout", "POST /keluar"]

    struct Variant: @unchecked Sendable {
        let parameter: String
        let value: String
        let call: Call
    }

    /// The routes are shared out among this many test cases per database, each with a world of
    /// its own, so they can run side by side: as one case per database (571 s of CI's 651 s Swift
    /// run on 1 December) it ran alone for that run's last 80 s. When the suite fills both cores
    /// the split changes nothing (224 s against 227 s for the whole suite, the same day here).
    static let shards = 3

    @Test("never a trap, never a 5xx; nothing stored that the text rules refuse",
          arguments: TestFlavour.enabled, 0..<Self.shards)
    func extremes(flavour: TestFlavour, shard: Int) async throws {
        try await withTestApp(flavour) { app in
            var (world, identities) = try await RouteMatrixTests.setUp(app)
            _ = world
            let specs = RouteMatrixTests.specs
            let routes = Set(buildRouter(app.services).routes.map { "\($0.method) \($0.path)" })
            let ordered = specs.keys.filter(routes.contains).sorted { a, b in
                let (da, db) = (Self.destructive.contains(a), Self.destructive.contains(b))
                return da == db ? a < b : !da
            }.enumerated().filter { $0.offset % Self.shards == shard }.map(\.element)
            var failures: [String] = []
            var calls = 0
            let started = Date()
            var targets: [(route: String, caller: RouteMatrixTests.Caller)] = []
            for route in ordered {
                let spec = specs[route]!
                let caller = Self.caller(for: spec, world: world, identities: identities)
                if !Self.destructive.contains(route) { targets.append((route, caller)) }
                for variant in Self.variants(of: spec.call(world, .own), route: route) {
                    var identity = identities[caller]!
                    let response = try await RouteMatrixTests.send(variant.call, app: app, as: &identity)
                    identities[caller] = identity
                    calls += 1
                    if let failure = Self.verdict(response) {
                        failures.append("\(route) as \(caller), \(variant.parameter) = \(variant.value): \(failure)")
                    }
                }
            }
            let swept = calls

            // Random hostile text in random places of the routes that are still there.
            let alphabet: [Character] = ["\u{0}", "\u{1}", "\t", "\n", "\u{7F}", "\u{85}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{202E}",
                                         "\u{0301}", "\u{2800}", " ", "a", "Z", "0", "9", "-", ".", "'", "\"", "<", ">", "%", "&", "/",
                                         "\\", "?", "#", "=", "+", "😀", "é"]
            let hostile = Gen<Character?>.element(of: alphabet).map { $0! }.string(of: 0...48)
            let routeIndex = Gen.int(in: 0...(targets.count - 1))
            let slot = Gen.int(in: 0...63)
            let randomCalls = Counter()
            await propertyCheck(count: 400 / Self.shards, input: routeIndex, slot, hostile) { index, slot, text in
                let (route, caller) = targets[index]
                let base = specs[route]!.call(world, .own)
                let places = Self.parameters(of: base, route: route)
                guard !places.isEmpty else { return }
                let (name, set) = places[slot % places.count]
                var identity = identities[caller]!
                let response = try await RouteMatrixTests.send(set(text), app: app, as: &identity)
                identities[caller] = identity
                randomCalls.add()
                #expect(Self.verdict(response) == nil, "\(route) as \(caller), \(name) = \(text.debugDescription): \(Self.verdict(response) ?? "")")
            }
            calls += randomCalls.value

            failures += try await Self.storedText(app)
            failures += try await Self.strayPhotos(app)
            #expect(failures.isEmpty, "\(failures.count) of \(calls) calls or checks failed:\n\(failures.prefix(60).joined(separator: "\n"))")
            print("hostile input, part \(shard + 1) of \(Self.shards): \(ordered.count) routes, \(swept) extreme calls + \(randomCalls.value) random calls = \(calls) on \(flavour) in \(Int(Date().timeIntervalSince(started))) s; \(failures.count) failures")
        }
    }

    /// The first caller Policy lets use the route in the own village (anonymous first, so public
    /// forms are tried as the public); the planner when nobody may (the input still must not break it).
    static func caller(for spec: RouteMatrixTests.Spec, world: RouteMatrixTests.World,
                       identities: [RouteMatrixTests.Caller: RouteMatrixTests.Identity]) -> RouteMatrixTests.Caller {
        let order: [RouteMatrixTests.Caller] = [.anonymous, .planner, .admin, .villageOperator, .districtOperator, .host, .agency, .council, .citizen]
        for caller in order {
            let principal = identities[caller]!.principal
            guard let rule = spec.rule(principal, world, .own) else { return .anonymous }
            if Policy.allows(principal, rule.action, in: rule.scope) { return caller }
        }
        return .planner
    }

    /// nil when the answer is acceptable: anything but a 5xx, except video without Janus (these
    /// tests run none) and photos without ExifTool, which say so with their own code.
    static func verdict(_ response: TestResponse) -> String? {
        let status = response.status.code
        guard status >= 500 else { return nil }
        if status == 503, response.text.contains("media.unavailable") { return nil }
        return "\(status) \(String(response.text.prefix(200)))"
    }

    /// Every way to vary one parameter of the call: path segments, query values, JSON leaves, form fields.
    static func variants(of call: Call, route: String) -> [Variant] {
        var variants: [Variant] = []
        for (name, set) in parameters(of: call, route: route) {
            let numeric = name.hasPrefix("json:") && name.hasSuffix("#number")
            if numeric {
                for (label, number) in jsonNumbers { variants.append(Variant(parameter: name, value: label, call: setJSON(call, name, number))) }
                for text in [texts[0], texts[2]] { variants.append(Variant(parameter: name, value: text.name, call: set(text.value))) }
            } else if name.hasPrefix("path:") {
                for segment in segments { variants.append(Variant(parameter: name, value: String(segment.prefix(40)), call: set(segment))) }
            } else {
                for text in texts { variants.append(Variant(parameter: name, value: text.name, call: set(text.value))) }
                for number in numberTexts { variants.append(Variant(parameter: name, value: number, call: set(number))) }
            }
        }
        return variants
    }

    /// The parameters of a call, each with a way to set it to a text (the path's raw, the others'
    /// encoded as their place needs).
    static func parameters(of call: Call, route: String) -> [(String, (String) -> Call)] {
        var found: [(String, (String) -> Call)] = []
        let parts = call.path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = parts.count > 1 ? "?" + parts[1] : ""
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (index, segment) in segments.enumerated() where segment.contains(where: { $0.isNumber || $0 == "." }) && segment != "v1" {
            found.append(("path:\(index)", { value in
                var changed = call
                var parts = segments
                parts[index] = value
                changed.path = parts.joined(separator: "/") + query
                return changed
            }))
        }
        var items = parts.count > 1 ? URLComponents(string: "http://x/?" + parts[1])?.queryItems ?? [] : []
        for name in moreQuery[route] ?? [] where !items.contains(where: { $0.name == name }) { items.append(URLQueryItem(name: name, value: "1")) }
        for (index, item) in items.enumerated() where !fixedQuery.contains(item.name) {
            found.append(("query:\(item.name)", { value in
                var changed = call
                var query = items
                query[index].value = value
                var components = URLComponents()
                components.queryItems = query
                let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
                changed.path = path + "?" + encoded
                return changed
            }))
        }
        if let json = call.json, let data = json.data(using: .utf8),
           let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            for (leaf, value) in leaves(root, []) {
                let name = "json:" + leaf.map { "\($0)" }.joined(separator: ".") + (isNumber(value) ? "#number" : "")
                found.append((name, { text in setJSON(call, name, text) }))
            }
        }
        if let form = call.form {
            for key in form.keys.sorted() {
                found.append(("form:\(key)", { value in
                    var changed = call
                    changed.form?[key] = value
                    return changed
                }))
            }
            // A field the form does not know, and a key that is itself hostile.
            found.append(("form:<new key>", { value in
                var changed = call
                changed.form?[value.isEmpty ? "x" : String(value.prefix(200))] = "1"
                return changed
            }))
        }
        return found
    }

    /// Numbers (booleans too: JSONSerialization gives both as NSNumber; either way the field is sent what it does not expect).
    static func isNumber(_ value: Any) -> Bool {
        value is NSNumber && !(value is String)
    }

    /// The paths of a JSON document's leaves (strings, numbers, booleans), and of empty objects
    /// (a key is added there: dictionaries' keys are text too).
    static func leaves(_ value: Any, _ path: [AnyHashable]) -> [([AnyHashable], Any)] {
        switch value {
        case let object as [String: Any]:
            if object.isEmpty { return [(path + ["<key>"], "")] }
            return object.keys.sorted().flatMap { leaves(object[$0]!, path + [$0]) }
        case let array as [Any]:
            return array.enumerated().flatMap { leaves($1, path + [$0]) }
        default:
            return [(path, value)]
        }
    }

    /// The call with the JSON leaf `name` replaced by `value`.
    static func setJSON(_ call: Call, _ name: String, _ value: Any) -> Call {
        guard let json = call.json, let data = json.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return call }
        let keys = String(name.dropFirst("json:".count).split(separator: "#").first ?? "").split(separator: ".").map(String.init)
        func replace(_ node: Any, _ rest: ArraySlice<String>) -> Any {
            guard let key = rest.first else { return value }
            if var object = node as? [String: Any] {
                if key == "<key>" { object[value as? String ?? "\(value)"] = 1; return object }
                object[key] = replace(object[key] ?? NSNull(), rest.dropFirst())
                return object
            }
            if var array = node as? [Any], let index = Int(key), array.indices.contains(index) {
                array[index] = replace(array[index], rest.dropFirst())
                return array
            }
            return node
        }
        var changed = call
        let replaced = replace(root, keys[...])
        if let out = try? JSONSerialization.data(withJSONObject: replaced, options: [.fragmentsAllowed]) {
            changed.json = String(decoding: out, as: UTF8.self)
        }
        return changed
    }

    /// Every text the database holds (but the region list), checked against the text rules;
    /// JSON documents (minutes, flash messages, events) string by string.
    static func storedText(_ app: TestApp) async throws -> [String] {
        let sql = app.services.database.sql
        var columns: [(table: String, column: String)] = []
        switch app.services.database.flavour {
        case .sqlite:
            for table in try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                .map({ try $0.decode(column: "name", as: String.self) }) {
                for row in try await sql.raw("SELECT name, type FROM pragma_table_info(\(bind: table))").all()
                    where try row.decode(column: "type", as: String.self).uppercased().contains("TEXT") {
                    columns.append((table, try row.decode(column: "name", as: String.self)))
                }
            }
        case .postgres:
            columns = try await sql.raw("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')
                """).all().map { (try $0.decode(column: "table_name", as: String.self), try $0.decode(column: "column_name", as: String.self)) }
        }
        var problems: [String] = []
        var seen = 0
        for (table, column) in columns where !["regions", "schema_migrations"].contains(table) {
            for row in try await sql.select().column(SQLColumn(column)).from(table).all() {
                guard let value = try row.decode(column: column, as: String?.self) else { continue }
                seen += 1
                for (place, text) in strings(in: value) {
                    let name = "\(table).\(column)\(place)"
                    if let control = TextRules.forbiddenControl(in: text, multiline: true) {
                        problems.append("stored \(name) holds U+\(String(control.value, radix: 16)): \(text.prefix(60).debugDescription)")
                    } else if !text.isEmpty && TextRules.isBlank(text) {
                        problems.append("stored \(name) is invisible text only: \(text.prefix(20).debugDescription)")
                    } else if text.count > 10_000 {
                        problems.append("stored \(name) is \(text.count) characters long")
                    } else if TextRules.hasOverlongCharacter(text) {
                        problems.append("stored \(name) holds a grapheme bomb")
                    }
                }
            }
        }
        #expect(seen > 100, "the scan read the database (\(seen) text values)")
        return problems
    }

    /// A stored value's strings: itself, or each string of a JSON document.
    static func strings(in value: String) -> [(String, String)] {
        guard value.first == "{" || value.first == "[", let data = value.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) else { return [("", value)] }
        return leaves(root, []).compactMap { path, leaf in
            (leaf as? String).map { ("/" + path.map { "\($0)" }.joined(separator: "/"), $0) }
        }
    }

    /// Files under photos/ that no stored photo names (a refused upload left behind).
    static func strayPhotos(_ app: TestApp) async throws -> [String] {
        let directory = app.services.configuration.dataDirectory.appendingPathComponent("photos")
        let stored = Set(try await app.services.database.sql.select().column("hash").from("photos").all()
            .map { try $0.decode(column: "hash", as: String.self) })
        let files = (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix("/") && $0.contains("/") }
        return files.filter { !stored.contains(URL(fileURLWithPath: $0).lastPathComponent) }.map { "a file no photo names: photos/\($0)" }
    }
}

/// Counts calls made inside a property check's closure.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
