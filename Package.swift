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
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // Pure codec: WSP, MMS encapsulation, SMS TPDU, WAP push. No I/O.
        .target(name: "PDU"),
        // Serial port, AT channel, typed modem operations.
        .target(name: "Modem", dependencies: ["PDU"]),
        // The modem simulator on a pseudo-terminal (and, later, the simulated MMSC).
        .target(name: "Simulator", dependencies: ["PDU", "Modem"]),
        .executableTarget(
            name: "mmsctl",
            dependencies: [
                "PDU", "Modem", "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PDUTests", dependencies: ["PDU"]),
        .testTarget(name: "ModemTests", dependencies: ["Modem", "Simulator", "PDU"]),
        .testTarget(name: "EndToEndTests", dependencies: ["mmsctl", "PDU"]),
    ],
    swiftLanguageModes: [.v6]
)
