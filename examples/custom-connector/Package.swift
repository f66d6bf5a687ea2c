// swift-tools-version:6.1

import PackageDescription

// A connector for a made-up vendor, "Acme Chat", written on the runtime's windowed-source
// skeleton, and its test through the connector conformance suite. Built and tested by CI.
let package = Package(
    name: "custom-connector",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "chat-export", path: "../..")],
    targets: [
        .target(
            name: "AcmeConnector",
            dependencies: [
                .product(name: "ConnectorKit", package: "chat-export"), .product(name: "ConnectorHTTP", package: "chat-export"),
            ]),
        .testTarget(
            name: "AcmeConnectorTests",
            dependencies: [
                "AcmeConnector", .product(name: "ConnectorKit", package: "chat-export"),
                .product(name: "ConnectorHTTP", package: "chat-export"),
                .product(name: "ConnectorTesting", package: "chat-export"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
