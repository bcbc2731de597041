import ArgumentParser
import Envs
import Foundation
import RL
import Testing

@testable import Experiments

@Test func shardsDealTheSeedsRoundRobin() throws {
  let shard = try ShardSpec.parse("2/4")
  #expect(shard.index == 2 && shard.count == 4)
  #expect(shard.select([1, 2, 3, 4, 5, 6, 7]) == [2, 6])
  #expect(try ShardSpec.parse("1/1").select([5, 9]) == [5, 9])
  // Every seed lands in exactly one shard.
  let seeds: [UInt64] = [7, 11, 13, 17, 19]
  let dealt = try (1...3).flatMap { try ShardSpec(index: $0, count: 3).select(seeds) }
  #expect(dealt.sorted() == seeds.sorted())
  for bad in ["0/4", "5/4", "2", "a/b", "1/0", "1/2/3"] {
    #expect(throws: ValidationError.self, "\(bad)") { try ShardSpec.parse(bad) }
  }
}

@Test func shardOptionPicksItsSeedsAndRejectsMoreShardsThanSeeds() throws {
  let options = try CommonOptions.parse(["--seeds", "1-5", "--shard", "2/2"])
  #expect(options.seeds == [2, 4])
  #expect(try CommonOptions.parse(["--seeds", "4"]).seeds == [1, 2, 3, 4])
  #expect(optionsError(["--seeds", "2", "--shard", "1/3"])?.contains("--shard 1/3") == true)
  #expect(optionsError(["--shard", "4/3"]) != nil)
}

@Test func dataCSVReadsBackToTheSameText() throws {
  var table = ResultsTable(extraColumns: ["p95_ms", "note"])
  table.append(series: "A", seed: 1, x: 1, y: 0.1, extras: ["p95_ms": 1e-05, "note": -3])
  table.append(series: "say \"hi\",\nthere", seed: 18_446_744_073_709_551_615, x: 2.5, y: .nan)
  table.append(series: "B", seed: 2, x: -0.0, y: .infinity, extras: ["zeta": 2])
  let text = table.csv()
  let read = try ResultsTable(csv: text, path: "data.csv")
  #expect(read.csv() == text)
  #expect(read.rows[1].series == "say \"hi\",\nthere")
  #expect(read.rows[1].extras.isEmpty)

  let bad = "series,seed,x,y\nA,1,1,0.5\nA,1,two,0.5\n"
  #expect(
    throws: ExperimentError.readFailed(
      path: "d.csv", reason: "line 3, column x: 'two' is not a number")
  ) {
    try ResultsTable(csv: bad, path: "d.csv")
  }
  #expect(
    throws: ExperimentError.readFailed(
      path: "d.csv", reason: "line 2: quoted field is never closed")
  ) {
    try ResultsTable(csv: "series,seed,x,y\n\"A,1,1,1\n", path: "d.csv")
  }
}

@Test func canonicalOrderGroupsBySeriesThenSeedKeepingEachGroupsOrder() {
  var table = ResultsTable()
  for seed: UInt64 in [2, 1] {
    for series in ["B", "A"] {
      for x in [1.0, 2.0] { table.append(series: series, seed: seed, x: x, y: x) }
    }
  }
  let ordered = table.canonicallyOrdered(seeds: [1, 2]).rows.map {
    "\($0.series)\($0.seed)@\(Int($0.x))"
  }
  #expect(ordered == ["B1@1", "B1@2", "B2@1", "B2@2", "A1@1", "A1@2", "A2@1", "A2@2"])
}

/// A fake figure's shard folder, written by `ResultsWriter` like any figure's.
private func writeShard(
  _ spec: String, seeds: [UInt64], in root: URL, commit: String = "abc",
  config: JSONValue = .object(["episodes": .number(3)])
) throws -> URL {
  let shard = try ShardSpec.parse(spec)
  let record = ShardRecord(spec: shard, allSeeds: seeds)
  var table = ResultsTable()
  for seed in record.seeds {
    for x in 1...3 {
      table.append(series: "A", seed: seed, x: Double(x), y: Double(seed) * 10 + Double(x))
    }
  }
  var summary = FigureSummary(figure: "figX", title: "a test figure")
  summary.check("A goes up", agrees: true, evidence: "shard \(spec) says so")
  summary.notes = ["setup note", "shard note \(spec)"]
  let run = RunInfo(
    figure: "figX", seeds: record.seeds, config: config, gitCommit: commit, gitDirty: false,
    date: "2026-01-01T00:00:0\(shard.index)Z", finishedAt: "2026-01-01T00:01:00Z",
    wallTimeSeconds: 2, commandLine: "experiment figX --shard \(spec)",
    environment: .current(blasThreads: nil), shard: record)
  let directory = root.appendingPathComponent("shard\(shard.index)-\(commit)")
  try ResultsWriter(directory: directory, renderer: GnuplotRenderer(executable: nil)).write(
    table: table, summary: summary, run: run,
    plot: PlotSpec(title: "t", xLabel: "x", yLabel: "y"))
  var extra = "series,seed,episode,wall_seconds\n"
  for seed in record.seeds { extra += "A,\(seed),1,0.5\n" }
  try extra.write(
    to: directory.appendingPathComponent("timing.csv"), atomically: true, encoding: .utf8)
  let checkpoints = directory.appendingPathComponent("checkpoints")
  try FileIO.makeDirectory(checkpoints)
  for seed in record.seeds {
    try "weights \(seed)".write(
      to: checkpoints.appendingPathComponent("a-seed\(seed).bin"), atomically: true,
      encoding: .utf8)
  }
  return directory
}

@Test func mergeRebuildsTheFolderAndRecomputesInsteadOfCopying() throws {
  let root = try makeTemporaryDirectory()
  let seeds: [UInt64] = [1, 2, 3]
  let shards = try ["3/3", "1/3", "2/3"].map { try writeShard($0, seeds: seeds, in: root) }
  let out = root.appendingPathComponent("merged")
  let written = try ShardMerge.merge(
    shards, into: out, renderer: GnuplotRenderer(executable: nil), arguments: ["experiment"])
  let data = try String(contentsOf: written.dataCSV, encoding: .utf8)
  let expectedRows = seeds.flatMap { seed in
    (1...3).map { "A,\(seed),\($0),\(Int(seed) * 10 + $0)" }
  }
  #expect(data == (["series,seed,x,y"] + expectedRows).joined(separator: "\n") + "\n")
  let aggregate = try String(contentsOf: written.aggregateCSV, encoding: .utf8)
  #expect(aggregate.split(separator: "\n")[1] == "A,1,21,11,31,10,3")  // mean of 11, 21, 31
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.seeds == seeds)
  #expect(document.shard == nil)
  #expect(document.wallTimeSeconds == 6)
  #expect(document.date == "2026-01-01T00:00:01Z")
  #expect(document.claims.map(\.text) == ["A goes up"])
  #expect(document.claims[0].agrees == nil)  // not copied from the shards
  #expect(document.notes.contains("setup note"))
  #expect(!document.notes.contains { $0.hasPrefix("shard note") })
  #expect(document.series["A"]?["finalValue"] == .number(23))  // last x: mean of 13, 23, 33
  #expect(!document.files.contains(ResultsWriter.FileName.shardPlot))
  let timing = try String(
    contentsOf: out.appendingPathComponent("timing.csv"), encoding: .utf8)
  #expect(timing == "series,seed,episode,wall_seconds\nA,1,1,0.5\nA,2,1,0.5\nA,3,1,0.5\n")
  for seed in seeds {
    #expect(
      FileManager.default.fileExists(
        atPath: out.appendingPathComponent("checkpoints/a-seed\(seed).bin").path))
  }
}

@Test func mergeRefusesConflictsAndNamesMissingShards() throws {
  let root = try makeTemporaryDirectory()
  let seeds: [UInt64] = [1, 2, 3, 4]
  let one = try writeShard("1/4", seeds: seeds, in: root)
  let three = try writeShard("3/4", seeds: seeds, in: root)
  let none = GnuplotRenderer(executable: nil)
  let out = root.appendingPathComponent("merged")
  func message(_ directories: [URL]) -> String {
    do {
      try ShardMerge.merge(directories, into: out, renderer: none)
      return "merged"
    } catch {
      return "\(error)"
    }
  }
  let missing = message([one, three])
  #expect(missing.contains("missing shard(s) 2/4 (seeds 2), 4/4 (seeds 4)"), "\(missing)")
  #expect(message([one, one]).contains("shard 1/4 is given twice"))

  let otherCommit = try writeShard("2/4", seeds: seeds, in: root, commit: "def")
  let commit = message([one, otherCommit])
  #expect(commit.contains("commit differs") && commit.contains("abc") && commit.contains("def"))

  let otherConfig = try writeShard(
    "2/4", seeds: seeds, in: root, commit: "abc",
    config: .object(["episodes": .number(5)]))
  let config = message([one, otherConfig])
  #expect(config.contains("config at episodes differs"), "\(config)")
  #expect(config.contains("has 3,") && config.contains("has 5"), "\(config)")

  let otherSeeds = try writeShard("2/4", seeds: [1, 2, 3, 5], in: root.appendingPathComponent("s"))
  #expect(message([one, otherSeeds]).contains("--seeds differs"))
  let empty = root.appendingPathComponent("empty")
  try FileIO.makeDirectory(empty)
  #expect(message([one, empty]).contains("empty/summary.json: no such file"))
  #expect(message([one, out]).contains("is one of the shard folders"))
  #expect(message([one]).contains("missing shard(s) 2/4"))
}

@Test func jsonDifferencesAreNamedByPath() {
  let a: JSONValue = .object(["t": .object(["e": .number(1), "s": .array([.string("a")])])])
  let b: JSONValue = .object(["t": .object(["e": .number(1), "s": .array([.string("b")])])])
  #expect(JSONValue.firstDifference(a, a) == nil)
  #expect(JSONValue.firstDifference(a, b) == "t.s[0]")
  #expect(a[path: "t.s[0]"] == .string("a"))
  #expect(JSONValue.firstDifference(.object([:]), .object(["k": .null])) == "k")
}

/// The acceptance test of sharding: a synchronous Fig. 7 sweep over four seeds, run in one
/// process and as four shards merged, writes byte-identical data.csv and aggregate.csv.
@Test func fourShardsOfASynchronousSweepMergeToTheOneProcessBytes() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("tiny.json")
  try """
  {"training": {"episodes": 2, "episodeSlots": 16, "loadRequestsPerSecond": 120,
    "warmupPlacementSlots": 0, "curriculum": [],
    "mappo": {"samplesPerEpoch": 64, "updateEpochs": 1}},
   "evaluationEpisodes": 1}
  """.write(to: config, atomically: true, encoding: .utf8)
  let none = GnuplotRenderer(executable: nil)
  func run(_ name: String, _ extra: [String]) throws -> WrittenResults {
    try Fig7Experiment.run(
      options: try CommonOptions.parse(
        [
          "--quick", "--seeds", "4", "--no-tensorboard", "--config", config.path,
          "--out", root.appendingPathComponent(name).path,
        ] + extra),
      synchronous: true, seriesFilter: "KMPS", renderer: none, progressSink: { _ in })
  }
  let whole = try run("whole", [])
  let shards = try (1...4).map { try run("shard\($0)", ["--shard", "\($0)/4"]).directory }
  for (index, shard) in shards.enumerated() {
    let document = try ResultsWriter.readSummary(shard.appendingPathComponent("summary.json"))
    #expect(document.seeds == [UInt64(index + 1)])
  }
  let merged = try ShardMerge.merge(
    shards.reversed(), into: root.appendingPathComponent("merged"), renderer: none)
  let expected = try Data(contentsOf: whole.dataCSV)
  #expect(try Data(contentsOf: merged.dataCSV) == expected)
  #expect(String(decoding: expected, as: UTF8.self).contains("\nKMPS,4,"))
  #expect(try Data(contentsOf: merged.aggregateCSV) == Data(contentsOf: whole.aggregateCSV))
  let document = try ResultsWriter.readSummary(merged.summaryJSON)
  #expect(document.seeds == [1, 2, 3, 4])
  let wholeDocument = try ResultsWriter.readSummary(whole.summaryJSON)
  #expect(document.config == wholeDocument.config)
  // The claims are checked by the merge on the merged data, as the run in one process did.
  #expect(document.claims == wholeDocument.claims)
  #expect(document.claims.count >= 5)
  #expect(document.series["KMPS"]?["heldout_greedy_throughput"] != nil)
  #expect(
    document.series["KMPS"]?["rise_over_first5_per_seed"]
      == wholeDocument.series["KMPS"]?["rise_over_first5_per_seed"])
  let checkpoints = try FileManager.default.contentsOfDirectory(
    atPath: merged.directory.appendingPathComponent("checkpoints").path)
  #expect(Set(checkpoints).isSuperset(of: (1...4).map { "kmps-seed\($0).safetensors" }))
}

/// CartPole's claim is checked by the merge itself, from the merged data: the same verdict and
/// evidence as the run in one process.
@Test func mergedCartPoleChecksItsClaimFromTheMergedData() throws {
  let root = try makeTemporaryDirectory()
  var config = PPOConfig()
  config.totalTimesteps = 1024
  let none = GnuplotRenderer(executable: nil)
  func run(_ name: String, _ extra: [String]) throws -> WrittenResults {
    let options = try CommonOptions.parse(
      ["--seeds", "2", "--no-tensorboard", "--out", root.appendingPathComponent(name).path]
        + extra)
    return try CartPoleExperiment.run(
      options: options, seeds: options.seeds, config: config, renderer: none,
      progressSink: { _ in })
  }
  let whole = try ResultsWriter.readSummary(run("whole", []).summaryJSON)
  let shards = try ["1/2", "2/2"].map { try run("s\($0.first!)", ["--shard", $0]).directory }
  let merged = try ResultsWriter.readSummary(
    ShardMerge.merge(shards, into: root.appendingPathComponent("m"), renderer: none).summaryJSON)
  #expect(merged.claims == whole.claims)
  #expect(merged.claims.first?.agrees == false)  // 1,024 steps: far from solved
  #expect(
    merged.series["PPO"]?["mean_return_last_100"] == whole.series["PPO"]?["mean_return_last_100"])
  let episodes = try String(
    contentsOf: root.appendingPathComponent("m/episodes.csv"), encoding: .utf8)
  #expect(episodes.contains("\n1,1,") && episodes.contains("\n2,1,"))
}

/// Fig. 9's claims are checked by the merge on the merged data: the mean over both shards'
/// seeds, not either shard's verdict.
@Test func mergedFig9ChecksItsClaimsOnTheMeansOverAllShards() throws {
  let root = try makeTemporaryDirectory()
  let config = try tinySweepConfigFile(in: root)
  let none = GnuplotRenderer(executable: nil)
  let shards = try ["1/2", "2/2"].map { shard in
    let options = try CommonOptions.parse([
      "--quick", "--seeds", "2", "--shard", shard, "--config", config.path,
      "--out", root.appendingPathComponent("fig9-\(shard.first!)").path,
    ])
    return try Fig9Experiment.run(
      options: options, sweep: try SweepFigureOptions.parse([]), renderer: none,
      progressSink: { _ in }
    ).directory
  }
  var mappoAt50: [Double] = []
  for shard in shards {
    let text = try String(
      contentsOf: shard.appendingPathComponent("data.csv"), encoding: .utf8)
    let table = try ResultsTable(csv: text, path: "data.csv")
    mappoAt50 += table.rows(series: "MAPPO").filter { $0.x == 50 }.map(\.y)
  }
  #expect(mappoAt50.count == 2)
  let mean = (mappoAt50[0] + mappoAt50[1]) / 2
  let merged = try ResultsWriter.readSummary(
    ShardMerge.merge(shards, into: root.appendingPathComponent("fig9"), renderer: none)
      .summaryJSON)
  #expect(merged.series["MAPPO"]?["e2eMs@50"] == .number(mean))
  #expect(merged.claims.count == 1)
  #expect(merged.claims[0].agrees == nil)  // --quick
  #expect(merged.claims[0].evidence.contains("MAPPO \(Format.fixed(mean, decimals: 1)) ms"))
  #expect(!merged.claims[0].evidence.contains("not re-checked"))
}
