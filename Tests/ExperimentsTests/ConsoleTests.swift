import Foundation
import Testing

@testable import Experiments

@Test func progressIsSilentWhenTotalIsZero() {
  let lines = LineCollector()
  let progress = ProgressReporter(label: "x", total: 0, sink: lines.sink)
  progress.advance()
  progress.finish()
  #expect(lines.lines.isEmpty)
}

@Test func progressLineShowsRateElapsedEtaAndMetrics() {
  let clock = FakeClock()
  let lines = LineCollector()
  let progress = ProgressReporter(
    label: "fig7 KMPS", total: 10, unit: "episodes", now: clock.source, sink: lines.sink)
  clock.set(2)
  progress.update(done: 4, metrics: ["throughput": 0.5, "loss": 0.125])
  #expect(
    lines.lines == [
      "[fig7 KMPS] 4/10 (40%) 2 episodes/s elapsed 0:02 ETA 0:03 | throughput=0.5 loss=0.125"
    ])
}

@Test func progressIsThrottledButAlwaysPrintsTheFinalLineOnce() {
  let clock = FakeClock()
  let lines = LineCollector()
  let progress = ProgressReporter(label: "t", total: 4, now: clock.source, sink: lines.sink)
  clock.set(0.1)
  progress.advance(metrics: ["loss": 1])  // first update: printed
  clock.set(0.3)
  progress.advance(metrics: ["loss": 2])  // 0.2 s later: throttled
  clock.set(0.7)
  progress.advance(metrics: ["acc": 3])  // 0.6 s after the last line: printed
  clock.set(0.75)
  progress.advance()  // reaches total: printed although only 0.05 s later
  progress.finish()  // already printed: nothing
  let printed = lines.lines
  #expect(printed.count == 3)
  #expect(printed[0].hasPrefix("[t] 1/4 (25%)"))
  #expect(printed[1].hasPrefix("[t] 3/4 (75%)"))
  #expect(printed[1].hasSuffix("| loss=2 acc=3"))  // metrics merged in first-seen order
  #expect(printed[2].hasPrefix("[t] 4/4 (100%)"))
}

@Test func progressFinishPrintsWhenStoppedEarly() {
  let clock = FakeClock()
  let lines = LineCollector()
  let progress = ProgressReporter(label: "t", total: 5, now: clock.source, sink: lines.sink)
  progress.advance()
  clock.set(0.1)
  progress.advance()  // throttled
  progress.finish()
  #expect(lines.lines.count == 2)
  #expect(lines.lines.last?.hasPrefix("[t] 2/5 (40%)") == true)
}

@Test func progressIsThreadSafe() {
  let lines = LineCollector()
  let progress = ProgressReporter(label: "p", total: 1000, sink: lines.sink)
  DispatchQueue.concurrentPerform(iterations: 1000) { index in
    progress.advance(metrics: ["i": Double(index)])
  }
  let finals = lines.lines.filter { $0.hasPrefix("[p] 1000/1000 (100%)") }
  #expect(finals.count == 1)
  #expect(lines.lines.count <= 3)  // the run takes well under 1 s: first + final (+1 slack)
}

@Test func textTableAlignsFixedWidthColumns() {
  var table = TextTable(["series", "final", "converged at"])
  table.addRow(["KMPS", "96.2%", "23"])
  table.addRow(["B3 single-agent", "81%"])  // missing cell → blank
  table.addRow(["x", "1", "2", "dropped"])
  let expected = """
    series           final  converged at
    ---------------  -----  ------------
    KMPS             96.2%            23
    B3 single-agent    81%
    x                    1             2

    """
  #expect(table.render() == expected)
}

@Test func formattingHelpers() {
  #expect(Format.duration(65) == "1:05")
  #expect(Format.duration(3725) == "1:02:05")
  #expect(Format.duration(.infinity) == "?")
  #expect(Format.percent(0.9512) == "95.1%")
  #expect(Format.percent(nil) == "-")
  #expect(Format.number(1234.5678, digits: 3) == "1.23e+03")
  #expect(Format.number(0.5) == "0.5")
  #expect(Format.fixed(2.0 / 3.0, decimals: 2) == "0.67")
  #expect(Format.number(.nan) == "nan")
}

@Test func seriesSummaryTableListsHeadlineNumbers() {
  let stats = SeriesStats(
    series: "KMPS", seedCount: 3, finalValue: 0.962, finalValueMin: 0.95, finalValueMax: 0.97,
    finalWindow: 5, peakMean: 0.97, peakX: 30, lastX: 50, convergenceX: 23,
    convergenceXPerSeed: [20, 23, 25], convergence: nil)
  var never = stats
  never.series = "B3"
  never.convergenceX = nil
  let text = TextTable.seriesSummary([stats, never], percent: true).render()
  let lines = text.split(separator: "\n").map(String.init)
  #expect(lines[0] == "series  seeds  final    min    max   peak  converged at")
  #expect(lines[2] == "KMPS        3  96.2%  95.0%  97.0%  97.0%            23")
  #expect(lines[3].hasSuffix("never"))
}
