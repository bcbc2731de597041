import Foundation

/// Tells a user who ran a debug build of `experiment` (`swift run experiment fig7`) that it is
/// unoptimized, and how to run the release build instead.
///
/// A debug build trains about 20× slower (fig7: an ETA near 1 h 30 min against about 5 minutes),
/// and nothing else says why. The check needs no compiler flags (a package with `unsafeFlags`
/// cannot be used as a dependency): SwiftPM defines `DEBUG` in debug builds, and the standard
/// library knows whether it was compiled with `-Onone`.
enum BuildCheck {
  /// Whether this binary was compiled with optimization.
  static var isOptimized: Bool {
    #if DEBUG
      return false
    #else
      return !_isDebugAssertConfiguration()
    #endif
  }

  /// Set in the environment of the figures `experiment all` runs, which warned once already.
  static let silenceVariable = "KMPS_EXPERIMENT_NO_BUILD_WARNING"

  /// Subcommands with a `make` target (the Makefile's `fig7`, `cartpole`, and `report` for
  /// `all`).
  static let makeTargets = ["fig7": "fig7", "cartpole": "cartpole", "all": "report"]

  /// The warning line for `arguments` (as in `CommandLine.arguments`), or nil when the binary is
  /// optimized or the command does no heavy work (`list`, `--help`, `demo`).
  static func warning(
    arguments: [String], optimized: Bool = isOptimized,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    guard !optimized, environment[silenceVariable] == nil else { return nil }
    let rest = Array(arguments.dropFirst())
    guard let command = rest.first,
      trainingCommands.contains(command),
      !rest.contains(where: { ["-h", "--help", "help"].contains($0) })
    else { return nil }
    let release = RunInfo.shellQuoted(["swift", "run", "-c", "release", "experiment"] + rest)
    var line =
      "warning: this `experiment` is an unoptimized debug build and runs about 20× slower; "
      + "use the release build: \(release)"
    if let target = makeTargets[command] {
      let extra = rest.dropFirst()
      let args = extra.isEmpty ? "" : " ARGS=" + RunInfo.shellQuoted([extra.joined(separator: " ")])
      line += "  (or: make \(target)\(args))"
    }
    return line
  }

  /// Subcommands that train or simulate at length: every figure, `all` and `scale`.
  static var trainingCommands: Set<String> {
    ExperimentCommand.registeredFigureNames.union(["all", "scale"])
  }
}
