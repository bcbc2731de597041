/// What a shard's results folder records about its place in the whole run (`summary.json`'s
/// `shard`): which shard it is and the seeds of the whole run, so `experiment merge` can tell
/// which shards are missing.
public struct ShardRecord: Sendable, Equatable, Codable {
  /// The shard (`i/n`).
  public var spec: ShardSpec
  /// The seeds of the whole run (`--seeds`), in order; this shard ran `spec.select(allSeeds)`.
  public var allSeeds: [UInt64]

  /// A record.
  public init(spec: ShardSpec, allSeeds: [UInt64]) {
    self.spec = spec
    self.allSeeds = allSeeds
  }

  /// The seeds this shard ran.
  public var seeds: [UInt64] { spec.select(allSeeds) }
}
