import ArgumentParser
import Foundation
import TensorModule

/// Options every figure subcommand shares. Include with `@OptionGroup var common: CommonOptions`.
///
/// Figure-specific defaults (episodes, load) are applied through `episodes(full:quick:)` and
/// `loadRequestsPerSecond(default:)`, so an explicit flag always wins over `--quick`.
public struct CommonOptions: ParsableArguments, Sendable {
  /// Seeds to run: a count (`3` → 1,2,3) or a comma list (`7,11`); see `SeedList`.
  @Option(
    name: .customLong("seeds"),
    help: ArgumentHelp(
      "Seeds: a count N (seeds 1...N) or a comma list / ranges such as 7,11 or 1-3,10.",
      valueName: "list|count"),
    transform: SeedList.parse)
  public var seedList: SeedList = .default

  /// Run only one shard of the seeds (`i/n`, see `ShardSpec`); `nil` runs them all.
  @Option(
    name: .customLong("shard"),
    help: ArgumentHelp(
      "Run shard i of n: seeds i, i+n, i+2n, ... of --seeds (put the shards back together with "
        + "`experiment merge`).",
      valueName: "i/n"),
    transform: ShardSpec.parse)
  public var shard: ShardSpec?

  /// Training episodes per seed; `nil` means the figure's own default.
  @Option(
    name: .customLong("episodes"),
    help: ArgumentHelp("Episodes per seed (default: the figure's own).", valueName: "N"))
  public var episodeCount: Int?

  /// Output folder; `nil` means `results/<figure>` under the current folder.
  @Option(
    name: .customLong("out"),
    help: ArgumentHelp("Output folder (default: results/<figure>).", valueName: "dir"))
  public var outDirectory: String?

  /// Tiny budget for smoke tests; the defaults are the real experiment.
  @Flag(name: .customLong("quick"), help: "Tiny budget (smoke test); defaults are the real run.")
  public var quick = false

  /// Target mean arrival rate in requests per second; `nil` means the figure's own default.
  @Option(
    name: .customLong("load"),
    help: ArgumentHelp(
      "Target mean arrival rate in req/s (default: the figure's own).",
      valueName: "req/s"))
  public var loadRequestsPerSecondOverride: Double?

  /// Trace CSV path; `nil` means the bundled Alibaba sample (see `traceURL()`).
  @Option(
    name: .customLong("trace"),
    help: ArgumentHelp(
      "Trace CSV (default: \(PackageLocator.bundledTraceRelativePath) in the package).",
      valueName: "path.csv"))
  public var tracePath: String?

  /// OpenBLAS threads for this run; `nil` leaves the environment's setting.
  @Option(
    name: .customLong("threads"),
    help: ArgumentHelp("OpenBLAS threads (default: OPENBLAS_NUM_THREADS or 1).", valueName: "N"))
  public var blasThreads: Int?

  /// JSON file with config overrides for the figure; `nil` means the built-in defaults.
  @Option(
    name: .customLong("config"),
    help: ArgumentHelp("JSON file overriding the figure's config.", valueName: "path.json"))
  public var configPath: String?

  /// Skip training and only evaluate (a checkpoint, when one is given).
  @Flag(name: .customLong("eval-only"), help: "Skip training; evaluate only (see --checkpoint).")
  public var evalOnly = false

  /// Checkpoint (safetensors file or folder) to load for evaluation, or to resume from.
  @Option(
    name: .customLong("checkpoint"),
    help: ArgumentHelp(
      "Checkpoint to evaluate (with --eval-only) or resume from.",
      valueName: "path"))
  public var checkpointPath: String?

  /// Do not write TensorBoard event files (`results/<figure>/runs/`) while training.
  @Flag(
    name: .customLong("no-tensorboard"),
    help: "Do not write TensorBoard event files (results/<figure>/runs/<series>__<seed>/).")
  public var noTensorBoard = false

  /// Largest accepted `--threads` value.
  public static let maximumThreads = 256
  /// Largest accepted `--episodes` value.
  public static let maximumEpisodes = 10_000_000
  /// Largest accepted `--load` in requests per second.
  public static let maximumLoadRequestsPerSecond = 10_000_000.0

  /// Defaults (as if no flag was given).
  public init() {}

  /// Rejects impossible values with a message naming the flag.
  public mutating func validate() throws {
    try Self.validate(self, locator: PackageLocator())
  }

  /// The checks of `validate()`, with an explicit locator for resolving relative paths.
  static func validate(_ options: CommonOptions, locator: PackageLocator) throws {
    if let episodes = options.episodeCount, !(1...maximumEpisodes).contains(episodes) {
      throw ValidationError("--episodes must be between 1 and \(maximumEpisodes), got \(episodes)")
    }
    if let load = options.loadRequestsPerSecondOverride {
      if !load.isFinite || load <= 0 {
        throw ValidationError(
          "--load must be a positive number of requests per second, got \(load)")
      }
      if load > maximumLoadRequestsPerSecond {
        throw ValidationError(
          "--load \(load) req/s is above the supported \(Int(maximumLoadRequestsPerSecond)) req/s")
      }
    }
    if let shard = options.shard, shard.count > options.seedList.values.count {
      throw ValidationError(
        "--shard \(shard): \(options.seedList.values.count) seed(s) cannot fill \(shard.count) "
          + "shards; use at most \(options.seedList.values.count)")
    }
    if let threads = options.blasThreads, !(1...maximumThreads).contains(threads) {
      throw ValidationError("--threads must be between 1 and \(maximumThreads), got \(threads)")
    }
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    if let trace = options.tracePath {
      let url = locator.absolute(trace)
      guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { throw ValidationError("--trace: no file at \(url.path)") }
    }
    if let config = options.configPath {
      let url = locator.absolute(config)
      guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { throw ValidationError("--config: no file at \(url.path)") }
    }
    if let out = options.outDirectory {
      if out.isEmpty { throw ValidationError("--out: empty path") }
      let url = locator.absolute(out)
      if let blocker = FileIO.firstFileAncestor(of: url) {
        throw ValidationError("--out: \(blocker.path) is a file; expected a folder")
      }
    }
    if let checkpoint = options.checkpointPath {
      if checkpoint.isEmpty { throw ValidationError("--checkpoint: empty path") }
      let url = locator.absolute(checkpoint)
      if options.evalOnly, !fileManager.fileExists(atPath: url.path) {
        throw ValidationError("--checkpoint: nothing at \(url.path) to evaluate (--eval-only)")
      }
    }
  }

  /// The seeds this process runs, in order: all of `--seeds`, or this `--shard`'s part of them.
  public var seeds: [UInt64] { shard.map { $0.select(seedList.values) } ?? seedList.values }

  /// Episodes per seed: `--episodes` if given, else `quick` under `--quick`, else `full`.
  public func episodes(full: Int, quick quickEpisodes: Int) -> Int {
    if let episodeCount { return episodeCount }
    return quick ? quickEpisodes : full
  }

  /// Arrival rate in req/s: `--load` if given, else `fallback`.
  public func loadRequestsPerSecond(default fallback: Double) -> Double {
    loadRequestsPerSecondOverride ?? fallback
  }

  /// The results folder: `--out` if given, else `results/<figure>` under the current folder.
  public func outputDirectory(figure: String, locator: PackageLocator = PackageLocator()) -> URL {
    locator.absolute(outDirectory ?? "results/\(figure)")
  }

  /// The trace to replay: `--trace` if given, else the bundled sample found from the current
  /// folder or the package root; throws `ExperimentError.resourceNotFound` with the places tried.
  public func traceURL(locator: PackageLocator = PackageLocator()) throws -> URL {
    if let tracePath {
      let url = locator.absolute(tracePath)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw ExperimentError.readFailed(path: url.path, reason: "no such file (--trace)")
      }
      return url
    }
    return try locator.bundledTrace()
  }

  /// `--config` as an absolute URL, if given.
  public func configURL(locator: PackageLocator = PackageLocator()) -> URL? {
    configPath.map(locator.absolute)
  }

  /// `--checkpoint` as an absolute URL, if given.
  public func checkpointURL(locator: PackageLocator = PackageLocator()) -> URL? {
    checkpointPath.map(locator.absolute)
  }
}

extension CommonOptions {
  /// Throws a named error when `--eval-only` or `--checkpoint` is given to a command that has
  /// no policy to evaluate or resume (`reason`, e.g. "the scaling study trains nothing").
  func rejectCheckpoints(reason: String) throws {
    if evalOnly || checkpointPath != nil {
      throw ExperimentError.invalidValue(
        field: evalOnly ? "--eval-only" : "--checkpoint", reason: reason)
    }
  }

  /// Applies `--threads` to OpenBLAS; without it, pins OpenBLAS to 1 thread unless
  /// `OPENBLAS_NUM_THREADS` is set (experiments run parallel jobs of batch-1 networks, where
  /// more BLAS threads only add contention). Also keeps tensor buffers in the heap
  /// (`Allocator.tuneForTensors`).
  public func applyThreadSettings() {
    Allocator.tuneForTensors()
    if let blasThreads {
      BLAS.setThreadCount(blasThreads)
    } else if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
      BLAS.setThreadCount(1)
    }
  }
}
