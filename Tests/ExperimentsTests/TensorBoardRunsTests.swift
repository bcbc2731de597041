import Foundation
import RL
import TensorBoard
import Testing

@testable import Experiments

/// Event files of a real (tiny) training run: where they go, every record's CRC, the CleanRL
/// tags, and `--no-tensorboard`.
@Suite(.serialized) struct TensorBoardRunsTests {
  @Test func runNamesAreCleanRLStyle() {
    #expect(TensorBoardRuns.runName(series: "KMPS", seed: 1) == "kmps__1")
    #expect(TensorBoardRuns.runName(series: "B2 synchronous", seed: 3) == "b2-synchronous__3")
    #expect(TensorBoardRuns.runName(series: "Greedy_Native", seed: 2) == "greedy-native__2")
    #expect(
      TensorBoardRuns.runName(series: "static placement (reference)", seed: 1)
        == "static-placement-reference__1")
  }

  @Test func cartpoleWritesOneRunPerSeedWithValidRecords() throws {
    let out = try makeTemporaryDirectory().appendingPathComponent("cartpole")
    let options = try CommonOptions.parse(["--quick", "--seeds", "1,2", "--out", out.path])
    var config = PPOConfig()
    config.totalTimesteps = 1024
    _ = try CartPoleExperiment.run(
      options: options, seeds: [1, 2], config: config,
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
    let runs = try FileManager.default.contentsOfDirectory(
      atPath: out.appendingPathComponent("runs").path)
    #expect(runs.sorted() == ["ppo__1", "ppo__2"])
    for run in runs {
      let files = try EventFile.files(in: out.appendingPathComponent("runs/\(run)"))
      #expect(files.count == 1)
      // Every record's two CRCs (TFRecord.read throws on a mismatch) and nothing cut short.
      let framed = try TFRecord.read(contentsOf: files[0])
      #expect(framed.truncatedTailBytes == 0)
      let contents = try EventFile.read(files[0])
      #expect(framed.records.count == contents.records)
      #expect(contents.fileVersion == "brain.Event:2")
      for tag in [
        "charts/episodic_return", "charts/SPS", "losses/value_loss", "losses/policy_loss",
        "losses/entropy", "losses/approx_kl", "losses/clipfrac", "losses/explained_variance",
      ] {
        #expect(contents.tags.contains(tag), "\(tag)")
      }
      #expect(contents.series("losses/approx_kl").map(\.step) == [512, 1024])
      #expect(contents.texts.first?.tag == "config")
    }
  }

  @Test func noTensorBoardWritesNoRuns() throws {
    let out = try makeTemporaryDirectory().appendingPathComponent("cartpole")
    let options = try CommonOptions.parse(["--quick", "--no-tensorboard", "--out", out.path])
    var config = PPOConfig()
    config.totalTimesteps = 512
    _ = try CartPoleExperiment.run(
      options: options, seeds: [1], config: config, renderer: GnuplotRenderer(executable: nil),
      progressSink: { _ in })
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("runs").path))
    #expect(TensorBoardRuns(options: options, figure: "cartpole").root == nil)
  }
}
