// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "KMPS",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "SeededRandom", targets: ["SeededRandom"]),
    .library(name: "TensorModule", targets: ["TensorModule"]),
    .library(name: "Envs", targets: ["Envs"]),
    .library(name: "RL", targets: ["RL"]),
    .library(name: "KMPS", targets: ["KMPS"]),
    .library(name: "TensorBoard", targets: ["TensorBoard"]),
    .executable(name: "experiment", targets: ["Experiments"]),
    // The edge-cloud environment behind a small C ABI, for Python (python/) and other languages.
    .library(name: "EdgeCloudC", type: .dynamic, targets: ["EdgeCloudC"]),
    // Reference rollouts and speed runs of the edge-cloud env through the Swift API (parity
    // tests and the benchmark of python/).
    .executable(name: "edgecloud-rollout", targets: ["EdgeCloudRollout"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    // OpenBLAS (CBLAS) + LAPACKE, found through pkg-config; Debian packages as hints.
    .systemLibrary(
      name: "CBLAS",
      path: "Sources/Tensor/CBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    // GLPK, the LP solver of the episode upper bound (Debian: libglpk-dev; no pkg-config file).
    .systemLibrary(
      name: "CGLPK",
      path: "Sources/CGLPK",
      providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]
    ),
    // AVX2/FMA kernels for small products, selected at run time (C: function-level target
    // attributes, so the build needs no machine flags).
    .target(name: "CKernels"),
    // Seeded, splittable RNG (SplitMix64 -> xoshiro256**) shared by Tensor, Envs and RL.
    .target(name: "SeededRandom"),
    .target(
      name: "TensorModule",
      dependencies: ["CBLAS", "CKernels", "SeededRandom"],
      path: "Sources/Tensor",
      exclude: ["CBLAS"]
    ),
    .target(
      name: "Envs",
      dependencies: [
        "SeededRandom",
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "HeapModule", package: "swift-collections"),
      ]
    ),
    .target(name: "RL", dependencies: ["TensorModule", "Envs", "SeededRandom"]),
    // The C ABI over `EdgeCloudEnv` (`@_cdecl` functions, integer handles, caller-provided
    // buffers); its header is `edgecloud.h`. Depends on nothing but Envs.
    .target(name: "EdgeCloudC", dependencies: ["Envs"], exclude: ["edgecloud.h"]),
    .executableTarget(
      name: "EdgeCloudRollout", dependencies: ["Envs", "SeededRandom"]),
    // The KMPS scheduler: learned dispatcher, three-time-scale coordinator, GPO orchestration
    // adapter, dispatch training loops and the series of the paper's figures; the episode upper
    // bound (an LP solved with GLPK).
    .target(
      name: "KMPS", dependencies: ["TensorModule", "Envs", "RL", "SeededRandom", "CGLPK"]),
    // TensorBoard event files (TFRecord framing, Event/Summary protobufs generated once from
    // Protos/ by scripts/generate-tensorboard-protos.sh; the build never runs protoc). Nothing
    // but the experiments depends on it.
    .target(
      name: "TensorBoard",
      dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
      exclude: ["Protos"]
    ),
    .executableTarget(
      name: "Experiments",
      dependencies: [
        "TensorModule", "Envs", "RL", "KMPS", "SeededRandom", "TensorBoard",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Examples/: small programs for people who `import` the libraries; built in CI and run there.
    .executableTarget(
      name: "CustomEnvPPO", dependencies: ["Envs", "RL", "SeededRandom", "TensorModule"],
      path: "Examples/CustomEnvPPO"),
    .executableTarget(
      name: "CustomMultiAgentMAPPO", dependencies: ["Envs", "RL", "SeededRandom", "TensorModule"],
      path: "Examples/CustomMultiAgentMAPPO"),
    .executableTarget(
      name: "CustomDispatchPolicy", dependencies: ["Envs"], path: "Examples/CustomDispatchPolicy"),
    .executableTarget(
      name: "CheckpointInference", dependencies: ["Envs", "RL", "SeededRandom", "TensorModule"],
      path: "Examples/CheckpointInference"),
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "TensorTests", dependencies: ["TensorModule", "CKernels", "TestSupport"]),
    .testTarget(name: "EnvsTests", dependencies: ["Envs", "TestSupport"]),
    .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard"]),
    .testTarget(name: "RLTests", dependencies: ["RL", "Envs", "TensorModule", "TestSupport"]),
    .target(
      name: "KMPSTestSupport", dependencies: ["KMPS", "RL", "Envs"], path: "Tests/KMPSTestSupport"),
    .testTarget(
      name: "KMPSTests",
      dependencies: ["KMPS", "KMPSTestSupport", "RL", "Envs", "TensorModule", "TestSupport"]),
    .testTarget(
      name: "ExperimentsTests",
      dependencies: [
        "Experiments", "KMPS", "KMPSTestSupport", "RL", "Envs", "TestSupport", "TensorBoard",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
