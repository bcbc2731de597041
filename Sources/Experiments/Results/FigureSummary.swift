import Envs
import Foundation

/// One checked claim of the paper and whether our result agrees.
public struct Claim: Sendable, Equatable, Codable {
  /// The claim, in the paper's words or a faithful paraphrase.
  public var text: String
  /// `true`/`false` when checked, `nil` when not checkable by this run (e.g. `--quick`).
  public var agrees: Bool?
  /// The numbers behind the verdict (ours vs the paper's).
  public var evidence: String

  /// A claim with an optional verdict.
  public init(_ text: String, agrees: Bool? = nil, evidence: String = "") {
    self.text = text
    self.agrees = agrees
    self.evidence = evidence
  }

  /// Encodes all fields; an unchecked verdict is written as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(text, forKey: .text)
    try container.encode(agrees, forKey: .agrees)
    try container.encode(evidence, forKey: .evidence)
  }
}

/// What a figure reports besides its raw data: per-series headline numbers and checked claims.
public struct FigureSummary: Sendable, Equatable {
  /// Figure id (`"fig7"`).
  public var figure: String
  /// One-line description of what the figure reproduces.
  public var title: String
  /// The paper's claim for this figure (whole sentence, from `FigureCatalog`).
  public var paperClaim: String
  /// Individually checked parts of the claim.
  public var claims: [Claim]
  /// Per-series headline numbers: `series name → object`.
  public var series: [String: JSONValue]
  /// Free-form notes (deviations from the paper, quick-mode caveats, …).
  public var notes: [String]

  /// An empty summary.
  public init(figure: String, title: String, paperClaim: String = "", claims: [Claim] = []) {
    self.figure = figure
    self.title = title
    self.paperClaim = paperClaim
    self.claims = claims
    self.series = [:]
    self.notes = []
  }

  /// A summary with the title and paper claim from the catalog entry.
  public init(_ info: FigureInfo) {
    self.init(figure: info.id, title: info.title, paperClaim: info.paperClaim)
  }

  /// Stores each series' `SeriesStats` fields in `series[name]`, keeping keys set before.
  public mutating func record(_ stats: [SeriesStats]) throws {
    for entry in stats {
      guard case .object(let fields) = try JSONValue(encoding: entry) else { continue }
      for (key, value) in fields where key != "series" { set(key, value, series: entry.series) }
    }
  }

  /// Sets one headline number (or any JSON value) of `series`.
  public mutating func set(_ key: String, _ value: JSONValue, series name: String) {
    var object = series[name] ?? .object([:])
    object[key] = value
    series[name] = object
  }

  /// Sets one headline value of `series` from any `Encodable`.
  public mutating func set(_ key: String, encoding value: some Encodable, series name: String)
    throws
  {
    set(key, try JSONValue(encoding: value), series: name)
  }

  /// Appends a checked claim.
  public mutating func check(_ text: String, agrees: Bool?, evidence: String = "") {
    claims.append(Claim(text, agrees: agrees, evidence: evidence))
  }
}

/// The schema of `summary.json`: the summary, the run metadata (flattened) and the output files.
public struct SummaryDocument: Sendable, Equatable, Codable {
  /// Figure id.
  public var figure: String
  /// What the figure reproduces.
  public var title: String
  /// The paper's claim.
  public var paperClaim: String
  /// Checked parts of the claim, each with `agrees: true/false/null`.
  public var claims: [Claim]
  /// Per-series headline numbers.
  public var series: [String: JSONValue]
  /// Free-form notes.
  public var notes: [String]
  /// Plot outcome (`"rendered plot.png"`, `"skipped: …"`, `"failed: …"`).
  public var plot: String
  /// Output files, relative to the results folder, sorted.
  public var files: [String]
  /// The full config.
  public var config: JSONValue
  /// Seeds.
  public var seeds: [UInt64]
  /// Wall time of the run in seconds.
  public var wallTimeSeconds: Double
  /// Git commit of the package (`"unknown"` when unavailable).
  public var gitCommit: String
  /// Uncommitted changes to tracked files (`null` when unknown).
  public var gitDirty: Bool?
  /// Run start, ISO 8601.
  public var date: String
  /// Run end, ISO 8601.
  public var finishedAt: String?
  /// The command line.
  public var commandLine: String
  /// Whether this was a `--quick` run.
  public var quick: Bool
  /// Host, OS, compiler, processors, BLAS threads.
  public var environment: RunEnvironment
  /// The shard this folder holds (`null` for a whole run).
  public var shard: ShardRecord?

  /// Assembles the document.
  public init(summary: FigureSummary, run: RunInfo, plot: String, files: [String]) {
    figure = summary.figure
    title = summary.title
    paperClaim = summary.paperClaim
    claims = summary.claims
    series = summary.series
    notes = summary.notes
    self.plot = plot
    self.files = files
    config = run.config
    seeds = run.seeds
    wallTimeSeconds = run.wallTimeSeconds
    gitCommit = run.gitCommit
    gitDirty = run.gitDirty
    date = run.date
    finishedAt = run.finishedAt
    commandLine = run.commandLine
    quick = run.quick
    environment = run.environment
    shard = run.shard
  }

  /// The run metadata recorded in this document.
  public var run: RunInfo {
    RunInfo(
      figure: figure, seeds: seeds, config: config, gitCommit: gitCommit, gitDirty: gitDirty,
      date: date, finishedAt: finishedAt, wallTimeSeconds: wallTimeSeconds,
      commandLine: commandLine, quick: quick, environment: environment, shard: shard)
  }

  /// Encodes every field; `nil` values are written as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(figure, forKey: .figure)
    try container.encode(title, forKey: .title)
    try container.encode(paperClaim, forKey: .paperClaim)
    try container.encode(claims, forKey: .claims)
    try container.encode(series, forKey: .series)
    try container.encode(notes, forKey: .notes)
    try container.encode(plot, forKey: .plot)
    try container.encode(files, forKey: .files)
    try container.encode(config, forKey: .config)
    try container.encode(seeds, forKey: .seeds)
    try container.encode(wallTimeSeconds, forKey: .wallTimeSeconds)
    try container.encode(gitCommit, forKey: .gitCommit)
    try container.encode(gitDirty, forKey: .gitDirty)
    try container.encode(date, forKey: .date)
    try container.encode(finishedAt, forKey: .finishedAt)
    try container.encode(commandLine, forKey: .commandLine)
    try container.encode(quick, forKey: .quick)
    try container.encode(environment, forKey: .environment)
    try container.encode(shard, forKey: .shard)
  }
}
