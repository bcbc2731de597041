import Envs
import Foundation

/// Where a run happened: host, OS, compiler, processors, BLAS threads.
public struct RunEnvironment: Sendable, Equatable, Codable {
  /// Host name.
  public var hostname: String
  /// Operating system description.
  public var operatingSystem: String
  /// Swift compiler version that built the tool (lower bound, e.g. `"6.3"`).
  public var swiftVersion: String
  /// Logical processors available.
  public var processorCount: Int
  /// OpenBLAS threads requested (`--threads`), or `nil` when not set.
  public var blasThreads: Int?

  /// Memberwise initializer.
  public init(
    hostname: String, operatingSystem: String, swiftVersion: String, processorCount: Int,
    blasThreads: Int?
  ) {
    self.hostname = hostname
    self.operatingSystem = operatingSystem
    self.swiftVersion = swiftVersion
    self.processorCount = processorCount
    self.blasThreads = blasThreads
  }

  /// This process's environment.
  public static func current(blasThreads: Int?) -> RunEnvironment {
    let process = ProcessInfo.processInfo
    return RunEnvironment(
      hostname: process.hostName, operatingSystem: operatingSystemDescription,
      swiftVersion: compilerVersion, processorCount: process.activeProcessorCount,
      blasThreads: blasThreads)
  }

  /// Encodes every field; `nil` is written as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(hostname, forKey: .hostname)
    try container.encode(operatingSystem, forKey: .operatingSystem)
    try container.encode(swiftVersion, forKey: .swiftVersion)
    try container.encode(processorCount, forKey: .processorCount)
    try container.encode(blasThreads, forKey: .blasThreads)
  }

  /// The compiler version this binary was built with (lower bound).
  static var compilerVersion: String {
    #if compiler(>=6.5)
      return "6.5+"
    #elseif compiler(>=6.4)
      return "6.4"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #elseif compiler(>=6.1)
      return "6.1"
    #else
      return "6.0"
    #endif
  }

  /// OS family and version string.
  static var operatingSystemDescription: String {
    #if os(Linux)
      let family = "Linux"
    #elseif os(macOS)
      let family = "macOS"
    #else
      let family = "unknown OS"
    #endif
    return "\(family) \(ProcessInfo.processInfo.operatingSystemVersionString)"
  }
}

/// Metadata of one experiment run: what ran, with which config and seeds, from which commit,
/// where and how long. Create with `RunInfo.start(…)` before the work and call `finish()` after.
public struct RunInfo: Sendable, Equatable, Codable {
  /// Figure or experiment id (`"fig7"`).
  public var figure: String
  /// Seeds, in run order.
  public var seeds: [UInt64]
  /// The full config the run used.
  public var config: JSONValue
  /// `git rev-parse HEAD` of the package, or `"unknown"`.
  public var gitCommit: String
  /// Whether tracked files had uncommitted changes (`nil` when git is unavailable).
  public var gitDirty: Bool?
  /// Start time, ISO 8601 (UTC).
  public var date: String
  /// End time, ISO 8601 (UTC); `nil` until `finish()`.
  public var finishedAt: String?
  /// Wall time in seconds from `start` to `finish()` (0 until then).
  public var wallTimeSeconds: Double
  /// The command line, shell-quoted.
  public var commandLine: String
  /// Whether this was a `--quick` (smoke-test) run.
  public var quick: Bool
  /// Host, OS, compiler, processors, BLAS threads.
  public var environment: RunEnvironment
  /// The shard this run is (`--shard`), or `nil` for a whole run.
  public var shard: ShardRecord?

  /// When `start` ran; not encoded, and ignored by `==` (two records of the same run compare
  /// equal whether or not one of them was decoded from disk).
  private var startMark = StartMark(instant: nil)

  /// A start instant that takes no part in equality.
  private struct StartMark: Sendable, Equatable {
    var instant: ContinuousClock.Instant?
    static func == (lhs: StartMark, rhs: StartMark) -> Bool { true }
  }

  private enum CodingKeys: String, CodingKey {
    case figure, seeds, config, gitCommit, gitDirty, date, finishedAt, wallTimeSeconds
    case commandLine, quick, environment, shard
  }

  /// Memberwise initializer (tests, decoding old runs).
  public init(
    figure: String, seeds: [UInt64], config: JSONValue, gitCommit: String, gitDirty: Bool?,
    date: String, finishedAt: String? = nil, wallTimeSeconds: Double = 0, commandLine: String,
    quick: Bool = false, environment: RunEnvironment, shard: ShardRecord? = nil
  ) {
    self.figure = figure
    self.seeds = seeds
    self.config = config
    self.gitCommit = gitCommit
    self.gitDirty = gitDirty
    self.date = date
    self.finishedAt = finishedAt
    self.wallTimeSeconds = wallTimeSeconds
    self.commandLine = commandLine
    self.quick = quick
    self.environment = environment
    self.shard = shard
  }

  /// Captures the run's metadata now (git is queried in the package root, or the current
  /// folder). `config` is any `Encodable` (the figure's config struct).
  public static func start(
    figure: String, seeds: [UInt64], config: some Encodable, blasThreads: Int? = nil,
    quick: Bool = false, locator: PackageLocator = PackageLocator(),
    arguments: [String] = CommandLine.arguments
  ) throws -> RunInfo {
    let git = GitInfo.current(in: locator.packageRoot ?? locator.currentDirectory)
    var info = RunInfo(
      figure: figure, seeds: seeds, config: try JSONValue(encoding: config),
      gitCommit: git.commit, gitDirty: git.dirty, date: Date().ISO8601Format(),
      commandLine: shellQuoted(arguments), quick: quick,
      environment: .current(blasThreads: blasThreads))
    info.startMark = StartMark(instant: .now)
    return info
  }

  /// Starts a run from the shared command-line options (seeds, `--shard`, `--threads`,
  /// `--quick`).
  public static func start(
    figure: String, options: CommonOptions, config: some Encodable,
    locator: PackageLocator = PackageLocator()
  ) throws -> RunInfo {
    var info = try start(
      figure: figure, seeds: options.seeds, config: config, blasThreads: options.blasThreads,
      quick: options.quick, locator: locator)
    info.shard = options.shard.map { ShardRecord(spec: $0, allSeeds: options.seedList.values) }
    return info
  }

  /// Seconds since `start` (the recorded wall time for a decoded or memberwise value).
  public var elapsedSeconds: Double {
    guard let startInstant = startMark.instant else { return wallTimeSeconds }
    let (seconds, attoseconds) = (ContinuousClock.now - startInstant).components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }

  /// Records the end time and the wall time.
  public mutating func finish() {
    wallTimeSeconds = elapsedSeconds
    finishedAt = Date().ISO8601Format()
  }

  /// Encodes every field; `nil` values are written as `null` so the schema is fixed.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(figure, forKey: .figure)
    try container.encode(seeds, forKey: .seeds)
    try container.encode(config, forKey: .config)
    try container.encode(gitCommit, forKey: .gitCommit)
    try container.encode(gitDirty, forKey: .gitDirty)
    try container.encode(date, forKey: .date)
    try container.encode(finishedAt, forKey: .finishedAt)
    try container.encode(wallTimeSeconds, forKey: .wallTimeSeconds)
    try container.encode(commandLine, forKey: .commandLine)
    try container.encode(quick, forKey: .quick)
    try container.encode(environment, forKey: .environment)
    try container.encode(shard, forKey: .shard)
  }

  /// Arguments joined with POSIX shell quoting where needed.
  static func shellQuoted(_ arguments: [String]) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    return arguments.map { argument in
      if !argument.isEmpty, argument.allSatisfy({ safe.contains($0) }) { return argument }
      return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
  }
}

/// The git commit of a working tree.
public struct GitInfo: Sendable, Equatable {
  /// `HEAD` commit hash, or `"unknown"`.
  public var commit: String
  /// Uncommitted changes to tracked files; `nil` if unknown.
  public var dirty: Bool?

  /// Queries git in `directory`; returns `"unknown"`/`nil` when git or the repository is missing.
  public static func current(in directory: URL) -> GitInfo {
    guard let git = ProcessRunner.findExecutable("git"),
      let head = try? ProcessRunner.run(git, ["rev-parse", "HEAD"], in: directory),
      head.status == 0
    else { return GitInfo(commit: "unknown", dirty: nil) }
    let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
    if commit.isEmpty { return GitInfo(commit: "unknown", dirty: nil) }
    var dirty: Bool? = nil
    if let status = try? ProcessRunner.run(
      git, ["status", "--porcelain", "--untracked-files=no"], in: directory),
      status.status == 0
    {
      dirty = !status.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
    return GitInfo(commit: commit, dirty: dirty)
  }
}
