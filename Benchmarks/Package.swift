// swift-tools-version: 6.1
// The benchmark suite is its own package so that the main package's `swift test` never builds
// the benchmark harness. It depends on the main package by path.
import PackageDescription

let package = Package(
  name: "KMPSBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "KMPS", path: ".."),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
  ],
  targets: [
    // The workloads, shared by the ordo-one harness and the comparison runner.
    .target(
      name: "BenchWorkloads",
      dependencies: [
        .product(name: "TensorModule", package: "KMPS"),
        .product(name: "SeededRandom", package: "KMPS"),
        .product(name: "RL", package: "KMPS"),
        .product(name: "Envs", package: "KMPS"),
        .product(name: "KMPS", package: "KMPS"),
      ]
    ),
    // `swift package benchmark`: the main suite (wall clock, CPU, malloc counts per op).
    .executableTarget(
      name: "KMPSBenchmarks",
      dependencies: [
        "BenchWorkloads",
        .product(name: "Benchmark", package: "benchmark"),
      ],
      path: "Benchmarks/KMPSBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    // Machine-readable medians for `make bench-compare` (see reference/compare.py).
    .executableTarget(
      name: "bench-compare-runner",
      dependencies: ["BenchWorkloads"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
