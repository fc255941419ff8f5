// swift-tools-version:6.1
// xenopsd-ng: a unified low-level Xen toolstack daemon.
// Module boundaries follow Docs/architecture.md; each module has one job.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "xenopsd-ng",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "XenopsCore", targets: ["XenopsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Value types, the xenops JSON codec, the pure lifecycle planner. Foundation only.
        .target(name: "XenopsCore", swiftSettings: swiftSettings),
        // The `Hypervisor` seam the engine calls.
        .target(name: "XenopsBackend", dependencies: ["XenopsCore"], swiftSettings: swiftSettings),
        // A complete in-process hypervisor with fault injection, used by tests and `--backend simulator`.
        .target(name: "XenopsSimulator", dependencies: ["XenopsCore", "XenopsBackend"], swiftSettings: swiftSettings),
        // The persistent VM state store (SQLite through GRDB, WAL).
        .target(
            name: "XenopsStore",
            dependencies: ["XenopsCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // Crash-test helper for XenopsStoreTests: writes generations of a VM record until killed.
        .executableTarget(name: "xenops-store-torture", dependencies: ["XenopsStore", "XenopsTestSupport"], swiftSettings: swiftSettings),
        // The toolstack: per-VM FIFO queues, tasks, UPDATES, reconciliation, lifecycle actions.
        .target(
            name: "XenopsEngine",
            dependencies: [
                "XenopsCore", "XenopsBackend", "XenopsStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // posix_spawn with an argv, a new process group and closefrom, for hook scripts (Swift's Glibc lacks pipe2 and addclosefrom_np).
        .target(name: "CSpawn"),
        // Hook scripts (xenopsd's /etc/xapi.d): run without a shell, with a timeout, through the engine's `HookRunning` seam.
        .target(
            name: "XenopsHooks",
            dependencies: ["XenopsCore", "XenopsBackend", "CSpawn", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // JSON-RPC v1/v2 and XML-RPC envelopes, the method catalog and the dispatch table.
        .target(name: "XenopsRPC", dependencies: ["XenopsCore", "CLibXML2"], swiftSettings: swiftSettings),
        // libxml2 (Debian libxml2-dev): the XML parser behind XenopsRPC's XML-RPC codec.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // Descriptor passing (SCM_RIGHTS) and close-on-exec accept for XAPI's forwarded socket.
        .target(name: "CSocketGlue", cSettings: [.define("_GNU_SOURCE")]),
        // Listeners and transports: HTTP/1.1 on a Unix socket (SwiftNIO), the engine adapter.
        .target(
            name: "XenopsServer",
            dependencies: [
                "XenopsRPC", "XenopsEngine", "XenopsBackend", "XenopsCore", "CSocketGlue",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // A typed client over the Unix socket (plain POSIX sockets; used by xenopsctl and tests).
        .target(name: "XenopsClient", dependencies: ["XenopsRPC", "XenopsCore"], swiftSettings: swiftSettings),
        // The daemon: configuration, backend choice, service wiring.
        .executableTarget(
            name: "xenopsd",
            dependencies: [
                "XenopsServer", "XenopsEngine", "XenopsStore", "XenopsSimulator", "XenopsLibxl", "XenopsBackend", "XenopsCore", "XenopsHooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator CLI; speaks only the API.
        .executableTarget(
            name: "xenopsctl",
            dependencies: [
                "XenopsClient", "XenopsRPC", "XenopsCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Load generator and boot-storm benchmark against a running daemon.
        .executableTarget(
            name: "xenops-bench",
            dependencies: ["XenopsClient", "XenopsRPC", "XenopsCore"],
            swiftSettings: swiftSettings
        ),
        // libxl (Debian libxen-dev 4.17): the only place that includes libxl headers.
        .systemLibrary(name: "CXenLight", pkgConfig: "xenlight", providers: [.apt(["libxen-dev"])]),
        // C glue for libxl: the xentoollog logger trampoline (va_list never crosses into Swift).
        .target(
            name: "XenGlue",
            dependencies: ["CXenLight"],
            cSettings: [.define("LIBXL_API_VERSION", to: "0x041400"), .define("_GNU_SOURCE")]
        ),
        // C glue for libxenctrl/libxenguest: CPU featuresets and their combine/compatibility calls
        // (weak references to the XenServer additions), shadow allocation. The only place that includes xenctrl.h.
        .target(
            name: "XenCtrlGlue",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("xenguest"), .linkedLibrary("xenctrl")]
        ),
        // The libxl backend: context, event thread, blocking pool, Vm.t -> libxl_domain_config, `LibxlHypervisor`.
        .target(
            name: "XenopsLibxl",
            dependencies: [
                "XenopsCore", "XenopsBackend", "CXenLight", "XenGlue", "XenCtrlGlue",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test-only interposers that give libxl a real ctx without Xen (libxl-notes §2.5). Never a production dependency.
        // Links libxenctrl so the linker exports the interposers over it.
        .target(name: "CXenMock", linkerSettings: [.linkedLibrary("xenctrl"), .linkedLibrary("xenstore")]),
        // Runs the backend conformance cases against libxl (in a dom0) or the simulator.
        .executableTarget(
            name: "xenops-conformance",
            dependencies: [
                "XenopsLibxl", "XenopsSimulator", "XenopsBackend", "XenopsCore", "XenopsTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared test fixtures: the backend conformance suite, temporary directories.
        .target(
            name: "XenopsTestSupport",
            dependencies: ["XenopsCore", "XenopsBackend", "XenopsSimulator", "XenopsStore", "XenopsEngine", "CSocketGlue"],
            swiftSettings: swiftSettings
        ),
        // A message-switch written from the protocol, and XAPI's client side of it, for tests.
        .target(
            name: "XenopsTestSwitch",
            dependencies: [
                "XenopsCore", "XenopsTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The test switch as a process, so that a test can kill it and start it again.
        .executableTarget(name: "xenops-test-switch", dependencies: ["XenopsTestSwitch"], swiftSettings: swiftSettings),
        .testTarget(name: "XenopsCoreTests", dependencies: ["XenopsCore", "XenopsTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "XenopsSimulatorTests",
            dependencies: ["XenopsSimulator", "XenopsTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XenopsStoreTests",
            dependencies: ["XenopsStore", "XenopsTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XenopsRPCTests", dependencies: ["XenopsRPC", "XenopsCore", "XenopsTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "XenopsServerTests",
            dependencies: ["XenopsServer", "XenopsClient", "XenopsEngine", "XenopsSimulator", "XenopsStore", "XenopsTestSupport", "XenopsTestSwitch"],
            swiftSettings: swiftSettings
        ),
        // Start the real xenopsd and drive it with raw JSON-RPC and the real xenopsctl.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["XenopsClient", "XenopsRPC", "XenopsCore", "XenopsTestSupport", "XenopsTestSwitch", "XenopsSimulator", "XenopsBackend",
                "XenopsServer",  // the cross-host XML-RPC client (RemoteXenopsClient)
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XenopsLibxlTests",
            dependencies: ["XenopsLibxl", "XenopsBackend", "XenopsCore", "CXenLight", "XenGlue", "CXenMock", .product(name: "Logging", package: "swift-log")],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XenopsHooksTests", dependencies: ["XenopsHooks", "XenopsCore", "XenopsTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "XenopsEngineTests",
            dependencies: ["XenopsEngine", "XenopsSimulator", "XenopsStore", "XenopsTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
