import Foundation

/// Statistics of one series at one x, across seeds.
public struct AggregatePoint: Sendable, Equatable, Codable {
  /// The x coordinate.
  public var x: Double
  /// Mean over seeds.
  public var mean: Double
  /// Minimum over seeds.
  public var min: Double
  /// Maximum over seeds.
  public var max: Double
  /// Sample standard deviation over seeds (n − 1 denominator; 0 for a single seed).
  public var std: Double
  /// Number of seeds with a value at this x.
  public var count: Int
}

/// The across-seed curve of one series.
public struct SeriesAggregate: Sendable, Equatable {
  /// Series name.
  public var series: String
  /// Points sorted by x.
  public var points: [AggregatePoint]
}

/// Tolerance for "has converged": an absolute distance, or a fraction of |final value|.
public enum Tolerance: Sendable, Equatable, Codable {
  /// |smoothed − final| ≤ value.
  case absolute(Double)
  /// |smoothed − final| ≤ value · |final|.
  case relative(Double)

  /// The absolute tolerance around `finalValue`.
  public func width(around finalValue: Double) -> Double {
    switch self {
    case .absolute(let value): return value
    case .relative(let fraction): return fraction * abs(finalValue)
    }
  }
}

/// How convergence is judged; see `Aggregation.convergenceX(xs:ys:criterion:)`.
public struct ConvergenceCriterion: Sendable, Equatable, Codable {
  /// Moving-average window in points (≥ 1) applied before the test.
  public var window: Int
  /// How close the smoothed curve must stay to the final value.
  public var tolerance: Tolerance
  /// Number of last points whose mean is the final value (≥ 1).
  public var finalWindow: Int

  /// A criterion; windows below 1 are treated as 1.
  public init(window: Int, tolerance: Tolerance, finalWindow: Int) {
    self.window = Swift.max(1, window)
    self.tolerance = tolerance
    self.finalWindow = Swift.max(1, finalWindow)
  }
}

/// Headline numbers of one series (written to `summary.json` under `series.<name>`).
public struct SeriesStats: Sendable, Equatable, Codable {
  /// Series name.
  public var series: String
  /// Number of seeds with data.
  public var seedCount: Int
  /// Final value: per seed, the mean of its last `finalWindow` points; then the mean over seeds.
  public var finalValue: Double
  /// Smallest per-seed final value.
  public var finalValueMin: Double
  /// Largest per-seed final value.
  public var finalValueMax: Double
  /// Points averaged for the final value.
  public var finalWindow: Int
  /// Largest value of the across-seed mean curve.
  public var peakMean: Double
  /// x at which the mean curve peaks (first such x).
  public var peakX: Double
  /// Last x of the mean curve.
  public var lastX: Double
  /// Convergence x of the across-seed mean curve, or `nil` if it never settles.
  public var convergenceX: Double?
  /// Convergence x of each seed's own curve, in seed order (`nil` where it never settles).
  public var convergenceXPerSeed: [Double?]
  /// The criterion used for the convergence numbers, if any.
  public var convergence: ConvergenceCriterion?

  /// Encodes every field; `nil` values are written as `null` (not dropped), so the schema is
  /// the same for every series.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(series, forKey: .series)
    try container.encode(seedCount, forKey: .seedCount)
    try container.encode(finalValue, forKey: .finalValue)
    try container.encode(finalValueMin, forKey: .finalValueMin)
    try container.encode(finalValueMax, forKey: .finalValueMax)
    try container.encode(finalWindow, forKey: .finalWindow)
    try container.encode(peakMean, forKey: .peakMean)
    try container.encode(peakX, forKey: .peakX)
    try container.encode(lastX, forKey: .lastX)
    try container.encode(convergenceX, forKey: .convergenceX)
    try container.encode(convergenceXPerSeed, forKey: .convergenceXPerSeed)
    try container.encode(convergence, forKey: .convergence)
  }
}

/// Pure aggregation math over long-format rows.
///
/// Definitions (all x-sorted):
/// - *Per-seed curve*: for one series and seed, the mean of `y` at each distinct `x`.
/// - *Aggregate at x*: mean, min, max and sample std of the per-seed curve values at `x`, over
///   the seeds that have one.
/// - *Final value*: per seed, the mean of the last `K` points of its curve (all points if it has
///   fewer); the series' final value is the mean of these over seeds.
/// - *Convergence x*: smooth the curve with a trailing moving average of window `w`
///   (`s_i = mean(y_max(0,i−w+1) … y_i)`, so early points average fewer values); let `F` be the
///   curve's final value (last `K` raw points) and `tol` the tolerance around `F`. The result is
///   `x_i` for the smallest `i` such that `|s_j − F| ≤ tol` for every `j ≥ i`; `nil` when the
///   last smoothed point is itself outside the band or the curve is empty.
public enum Aggregation {
  /// The per-seed curve (mean y per distinct x, sorted by x) of `series` and `seed`.
  public static func curve(
    _ rows: [ResultRow], series: String, seed: UInt64
  ) -> (xs: [Double], ys: [Double]) {
    var sums: [Double: (sum: Double, count: Int)] = [:]
    for row in rows where row.series == series && row.seed == seed {
      sums[row.x, default: (0, 0)].sum += row.y
      sums[row.x, default: (0, 0)].count += 1
    }
    let xs = sums.keys.sorted()
    return (xs, xs.map { sums[$0]!.sum / Double(sums[$0]!.count) })
  }

  /// Across-seed statistics per series (series in first-appearance order) and x.
  public static func aggregate(_ table: ResultsTable) -> [SeriesAggregate] {
    table.seriesNames.map { series in
      let rows = table.rows(series: series)
      var perX: [Double: [Double]] = [:]
      for seed in seedsOf(rows) {
        let (xs, ys) = curve(rows, series: series, seed: seed)
        for (x, y) in zip(xs, ys) { perX[x, default: []].append(y) }
      }
      let points = perX.keys.sorted().map { x in point(x: x, values: perX[x]!) }
      return SeriesAggregate(series: series, points: points)
    }
  }

  /// Mean, min, max, sample std of `values` (non-empty) at `x`.
  static func point(x: Double, values: [Double]) -> AggregatePoint {
    let count = values.count
    let mean = values.reduce(0, +) / Double(count)
    var squares = 0.0
    for value in values { squares += (value - mean) * (value - mean) }
    let std = count > 1 ? (squares / Double(count - 1)).squareRoot() : 0
    return AggregatePoint(
      x: x, mean: mean, min: values.min()!, max: values.max()!, std: std, count: count)
  }

  /// The mean of the last `lastK` values (all if fewer); `nil` for an empty array.
  public static func finalValue(_ ys: [Double], lastK: Int) -> Double? {
    if ys.isEmpty { return nil }
    let tail = ys.suffix(Swift.max(1, lastK))
    return tail.reduce(0, +) / Double(tail.count)
  }

  /// Trailing moving average: `s_i = mean(y_max(0,i−w+1) … y_i)`; same length as `ys`.
  public static func trailingMovingAverage(_ ys: [Double], window: Int) -> [Double] {
    let window = Swift.max(1, window)
    var result = [Double]()
    result.reserveCapacity(ys.count)
    var sum = 0.0
    for index in ys.indices {
      sum += ys[index]
      if index >= window { sum -= ys[index - window] }
      result.append(sum / Double(Swift.min(index + 1, window)))
    }
    return result
  }

  /// Convergence x of a curve (see the type's definition); `xs` sorted, same length as `ys`.
  public static func convergenceX(
    xs: [Double], ys: [Double], criterion: ConvergenceCriterion
  ) -> Double? {
    guard !ys.isEmpty, xs.count == ys.count,
      let final = finalValue(ys, lastK: criterion.finalWindow)
    else { return nil }
    let smoothed = trailingMovingAverage(ys, window: criterion.window)
    let band = criterion.tolerance.width(around: final)
    var first: Int? = nil
    for index in smoothed.indices.reversed() {
      if abs(smoothed[index] - final) <= band { first = index } else { break }
    }
    return first.map { xs[$0] }
  }

  /// Headline statistics for each series (first-appearance order). Seeds are taken in the order
  /// they first appear in the table. Without a criterion the convergence fields are `nil`.
  public static func seriesStats(
    _ table: ResultsTable, finalWindow: Int, convergence: ConvergenceCriterion? = nil
  ) -> [SeriesStats] {
    let aggregates = aggregate(table)
    return aggregates.map { aggregate in
      let rows = table.rows(series: aggregate.series)
      var finals: [Double] = []
      var perSeed: [Double?] = []
      for seed in seedsOf(rows) {
        let (xs, ys) = curve(rows, series: aggregate.series, seed: seed)
        if let final = finalValue(ys, lastK: finalWindow) { finals.append(final) }
        perSeed.append(convergence.flatMap { convergenceX(xs: xs, ys: ys, criterion: $0) })
      }
      let means = aggregate.points.map(\.mean)
      let peakIndex = means.indices.max {
        means[$0] < means[$1] || (means[$0] == means[$1] && $0 > $1)
      }!
      let meanConvergence = convergence.flatMap {
        convergenceX(xs: aggregate.points.map(\.x), ys: means, criterion: $0)
      }
      return SeriesStats(
        series: aggregate.series, seedCount: finals.count,
        finalValue: finals.reduce(0, +) / Double(finals.count),
        finalValueMin: finals.min()!, finalValueMax: finals.max()!,
        finalWindow: Swift.max(1, finalWindow),
        peakMean: means[peakIndex], peakX: aggregate.points[peakIndex].x,
        lastX: aggregate.points.last!.x,
        convergenceX: meanConvergence, convergenceXPerSeed: perSeed, convergence: convergence)
    }
  }

  /// Distinct seeds of `rows` in first-appearance order.
  static func seedsOf(_ rows: [ResultRow]) -> [UInt64] {
    var seen = Set<UInt64>()
    return rows.compactMap { seen.insert($0.seed).inserted ? $0.seed : nil }
  }
}
