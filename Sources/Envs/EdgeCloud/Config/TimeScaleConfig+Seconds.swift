/// The time scales written in seconds (as the paper and Fig. 14 state them), converted to the
/// slot counts the simulator runs on.
extension TimeScaleConfig {
  /// Time scales from a slot length and periods in seconds.
  ///
  /// Every period must be a whole number of slots: the simulator acts only at slot boundaries,
  /// so a 2 s long slot with 0.3 s slots would silently become 1.8 s or 2.1 s.
  ///
  /// - Parameters:
  ///   - slotS: short slot t, s (> 0).
  ///   - longSlotS: urgent detection / rescheduling period, s (a whole number of slots).
  ///   - frameS: orchestration frame τ, s (at least one slot, a whole number of slots).
  ///   - episodeS: episode length, s (a whole number of slots).
  ///   - path: the dotted prefix of the field names in errors.
  /// - Throws: `EdgeCloudConfigError` naming `path.slotS`, `path.longSlotS`, `path.frameS` or
  ///   `path.episodeS` and the reason.
  public init(
    slotS: Double, longSlotS: Double, frameS: Double, episodeS: Double, path: String = "timing"
  ) throws(EdgeCloudConfigError) {
    let check = ConfigCheck(path: path)
    try check.positive(slotS, "slotS")
    self.init()
    slotMs = slotS * 1000
    longSlotEverySlots = try Self.wholeSlots(
      longSlotS, slotS: slotS, field: "longSlotS", path: path)
    frameEverySlots = try Self.wholeSlots(frameS, slotS: slotS, field: "frameS", path: path)
    episodeSlots = try Self.wholeSlots(episodeS, slotS: slotS, field: "episodeS", path: path)
  }

  /// `seconds` as a number of slots of `slotS` seconds: throws `EdgeCloudConfigError` for
  /// `path.field` when it is not finite, shorter than one slot, or not a whole number of slots
  /// (relative tolerance 1e-9, for decimal fractions such as 0.1 s).
  public static func wholeSlots(
    _ seconds: Double, slotS: Double, field: String, path: String = "timing"
  ) throws(EdgeCloudConfigError) -> Int {
    let check = ConfigCheck(path: path)
    try check.positive(slotS, "slotS")
    try check.positive(seconds, field)
    let slots = seconds / slotS
    try check.require(
      slots >= 1 - 1e-9, field, "\(seconds) s is shorter than one slot (\(slotS) s)")
    let whole = slots.rounded()
    try check.require(
      abs(slots - whole) <= 1e-9 * whole && whole <= Double(Int32.max), field,
      "\(seconds) s is not a whole number of \(slotS) s slots (\(slots) slots)")
    return Int(whole)
  }
}
