import Envs
import Foundation
import Synchronization
import Testing

@testable import Experiments

/// `experiment all`: which figures run, which are current, and the structure of REPORT.md, with
/// a fake runner that writes tiny figure results.
@Suite struct AllReportTests {
  /// Writes a figure's results as `experiment <arguments>` would at `commit`: two series, three
  /// claims (agrees, disagrees, not checked), and a plot.png stand-in when `plot`.
  static func writeFakeResults(
    _ step: AllExperiment.Step, commit: String, dirty: Bool = false, quick: Bool,
    plot: Bool = true
  ) throws {
    var table = ResultsTable()
    let series = PaperHeadlines.order(figure: step.info.id).prefix(2)
    for (i, name) in series.enumerated() {
      for x in 1...3 {
        table.append(series: name, seed: 1, x: Double(x), y: 0.5 + 0.1 * Double(i) + 0.01 * Double(x))
      }
    }
    let stats = Aggregation.seriesStats(table, finalWindow: 2)
    var summary = FigureSummary(step.info)
    try summary.record(stats)
    summary.check("\(step.info.id) claim that holds", agrees: true, evidence: "ours 0.93 vs > 0.9")
    summary.check("\(step.info.id) claim that fails", agrees: false, evidence: "ours 0.7 | < 0.8")
    summary.check("\(step.info.id) claim left open", agrees: nil, evidence: "")
    summary.notes.append("a note")
    var run = RunInfo(
      figure: step.info.id, seeds: [1], config: .object(["episodes": .number(3)]),
      gitCommit: commit, gitDirty: dirty, date: "2026-12-02T00:00:00Z",
      commandLine: RunInfo.shellQuoted(["/opt/bin/experiment"] + step.arguments), quick: quick,
      environment: .current(blasThreads: nil))
    run.finish()
    try ResultsWriter(directory: step.directory, renderer: GnuplotRenderer(executable: nil))
      .write(
        table: table, summary: summary, run: run,
        plot: PlotSpec(title: "t", xLabel: "episode", yLabel: "throughput"))
    if plot {
      try Data([0x89, 0x50]).write(to: step.directory.appendingPathComponent("plot.png"))
    }
  }

  /// Records which figures ran.
  final class Calls: Sendable {
    private let storage = Mutex<[String]>([])
    var figures: [String] { storage.withLock { $0 } }
    func add(_ id: String) { storage.withLock { $0.append(id) } }
  }

  static func fakeRunner(
    commit: String, quick: Bool, calls: Calls, failing: Set<String> = []
  ) -> AllExperiment.Runner {
    { step in
      calls.add(step.info.id)
      if failing.contains(step.info.id) { return 3 }
      try writeFakeResults(step, commit: commit, quick: quick, plot: step.info.id != "fig17")
      return 0
    }
  }

  /// Four of the implemented figures (the fake runner's claims are written for these).
  private func steps(root: URL, quick: Bool = true) -> [AllExperiment.Step] {
    AllExperiment.steps(
      figures: try! AllExperiment.select("fig7,fig16,fig17,cartpole"), quick: quick, root: root,
      explicitRoot: true, noTensorBoard: false)
  }

  @Test func implementedFiguresAreTheRegisteredOnesInCatalogOrder() throws {
    #expect(
      AllExperiment.implementedFigures.map(\.id)
        == [
          "fig7", "fig8", "fig9", "fig10", "fig11", "fig12", "fig13", "fig14", "fig15", "fig16",
          "fig17", "fig18", "cartpole",
        ])
    #expect(try AllExperiment.select("cartpole,fig7").map(\.id) == ["fig7", "cartpole"])
    #expect(throws: (any Error).self) { try AllExperiment.select("fig19") }
    let step = steps(root: URL(fileURLWithPath: "/r"))[0]
    #expect(step.arguments == ["fig7", "--quick", "--out", "/r/fig7"])
  }

  @Test func reportListsEveryFigureWithClaimsPlotsHeadlinesAndWallTime() throws {
    let root = try makeTemporaryDirectory()
    let calls = Calls()
    let clock = FakeClock()
    let lines = LineCollector()
    let url = try AllExperiment.run(
      steps: steps(root: root), quick: true, force: false,
      git: GitInfo(commit: "abc123", dirty: false), root: root,
      runner: Self.fakeRunner(commit: "abc123", quick: true, calls: calls), sink: lines.sink,
      now: clock.source)
    #expect(url == root.appendingPathComponent("REPORT.md"))
    #expect(calls.figures == ["fig7", "fig16", "fig17", "cartpole"])
    let report = try String(contentsOf: url, encoding: .utf8)
    let reportLines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(reportLines[0] == "# KMPS reproduction report")
    #expect(report.contains("4 figures; 12 claims: 4 agree, 4 disagree, 4 not checked."))

    // The top table: a header, then one row per claim of every figure, in figure order.
    let header = try #require(reportLines.firstIndex(of: "## All claims"))
    #expect(reportLines[header + 2] == "| figure | claim | verdict | evidence |")
    #expect(reportLines[header + 3] == "|---|---|---|---|")
    let rows = reportLines[(header + 4)...].prefix { $0.hasPrefix("|") }
    #expect(rows.count == 12)
    #expect(rows.first == "| [fig7](#fig7) | fig7 claim that holds | agrees | ours 0.93 vs > 0.9 |")
    #expect(rows.contains("| [fig16](#fig16) | fig16 claim that fails | **disagrees** | ours 0.7 \\| < 0.8 |"))
    #expect(rows.contains("| [cartpole](#cartpole) | cartpole claim left open | not checked |  |"))

    // One section per figure, in order, each with the plot (when there is one), the headline
    // table beside the paper's numbers, the claims and the wall time.
    let sections = reportLines.filter { $0.hasPrefix("## ") && $0 != "## All claims" }
    #expect(sections == ["## fig7", "## fig16", "## fig17", "## cartpole"])
    #expect(report.contains("![fig7](fig7/plot.png)"))
    #expect(!report.contains("![fig17]"))
    #expect(report.contains("(no plot: "))
    #expect(
      report.contains(
        "| KMPS | 52.5% (52.5%–52.5%) | 53.0% at 3 | — | stable peak > 95%, converges after ~25 "
          + "episodes |"))
    #expect(report.contains("- **disagrees**: fig7 claim that fails — ours 0.7 | < 0.8"))
    #expect(report.components(separatedBy: "Run: ran now in 0:00 (wall clock).").count == 5)
    #expect(report.contains("commit `abc123`"))
    // Progress: one line per figure with an ETA, and a closing line.
    #expect(lines.lines.filter { $0.contains("ETA") }.count == 4)
    #expect(lines.lines.last?.hasPrefix("all: done") == true)
  }

  @Test func currentFiguresAreSkippedUnlessForcedOrTheTreeChanged() throws {
    let root = try makeTemporaryDirectory()
    let git = GitInfo(commit: "abc123", dirty: false)
    let first = Calls()
    try AllExperiment.run(
      steps: steps(root: root), quick: true, force: false, git: git, root: root,
      runner: Self.fakeRunner(commit: "abc123", quick: true, calls: first), sink: { _ in })
    #expect(first.figures.count == 4)

    let again = Calls()
    let url = try AllExperiment.run(
      steps: steps(root: root), quick: true, force: false, git: git, root: root,
      runner: Self.fakeRunner(commit: "abc123", quick: true, calls: again), sink: { _ in })
    #expect(again.figures.isEmpty)
    let report = try String(contentsOf: url, encoding: .utf8)
    #expect(report.components(separatedBy: "results current for this commit and config").count == 5)
    #expect(report.contains("12 claims: 4 agree, 4 disagree, 4 not checked"))

    for (force, state, budgetQuick) in [
      (true, git, true), (false, GitInfo(commit: "abc123", dirty: true), true),
      (false, GitInfo(commit: "def456", dirty: false), true),
      (false, git, false),
    ] {
      let calls = Calls()
      try AllExperiment.run(
        steps: steps(root: root, quick: budgetQuick), quick: budgetQuick, force: force,
        git: state, root: root,
        runner: { step in calls.add(step.info.id); return 0 }, sink: { _ in })
      #expect(calls.figures.count == 4, "force \(force), \(state), quick \(budgetQuick)")
    }
  }

  @Test func aFailedFigureIsReportedAndTheOthersStillRun() throws {
    let root = try makeTemporaryDirectory()
    let calls = Calls()
    let url = try AllExperiment.run(
      steps: steps(root: root), quick: true, force: false,
      git: GitInfo(commit: "abc123", dirty: false), root: root,
      runner: Self.fakeRunner(commit: "abc123", quick: true, calls: calls, failing: ["fig16"]),
      sink: { _ in })
    #expect(calls.figures == ["fig7", "fig16", "fig17", "cartpole"])
    let report = try String(contentsOf: url, encoding: .utf8)
    #expect(report.contains("| [fig16](#fig16) | (no results) | — | **failed**: exit status 3; no results |"))
    #expect(report.contains("3 figures") == false)
    #expect(report.contains("9 claims: 3 agree, 3 disagree, 3 not checked"))
  }

  @Test func commandParsesItsOptions() throws {
    let command = try AllCommand.parse(["--quick", "--force", "--figures", "fig7,cartpole"])
    #expect(command.quick && command.force)
    #expect(throws: (any Error).self) { try AllCommand.parse(["--figures", "fig99"]) }
  }
}
