// swift-tools-version: 6.2
// OC Pizza back office. Dependencies point one way:
// C modules (CLibPQ, CLibXML2) → wrappers (Postgres, XML) → Migrations, EmbeddedPostgres → domain (Domain,
// SupplierDocuments, Ordering) → Jobs / OrderingServer → Runtime → ocpizza. The endpoint never imports Jobs.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "ocpizza",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ocpizza", targets: ["ocpizza"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: C bindings
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // MARK: Wrappers
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "XML", dependencies: ["CLibXML2"]),
        .target(name: "Checksums", dependencies: ["CLibCrypto"]),

        // MARK: Database schema and the embedded development cluster
        .target(
            name: "Migrations",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            resources: [.embedInCode("SQL")]
        ),
        .target(
            name: "EmbeddedPostgres",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: Domain (pure Swift: no I/O, no database)
        .target(name: "Domain"),
        // The ordering endpoint's parts that need no HTTP server: API keys, the order request and
        // its validation, and the store that calls the ordering SQL functions (migration 0013).
        .target(
            name: "Ordering",
            dependencies: ["Postgres", "Checksums", "Domain", .product(name: "Logging", package: "swift-log")]
        ),
        // The HTTP ordering endpoint (Hummingbird 2): routes, auth, limits, problem+json, metrics.
        .target(
            name: "OrderingServer",
            dependencies: [
                "Ordering", "Postgres", "Domain", "Migrations",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("openapi.yaml")]
        ),
        // Supplier e-invoices (UBL 2.1, CII D16B, Factur-X): reading, checking. The official XSDs
        // are vendored, unmodified, in Sources/SupplierDocuments/Schemas (see its README).
        .target(
            name: "SupplierDocuments",
            dependencies: ["XML", "Domain"],
            exclude: ["Schemas/README.md", "Schemas/NOTICES"],
            resources: [.copy("Schemas")]
        ),

        // Payment settlement inputs (Stripe and PayPal reports, camt.053 bank statements, shift
        // remittances): detection and reading, no database. The camt.053 XSDs are vendored in
        // Sources/Settlement/Schemas (see its README).
        .target(
            name: "Settlement",
            dependencies: ["XML", "Domain", .product(name: "CSV", package: "CSV.swift")],
            exclude: ["Schemas/README.md", "Schemas/NOTICES"],
            resources: [.copy("Schemas")]
        ),

        // MARK: Jobs
        // MARK: Backups (pg_dump/pg_restore/pg_amcheck, the catalogue, retention)
        .target(
            name: "Reports",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            resources: [.embedInCode("Templates")]
        ),
        .target(
            name: "StockFiles",
            dependencies: ["Domain", .product(name: "CSV", package: "CSV.swift")]
        ),
        .target(
            name: "Backups",
            dependencies: ["Postgres", "Checksums", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Jobs",
            dependencies: [
                "Postgres", "Domain", "SupplierDocuments", "Settlement", "StockFiles", "Reports", "Checksums",
                "Backups",
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Jobs"
        ),

        // MARK: Demo chain and history generator (data embedded in the binary)
        .target(
            name: "DemoChain",
            dependencies: ["Postgres", "Domain", "Jobs", .product(name: "Logging", package: "swift-log")],
            path: "Fixtures",
            exclude: ["README.md"],
            resources: [.embedInCode("Data")]
        ),

        // MARK: Command
        .target(
            name: "Runtime",
            dependencies: [
                "Postgres", "EmbeddedPostgres", "Migrations",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ocpizza",
            dependencies: [
                "Runtime", "Postgres", "Migrations", "EmbeddedPostgres", "Jobs", "DemoChain", "Ordering", "Backups",
                "OrderingServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Benchmarks (run by scripts/bench-*, never by the test suite)
        .executableTarget(
            name: "bench-copy-load",
            dependencies: ["Postgres"],
            path: "Benchmarks/CopyLoad"
        ),
        .executableTarget(
            name: "bench-supplier-files",
            dependencies: ["DemoChain", "Domain"],
            path: "Benchmarks/SupplierFiles"
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "MigrationsTests", dependencies: ["Migrations", "Postgres", "TestSupport"]),
        .testTarget(name: "XMLTests", dependencies: ["XML"]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(
            name: "OrderingTests", dependencies: ["Ordering", "Checksums", "Domain", "Postgres", "TestSupport"]),
        .testTarget(
            name: "OrderingServerTests",
            dependencies: [
                "OrderingServer", "Ordering", "Domain", "Postgres", "Migrations", "DemoChain", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "SupplierDocumentsTests",
            dependencies: [
                "SupplierDocuments", "XML", "Domain", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Domain", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "SettlementTests", dependencies: ["Settlement", "Domain"]),
        .testTarget(name: "StockFilesTests", dependencies: ["StockFiles", "Domain"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CLibXML2"]),
        .testTarget(name: "SchemaTests", dependencies: ["Domain", "Migrations", "Postgres", "TestSupport"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Migrations", "Postgres", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "EmbeddedPostgres"]),
        .testTarget(
            name: "BackupsTests",
            dependencies: [
                "Backups", "Postgres", "Migrations", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Postgres", "TestSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "FixturesTests", dependencies: ["DemoChain", "Domain", "Migrations", "Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
