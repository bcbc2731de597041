import Foundation

/// Reads the CSV files this package writes (RFC 4180: comma-separated, fields with a comma,
/// quote or line break in double quotes, `""` for a quote inside them).
enum CSVReader {
  /// One record and the 1-based line it starts on.
  struct Record: Equatable {
    /// Line number of the record's first character.
    var line: Int
    /// The fields, unquoted.
    var fields: [String]
  }

  /// The records of `text` (a trailing line break ends the last record, no empty record
  /// follows); throws naming `path` and the line of an unterminated quoted field.
  static func records(_ text: String, path: String) throws -> [Record] {
    var records: [Record] = []
    var fields: [String] = []
    var field = ""
    var line = 1
    var recordLine = 1
    var inQuotes = false
    var quoteLine = 1
    var atFieldStart = true
    var characters = Array(text.unicodeScalars)[...]
    func endRecord() {
      fields.append(field)
      records.append(Record(line: recordLine, fields: fields))
      fields = []
      field = ""
      atFieldStart = true
    }
    while let c = characters.popFirst() {
      if inQuotes {
        if c == "\"" {
          if characters.first == "\"" {
            characters.removeFirst()
            field.unicodeScalars.append("\"")
          } else {
            inQuotes = false
          }
        } else {
          if c == "\n" { line += 1 }
          field.unicodeScalars.append(c)
        }
        continue
      }
      switch c {
      case "\"" where atFieldStart:
        inQuotes = true
        quoteLine = line
        atFieldStart = false
      case ",":
        fields.append(field)
        field = ""
        atFieldStart = true
      case "\r" where characters.first == "\n":
        break
      case "\n":
        endRecord()
        line += 1
        recordLine = line
      default:
        field.unicodeScalars.append(c)
        atFieldStart = false
      }
    }
    if inQuotes {
      throw ExperimentError.readFailed(
        path: path, reason: "line \(quoteLine): quoted field is never closed")
    }
    if !field.isEmpty || !fields.isEmpty { endRecord() }
    return records
  }
}

extension ResultsTable {
  /// Reads a `data.csv` written by `csv()` (`series,seed,x,y` then extra columns); `csv()` of
  /// the result gives back the same text. Throws naming the file, line and column of a bad
  /// cell.
  public init(csv text: String, path: String) throws {
    let records = try CSVReader.records(text, path: path)
    guard let header = records.first else {
      throw ExperimentError.readFailed(path: path, reason: "empty file, expected a header line")
    }
    guard header.fields.count >= 4, Array(header.fields.prefix(4)) == ["series", "seed", "x", "y"]
    else {
      throw ExperimentError.readFailed(
        path: path,
        reason: "line 1: header must start with series,seed,x,y, got "
          + header.fields.prefix(4).joined(separator: ","))
    }
    let extraColumns = Array(header.fields.dropFirst(4))
    var rows: [ResultRow] = []
    for record in records.dropFirst() {
      func fail(_ column: String, _ reason: String) -> ExperimentError {
        .readFailed(path: path, reason: "line \(record.line), column \(column): \(reason)")
      }
      guard record.fields.count == header.fields.count else {
        throw fail(
          "-", "\(record.fields.count) fields, the header has \(header.fields.count)")
      }
      guard let seed = UInt64(record.fields[1]) else {
        throw fail("seed", "'\(record.fields[1])' is not a non-negative integer")
      }
      func number(_ index: Int) throws -> Double {
        guard let value = Double(record.fields[index]) else {
          throw fail(header.fields[index], "'\(record.fields[index])' is not a number")
        }
        return value
      }
      var extras: [String: Double] = [:]
      for (offset, column) in extraColumns.enumerated() where !record.fields[4 + offset].isEmpty {
        extras[column] = try number(4 + offset)
      }
      rows.append(
        ResultRow(
          series: record.fields[0], seed: seed, x: try number(2), y: try number(3),
          extras: extras))
    }
    self.init(rows: rows, extraColumns: extraColumns)
  }
}
