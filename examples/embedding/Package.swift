// swift-tools-version:6.1

import PackageDescription

// A tool that embeds the ChatExport runtime next to swift-log (the logging API most Swift server
// code uses): both define a logger, and both are imported in one file here. Built and run by CI.
let package = Package(
    name: "embedding",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "chat-export", path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "Embedding",
            dependencies: [
                .product(name: "ConnectorKit", package: "chat-export"),
                .product(name: "ConnectorRuntime", package: "chat-export"),
                .product(name: "FilesSink", package: "chat-export"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
