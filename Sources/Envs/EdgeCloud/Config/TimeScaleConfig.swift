/// The three time scales and the episode length.
public struct TimeScaleConfig: Codable, Sendable, Equatable {
  /// Short slot t: eAPs dispatch at every slot boundary, ms (paper: 0.25 s).
  public var slotMs = 250.0
  /// Long slot: urgent detection / rescheduling every this many slots (paper: 8, also 2).
  public var longSlotEverySlots = 8
  /// Frame τ: global orchestration every this many slots (paper: 100 = 25 s).
  public var frameEverySlots = 100
  /// Episode length in slots (the authors: 3300).
  public var episodeSlots = 3300

  /// The testbed defaults.
  public init() {}

  /// Frame starts in one episode: slots `k·frameEverySlots` with `0 < k·frameEverySlots <
  /// episodeSlots` (slot 0 is not a frame start, `EdgeCloudSimulator.isFrameStart`), i.e. the
  /// decisions a frame-level orchestrator takes per episode (the testbed's 3300 slots with
  /// 100-slot frames: 32).
  public var framesPerEpisode: Int { max(0, episodeSlots - 1) / frameEverySlots }
}

extension TimeScaleConfig {
  /// Throws `EdgeCloudConfigError` naming the first impossible field, under `path`.
  public func validate(path: String = "timing") throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.positive(slotMs, "slotMs")
    try check.require(longSlotEverySlots >= 1, "longSlotEverySlots", "must be ≥ 1")
    try check.require(frameEverySlots >= 1, "frameEverySlots", "must be ≥ 1")
    try check.require(episodeSlots >= 1, "episodeSlots", "must be ≥ 1")
  }
}
