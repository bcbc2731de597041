import Foundation

/// A fixed-width text table for the short summary each figure prints:
///
///     series  final  converged at
///     ------  -----  ------------
///     KMPS    0.962            23
public struct TextTable: Sendable, Equatable {
  /// Cell alignment within its column.
  public enum Alignment: Sendable, Equatable {
    /// Pad on the right.
    case left
    /// Pad on the left (numbers).
    case right
  }

  /// A column: title and alignment.
  public struct Column: Sendable, Equatable {
    /// Header text.
    public var title: String
    /// Alignment of header and cells.
    public var alignment: Alignment

    /// A column.
    public init(_ title: String, alignment: Alignment = .right) {
      self.title = title
      self.alignment = alignment
    }
  }

  /// The columns.
  public var columns: [Column]
  /// The rows; each has exactly `columns.count` cells.
  public private(set) var rows: [[String]] = []

  /// A table with explicit columns.
  public init(columns: [Column]) { self.columns = columns }

  /// A table whose first column is left-aligned (names) and the others right-aligned (numbers).
  public init(_ titles: [String]) {
    columns = titles.enumerated().map { index, title in
      Column(title, alignment: index == 0 ? .left : .right)
    }
  }

  /// Adds a row; missing cells are blank and cells beyond the last column are dropped.
  public mutating func addRow(_ cells: [String]) {
    var row = Array(cells.prefix(columns.count))
    while row.count < columns.count { row.append("") }
    rows.append(row)
  }

  /// The table as text: header, dashes, rows; columns separated by two spaces, no trailing
  /// spaces, ending in a newline.
  public func render() -> String {
    var widths = columns.map { $0.title.count }
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func format(_ cells: [String]) -> String {
      let padded = cells.enumerated().map { index, cell in
        let padding = String(repeating: " ", count: widths[index] - cell.count)
        return columns[index].alignment == .left ? cell + padding : padding + cell
      }
      var line = padded.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      return line
    }
    var lines = [format(columns.map(\.title))]
    lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    lines.append(contentsOf: rows.map(format))
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Number formatting for tables and progress lines.
public enum Format {
  /// `value` with `digits` significant digits (`%g`); `"-"` for `nil`, `nan`/`inf` as such.
  public static func number(_ value: Double?, digits: Int = 4) -> String {
    guard let value else { return "-" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return String(format: "%.\(max(1, digits))g", value)
  }

  /// `value` with exactly `decimals` digits after the point (`%f`); `"-"` for `nil`.
  public static func fixed(_ value: Double?, decimals: Int = 3) -> String {
    guard let value else { return "-" }
    if !value.isFinite { return number(value) }
    return String(format: "%.\(max(0, decimals))f", value)
  }

  /// A fraction as a percentage, e.g. `0.9512` → `"95.1%"`; `"-"` for `nil`.
  public static func percent(_ fraction: Double?, decimals: Int = 1) -> String {
    guard let fraction else { return "-" }
    if !fraction.isFinite { return number(fraction) }
    return String(format: "%.\(max(0, decimals))f%%", fraction * 100)
  }

  /// Seconds as `m:ss` or `h:mm:ss`.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let total = Int(max(0, seconds).rounded())
    let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
    let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    if hours > 0 { return "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" }
    return "\(minutes):\(twoDigits(secs))"
  }
}
