import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore
import NIOPosix

/// The proposal pages: list and search, the public tracking page, submission, the village
/// ranking, the district's desk, "Usulan saya".
struct ProposalPages {
    let services: AppServices
    var service: ProposalService { ProposalService(services: services) }
    var pages: PageRenderer { services.pages }

    func register(on router: Router<AppContext>) {
        router.get("foto/:hash") { _, context in
            guard let hash = context.parameters.get("hash"),
                  let photo = try await PhotoStore(services.database, dataDirectory: services.configuration.dataDirectory).file(hash),
                  let data = try? await NIOThreadPool.singleton.runIfActive({ try Data(contentsOf: photo.url) }) else {
                throw AppError.notFound(.init(id: "Foto tidak ditemukan.", en: "Photo not found."))
            }
            return Response(status: .ok, headers: [.contentType: photo.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
