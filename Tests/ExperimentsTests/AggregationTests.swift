import Foundation
import Testing

@testable import Experiments

/// Two seeds of one series: seed 1 = 1,2,3,4 and seed 2 = 3,4,5,8 at x = 1…4.
private func twoSeedTable() -> ResultsTable {
  var table = ResultsTable()
  for (x, (a, b)) in zip([1.0, 2, 3, 4], zip([1.0, 2, 3, 4], [3.0, 4, 5, 8])) {
    table.append(series: "A", seed: 1, x: x, y: a)
    table.append(series: "A", seed: 2, x: x, y: b)
  }
  return table
}

@Test func aggregateComputesMeanMinMaxStdPerX() throws {
  let aggregates = Aggregation.aggregate(twoSeedTable())
  #expect(aggregates.count == 1)
  let points = try #require(aggregates.first?.points)
  #expect(points.map(\.x) == [1, 2, 3, 4])
  #expect(points.map(\.mean) == [2, 3, 4, 6])
  #expect(points.map(\.min) == [1, 2, 3, 4])
  #expect(points.map(\.max) == [3, 4, 5, 8])
  #expect(points.map(\.count) == [2, 2, 2, 2])
  // Sample std of {1, 3} is sqrt(2); of {4, 8} is sqrt(8).
  #expect(abs(points[0].std - 2.0.squareRoot()) < 1e-12)
  #expect(abs(points[3].std - 8.0.squareRoot()) < 1e-12)
}

@Test func aggregateAveragesDuplicatesWithinASeedAndCountsMissingSeeds() throws {
  var table = ResultsTable()
  table.append(series: "B", seed: 1, x: 1, y: 1)
  table.append(series: "B", seed: 1, x: 1, y: 3)  // same seed, same x: averaged to 2
  table.append(series: "B", seed: 2, x: 1, y: 6)
  table.append(series: "B", seed: 2, x: 5, y: 7)  // only seed 2 reaches x = 5
  table.append(series: "A", seed: 1, x: 0, y: 0)
  let aggregates = Aggregation.aggregate(table)
  #expect(aggregates.map(\.series) == ["B", "A"])  // first-appearance order
  let b = aggregates[0].points
  #expect(b[0] == AggregatePoint(x: 1, mean: 4, min: 2, max: 6, std: 8.0.squareRoot(), count: 2))
  #expect(b[1] == AggregatePoint(x: 5, mean: 7, min: 7, max: 7, std: 0, count: 1))
}

@Test func finalValueIsMeanOfLastKPerSeedThenMeanOverSeeds() throws {
  #expect(Aggregation.finalValue([1, 2, 3, 4], lastK: 2) == 3.5)
  #expect(Aggregation.finalValue([1, 2], lastK: 5) == 1.5)
  #expect(Aggregation.finalValue([], lastK: 2) == nil)
  let stats = Aggregation.seriesStats(twoSeedTable(), finalWindow: 2)
  let a = try #require(stats.first)
  // seed 1: mean(3, 4) = 3.5; seed 2: mean(5, 8) = 6.5; mean over seeds 5.
  #expect(a.finalValue == 5)
  #expect(a.finalValueMin == 3.5)
  #expect(a.finalValueMax == 6.5)
  #expect(a.seedCount == 2)
  #expect(a.peakMean == 6)
  #expect(a.peakX == 4)
  #expect(a.lastX == 4)
  #expect(a.convergenceX == nil)
  #expect(a.convergenceXPerSeed == [nil, nil])
}

@Test func trailingMovingAverageUsesFewerPointsAtTheStart() {
  let ys: [Double] = [1, 2, 3, 4, 5]
  #expect(Aggregation.trailingMovingAverage(ys, window: 1) == ys)
  #expect(Aggregation.trailingMovingAverage(ys, window: 2) == [1, 1.5, 2.5, 3.5, 4.5])
  #expect(Aggregation.trailingMovingAverage(ys, window: 3) == [1, 1.5, 2, 3, 4])
  #expect(Aggregation.trailingMovingAverage([], window: 3) == [])
}

@Test func convergenceIsFirstXAfterWhichSmoothedCurveStaysInBand() {
  let xs: [Double] = [10, 11, 12, 13, 14, 15, 16]
  let ys: [Double] = [0, 0.5, 0.8, 0.9, 1.0, 1.0, 1.0]
  // Final value (last 3) = 1; smoothed (w = 2) = 0, .25, .65, .85, .95, 1, 1;
  // distances 1, .75, .35, .15, .05, 0, 0.
  func converge(_ tolerance: Tolerance) -> Double? {
    Aggregation.convergenceX(
      xs: xs, ys: ys,
      criterion: ConvergenceCriterion(window: 2, tolerance: tolerance, finalWindow: 3))
  }
  #expect(converge(.absolute(0.06)) == 14)
  #expect(converge(.absolute(0.2)) == 13)
  #expect(converge(.relative(0.1)) == 14)
  #expect(converge(.absolute(0.01)) == 15)
}

@Test func convergenceRequiresStayingInBandNotJustEntering() {
  // Enters the band at x = 0, leaves at x = 2, returns for good at x = 3.
  let criterion = ConvergenceCriterion(window: 1, tolerance: .absolute(0.1), finalWindow: 2)
  #expect(
    Aggregation.convergenceX(xs: [0, 1, 2, 3, 4], ys: [1, 1, 0, 1, 1], criterion: criterion) == 3)
}

@Test func convergenceIsNilWhenTheCurveNeverSettles() {
  // Final value (last 1) = 1 but the smoothed last point is 0.5.
  let criterion = ConvergenceCriterion(window: 2, tolerance: .absolute(0.1), finalWindow: 1)
  #expect(
    Aggregation.convergenceX(xs: [1, 2, 3, 4], ys: [0, 0, 0, 1], criterion: criterion) == nil)
  #expect(Aggregation.convergenceX(xs: [], ys: [], criterion: criterion) == nil)
}

@Test func seriesStatsReportsConvergencePerSeedAndForTheMeanCurve() throws {
  var table = ResultsTable()
  let seed1: [Double] = [0, 1, 1, 1]  // settles at x = 2
  let seed2: [Double] = [0, 0, 0, 1]  // with w = 1 and K = 1: settles only at x = 4
  for (index, (a, b)) in zip(seed1, seed2).enumerated() {
    table.append(series: "S", seed: 1, x: Double(index + 1), y: a)
    table.append(series: "S", seed: 2, x: Double(index + 1), y: b)
  }
  let criterion = ConvergenceCriterion(window: 1, tolerance: .absolute(0.1), finalWindow: 1)
  let stats = try #require(
    Aggregation.seriesStats(table, finalWindow: 1, convergence: criterion).first)
  #expect(stats.convergenceXPerSeed == [2, 4])
  // Mean curve 0, 0.5, 0.5, 1 → within 0.1 of 1 only at x = 4.
  #expect(stats.convergenceX == 4)
  #expect(stats.finalValue == 1)
  #expect(stats.convergence == criterion)
}
