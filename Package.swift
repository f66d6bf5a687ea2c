// swift-tools-version:6.1

import PackageDescription

let package = Package(
    name: "chat-export",
    products: [
        .library(name: "ConnectorKit", targets: ["ConnectorKit"]),
        .library(name: "ConnectorHTTP", targets: ["ConnectorHTTP"]),
        .library(name: "ConnectorRuntime", targets: ["ConnectorRuntime"]),
        .library(name: "ChatExportService", targets: ["ChatExportService"]),
        .library(name: "ConnectorTesting", targets: ["ConnectorTesting"]),
        .library(name: "VendorSandbox", targets: ["VendorSandbox"]),
        .library(name: "RestConnector", targets: ["RestConnector"]),
        .library(name: "AdaV2", targets: ["AdaV2"]),
        .library(name: "AdaV14", targets: ["AdaV14"]),
        .library(name: "DeepConverse", targets: ["DeepConverse"]),
        .library(name: "SyntheticConnector", targets: ["SyntheticConnector"]),
        .library(name: "StdoutSink", targets: ["StdoutSink"]),
        .library(name: "FilesSink", targets: ["FilesSink"]),
        .library(name: "SQLiteSink", targets: ["SQLiteSink"]),
        .library(name: "PostgresSink", targets: ["PostgresSink"]),
        .library(name: "PostgresFleet", targets: ["PostgresFleet"]),
        .library(name: "S3Sink", targets: ["S3Sink"]),
        .library(name: "Transforms", targets: ["Transforms"]),
        .executable(name: "chat-export", targets: ["chat-export"]),
        .executable(name: "tap-chat-export", targets: ["tap-chat-export"]),
        .executable(name: "source-chat-export", targets: ["source-chat-export"]),
    ],
    targets: [
        // Layer 1, the kit: what a connector, a sink or an embedding tool is written against.
        // Records and the byte-level JSON scanner, the Source/Sink/CheckpointStore protocols,
        // options, job config, the model, errors and logging. No C library.
        .target(name: "ConnectorKit"),
        // Layer 2, HTTP and paging: the vendor HTTP client on libcurl (auth, rate limits,
        // budgets, retries, origin pinning), paginators and windowed reading. libcurl's runtime
        // library by soname (libcurl.so.4), with the small ABI-stable part the transport uses
        // declared in the module itself: no libcurl headers needed to build.
        .systemLibrary(name: "CCurl"),
        .target(name: "ConnectorHTTP", dependencies: ["ConnectorKit", "CCurl"]),
        // Layer 3, the engine: the job runner (checkpoints move only after the sinks are durable)
        // and `forget`.
        .target(name: "ConnectorRuntime", dependencies: ["ConnectorKit"]),
        // Layer 4, the service: schedules, the coordinator protocol of a fleet, run metrics.
        .target(name: "ChatExportService", dependencies: ["ConnectorKit", "ConnectorRuntime"]),
        // The service's own HTTP endpoint (`serve --metrics`): a small bounded server, no dependencies.
        .target(name: "ServiceHTTP"),
        // Test doubles shared by every test target and by third-party connector authors.
        .target(name: "ConnectorTesting", dependencies: ["ConnectorKit", "ConnectorHTTP", "ConnectorRuntime"]),
        // A faithful local fake of the vendors' export APIs: `chat-export sandbox` and `demo`,
        // tests and connector authors.
        .target(name: "VendorSandbox", dependencies: ["ConnectorKit", "ConnectorHTTP"]),
        // Connectors described in JSON (`"type": "rest"`): the engine, the one way every vendor is built.
        .target(name: "RestConnector", dependencies: ["ConnectorKit", "ConnectorHTTP"], path: "Connectors/Rest"),
        // The vendor connectors: each is its definition (a JSON file compiled into the binary) run by
        // the engine, and depends on the engine and the kit only.
        .target(
            name: "AdaV2", dependencies: ["RestConnector", "ConnectorKit"], path: "Connectors/AdaV2",
            resources: [.embedInCode("ada-v2.json")]),
        .target(
            name: "AdaV14", dependencies: ["RestConnector", "ConnectorKit"], path: "Connectors/AdaV14",
            resources: [.embedInCode("ada-v1.4.json")]),
        .target(
            name: "DeepConverse", dependencies: ["RestConnector", "ConnectorKit"], path: "Connectors/DeepConverse",
            resources: [.embedInCode("deepconverse.json")]),
        // A deterministic generated source (no vendor): the demo, examples and tests.
        .target(name: "SyntheticConnector", dependencies: ["ConnectorKit"], path: "Connectors/Synthetic"),
        // The system SQLite library (libsqlite3-dev), the GRDB way: a prefixed system module.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libpq, PostgreSQL's client library (libpq-dev), behind a prefixed system module.
        .systemLibrary(name: "CPostgres", providers: [.apt(["libpq-dev"])]),
        // zlib (zlib1g-dev), for gzip parts and Parquet pages, behind a prefixed system module.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL's libcrypto (libssl-dev): SHA-256 and HMAC for AWS Signature Version 4.
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        // SHA-256 and HMAC-SHA-256 on libcrypto, shared by the s3 sink's signing and the transforms.
        .target(name: "Hashing", dependencies: ["CCrypto"]),
        // The built-in record transforms (redact, pseudonymize, drop), applied after the source.
        .target(name: "Transforms", dependencies: ["ConnectorKit", "Hashing"]),
        // Sinks: each depends on the kit only (and its own C library; the SQL sinks on their shared store).
        .target(name: "StdoutSink", dependencies: ["ConnectorKit"], path: "Sinks/Stdout"),
        .target(name: "FilesSink", dependencies: ["ConnectorKit", "CZlib"], path: "Sinks/Files"),
        // The SQL sinks' tables, views, checkpoint and forgetting, written once over a dialect; no C library.
        .target(name: "SQLStore", dependencies: ["ConnectorKit"], path: "Sinks/SQLStore"),
        .target(name: "SQLiteSink", dependencies: ["ConnectorKit", "SQLStore", "CSQLite"], path: "Sinks/SQLite"),
        .target(
            name: "PostgresSink", dependencies: ["ConnectorKit", "SQLStore", "CPostgres"], path: "Sinks/Postgres"),
        // A fleet's coordinator (`serve --coordination`): the service's JobCoordinator in PostgreSQL.
        .target(name: "PostgresFleet", dependencies: ["ConnectorKit", "ChatExportService", "PostgresSink"]),
        // The object-store sink stages and publishes parts through the files sink's exactly-once engine.
        .target(name: "S3Sink", dependencies: ["ConnectorKit", "ConnectorHTTP", "FilesSink", "Hashing"], path: "Sinks/S3"),
        // The built-in sources and sinks, registered once, and what every executable shares
        // (exit statuses, signals, the run clock).
        .target(
            name: "BuiltInComponents",
            dependencies: [
                "ConnectorKit", "AdaV2", "AdaV14", "DeepConverse", "RestConnector", "SyntheticConnector", "StdoutSink", "FilesSink",
                "SQLiteSink", "PostgresSink", "S3Sink", "Transforms",
            ]),
        // The Singer and Airbyte protocols over the same runner: a sink that writes RECORD lines
        // and a checkpoint store whose save emits STATE; the two executables are thin mains.
        .target(name: "ProtocolAdapters", dependencies: ["ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "BuiltInComponents"]),
        .executableTarget(name: "tap-chat-export", dependencies: ["ProtocolAdapters", "BuiltInComponents"]),
        .executableTarget(name: "source-chat-export", dependencies: ["ProtocolAdapters", "BuiltInComponents"]),
        // The CLI wires the built-ins together; nothing depends on it.
        .executableTarget(
            name: "chat-export",
            dependencies: [
                "BuiltInComponents", "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ChatExportService", "PostgresFleet",
                "ServiceHTTP",
                "VendorSandbox", "StdoutSink", "PostgresSink", "RestConnector",
            ]
        ),
        // Fuzzing (`Fuzz/README.md`): the properties each fuzz target checks, shared by the
        // libFuzzer executable and the tests that replay the corpus.
        .target(
            name: "FuzzChecks", dependencies: ["ConnectorKit", "RestConnector", "BuiltInComponents"], path: "Fuzz/FuzzChecks"),
        .executableTarget(name: "chat-export-fuzz", dependencies: ["FuzzChecks"], path: "Fuzz/chat-export-fuzz"),
        // Release-mode benchmarks; never part of `swift test`.
        .executableTarget(
            name: "chat-export-bench",
            dependencies: [
                "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ConnectorTesting", "AdaV2", "DeepConverse", "VendorSandbox",
                "FilesSink", "SQLiteSink", "CSQLite",
                "PostgresSink", "RestConnector", "Transforms",
            ],
            path: "Benchmarks/ChatExportBenchmarks"
        ),
        .testTarget(
            name: "ConnectorRuntimeTests",
            dependencies: [
                "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ChatExportService", "ConnectorTesting", "SyntheticConnector",
            ]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzChecks", "ConnectorKit", "VendorSandbox"]),
        .testTarget(
            name: "SinkTests",
            dependencies: [
                "ConnectorKit", "ConnectorRuntime", "ConnectorTesting", "VendorSandbox", "AdaV2", "AdaV14", "DeepConverse", "StdoutSink",
                "FilesSink",
                "SyntheticConnector",
            ]),
        .testTarget(name: "ServiceHTTPTests", dependencies: ["ServiceHTTP"]),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "ConnectorKit", "ConnectorTesting", "Hashing"]),
        .testTarget(name: "HTTPTests", dependencies: ["ConnectorKit", "ConnectorHTTP", "ConnectorTesting", "VendorSandbox"]),
        .testTarget(
            name: "AdaTests",
            dependencies: [
                "AdaV2", "AdaV14", "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ConnectorTesting", "VendorSandbox",
                "FilesSink", "RestConnector",
            ],
            // Checkpoints the Swift connector wrote before it became its definition.
            resources: [
                .embedInCode("Fixtures/old-ada-v2-updated.checkpoint.json"), .embedInCode("Fixtures/old-ada-v2-created.checkpoint.json"),
            ]
        ),
        .testTarget(
            name: "DeepConverseTests",
            dependencies: [
                "DeepConverse", "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ConnectorTesting", "VendorSandbox", "FilesSink",
                "RestConnector",
            ],
            resources: [.embedInCode("Fixtures/old-deepconverse.checkpoint.json")]
        ),
        .testTarget(
            name: "SQLiteTests",
            dependencies: [
                "SQLiteSink", "CSQLite", "ConnectorKit", "ConnectorRuntime", "ConnectorTesting", "FilesSink", "SyntheticConnector",
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "chat-export", "ConnectorKit", "ConnectorHTTP", "ConnectorRuntime", "ChatExportService", "PostgresFleet",
                "ConnectorTesting",
                "VendorSandbox", "CSQLite", "SQLiteSink", "PostgresSink", "AdaV2",
                "SyntheticConnector", "RestConnector", "FilesSink", "S3Sink", "BuiltInComponents",
            ]),
        // The protocol executables under real Meltano, Singer targets and the Airbyte protocol models.
        .testTarget(
            name: "ProtocolTests",
            dependencies: [
                "tap-chat-export", "source-chat-export", "ProtocolAdapters", "ConnectorKit", "ConnectorTesting", "VendorSandbox",
                "PostgresSink",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // https://github.com/apple/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
