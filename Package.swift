// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mmsctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mmsctl", targets: ["mmsctl"]),
        .library(name: "PDU", targets: ["PDU"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // Pure codec: WSP, MMS encapsulation, SMS TPDU, WAP push. No I/O.
        .target(name: "PDU"),
        // libudev (Debian package libudev-dev), for modem discovery and hotplug.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // libvips (Debian package libvips-dev), for shrinking photos to the carrier's limit, and the C
        // shim that calls its variadic API.
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .target(name: "CVipsShim", dependencies: ["CVips"]),
        // Serial port, AT channel, typed modem operations, discovery.
        .target(
            name: "Modem", dependencies: ["PDU", "CUdev", .product(name: "SystemPackage", package: "swift-system")]),
        // HTTP to the MMSC through the MMS proxy, bound to the bearer's interface, DNS through the bearer.
        .target(
            name: "Transport",
            dependencies: [
                "PDU",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The durable inbox/outbox: notifications and their state machine, SMS carriers, messages, reports.
        .target(
            name: "Store",
            dependencies: [
                "PDU", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Configuration, carrier database, doctor, and the receive pipeline.
        .target(
            name: "MMSClient",
            dependencies: [
                "PDU", "Modem", "Transport", "Store", "CVipsShim", .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        // The modem simulator on a pseudo-terminal and the simulated MMSC.
        .target(
            name: "Simulator",
            dependencies: [
                "PDU", "Modem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "mmsctl",
            dependencies: [
                "PDU", "Modem", "Transport", "MMSClient", "Simulator", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers the test targets share (hex literals, seeded generator, sample messages, vector paths).
        .target(name: "TestSupport", dependencies: ["PDU"], path: "Tests/TestSupport"),
        .testTarget(name: "PDUTests", dependencies: ["PDU", "TestSupport"]),
        // Transcripts/ holds AT transcripts written from vendor manuals, read by path in the tests.
        .testTarget(
            name: "ModemTests", dependencies: ["Modem", "Simulator", "PDU", "TestSupport"], exclude: ["Transcripts"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Simulator", "PDU"]),
        .testTarget(
            name: "MMSClientTests", dependencies: ["MMSClient", "Modem", "Simulator", "PDU", "Store", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["mmsctl", "PDU", "Modem", "Transport", "MMSClient", "Simulator", "Store", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
