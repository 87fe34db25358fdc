// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // PostgreSQL's client library, for studies shared through a PostgreSQL server.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "CBackpropKernels",
            // The baseline build of the sigmoid kernel calls rintf and fmaf.
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        // The engine: tensors, layers, losses, initialisers, optimisers, schedules,
        // regularisers, the training step and loop, diagnostics. No file formats.
        .target(
            name: "BackpropCore",
            dependencies: [
                "CBackpropKernels",
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                .product(name: "Numerics", package: "swift-numerics"),
            ]
        ),
        // Data sets: CSV, IDX and NPY loaders, sources, preprocessing, splits, augmentation.
        .target(
            name: "BackpropData",
            dependencies: [
                "BackpropCore",
                "CZlib",
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                .product(name: "Numerics", package: "swift-numerics"),
            ]
        ),
        // Catalogued data sets fetched over HTTP (Foundation's URLSession), verified (SHA-256),
        // cached and unpacked (tar.gz, zip).
        .target(
            name: "BackpropDatasets",
            dependencies: ["BackpropCore", "BackpropData", "CZlib"]
        ),
        // What a run is made of (`TrainingRecipe`) and the YAML/TOML files that describe it.
        .target(
            name: "BackpropRecipes",
            dependencies: [
                "BackpropCore",
                "BackpropData",
                .product(name: "Yams", package: "Yams"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // Model folders, checkpoints and ensembles on disk; history, charts and the HTML report.
        .target(
            name: "BackpropModelFiles",
            dependencies: ["BackpropCore", "BackpropData", "BackpropRecipes"]
        ),
        // A recipe made concrete: data loaded, network built, trainer ready.
        .target(
            name: "BackpropRuns",
            dependencies: ["BackpropCore", "BackpropData", "BackpropDatasets", "BackpropRecipes", "BackpropModelFiles"]
        ),
        // Cross-validation, hyper-parameter search over studies stored in SQLite or PostgreSQL, ensembles.
        .target(
            name: "BackpropSelection",
            dependencies: [
                "BackpropCore",
                "BackpropData",
                "BackpropRecipes",
                "BackpropModelFiles",
                "BackpropRuns",
                "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // `import Backprop`: every library target above, re-exported.
        .target(
            name: "Backprop",
            dependencies: [
                "BackpropCore", "BackpropData", "BackpropRecipes", "BackpropModelFiles", "BackpropRuns",
                "BackpropSelection", "BackpropDatasets",
            ]
        ),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "BackpropBenchmarks", dependencies: ["Backprop"], path: "Benchmarks/Swift"),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "CBackpropKernels"]),
        .testTarget(name: "BackpropCLITests", dependencies: ["BackpropCLI"]),
    ]
)

// The libFuzzer target of every parser: built only by scripts/fuzz (BACKPROP_FUZZ=1, with
// -sanitize=fuzzer,address), never by `swift build` or `swift test`.
if Context.environment["BACKPROP_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "BackpropFuzz", dependencies: ["BackpropData", "BackpropRecipes", "BackpropModelFiles"], path: "Fuzz/Sources/BackpropFuzz"))
}
