// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "kvsh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kvsh", targets: ["kvsh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Without its Foundation trait: kvsh links FoundationEssentials only.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // Ed25519 for nkeys (the server's nonce signed with a seed).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(name: "NATSWire", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "NATSAuth", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "NATSClient", dependencies: [
            "NATSWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "JetStream", dependencies: [
            "NATSClient", "NATSWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "KeyValue"),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .target(name: "LineEditor", dependencies: ["CEditLine"]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "KeyValueEmbedded", dependencies: ["KeyValue", "CSQLite"]),
        .target(name: "Shell", dependencies: [
            "KeyValue", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "KeyValueNATS", dependencies: [
            "KeyValue", "JetStream", "NATSClient", "NATSWire", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "Hooks", dependencies: [
            "KeyValue", "Shell", .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // `kvsh serve --metrics`: Prometheus text written by hand (a client library cost cold start).
        .target(name: "ServeMetrics", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Locks", dependencies: ["KeyValue"]),
        // Points closed descriptors 0-2 at /dev/null before main (see Terminal.swift).
        .target(name: "CStartup"),
        .target(name: "KvshCLI", dependencies: [
            "CStartup", "KeyValue", "KeyValueNATS", "KeyValueEmbedded", "JetStream", "NATSAuth", "NATSClient", "NATSWire", "Shell", "Hooks", "Locks", "LineEditor", "ServeMetrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "kvsh", dependencies: ["KvshCLI"]),
        // Benchmark driver for scripts/bench (not shipped).
        .executableTarget(name: "kvsh-bench", dependencies: [
            "KeyValue", "KeyValueNATS", "KeyValueEmbedded", "JetStream", "NATSClient",
        ], path: "Benchmarks/kvsh-bench"),

        // Drives LineEditor through a pseudo-terminal in LineEditorTests (not shipped).
        .executableTarget(name: "lineeditor-demo", dependencies: ["LineEditor"], path: "Tests/LineEditorDemo"),
        // Writes to an embedded store until killed, for the kill -9 test (not shipped).
        .executableTarget(name: "embedded-storm", dependencies: ["KeyValueEmbedded"], path: "Tests/EmbeddedStorm"),
        .target(name: "TestSupport", dependencies: ["CSQLite", "NATSAuth"], path: "Tests/TestSupport"),
        // Fuzzed entry points, shared by the libFuzzer driver and the seeded pass in
        // FuzzTests (not shipped; `@testable` imports, so debug builds only).
        .target(name: "FuzzTargets", dependencies: [
            "NATSWire", "NATSClient", "JetStream", "KeyValueNATS", "KvshCLI", "Shell", "Hooks", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Fuzz/FuzzTargets"),
        // scripts/fuzz builds it with -sanitize=fuzzer; plainly built it runs the seeded generator.
        .executableTarget(name: "kvsh-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/kvsh-fuzz"),
        .target(name: "KeyValueTestSupport", dependencies: ["KeyValue", "TestSupport"],
                path: "Tests/KeyValueTestSupport"),
        .testTarget(name: "NATSWireTests", dependencies: [
            "NATSWire", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "KeyValueTests", dependencies: ["KeyValue"]),
        .testTarget(name: "NATSAuthTests", dependencies: [
            "NATSAuth", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "KeyValue", "TestSupport"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor", "TestSupport"]),
        .testTarget(name: "JetStreamTests", dependencies: [
            "JetStream", "NATSWire", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "NATSClientTests", dependencies: [
            "NATSClient", "NATSWire", "JetStream", "KeyValue", "KeyValueNATS", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "KeyValueNATSTests", dependencies: [
            "KeyValueTestSupport",
            "KeyValueNATS", "KeyValue", "JetStream", "NATSClient", "NATSWire", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "KeyValueConformanceTests", dependencies: [
            "KeyValueTestSupport",
            "KeyValue", "KeyValueEmbedded", "KeyValueNATS", "JetStream", "NATSClient", "TestSupport",
        ]),
        .testTarget(name: "KeyValueEmbeddedTests", dependencies: [
            "KeyValue", "KeyValueEmbedded", "KeyValueTestSupport", "TestSupport",
        ]),
        .testTarget(name: "KvshCLITests", dependencies: [
            "KvshCLI", "NATSAuth", "KeyValue", "JetStream", "NATSClient", "NATSWire", "Shell", "TestSupport", "CSQLite",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"]),
        // Reads Package.swift, docs/architecture.md and the sources: no project module needed.
        .testTarget(name: "ArchitectureTests"),
        .testTarget(name: "ServeMetricsTests", dependencies: ["ServeMetrics"]),
        .testTarget(name: "HooksTests", dependencies: [
            "Hooks", "Shell", "KeyValue", "KeyValueNATS", "KeyValueEmbedded", "JetStream", "NATSClient", "TestSupport",
        ]),
        .testTarget(name: "LocksTests", dependencies: [
            "Locks", "KeyValue", "KeyValueNATS", "KeyValueEmbedded", "JetStream", "NATSClient", "KeyValueTestSupport", "TestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
