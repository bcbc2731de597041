import Envs
import Foundation
import Testing

@testable import Experiments

@Test func logLogSlopeRecoversThePowerOfAPowerLaw() throws {
  let cubic = [1.0, 2, 4, 10].map { (x: $0, y: 3 * pow($0, 1.5)) }
  #expect(abs(try #require(ScaleStudy.logLogSlope(cubic)) - 1.5) < 1e-12)
  #expect(ScaleStudy.logLogSlope([(x: 2, y: 1), (x: 2, y: 3)]) == nil)  // one x: no slope
}

@Test func scaleStudyGrowsTheSystemAtProportionalLoad() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("scale.json")
  try """
  {"clusterCounts": [1, 2, 4], "simulatedSeconds": 4, "requestsPerSecondPerEdgeNode": 10}
  """.write(to: config, atomically: true, encoding: .utf8)
  let written = try ScaleExperiment.run(
    options: try CommonOptions.parse([
      "--quick", "--seeds", "1", "--config", config.path, "--out", root.path,
    ]), renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
  let table = try ResultsTable(
    csv: String(contentsOf: written.dataCSV, encoding: .utf8), path: "data.csv")
  let rows = table.rows(series: ScaleExperiment.measured)
  // 6 edge + 2 cloud nodes per cluster.
  #expect(rows.map(\.x) == [8, 16, 32])
  for row in rows {
    let clusters = try #require(row.extras["clusters"])
    #expect(row.extras["simulated_s"] == 4)
    // Poisson arrivals at 10 req/s per edge node for 4 s: 240 per cluster, within 5 sigma.
    let expected = 240 * clusters
    #expect(abs(try #require(row.extras["arrived"]) - expected) < 5 * expected.squareRoot())
    #expect(row.y == (try #require(row.extras["wall_s"])) / 4)
    #expect(try #require(row.extras["decisions"]) > 0)
  }
  // The slope-1 reference passes through the smallest system's point.
  let linear = table.rows(series: ScaleExperiment.linear)
  #expect(linear.map(\.y) == rows.map { rows[0].y * $0.x / 8 })
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.claims.count == 1)
  #expect(document.claims[0].agrees == nil)  // --quick: unchecked
  let slope = ScaleStudy.logLogSlope(rows.map { ($0.x, $0.y) })!
  #expect(document.series[ScaleExperiment.measured]?["logLogSlope"] == .number(slope))

  try "{\"clusterCounts\": [4, 2]}".write(to: config, atomically: true, encoding: .utf8)
  #expect(throws: ExperimentError.self) {
    try ScaleExperiment.run(
      options: try CommonOptions.parse(["--quick", "--config", config.path, "--out", root.path]),
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
  }
}
