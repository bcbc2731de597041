import ArgumentParser

/// The seeds to run, parsed from `--seeds`.
///
/// Syntax: a bare count `N` means seeds `1…N` (`--seeds 5` → 1,2,3,4,5); a comma list names the
/// seeds exactly (`--seeds 7,11,13`); list items may be inclusive ranges `a-b` (`--seeds 1-3,10`);
/// a single specific seed is written with a trailing comma or as a range (`--seeds 7,` or `7-7`).
/// Seeds must be distinct; order is kept.
public struct SeedList: Sendable, Equatable, CustomStringConvertible {
  /// The seeds, in the order given.
  public let values: [UInt64]

  /// The default: seeds 1, 2, 3.
  public static let `default` = SeedList(unchecked: [1, 2, 3])

  /// Largest accepted count or list length (a guard against typos such as `--seeds 1000000`).
  public static let maximumCount = 1000

  private init(unchecked values: [UInt64]) { self.values = values }

  /// Validates an explicit list (non-empty, distinct, at most `maximumCount`).
  public init(_ values: [UInt64]) throws {
    if values.isEmpty { throw ValidationError("at least one seed is needed") }
    if values.count > Self.maximumCount {
      throw ValidationError("\(values.count) seeds is more than \(Self.maximumCount)")
    }
    var seen = Set<UInt64>()
    for value in values where !seen.insert(value).inserted {
      throw ValidationError("seed \(value) is listed twice")
    }
    self.values = values
  }

  /// Parses the `--seeds` syntax described on the type; throws a `ValidationError` naming the
  /// offending item.
  public static func parse(_ text: String) throws -> SeedList {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { throw ValidationError("empty value") }
    if !trimmed.contains(","), !trimmed.contains("-") {
      guard let count = Int(trimmed) else {
        throw ValidationError("'\(trimmed)' is not a count or a comma list of seeds")
      }
      if count < 1 { throw ValidationError("count must be at least 1, got \(count)") }
      if count > maximumCount {
        throw ValidationError("count \(count) is more than \(maximumCount)")
      }
      return SeedList(unchecked: (1...count).map { UInt64($0) })
    }
    var values: [UInt64] = []
    for item in trimmed.split(separator: ",", omittingEmptySubsequences: true) {
      let piece = item.trimmingCharacters(in: .whitespaces)
      let bounds = piece.split(separator: "-", omittingEmptySubsequences: false)
      switch bounds.count {
      case 1:
        guard let seed = UInt64(piece) else {
          throw ValidationError("'\(piece)' is not a non-negative integer")
        }
        values.append(seed)
      case 2:
        guard let low = UInt64(bounds[0]), let high = UInt64(bounds[1]) else {
          throw ValidationError("'\(piece)' is not a range a-b of non-negative integers")
        }
        if low > high {
          throw ValidationError("range '\(piece)' is empty (\(low) > \(high))")
        }
        if high - low >= UInt64(maximumCount) {
          throw ValidationError("range '\(piece)' has more than \(maximumCount) seeds")
        }
        values.append(contentsOf: low...high)
      default:
        throw ValidationError("'\(piece)' is not a seed or a range a-b")
      }
    }
    return try SeedList(values)
  }

  /// Comma-separated seeds (round-trips through `parse` when there are two or more).
  public var description: String { values.map(String.init).joined(separator: ",") }
}
