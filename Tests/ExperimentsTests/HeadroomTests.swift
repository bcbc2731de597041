import Foundation
import Testing

@testable import Experiments

@Test func headroomRunsQueueAwareAndStrongerDispatchersOnFig7Episodes() throws {
  let root = try makeTemporaryDirectory()
  let config = root.appendingPathComponent("headroom.json")
  try """
  {"training": {"episodeSlots": 20, "warmupPlacementSlots": 0}}
  """.write(to: config, atomically: true, encoding: .utf8)
  let written = try HeadroomExperiment.run(
    options: try CommonOptions.parse([
      "--quick", "--seeds", "1", "--config", config.path, "--out", root.path,
    ]), renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
  let table = try ResultsTable(
    csv: String(contentsOf: written.dataCSV, encoding: .utf8), path: "data.csv")
  let standard = HeadroomConfig.standard(quick: true)
  #expect(Set(table.rows.map(\.series)) == Set(HeadroomSeries.allCases.map { $0.name(standard) }))
  for row in table.rows {
    #expect(row.x == 1 && row.y > 0 && row.y <= 1)
    let lost = ["failed_at_eap", "failed_in_queue", "failed_running", "unfinished"]
      .map { row.extras[$0] ?? .nan }.reduce(0, +)
    #expect(abs(row.y + lost - 1) < 1e-9)
  }
  let look = try #require(table.rows(series: HeadroomSeries.lookahead.name(standard)).first)
  #expect(try #require(look.extras["changed_share"]) >= 0)
  let document = try ResultsWriter.readSummary(written.summaryJSON)
  #expect(document.claims.count == 1)
  #expect(document.claims[0].agrees == nil)  // --quick: unchecked
  let qa = HeadroomSeries.queueAware.name(standard)
  #expect(document.series[qa]?["gainOverQueueAwarePoints"] == .number(0))

  try "{\"lookaheadCandidates\": 1}".write(to: config, atomically: true, encoding: .utf8)
  #expect(throws: ExperimentError.self) {
    try HeadroomExperiment.run(
      options: try CommonOptions.parse(["--quick", "--config", config.path, "--out", root.path]),
      renderer: GnuplotRenderer(executable: nil), progressSink: { _ in })
  }
}

@Test func headroomClaimNeedsTheLookaheadGainOnTheSameEpisodes() throws {
  let config = HeadroomConfig.standard(quick: false)
  func verdict(lookahead: [Double]) -> Bool? {
    var table = ResultsTable(extraColumns: [])
    let qa = [0.90, 0.93]
    for (i, seed) in [UInt64(1), 2].enumerated() {
      table.append(
        series: HeadroomSeries.queueAware.name(config), seed: seed, x: 41, y: qa[i])
      table.append(
        series: HeadroomSeries.lookahead.name(config), seed: seed, x: 41, y: lookahead[i])
    }
    var summary = FigureSummary(figure: "headroom", title: "", paperClaim: "")
    HeadroomExperiment.judge(table: table, config: config, quick: false, into: &summary)
    return summary.claims.first?.agrees
  }
  #expect(verdict(lookahead: [0.925, 0.955]) == true)  // +2.5 points on both seeds
  #expect(verdict(lookahead: [0.91, 0.94]) == false)  // +1 point
}
