// swift-tools-version:6.1
import PackageDescription

// Dependencies point inwards: CLI → Server → Store → Core. Core has no I/O.
let package = Package(
    name: "musrenbang",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "musrenbang", targets: ["musrenbang"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/pointfreeco/swift-tagged.git", from: "0.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        // Tests only: property-based checks (Swift Testing).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "MusrenbangCore",
            dependencies: [.product(name: "Tagged", package: "swift-tagged")]
        ),
        .target(
            name: "MusrenbangStore",
            dependencies: [
                "MusrenbangCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Backups are one ZIP archive (the logical dump, the data directory's files, a manifest).
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                // ExifTool, run to remove photos' metadata (PhotoCleaner).
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            resources: [.copy("Resources")]
        ),
        // The Janus client and conference orchestration; no HTTP routes.
        .target(
            name: "MusrenbangMedia",
            // ffmpeg, supervised, packages the public program as HLS (HLSPackager).
            dependencies: ["MusrenbangCore", .product(name: "Subprocess", package: "swift-subprocess")]
        ),
        // The official papers' formats: XLSX/CSV writers, SVG charts, print templates and the PDF
        // engine (WeasyPrint, a subprocess). No domain rules and no database.
        .target(
            name: "MusrenbangDocuments",
            dependencies: [
                "MusrenbangCore",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/print")]
        ),
        .target(
            name: "MusrenbangServer",
            dependencies: [
                "MusrenbangCore",
                "MusrenbangStore",
                "MusrenbangMedia",
                "MusrenbangDocuments",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Templates"), .copy("Public")]
        ),
        .executableTarget(
            name: "musrenbang",
            dependencies: [
                "MusrenbangServer",
                "MusrenbangStore",
                "MusrenbangCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `simulate`'s client: event-loop HTTP, so the load generator costs the machine little.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // `bench-baseline`: the bare server the overhead benchmark compares `serve` with.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ]
        ),
        // Fresh databases per test, on SQLite and (when MUSRENBANG_TEST_POSTGRES_URL is set) PostgreSQL.
        .target(
            name: "TestSupport",
            dependencies: [
                "MusrenbangStore",
                "MusrenbangServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "CoreTests", dependencies: ["MusrenbangCore", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "DocumentsTests", dependencies: ["MusrenbangDocuments", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "MediaTests", dependencies: ["MusrenbangMedia", "TestSupport"], resources: [.copy("Recordings")]),
        .testTarget(name: "StoreTests", dependencies: ["MusrenbangStore", "MusrenbangCore", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "MusrenbangServer",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
