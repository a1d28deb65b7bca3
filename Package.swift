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
        .executableTarget(
            name: "mmsctl",
            dependencies: [
                "PDU",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PDUTests", dependencies: ["PDU"]),
        .testTarget(name: "EndToEndTests", dependencies: ["mmsctl", "PDU"]),
    ],
    swiftLanguageModes: [.v6]
)
