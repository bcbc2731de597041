import ArgumentParser
import Foundation

/// `experiment merge`: the shard folders of one figure run (`--shard i/n`) into one results
/// folder (see `ShardMerge`).
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge the results folders of a figure's shards (--shard i/n) into one.",
    discussion: """
      Rebuilds data.csv (the same bytes as the run in one process, for a deterministic \
      figure), aggregate.csv, summary.json (statistics and claims recomputed from the merged \
      data) and the plot; merges the other CSV files by seed and copies checkpoints and \
      TensorBoard runs. Refuses shards whose figure, config, commit or seed list differ, and \
      an incomplete set, naming the conflict or the missing shards.
      """)

  /// The shard folders.
  @Argument(help: ArgumentHelp("Results folders of the shards.", valueName: "dir"))
  var shards: [String]

  /// Output folder.
  @Option(
    name: .customLong("out"),
    help: ArgumentHelp("Output folder (default: results/<figure>).", valueName: "dir"))
  var out: String?

  func run() throws {
    let locator = PackageLocator()
    let directories = shards.map(locator.absolute)
    let figure = try ShardMerge.load(directories[0]).document.figure
    let output = locator.absolute(out ?? "results/\(figure)")
    let written = try ShardMerge.merge(directories, into: output)
    print(written.report)
  }
}
