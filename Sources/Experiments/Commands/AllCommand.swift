import ArgumentParser
import Foundation

/// `experiment all`: every implemented figure, one after the other, then `results/REPORT.md`.
struct AllCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "all",
    abstract: "Run every implemented figure (skipping those already current) and write "
      + "results/REPORT.md.",
    discussion: """
      Runs each implemented figure (see `experiment list`) at its defaults, or with --quick, as \
      a child process of this executable, with overall progress and an ETA on stderr. A figure \
      whose results/<figure>/summary.json was written by the same clean git commit with the \
      same arguments is current and is not rerun, unless --force. Then writes REPORT.md: a table \
      of every claim, and per figure the plot, our headline numbers beside the paper's, every \
      claim with its evidence, and the wall time. `make report` runs it in release.
      """)

  /// Smoke-test budgets.
  @Flag(name: .customLong("quick"), help: "Run every figure with --quick (smoke-test budgets).")
  var quick = false

  /// Rerun current figures too.
  @Flag(name: .customLong("force"), help: "Rerun figures whose results are already current.")
  var force = false

  /// Results root.
  @Option(
    name: .customLong("out"),
    help: ArgumentHelp(
      "Results root: figures go to <dir>/<figure>/, the report to <dir>/REPORT.md "
        + "(default: results).", valueName: "dir"))
  var out: String?

  /// A subset of figures.
  @Option(
    name: .customLong("figures"),
    help: ArgumentHelp("Comma list of figures (default: every implemented one).", valueName: "list"))
  var figureList: String?

  /// Passed on to every figure.
  @Flag(name: .customLong("no-tensorboard"), help: "Pass --no-tensorboard to every figure.")
  var noTensorBoard = false

  func validate() throws {
    if let figureList { _ = try AllExperiment.select(figureList) }
    if let out, out.isEmpty { throw ValidationError("--out: empty path") }
  }

  func run() throws {
    let figures = try figureList.map(AllExperiment.select) ?? AllExperiment.implementedFigures
    let locator = PackageLocator()
    let root = locator.absolute(out ?? "results")
    let steps = AllExperiment.steps(
      figures: figures, quick: quick, root: root, explicitRoot: out != nil,
      noTensorBoard: noTensorBoard)
    let git = GitInfo.current(in: locator.packageRoot ?? locator.currentDirectory)
    let executable =
      Bundle.main.executableURL ?? locator.executable
      ?? URL(fileURLWithPath: CommandLine.arguments[0])
    let report = try AllExperiment.run(
      steps: steps, quick: quick, force: force, git: git, root: root,
      runner: AllExperiment.subprocessRunner(executable: executable))
    print("wrote \(report.path)")
  }
}

/// The `all` runner, callable from tests with a fake figure runner.
enum AllExperiment {
  /// One figure to run: its catalog entry, its arguments and its results folder.
  struct Step: Sendable {
    /// The catalog entry.
    var info: FigureInfo
    /// Arguments for `experiment` (`["fig7", "--quick"]`), without `--no-tensorboard`.
    var arguments: [String]
    /// Extra arguments that do not change the results (`--no-tensorboard`).
    var passThrough: [String]
    /// The figure's results folder.
    var directory: URL
  }

  /// Runs one step; returns the exit status.
  typealias Runner = @Sendable (Step) throws -> Int32

  /// Every figure whose subcommand exists, in catalog order.
  static var implementedFigures: [FigureInfo] {
    let registered = ExperimentCommand.registeredFigureNames
    return FigureCatalog.all.filter { registered.contains($0.id) }
  }

  /// The implemented figures named in a comma list.
  static func select(_ list: String) throws -> [FigureInfo] {
    let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let implemented = implementedFigures
    for name in names where !implemented.contains(where: { $0.id == name }) {
      throw ValidationError(
        "--figures: '\(name)' is not an implemented figure (implemented: "
          + implemented.map(\.id).joined(separator: ", ") + ")")
    }
    let chosen = implemented.filter { names.contains($0.id) }
    if chosen.isEmpty { throw ValidationError("--figures: empty list") }
    return chosen
  }

  /// The steps for `figures`. With the default root, figures write to their own default folder
  /// (`results/<figure>`), so runs made with `make fig7` count as current too.
  static func steps(
    figures: [FigureInfo], quick: Bool, root: URL, explicitRoot: Bool, noTensorBoard: Bool
  ) -> [Step] {
    figures.map { info in
      let directory = root.appendingPathComponent(info.id)
      var arguments = [info.id]
      if quick { arguments.append("--quick") }
      if explicitRoot { arguments += ["--out", directory.path] }
      return Step(
        info: info, arguments: arguments, passThrough: noTensorBoard ? ["--no-tensorboard"] : [],
        directory: directory)
    }
  }

  /// Whether `summary` is current for `step`: written by this clean commit with the same
  /// arguments (the same commit and arguments give the same config).
  static func isCurrent(_ summary: SummaryDocument?, step: Step, git: GitInfo, quick: Bool)
    -> Bool
  {
    guard let summary, git.commit != "unknown", git.dirty == false,
      summary.gitCommit == git.commit, summary.gitDirty == false, summary.quick == quick
    else { return false }
    let expected = [step.arguments, step.arguments + ["--no-tensorboard"]].map {
      " " + RunInfo.shellQuoted($0)
    }
    return expected.contains { summary.commandLine.hasSuffix($0) }
  }

  /// Typical wall seconds of each figure in a release build on a 2-core machine (ETA before a
  /// figure has run here once).
  static func typicalSeconds(_ id: String, quick: Bool) -> Double {
    let table: [String: (full: Double, quick: Double)] = [
      "fig7": (400, 40), "fig13": (900, 60), "fig14": (900, 60), "fig15": (900, 60),
      "fig16": (1800, 30), "fig17": (120, 15), "cartpole": (300, 20),
    ]
    let entry = table[id] ?? (600, 60)
    return quick ? entry.quick : entry.full
  }

  /// Runs (or reuses) every step, then writes `root/REPORT.md`; returns its URL.
  @discardableResult
  static func run(
    steps: [Step], quick: Bool, force: Bool, git: GitInfo, root: URL, runner: Runner,
    sink: ProgressReporter.Sink = ProgressReporter.standardError,
    now: ProgressReporter.TimeSource = ProgressReporter.monotonicSeconds
  ) throws -> URL {
    let start = now()
    var reports: [FigureReport] = []
    // Estimated seconds per step: its last recorded wall time with the same budget, else typical.
    let previous = steps.map { step in
      try? ResultsWriter.readSummary(
        step.directory.appendingPathComponent(ResultsWriter.FileName.summary))
    }
    var estimates = zip(steps, previous).map { step, summary in
      summary.flatMap { $0.quick == quick ? $0.wallTimeSeconds : nil }
        ?? typicalSeconds(step.info.id, quick: quick)
    }
    var measured = (actual: 0.0, estimated: 0.0)
    for (index, step) in steps.enumerated() {
      let label = "all: [\(index + 1)/\(steps.count)] \(step.info.id)"
      if !force, isCurrent(previous[index], step: step, git: git, quick: quick) {
        estimates[index] = 0
        sink("\(label): results current for commit \(git.commit.prefix(8)) (--force reruns)")
        reports.append(report(step, root: root, outcome: .reused))
        continue
      }
      let scale = measured.estimated > 0 ? measured.actual / measured.estimated : 1
      let remaining = estimates[index...].reduce(0, +) * scale
      sink(
        "\(label): running `experiment \(RunInfo.shellQuoted(step.arguments + step.passThrough))`"
          + " | elapsed \(Format.duration(now() - start)) ETA \(Format.duration(remaining))")
      let stepStart = now()
      var outcome: FigureReport.Outcome
      do {
        let status = try runner(step)
        let seconds = now() - stepStart
        outcome = status == 0 ? .ran(seconds: seconds) : .failed("exit status \(status)")
        measured.actual += seconds
        measured.estimated += estimates[index]
      } catch {
        outcome = .failed("\(error)")
      }
      if case .failed(let reason) = outcome { sink("\(label): failed (\(reason))") }
      reports.append(report(step, root: root, outcome: outcome))
    }
    let url = root.appendingPathComponent("REPORT.md")
    let text = ReportWriter.render(
      figures: reports, commit: git.commit + (git.dirty == true ? " (with uncommitted changes)" : ""),
      generatedAt: Date().ISO8601Format(), quick: quick)
    try FileIO.writeAtomically(text, to: url)
    let counts = ReportWriter.tally(reports)
    sink(
      "all: done in \(Format.duration(now() - start)): \(counts.agree) claims agree, "
        + "\(counts.disagree) disagree, \(counts.unchecked) not checked")
    return url
  }

  /// The report entry of a step, reading whatever `summary.json` its folder holds now.
  static func report(_ step: Step, root: URL, outcome: FigureReport.Outcome) -> FigureReport {
    let summary = try? ResultsWriter.readSummary(
      step.directory.appendingPathComponent(ResultsWriter.FileName.summary))
    let plot = step.directory.appendingPathComponent(ResultsWriter.FileName.plotImage)
    return FigureReport(
      info: step.info, summary: summary, outcome: outcome,
      folder: relativePath(of: step.directory, from: root),
      hasPlot: FileManager.default.fileExists(atPath: plot.path))
  }

  /// `target`'s path relative to `base` when inside it, else absolute.
  static func relativePath(of target: URL, from base: URL) -> String {
    let (t, b) = (target.standardizedFileURL.path, base.standardizedFileURL.path)
    return t.hasPrefix(b + "/") ? String(t.dropFirst(b.count + 1)) : t
  }

  /// Runs a step as a child process of `executable`, sharing this process's stdout and stderr.
  static func subprocessRunner(executable: URL) -> Runner {
    { step in
      let process = Process()
      process.executableURL = executable
      process.arguments = step.arguments + step.passThrough
      var environment = ProcessInfo.processInfo.environment
      environment[BuildCheck.silenceVariable] = "1"  // `all` already warned once
      process.environment = environment
      process.standardInput = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      return process.terminationStatus
    }
  }
}
