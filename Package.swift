// swift-tools-version:6.0
import PackageDescription

// Upcoming features the whole package opts into: `any` spelled out for
// existentials, and imports internal unless a module re-exports a type from
// them (`public import`), so every dependency that leaks into our API is visible.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "duban",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "duban", targets: ["duban"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Exact: TOMLKit 0.6.0 (toml++ 3) aborts the process on some malformed table
        // headers instead of throwing; DubanTOML's input guard refuses exactly those
        // inputs (fuzz/regressions/config, FuzzRegressionTests). Another version may
        // abort on other input, or stop aborting: update the guard and its tests with it.
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // The web console and /metrics (DubanConsole).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The PostgreSQL state backend (DubanPostgres).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The domain: tasks, deadlines, statuses, diagnostics. Pure, Foundation only.
        .target(name: "DubanCore", swiftSettings: swiftSettings),
        // TOML for duban.toml, the work calendars and the people directory: TOMLKit
        // behind the input guard that keeps it from aborting, line numbers, typed checks.
        .target(
            name: "DubanTOML",
            dependencies: ["DubanCore", "TOMLKit"],
            swiftSettings: swiftSettings
        ),
        // Reading ledgers (.xlsx, .csv) and the people directory into the domain.
        .target(
            name: "DubanLedger",
            dependencies: ["DubanCore", "CDubanZlib", "DubanTOML", "TOMLKit"],
            swiftSettings: swiftSettings
        ),
        // duban.toml: parsing, validation, path resolution. Knows nothing of ledger readers.
        .target(
            name: "DubanConfig",
            dependencies: ["DubanCore", "DubanTOML", "TOMLKit"],
            swiftSettings: swiftSettings
        ),
        // zlib, for inflating workbook parts (DubanLedger/XLSX/ZipReader.swift).
        .systemLibrary(name: "CDubanZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The state database: notification log, outbox, ledger snapshots (SQLite via GRDB).
        .target(
            name: "DubanStore",
            dependencies: ["DubanCore", "CDubanZlib", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL state backend: the same `StateStore`, the same migrations in
        // PostgreSQL's dialect, and the leader lease for daemons sharing one database.
        .target(
            name: "DubanPostgres",
            dependencies: [
                "DubanCore", "DubanStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Mail: templates, MIME, iCalendar, and the transports (SMTP on NIO, files, sendmail).
        .target(
            name: "DubanMail",
            dependencies: [
                "DubanCore", "DubanOffice",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        // Office files Duban writes: a zip writer, .xlsx workbooks, .docx documents, the stage report.
        .target(
            name: "DubanOffice",
            dependencies: ["DubanCore", "CDubanZlib"],
            swiftSettings: swiftSettings
        ),
        // libsystemd (sd_notify, the watchdog, the journal), found through pkg-config.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The Swift face of libsystemd: ServiceNotifier and a journald LogHandler.
        .target(
            name: "DubanSystemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The pipeline around the planner: environment loading, plan-and-queue passes, simulation.
        .target(
            name: "DubanDaemon",
            dependencies: [
                "DubanCore", "DubanLedger", "DubanConfig", "DubanStore", "DubanPostgres", "DubanMail", "DubanSystemd", "DubanConsole",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The read-only web console, /healthz and /metrics, served by Hummingbird beside the daemon.
        .target(
            name: "DubanConsole",
            dependencies: [
                "DubanCore", "DubanConfig", "DubanStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The thin executable: argument parsing and subcommands only.
        .executableTarget(
            name: "duban",
            dependencies: [
                "DubanCore", "DubanLedger", "DubanConfig", "DubanStore", "DubanPostgres", "DubanMail", "DubanDaemon", "DubanSystemd", "DubanOffice",
                "DubanConsole",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test support: real servers and parsers the test targets share (aiosmtpd, Python's email).
        .target(name: "DubanTesting", swiftSettings: swiftSettings),
        // Fuzz targets (fuzz/run builds them with libFuzzer); a replayer otherwise. Not installed.
        .executableTarget(
            name: "duban-fuzz",
            dependencies: ["DubanCore", "DubanLedger", "DubanConfig"],
            swiftSettings: swiftSettings
        ),
        // Times the stages of a pass for bench/run; not installed.
        .executableTarget(
            name: "duban-bench",
            dependencies: ["DubanCore", "DubanDaemon", "DubanMail"],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "DubanCoreTests", dependencies: ["DubanCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DubanLedgerTests",
            dependencies: ["DubanLedger", "DubanCore", "ZIPFoundation"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DubanConfigTests", dependencies: ["DubanConfig", "DubanCore", "DubanTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DubanMailTests",
            dependencies: ["DubanMail", "DubanCore", "DubanTesting", .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio")],
            // Golden .eml files are read by repository path, not as resources.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DubanOfficeTests",
            dependencies: ["DubanOffice", "DubanCore", "DubanLedger", "DubanTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DubanStoreTests", dependencies: ["DubanStore", "DubanPostgres", "DubanCore", "DubanTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DubanDaemonTests",
            dependencies: ["DubanDaemon", "DubanConfig", "DubanStore", "DubanCore", "DubanMail", "DubanSystemd", "DubanTesting", "DubanLedger",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DubanConsoleTests",
            dependencies: [
                "DubanConsole", "DubanDaemon", "DubanConfig", "DubanStore", "DubanCore", "DubanMail", "DubanTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built `duban` binary against the shipped example config.
        .testTarget(name: "DubanFuzzTests", dependencies: ["duban-fuzz", "DubanConfig", "DubanLedger", "DubanTOML", "DubanTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "DubanCLITests", dependencies: ["duban", "DubanTesting", "DubanDaemon", "DubanConfig", "DubanCore", "DubanStore"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
