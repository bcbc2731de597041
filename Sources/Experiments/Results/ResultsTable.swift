import Foundation

/// One measurement in long format: `series` at `x` for one `seed` has value `y`, plus optional
/// named extra numbers (e.g. latency parts).
public struct ResultRow: Sendable, Equatable, Codable {
  /// Series name (a curve in the plot), e.g. `"KMPS"`.
  public var series: String
  /// The seed of the run that produced this value.
  public var seed: UInt64
  /// The x coordinate (episode, load in req/s, time in s, …).
  public var x: Double
  /// The measured value.
  public var y: Double
  /// Extra named columns; missing ones are written as empty cells.
  public var extras: [String: Double]

  /// A row.
  public init(series: String, seed: UInt64, x: Double, y: Double, extras: [String: Double] = [:]) {
    self.series = series
    self.seed = seed
    self.x = x
    self.y = y
    self.extras = extras
  }
}

/// The measurements of one figure, in long format (`data.csv`: `series,seed,x,y[,extras…]`).
///
/// A value type: collect one table per seed (possibly on different threads) and merge them with
/// `append(contentsOf:)`.
public struct ResultsTable: Sendable, Equatable {
  /// All rows in insertion order.
  public private(set) var rows: [ResultRow] = []
  /// Extra column names in output order; keys used by rows but not listed are appended sorted.
  public var extraColumns: [String]

  /// An empty table with the given extra columns.
  public init(extraColumns: [String] = []) { self.extraColumns = extraColumns }

  /// An empty table holding `rows`.
  public init(rows: [ResultRow], extraColumns: [String] = []) {
    self.rows = rows
    self.extraColumns = extraColumns
  }

  /// Appends one measurement.
  public mutating func append(
    series: String, seed: UInt64, x: Double, y: Double, extras: [String: Double] = [:]
  ) {
    rows.append(ResultRow(series: series, seed: seed, x: x, y: y, extras: extras))
  }

  /// Appends a row.
  public mutating func append(_ row: ResultRow) { rows.append(row) }

  /// Appends all rows of `other` (its extra columns are added after ours).
  public mutating func append(contentsOf other: ResultsTable) {
    rows.append(contentsOf: other.rows)
    for column in other.extraColumns where !extraColumns.contains(column) {
      extraColumns.append(column)
    }
  }

  /// Series names in order of first appearance (the plot and table order).
  public var seriesNames: [String] {
    var seen = Set<String>()
    return rows.compactMap { seen.insert($0.series).inserted ? $0.series : nil }
  }

  /// Seeds in order of first appearance.
  public var seeds: [UInt64] {
    var seen = Set<UInt64>()
    return rows.compactMap { seen.insert($0.seed).inserted ? $0.seed : nil }
  }

  /// The rows of one series.
  public func rows(series: String) -> [ResultRow] { rows.filter { $0.series == series } }

  /// The extra columns written to CSV: `extraColumns`, then any other keys used, sorted.
  public var csvExtraColumns: [String] {
    var used = Set<String>()
    for row in rows { used.formUnion(row.extras.keys) }
    let listed = Set(extraColumns)
    return extraColumns + used.subtracting(listed).sorted()
  }

  /// The rows grouped by series (in order of first appearance), then by seed in the order of
  /// `seeds` (seeds not listed follow, in order of first appearance); rows of one series and seed
  /// keep their order. A stable, canonical order: the rows of a run in one process and those of
  /// its shards put together come out the same.
  public func canonicallyOrdered(seeds: [UInt64]) -> ResultsTable {
    var seriesRank: [String: Int] = [:]
    var seedRank = Dictionary(
      seeds.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    for row in rows {
      if seriesRank[row.series] == nil { seriesRank[row.series] = seriesRank.count }
      if seedRank[row.seed] == nil { seedRank[row.seed] = seedRank.count }
    }
    let ordered = rows.enumerated().sorted { a, b in
      let keyA = (seriesRank[a.element.series]!, seedRank[a.element.seed]!, a.offset)
      let keyB = (seriesRank[b.element.series]!, seedRank[b.element.seed]!, b.offset)
      return keyA < keyB
    }.map(\.element)
    return ResultsTable(rows: ordered, extraColumns: extraColumns)
  }

  /// The table as RFC 4180 CSV with a header line: `series,seed,x,y` then extra columns.
  /// Numbers use Swift's shortest round-trip form (`0.1`, `1e-05`); non-finite values are `nan`,
  /// `inf`, `-inf`.
  public func csv() -> String {
    let extras = csvExtraColumns
    var text = (["series", "seed", "x", "y"] + extras).map(CSV.escape).joined(separator: ",")
    text += "\n"
    for row in rows {
      var cells = [CSV.escape(row.series), String(row.seed), CSV.number(row.x), CSV.number(row.y)]
      for column in extras { cells.append(row.extras[column].map(CSV.number) ?? "") }
      text += cells.joined(separator: ",")
      text += "\n"
    }
    return text
  }
}

/// CSV formatting helpers.
enum CSV {
  /// Quotes a field when it holds a comma, quote, or line break (RFC 4180).
  static func escape(_ field: String) -> String {
    if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return field
  }

  /// A number in shortest round-trip form; `nan`, `inf`, `-inf` for non-finite values.
  static func number(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }
}
