import Foundation
import MusrenbangCore
import MusrenbangStore

/// The documents from the command line: the same service the pages use, writing to a file. Papers
/// that name people are made as a named account (`--as`), so the command line has no back door.
public enum DocumentExport {
    public struct Written: Sendable {
        public let file: URL
        public let bytes: Int
        public let name: String
    }

    /// Every document kind the command line knows, by the name its address uses.
    public static var kinds: [String] { DocumentLinks.Kind.allCases.map(\.rawValue) }

    public static func write(_ services: AppServices, kind rawKind: String, region: String?, year: Int?, format rawFormat: String,
                             assembly: Int64?, proposal: Int64?, as username: String?, to output: URL) async throws -> Written {
        guard let kind = DocumentLinks.Kind(rawValue: rawKind) else {
            throw CommandLineError("unknown document \(rawKind); known: \(kinds.joined(separator: ", "))")
        }
        guard let format = DocumentFormat(rawValue: rawFormat), kind.formats.contains(format) else {
            throw CommandLineError("\(rawKind) comes as \(kind.formats.map(\.rawValue).joined(separator: ", ")), not \(rawFormat)")
        }
        let documents = DocumentService(services: services)
        let places = services.places
        func need<T>(_ value: T?, _ flag: String) throws -> T {
            guard let value else { throw CommandLineError("\(rawKind) needs \(flag)") }
            return value
        }
        let place = try region.map { raw -> RegionCode in
            guard let code = RegionCode(raw), places.contains(code) else { throw CommandLineError("\(raw) is not a region of this regency") }
            return code
        } ?? places.regency.code
        let document: DocumentService.Document
        switch kind {
        case .villageProposalList: document = try await documents.villageProposalList(place, year: try need(year, "--year"), format: format)
        case .villageWorkPlan: document = try await documents.villageWorkPlan(place, year: try need(year, "--year"), format: format)
        case .districtPriorities: document = try await documents.districtPriorities(place, year: try need(year, "--year"), format: format)
        case .notAccommodated: document = try await documents.notAccommodated(place, year: try need(year, "--year"), format: format)
        case .proposals: document = try await documents.proposalTable(place, year: try need(year, "--year"), format: format)
        case .recap: document = try await documents.regencyRecap(year: try need(year, "--year"), format: format)
        case .sipd: document = try await SipdService(services: services).export(year: try need(year, "--year"), format: format)
        case .proposalSheet: document = try await documents.proposalSheet(ProposalID(rawValue: try need(proposal, "--proposal")))
        case .minutes, .attendance:
            let user = try await services.accounts.user(username: try need(username, "--as USERNAME"))
            let scope = try await AssemblyService(services: services).session(AssemblyID(rawValue: try need(assembly, "--assembly")),
                                                                              place.description, for: .readMinutesDraft, by: user)
            document = kind == .minutes ? try await documents.minutesPaper(scope) : try await documents.attendance(scope, format: format)
        }
        let target = output.hasDirectoryPath ? output.appendingPathComponent(document.name.description) : output
        try? FileManager.default.removeItem(at: target)
        switch document.content {
        case .data(let data): try data.write(to: target)
        case .file(let url): try FileManager.default.moveItem(at: url, to: target)
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        return Written(file: target, bytes: bytes, name: document.name.description)
    }

    /// The open data set (CSV files, README and licence) into a directory.
    public static func openData(_ services: AppServices, to directory: URL) async throws -> (proposals: Int, decisions: Int, files: [String]) {
        let summary = try await OpenData(places: services.places).export(services.database, to: directory)
        return (summary.proposals, summary.decisions, summary.files)
    }
}
