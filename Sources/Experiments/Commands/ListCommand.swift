import ArgumentParser

/// `experiment list`: every figure with one line on what it reproduces.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the figures and what each reproduces.")

  /// Also print series, axes and the paper's claim.
  @Flag(name: .shortAndLong, help: "Also show series, axes and the paper's claim.")
  var verbose = false

  func run() throws {
    print(Self.render(verbose: verbose, registered: ExperimentCommand.registeredFigureNames))
  }

  /// The listing text; `registered` names the figures that have a subcommand.
  static func render(verbose: Bool, registered: Set<String>) -> String {
    let width = FigureCatalog.all.map(\.id.count).max() ?? 0
    var lines: [String] = []
    for info in FigureCatalog.all {
      let padding = String(repeating: " ", count: width - info.id.count)
      let status = registered.contains(info.id) ? "ready  " : "planned"
      lines.append("\(info.id)\(padding)  \(status)  \(info.title)")
      if verbose {
        let indent = String(repeating: " ", count: width + 2)
        lines.append("\(indent)series: \(info.series.joined(separator: "; "))")
        lines.append("\(indent)axes:   \(info.xLabel) -> \(info.yLabel)")
        lines.append("\(indent)claim:  \(info.paperClaim)")
      }
    }
    lines.append(
      "demo\(String(repeating: " ", count: max(0, width - 4)))  ready    "
        + "Synthetic curves through the full results pipeline (no training)")
    return lines.joined(separator: "\n")
  }
}
