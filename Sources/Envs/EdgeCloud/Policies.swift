import Foundation
import SeededRandom

/// A dispatch policy for the fast API (`EdgeCloudSimulator.run`): called once per decision with
/// that decision's `DecisionView` and the simulator borrowed read-only (no copies, no
/// allocation).
///
/// The decision path runs one way: the simulator dequeues the request, computes the mask F,
/// writes the inputs the policy asks for (`decisionInputs`) into the view, and takes back a
/// target. `choose` must return a target in `0..<sim.targetCount` (edge nodes, cloud last) that
/// the view's mask allows; an invalid target is counted and sent to the cloud. In the run loop
/// (`runDecisionRounds`) a policy may also return `EdgeCloudSimulator.deferTarget` to leave the
/// request in its eAP queue until the next slot. Heuristics read
/// whatever else they need from `sim`. Learned policies ask for `.observation` (and
/// `.globalState` for a centralized critic) and attribute `slotEnded`'s `outcome.rewards[b]`
/// to every decision eAP `b` took in `outcome.slot`.
public protocol DispatchPolicy {
  /// What the simulator writes into each view besides the decision and its mask; read before
  /// every decision. Default: nothing.
  var decisionInputs: DecisionInputs { get }
  /// Picks the target of `view.decision`. The view's buffers are valid during the call only.
  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int
  /// Called after every slot with its rewards u_{b,t}; `outcome.episodeEnded` marks the end of
  /// the episode (a time limit: truncation).
  mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator)
}

extension DispatchPolicy {
  /// Default: no observation, no global state.
  public var decisionInputs: DecisionInputs { [] }

  /// Default: ignore slot outcomes.
  public mutating func slotEnded(_ outcome: SlotOutcome, _ sim: borrowing EdgeCloudSimulator) {}
}

/// A dispatch policy from a closure (convenient; a concrete policy type is faster).
public struct ClosureDispatchPolicy: DispatchPolicy {
  let body: (DecisionView, borrowing EdgeCloudSimulator) -> Int
  /// What the closure's views carry besides the decision and its mask.
  public let decisionInputs: DecisionInputs

  /// Wraps `body`; its views carry `inputs`.
  public init(
    inputs: DecisionInputs = [],
    _ body: @escaping (DecisionView, borrowing EdgeCloudSimulator) -> Int
  ) {
    decisionInputs = inputs
    self.body = body
  }

  /// Calls the closure.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    body(view, sim)
  }
}

/// Uniformly random among the valid targets (cloud included); optionally restricted to the
/// eAP's own cluster and the cloud.
public struct RandomValidPolicy: DispatchPolicy, Sendable {
  var rng: Xoshiro256
  /// Also consider valid nodes of neighbouring clusters.
  public var allowCrossCluster: Bool

  /// A seeded random policy.
  public init(seed: UInt64, allowCrossCluster: Bool = true) {
    rng = Xoshiro256(seed: seed)
    self.allowCrossCluster = allowCrossCluster
  }

  @inline(__always)
  func eligible(_ view: DecisionView, _ a: Int, _ sim: borrowing EdgeCloudSimulator) -> Bool {
    guard view.mask[a] else { return false }
    return allowCrossCluster || a == sim.topology.cloudTarget
      || sim.topology.nodeCluster[a] == view.decision.eap
  }

  /// A uniformly random eligible target.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    var valid = 0
    for a in 0..<sim.targetCount where eligible(view, a, sim) { valid += 1 }
    var k = Int(rng.next() % UInt64(max(1, valid)))
    for a in 0..<sim.targetCount where eligible(view, a, sim) {
      if k == 0 { return a }
      k -= 1
    }
    return sim.topology.cloudTarget
  }
}

/// Greedy_Native: each request to the valid edge node with the lowest CPU utilization, counted
/// as Kubernetes' scheduler does — CPU in use plus the CPU of requests already bound to the node
/// but not started (in transit or queued) — the cloud when no edge node is valid. By
/// default only the eAP's own cluster is considered (native Kubernetes has no cross-cluster
/// routing).
public struct LeastUtilizedPolicy: DispatchPolicy, Sendable {
  /// Also consider valid nodes of neighbouring clusters.
  public var allowCrossCluster: Bool

  /// Creates the policy.
  public init(allowCrossCluster: Bool = false) { self.allowCrossCluster = allowCrossCluster }

  /// The valid node with the lowest counted CPU utilization, else the cloud.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    // The eAP's own cluster is a contiguous range of edge nodes.
    let nodes =
      allowCrossCluster
      ? 0..<sim.topology.edgeNodeCount : sim.topology.nodes(ofCluster: view.decision.eap)
    var best = sim.topology.cloudTarget
    var bestU = Double.infinity
    for n in nodes where view.mask[n] {
      let u =
        (sim.cpuUsedCores(node: n) + sim.pendingCPUCores(target: n)) / sim.topology.nodeCPUCores[n]
      if u < bestU {
        bestU = u
        best = n
      }
    }
    return best
  }
}

/// Round-robin over the valid targets of each eAP (edge nodes first, then the cloud).
public struct RoundRobinPolicy: DispatchPolicy, Sendable {
  var next: [Int]

  /// Creates the policy for `eapCount` eAPs.
  public init(eapCount: Int) { next = [Int](repeating: 0, count: eapCount) }

  /// The eAP's next valid target in turn.
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let t = sim.targetCount
    let b = view.decision.eap
    for k in 0..<t {
      let a = (next[b] + k) % t
      if view.mask[a] {
        next[b] = (a + 1) % t
        return a
      }
    }
    return sim.topology.cloudTarget
  }
}

/// An "oracle-ish" queue-aware heuristic: estimates the completion time at every valid target
/// (transmission + expected wait behind the requests of the same service queued or in transit
/// there, spread over its replicas + E_w) and picks the earliest, preferring targets that meet
/// the deadline; uses cross-cluster targets whenever the mask allows. It shows the headroom a
/// learned dispatcher can reach over Greedy_Native.
///
/// With a sampling temperature T it instead samples target a with probability ∝
/// exp(−(score_a − score_min) / T) over the same scores (a deadline miss adds 10⁶ ms): the
/// eAPs of a decision round decide on the same state, and deterministic argmin sends them all
/// to the same target.
public struct QueueAwarePolicy: DispatchPolicy, Sendable {
  /// Sampling temperature, ms; nil = always the best score.
  public var samplingTemperatureMs: Double?
  var rng: Xoshiro256
  var scores: [Double] = []

  /// The deterministic heuristic.
  public init() {
    samplingTemperatureMs = nil
    rng = Xoshiro256(seed: 0)
  }

  /// The sampled heuristic at temperature `samplingTemperatureMs` (> 0), seeded.
  public init(samplingTemperatureMs: Double, seed: UInt64) {
    precondition(samplingTemperatureMs > 0, "samplingTemperatureMs must be > 0")
    self.samplingTemperatureMs = samplingTemperatureMs
    rng = Xoshiro256(seed: seed)
  }

  /// Queue-aware's ranking of `target` for decision `d`, ms (lower is better): the estimated
  /// finish (`estimatedCompletionMs` from now), plus 10⁶ when it misses the deadline, so that
  /// deadline-feasible targets come first, then the earliest finish.
  @inline(__always)
  public static func score(
    _ d: DispatchDecision, target a: Int, _ sim: borrowing EdgeCloudSimulator
  ) -> Double {
    let finish = d.nowMs + sim.estimatedCompletionMs(eap: d.eap, service: d.service, target: a)
    return finish <= d.deadlineMs ? finish : finish + 1e6
  }

  /// The target with the earliest estimated finish, deadline-feasible ones first (or one
  /// sampled by those scores).
  public mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let d = view.decision
    var best = sim.topology.cloudTarget
    var bestT = Double.infinity
    let sampled = samplingTemperatureMs != nil
    if sampled { scores.removeAll(keepingCapacity: true) }
    for a in 0..<sim.targetCount {
      guard view.mask[a] else {
        if sampled { scores.append(.infinity) }
        continue
      }
      let score = Self.score(d, target: a, sim)
      if sampled { scores.append(score) }
      if score < bestT {
        bestT = score
        best = a
      }
    }
    guard let temperature = samplingTemperatureMs else { return best }
    var total = 0.0
    for a in scores.indices {
      scores[a] = scores[a].isFinite ? exp(-(scores[a] - bestT) / temperature) : 0
      total += scores[a]
    }
    var u = rng.nextDouble() * total
    for a in scores.indices where scores[a] > 0 {
      u -= scores[a]
      if u <= 0 { return a }
    }
    return best
  }
}
