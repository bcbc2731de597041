import Foundation

/// Ordering checks shared by the ablation figures: a claim "A beats B" agrees only when A's mean
/// is ahead by at least a margin and A is ahead on a majority of seeds, so a flat, losing or
/// reversed result disagrees.
enum AblationClaims {
  /// Whether per-seed values `a` beat `b` (paired by seed) by at least `margin` on average and
  /// on more than half of the seeds; with the evidence text.
  static func beats(
    _ a: (name: String, values: [Double]), _ b: (name: String, values: [Double]), margin: Double
  ) -> (agrees: Bool, evidence: String) {
    let pairs = zip(a.values, b.values).map { $0 - $1 }
    let meanA = AblationTraining.mean(a.values)
    let meanB = AblationTraining.mean(b.values)
    let wins = pairs.filter { $0 > 0 }.count
    let agrees = !pairs.isEmpty && meanA - meanB >= margin && 2 * wins > pairs.count
    let evidence =
      "\(a.name) \(Format.percent(meanA)) vs \(b.name) \(Format.percent(meanB)) "
      + "(difference \(points(meanA - meanB)), ahead on \(wins) of \(pairs.count) seeds; "
      + "needs ≥ \(points(margin)) and a majority of seeds)"
    return (agrees, evidence)
  }

  /// A throughput difference in percentage points, signed.
  static func points(_ fraction: Double) -> String {
    String(format: "%+.1f points", fraction * 100)
  }
}
