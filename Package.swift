// swift-tools-version:6.1

import PackageDescription

let package = Package(
    name: "jobrun",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jobrun", targets: ["jobrun"]),
        // Write your own task kinds and run them in your own worker program (see Sources/example-worker).
        .library(name: "JobRunKit", targets: ["JobRunKit", "Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libzmq, as Debian's libzmq3-dev installs it. Only `ZeroMQ` imports it.
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // The thin Swift wrapper over the libzmq C API.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // Plain POSIX helpers every layer uses: bounded whole-file reads, standard error, the host name.
        .target(name: "SystemIO"),
        // CURVE keys on disk: key pairs, authorized worker keys, the configuration directory.
        .target(name: "Security", dependencies: ["ZeroMQ", "SystemIO", .product(name: "Crypto", package: "swift-crypto")]),
        // JSON values, a byte-level parser with line/column errors, and a writer.
        .target(name: "JSONValue"),
        // Settings file (`config/jobrun.conf`) parsing and defaults.
        .target(name: "Settings", dependencies: ["SystemIO"]),
        // Task files (JSON and JSONL), streamed and validated.
        .target(name: "TaskFile", dependencies: ["JSONValue"]),
        // GNU parallel's command line: replacement strings, shell quoting, input sources, as a task source.
        .target(name: "ParallelCommand", dependencies: ["TaskFile"]),
        // Wire messages between coordinator and workers, and their binary codec. No ZeroMQ.
        .target(name: "WireProtocol"),
        // The coordinator's scheduling decisions: a pure state machine, no IO, no clock.
        .target(name: "Scheduler", dependencies: ["WireProtocol"]),
        // Monotonic and wall clocks, and RFC 3339 timestamps.
        .target(name: "Clock"),
        // Signals delivered as bytes on a pipe that an event loop can poll.
        .target(name: "ProcessSignals"),
        // The few spawning calls Swift cannot make itself (each says why in its header).
        .target(name: "CChildProcess"),
        // Spawning child processes (posix_spawn), collecting their output and exit status.
        .target(name: "ChildProcess", dependencies: ["CChildProcess", "SystemIO"]),
        // The public handler API task kinds are written against, and the built-in kinds.
        .target(
            name: "JobRunKit",
            dependencies: [
                "JSONValue", "ChildProcess", "SystemIO",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The worker process: connects to a coordinator and runs tasks with registered handlers.
        .target(
            name: "Worker",
            dependencies: [
                "ZeroMQ", "WireProtocol", "JobRunKit", "JSONValue", "TaskFile", "ChildProcess", "Clock", "ProcessSignals",
                "SystemIO", "Security", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The coordinator process: reads the task file, runs workers, records results, shows progress.
        .target(
            name: "Coordinator",
            dependencies: [
                "ZeroMQ", "WireProtocol", "Scheduler", "TaskFile", "JSONValue", "ChildProcess", "Settings", "JobRunKit",
                "Clock", "ProcessSignals", "Security", "CChildProcess", "SystemIO",
            ]
        ),
        // Watching jobs: state directories, event logs, live views, cancel and reports.
        .target(
            name: "JobMonitor", dependencies: ["Coordinator", "ZeroMQ", "JSONValue", "TaskFile", "Clock", "ChildProcess", "SystemIO"]
        ),
        // Watching a running job from outside: Prometheus metrics and the live dashboard, served over HTTP.
        .target(
            name: "Observability",
            dependencies: [
                "JobMonitor", "Coordinator", "TaskFile", "ZeroMQ", "Settings", "JSONValue", "Clock",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The command line: parses commands and hands them to the coordinator or the worker.
        .executableTarget(
            name: "jobrun",
            dependencies: [
                "Coordinator", "Worker", "Settings", "JobRunKit", "JobMonitor", "Observability", "Security", "ZeroMQ",
                "ParallelCommand", "TaskFile", "Scheduler", "WireProtocol", "ChildProcess", "SystemIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A custom worker program with two task kinds of its own, written against the JobRunKit library.
        .executableTarget(name: "example-worker", dependencies: ["JobRunKit", "Worker", "JSONValue"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security", "ZeroMQ"]),
        .testTarget(name: "JSONValueTests", dependencies: ["JSONValue"]),
        .testTarget(name: "TaskFileTests", dependencies: ["TaskFile", "JSONValue"]),
        .testTarget(name: "ParallelCommandTests", dependencies: ["ParallelCommand", "TaskFile"]),
        .testTarget(
            name: "WireProtocolTests",
            dependencies: ["WireProtocol", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["Scheduler", "WireProtocol", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "JobRunKitTests", dependencies: ["JobRunKit", "JSONValue"]),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "WireProtocol", "ChildProcess"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings"]),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"]),
        .testTarget(name: "ClockTests", dependencies: ["Clock"]),
        .testTarget(
            name: "JobMonitorTests", dependencies: ["JobMonitor", "Coordinator", "JSONValue", "TaskFile", "ZeroMQ", "SystemIO"]
        ),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "Settings"]),
        .testTarget(name: "LauncherTests", dependencies: ["Coordinator", "Scheduler"]),
        .testTarget(name: "IntegrationTests", dependencies: ["JSONValue", "ZeroMQ", "WireProtocol"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
