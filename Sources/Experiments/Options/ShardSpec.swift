import ArgumentParser

/// One shard of a figure run, parsed from `--shard i/n`: the run's seeds are dealt round-robin
/// to `n` shards and shard `i` (1-based) runs seeds `i`, `i+n`, `i+2n`, … of the list.
///
/// Every figure takes its seeds from `CommonOptions.seeds`, so every figure shards the same way
/// without code of its own; `experiment merge` puts the shard folders back together.
public struct ShardSpec: Sendable, Equatable, Codable, CustomStringConvertible {
  /// 1-based shard number.
  public let index: Int
  /// Number of shards.
  public let count: Int

  private enum CodingKeys: String, CodingKey { case index, count }

  /// Largest accepted shard count.
  public static let maximumCount = SeedList.maximumCount

  /// Validates `1 ≤ index ≤ count ≤ maximumCount`.
  public init(index: Int, count: Int) throws {
    guard (1...Self.maximumCount).contains(count) else {
      throw ValidationError("shard count must be between 1 and \(Self.maximumCount), got \(count)")
    }
    guard (1...count).contains(index) else {
      throw ValidationError("shard index must be between 1 and \(count), got \(index)")
    }
    self.index = index
    self.count = count
  }

  /// Parses `i/n` (`2/4`: the second of four shards).
  public static func parse(_ text: String) throws -> ShardSpec {
    let parts = text.trimmingCharacters(in: .whitespaces).split(
      separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      throw ValidationError("'\(text)' is not a shard i/n such as 2/4")
    }
    return try ShardSpec(index: index, count: count)
  }

  /// The seeds of this shard: positions `index-1`, `index-1+count`, … of `seeds`.
  public func select(_ seeds: [UInt64]) -> [UInt64] {
    seeds.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
  }

  /// `i/n`.
  public var description: String { "\(index)/\(count)" }
}

extension ShardSpec {
  /// Decodes and re-validates (a hand-edited summary.json cannot hold shard 5/4).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let index = try container.decode(Int.self, forKey: .index)
    let count = try container.decode(Int.self, forKey: .count)
    do {
      try self.init(index: index, count: count)
    } catch let error as ValidationError {
      throw DecodingError.dataCorruptedError(
        forKey: .index, in: container, debugDescription: error.message)
    }
  }
}
