import Envs
import Foundation

/// `experiment merge`: puts the results folders of a figure's shards (`--shard i/n`) back
/// together into the folder the run in one process would have written.
///
/// `data.csv` is the shards' rows in canonical order (the same bytes as the run in one
/// process, for a deterministic figure); `aggregate.csv`, `summary.json` (statistics and
/// claims) and the plot are recomputed from the merged data (`MergedSummary`). Other CSV files
/// with a `seed` column are merged the same way; other files and folders (checkpoints,
/// TensorBoard runs) are copied. Shards of different figures, configs, commits or seed lists
/// are refused, naming the conflict; so is an incomplete set, naming the missing shards.
public enum ShardMerge {
  /// One shard folder, read.
  struct Shard {
    var directory: URL
    var document: SummaryDocument
    var record: ShardRecord
    var table: ResultsTable
    var plot: PlotSpec
  }

  /// Files every results folder has, which the merge writes itself.
  static let ownFiles: Set<String> = [
    ResultsWriter.FileName.data, ResultsWriter.FileName.aggregate, ResultsWriter.FileName.summary,
    ResultsWriter.FileName.config, ResultsWriter.FileName.plotScript,
    ResultsWriter.FileName.plotImage, ResultsWriter.FileName.shardPlot,
  ]

  /// Merges the shard folders `directories` into `output` (created; it must not be one of
  /// them). Throws naming the conflict, the missing shards, or the unreadable file.
  @discardableResult
  public static func merge(
    _ directories: [URL], into output: URL, renderer: GnuplotRenderer = .detect(),
    arguments: [String] = CommandLine.arguments
  ) throws -> WrittenResults {
    guard !directories.isEmpty else {
      throw ExperimentError.invalidValue(field: "shard folders", reason: "none given")
    }
    let outputPath = output.standardizedFileURL.path
    if let same = directories.first(where: { $0.standardizedFileURL.path == outputPath }) {
      throw ExperimentError.invalidValue(
        field: "--out", reason: "\(same.path) is one of the shard folders; merge into another")
    }
    let shards = try directories.map(load).sorted { $0.record.spec.index < $1.record.spec.index }
    try checkCompatible(shards)
    let first = shards[0]
    let allSeeds = first.record.allSeeds

    var table = ResultsTable()
    for shard in shards { table.append(contentsOf: shard.table) }
    table = table.canonicallyOrdered(seeds: allSeeds)
    let run = RunInfo(
      figure: first.document.figure, seeds: allSeeds, config: first.document.config,
      gitCommit: first.document.gitCommit,
      gitDirty: shards.contains { $0.document.gitDirty == true }
        ? true : first.document.gitDirty,
      date: shards.map(\.document.date).min()!,
      finishedAt: shards.compactMap(\.document.finishedAt).max(),
      wallTimeSeconds: shards.reduce(0) { $0 + $1.document.wallTimeSeconds },
      commandLine: RunInfo.shellQuoted(arguments), quick: first.document.quick,
      environment: .current(blasThreads: first.document.environment.blasThreads))
    // The other files first: a figure's recomputation may read them (timing.csv, …).
    try copyExtras(shards, into: output)
    var summary = try MergedSummary.make(
      MergedSummary.Input(
        table: table, run: run, shards: shards.map(\.document), directory: output))
    summary.notes.append(
      "merged by `experiment merge` from \(shards.count) shards ("
        + shards.map { "\($0.record.spec): seeds \(seedText($0.record.seeds))" }
        .joined(separator: "; ")
        + "); wallTimeSeconds is the sum of the shards' wall times")
    return try ResultsWriter(directory: output, renderer: renderer).write(
      table: table, summary: summary, run: run, plot: first.plot)
  }

  /// Reads one shard folder: `summary.json` (with its `shard` record), `data.csv`,
  /// `shard-plot.json`.
  static func load(_ directory: URL) throws -> Shard {
    let summaryURL = directory.appendingPathComponent(ResultsWriter.FileName.summary)
    guard FileManager.default.fileExists(atPath: summaryURL.path) else {
      throw ExperimentError.readFailed(
        path: summaryURL.path, reason: "no such file: not a results folder")
    }
    let document = try ResultsWriter.readSummary(summaryURL)
    guard let record = document.shard else {
      throw ExperimentError.readFailed(
        path: summaryURL.path,
        reason: "no shard record: \(directory.path) is a whole run, not a --shard run")
    }
    let dataURL = directory.appendingPathComponent(ResultsWriter.FileName.data)
    let text: String
    do {
      text = try String(contentsOf: dataURL, encoding: .utf8)
    } catch {
      throw ExperimentError.readFailed(path: dataURL.path, reason: FileIO.reason(for: error))
    }
    let table = try ResultsTable(csv: text, path: dataURL.path)
    let plotURL = directory.appendingPathComponent(ResultsWriter.FileName.shardPlot)
    let plot: PlotSpec
    do {
      plot = try JSONDecoder().decode(PlotSpec.self, from: Data(contentsOf: plotURL))
    } catch {
      throw ExperimentError.readFailed(path: plotURL.path, reason: "\(error)")
    }
    return Shard(
      directory: directory, document: document, record: record, table: table, plot: plot)
  }

  /// Throws unless the shards are one complete run: same figure, config, commit, `--quick`,
  /// seed list and shard count, each shard exactly once.
  static func checkCompatible(_ shards: [Shard]) throws {
    let first = shards[0]
    func conflict(_ field: String, _ a: String, _ b: String, _ other: Shard) -> ExperimentError {
      .invalidValue(
        field: "shards",
        reason: "\(field) differs: \(first.directory.path) has \(a), \(other.directory.path) "
          + "has \(b)")
    }
    for shard in shards.dropFirst() {
      let (a, b) = (first.document, shard.document)
      if a.figure != b.figure { throw conflict("figure", a.figure, b.figure, shard) }
      if a.gitCommit != b.gitCommit { throw conflict("commit", a.gitCommit, b.gitCommit, shard) }
      if let path = JSONValue.firstDifference(a.config, b.config) {
        throw conflict(
          "config at \(path)", describe(a.config[path: path]), describe(b.config[path: path]),
          shard)
      }
      if a.quick != b.quick { throw conflict("--quick", "\(a.quick)", "\(b.quick)", shard) }
      if first.record.allSeeds != shard.record.allSeeds {
        throw conflict(
          "--seeds", seedText(first.record.allSeeds), seedText(shard.record.allSeeds), shard)
      }
      if first.record.spec.count != shard.record.spec.count {
        throw conflict(
          "shard count", "\(first.record.spec)", "\(shard.record.spec)", shard)
      }
    }
    var byIndex: [Int: Shard] = [:]
    for shard in shards {
      if let twin = byIndex[shard.record.spec.index] {
        throw ExperimentError.invalidValue(
          field: "shards",
          reason: "shard \(shard.record.spec) is given twice: \(twin.directory.path) and "
            + "\(shard.directory.path)")
      }
      byIndex[shard.record.spec.index] = shard
    }
    let count = first.record.spec.count
    let missing = (1...count).filter { byIndex[$0] == nil }
    if !missing.isEmpty {
      let names = missing.map { index in
        let spec = try! ShardSpec(index: index, count: count)
        return "\(spec) (seeds \(seedText(spec.select(first.record.allSeeds))))"
      }
      throw ExperimentError.invalidValue(
        field: "shards",
        reason: "\(first.document.figure) is incomplete: missing shard(s) "
          + names.joined(separator: ", ") + "; have "
          + shards.map { "\($0.record.spec)" }.joined(separator: ", "))
    }
  }

  /// Merges the other CSV files with a `seed` column (rows in canonical order) and copies every
  /// other file and folder; a file two shards both hold must be identical.
  static func copyExtras(_ shards: [Shard], into output: URL) throws {
    let fileManager = FileManager.default
    try FileIO.makeDirectory(output)
    var csvParts: [String: [(shard: Shard, records: [CSVReader.Record])]] = [:]
    var copied: [String: URL] = [:]
    for shard in shards {
      let base = shard.directory.standardizedFileURL
      guard
        let walker = fileManager.enumerator(
          at: base, includingPropertiesForKeys: [.isDirectoryKey])
      else { continue }
      for case let url as URL in walker {
        let relative = String(url.standardizedFileURL.path.dropFirst(base.path.count + 1))
        if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { continue }
        if ownFiles.contains(relative) { continue }
        if !relative.contains("/"), relative.hasSuffix(".csv") {
          let text: String
          do {
            text = try String(contentsOf: url, encoding: .utf8)
          } catch {
            throw ExperimentError.readFailed(path: url.path, reason: FileIO.reason(for: error))
          }
          csvParts[relative, default: []].append(
            (shard, try CSVReader.records(text, path: url.path)))
          continue
        }
        if let earlier = copied[relative] {
          if fileManager.contentsEqual(atPath: earlier.path, andPath: url.path) { continue }
          throw ExperimentError.invalidValue(
            field: "shards",
            reason: "\(relative) differs between \(earlier.path) and \(url.path)")
        }
        let target = output.appendingPathComponent(relative)
        try FileIO.makeDirectory(target.deletingLastPathComponent())
        try? fileManager.removeItem(at: target)
        do {
          try fileManager.copyItem(at: url, to: target)
        } catch {
          throw ExperimentError.writeFailed(path: target.path, reason: FileIO.reason(for: error))
        }
        copied[relative] = url
      }
    }
    for (name, parts) in csvParts.sorted(by: { $0.key < $1.key }) {
      try FileIO.writeAtomically(
        try mergedCSV(name: name, parts: parts, seeds: shards[0].record.allSeeds),
        to: output.appendingPathComponent(name))
    }
  }

  /// One CSV from the shards' copies: same header required; rows grouped by `series` (when
  /// there is such a column, first appearance) and `seed` (in `seeds` order), each group in
  /// its file's order.
  static func mergedCSV(
    name: String, parts: [(shard: Shard, records: [CSVReader.Record])], seeds: [UInt64]
  ) throws -> String {
    let header = parts[0].records.first?.fields ?? []
    for part in parts.dropFirst() where (part.records.first?.fields ?? []) != header {
      throw ExperimentError.invalidValue(
        field: "shards",
        reason: "\(name) has different columns in \(parts[0].shard.directory.path) and "
          + "\(part.shard.directory.path)")
    }
    guard let seedColumn = header.firstIndex(of: "seed") else {
      throw ExperimentError.invalidValue(
        field: "shards",
        reason: "\(name) has no seed column, so its shard copies cannot be merged")
    }
    let seriesColumn = header.firstIndex(of: "series")
    var seriesRank: [String: Int] = [:]
    var rows: [(series: Int, seed: Int, order: Int, fields: [String])] = []
    for part in parts {
      for record in part.records.dropFirst() {
        guard record.fields.count == header.count else {
          throw ExperimentError.readFailed(
            path: part.shard.directory.appendingPathComponent(name).path,
            reason: "line \(record.line): \(record.fields.count) fields, the header has "
              + "\(header.count)")
        }
        let series = seriesColumn.map { record.fields[$0] } ?? ""
        if seriesRank[series] == nil { seriesRank[series] = seriesRank.count }
        let seed = UInt64(record.fields[seedColumn]).flatMap { seeds.firstIndex(of: $0) }
        rows.append((seriesRank[series]!, seed ?? seeds.count, rows.count, record.fields))
      }
    }
    rows.sort { ($0.series, $0.seed, $0.order) < ($1.series, $1.seed, $1.order) }
    return ([header] + rows.map(\.fields)).map { $0.map(CSV.escape).joined(separator: ",") + "\n" }
      .joined()
  }

  static func seedText(_ seeds: [UInt64]) -> String {
    seeds.map(String.init).joined(separator: ",")
  }

  static func describe(_ value: JSONValue?) -> String {
    guard let value, let data = try? JSONEncoder().encode(value) else { return "nothing" }
    return String(decoding: data, as: UTF8.self)
  }
}

extension JSONValue {
  /// The path (`training.episodes`, `series[2].name`) of the first place where `a` and `b`
  /// differ, or `nil` when they are equal.
  static func firstDifference(_ a: JSONValue, _ b: JSONValue, path: String = "") -> String? {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      for key in Set(x.keys).union(y.keys).sorted() {
        let child = path.isEmpty ? key : "\(path).\(key)"
        guard let u = x[key], let v = y[key] else { return child }
        if let found = firstDifference(u, v, path: child) { return found }
      }
      return nil
    case (.array(let x), .array(let y)):
      for (index, (u, v)) in zip(x, y).enumerated() {
        if let found = firstDifference(u, v, path: "\(path)[\(index)]") { return found }
      }
      return x.count == y.count ? nil : "\(path)[\(min(x.count, y.count))]"
    default:
      return a == b ? nil : (path.isEmpty ? "(root)" : path)
    }
  }

  /// The value at a path made by `firstDifference`, or `nil`.
  subscript(path path: String) -> JSONValue? {
    if path == "(root)" || path.isEmpty { return self }
    var value: JSONValue? = self
    for part in path.split(separator: ".") {
      var name = Substring(part)
      var indices: [Int] = []
      while let open = name.lastIndex(of: "["), name.hasSuffix("]"),
        let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)])
      {
        indices.insert(index, at: 0)
        name = name[..<open]
      }
      if !name.isEmpty {
        guard case .object(let fields) = value else { return nil }
        value = fields[String(name)]
      }
      for index in indices {
        guard case .array(let items) = value, items.indices.contains(index) else { return nil }
        value = items[index]
      }
    }
    return value
  }
}
