import Envs
import Foundation
import KMPS
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

  /// A fig7 episode's mean latency parts go to `latency/*` at step = episode, next to
  /// `charts/mean_latency_ms`, which they sum to; data.csv gets the same four columns.
  @Test func fig7EpisodesCarryTheirLatencyParts() throws {
    var m = EdgeCloudMetrics()
    m.arrived = 5
    m.completedOnTime = 4
    m.decisions = 5
    m.decisionMsSum = 4 * 1.5
    m.transmissionMsSum = 4 * 12
    m.queueingMsSum = 4 * 30.25
    m.executionMsSum = 4 * 200
    let parts = LatencyParts(m)
    #expect(
      parts
        == LatencyParts(decisionMs: 1.5, transmissionMs: 12, queueingMs: 30.25, executionMs: 200))
    let record = EpisodeRecord(
      episode: 3, throughput: m.throughput, wallSeconds: 1, arrived: Double(m.arrived),
      decisions: Double(m.decisions), crossClusterShare: 0, cloudShare: 0,
      meanLatencyMs: m.meanLatencyMs.total, latencyParts: parts, meanReward: 0,
      update: MAPPOUpdateStats(), weightPickups: 0, failures: FailureShares(m))
    let directory = try makeTemporaryDirectory()
    let writer = try SummaryWriter(directory: directory)
    writer.logDispatchEpisode(record)
    try writer.close()
    let contents = try EventFile.read(try EventFile.files(in: directory)[0])
    let expected = [
      ("latency/decision_ms", 1.5), ("latency/transmission_ms", 12),
      ("latency/queueing_ms", 30.25), ("latency/execution_ms", 200),
    ]
    var total: Float = 0
    for (tag, value) in expected {
      let points = contents.series(tag)
      #expect(points.map(\.step) == [3], "\(tag)")
      #expect(points.first?.value == Float(value), "\(tag)")
      total += points.first?.value ?? 0
    }
    #expect(contents.series("charts/mean_latency_ms").first?.value == total)
    #expect(total == 243.75)
    // The same parts as data.csv columns, for learned episodes and for references.
    for columns in [Fig7Experiment.extras(record), Fig7Experiment.referenceExtras(m)] {
      #expect(columns["decision_ms"] == 1.5 && columns["transmission_ms"] == 12)
      #expect(columns["queueing_ms"] == 30.25 && columns["execution_ms"] == 200)
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
