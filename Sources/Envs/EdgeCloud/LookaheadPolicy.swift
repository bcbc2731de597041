/// One-step lookahead by simulation (rollout policy improvement over a base policy): for each
/// of the `candidates` valid targets with the earliest queue-aware estimated finish, fork the
/// simulator (`forked()`), dispatch the request there, run the fork on for the rest of the slot
/// and `horizonSlots` more with `QueueAwarePolicy`, and take the target whose fork ends with
/// the most on-time completions minus failures (ties: the earlier estimate).
///
/// It is clairvoyant: a fork replays the episode's actual future arrivals and execution times,
/// which no online dispatcher knows. It is a reference that measures how much a dispatcher
/// that looks past the current request could gain over queue-aware, not a deployable policy.
/// Forks run no orchestration. With `candidates == 1` it is `QueueAwarePolicy` (no fork is
/// run). Cost: `candidates` forks of `horizonSlots + 1` slots per looked-ahead decision (about
/// 40 s of CPU per 200-slot fig7 episode at 600 req/s with 5 candidates and 2 slots, release
/// build, as `experiment headroom` measured it);
/// `lookEvery = n` looks ahead at every n-th decision only and takes queue-aware's target at
/// the others.
public struct LookaheadPolicy: DispatchPolicy, Sendable {
  /// Targets tried per decision (the earliest estimated finishes), ≥ 1.
  public var candidates: Int
  /// Slots each fork runs after the current one, ≥ 0.
  public var horizonSlots: Int
  /// Look ahead at every this-many-th decision (1 = all), ≥ 1.
  public var lookEvery: Int
  /// Decisions so far.
  public private(set) var decisions = 0
  /// Decisions where the lookahead picked another target than queue-aware's first.
  public private(set) var changed = 0
  var ranked: [(score: Double, target: Int)] = []

  /// Creates the policy.
  public init(candidates: Int = 3, horizonSlots: Int = 4, lookEvery: Int = 1) {
    precondition(
      candidates >= 1 && horizonSlots >= 0 && lookEvery >= 1,
      "candidates ≥ 1, horizonSlots ≥ 0, lookEvery ≥ 1")
    self.candidates = candidates
    self.horizonSlots = horizonSlots
    self.lookEvery = lookEvery
  }

  /// The candidate whose fork ends best.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let d = view.decision
    decisions += 1
    let looks = decisions % lookEvery == 0
    ranked.removeAll(keepingCapacity: true)
    for a in 0..<sim.targetCount where view.mask[a] {
      ranked.append((QueueAwarePolicy.score(d, target: a, sim), a))
    }
    guard !ranked.isEmpty else { return sim.topology.cloudTarget }
    ranked.sort {
      $0.score < $1.score || ($0.score == $1.score && $0.target < $1.target)
    }
    let first = ranked[0].target
    guard looks, candidates > 1, ranked.count > 1 else { return first }
    var best = first
    var bestScore = Int.min
    for (_, a) in ranked.prefix(candidates) {
      let m = sim.forkedOutcome(
        dispatching: d, to: a, horizonSlots: horizonSlots, continuation: QueueAwarePolicy())
      let score = m.completedOnTime - m.failed
      if score > bestScore {
        bestScore = score
        best = a
      }
    }
    if best != first { changed += 1 }
    return best
  }
}
