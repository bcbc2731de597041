import ArgumentParser
import Foundation

/// The `experiment` command line: one subcommand per paper figure, plus `list` and `demo`.
///
/// Adding a figure: write `FigNCommand.swift` (a `ParsableCommand` with
/// `commandName: "figN"` and `@OptionGroup var common: CommonOptions`) and append its type to
/// `figureCommands`. `experiment list` then marks it as ready.
@main
struct ExperimentCommand: ParsableCommand {
  /// Figure subcommands in paper order (fig7 … fig18, cartpole). Register new ones here.
  static let figureCommands: [any ParsableCommand.Type] = [
    Fig7Command.self, Fig8Command.self, Fig9Command.self, Fig10Command.self, Fig11Command.self,
    Fig12Command.self, Fig13Command.self, Fig14Command.self, Fig15Command.self,
    Fig16Command.self, Fig17Command.self, Fig18Command.self,
    CartPoleCommand.self,
  ]

  /// Utility subcommands, always present.
  static let utilityCommands: [any ParsableCommand.Type] = [
    AllCommand.self, ListCommand.self, DemoCommand.self, MergeCommand.self, ScaleCommand.self,
    HeadroomCommand.self,
  ]

  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract: "Reproduce the KMPS paper's figures (Fig. 7 - Fig. 18) and validation runs.",
    discussion: """
      Each figure subcommand writes results/<figure>/ with data.csv (long format), \
      aggregate.csv, summary.json, config.json, plot.gp and plot.png (when gnuplot is \
      installed). Run `experiment list` for the figures and what they reproduce.
      """,
    subcommands: figureCommands + utilityCommands)

  /// Parses and runs the command line; first warns on stderr when this is a debug build and the
  /// command trains (see `BuildCheck`).
  static func main() {
    if let warning = BuildCheck.warning(arguments: CommandLine.arguments) {
      FileHandle.standardError.write(Data((warning + "\n").utf8))
    }
    main(nil)
  }

  /// Subcommand names registered for figures (used by `list` to mark what is runnable).
  static var registeredFigureNames: Set<String> {
    Set(figureCommands.map { $0.configuration.commandName ?? $0._commandName })
  }
}
