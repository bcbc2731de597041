import Envs
import Foundation

/// Where `reset` and `step` write their results: caller-provided buffers, sized by
/// `kmps_ec_sizes` (B eAPs, O observation floats, A = targets + 1 actions, S state floats,
/// I info values).
struct Outputs {
  /// `[B, O]`: eAP b's local observation in row b when it holds a request, zeros otherwise.
  var observations: UnsafeMutablePointer<Float>
  /// `[B, A]`: 1 where an action is valid; a due eAP may pick its valid targets, an idle one
  /// only the last action, "wait".
  var masks: UnsafeMutablePointer<Int8>
  /// `[S]`: the global state (centralized critic).
  var state: UnsafeMutablePointer<Float>
  /// `[B + 2]`: 1 for each eAP that holds a request, then terminated, then truncated.
  var flags: UnsafeMutablePointer<UInt8>
  /// `[I]`: the info values, in `infoNames` order.
  var info: UnsafeMutablePointer<Double>
}

/// One environment behind a handle: the Swift env and what its last result asked for.
struct Session {
  /// The environment, driven through its ordinary Swift API.
  var env: EdgeCloudEnv
  /// The latest reset or step result; `nil` before the first reset.
  var last: MultiAgentStep?
  /// The keys of `info`, sorted: the order of the info buffer.
  let infoNames: [String]

  /// eAPs (agents of the C ABI).
  var eapCount: Int { env.sim.eapCount }
  /// Dispatch targets (edge nodes, then the cloud); the action `targetCount` is "wait".
  var targetCount: Int { env.eapActionCount }
  /// Actions per eAP: the targets and "wait".
  var actionCount: Int { targetCount + 1 }

  /// Decodes `configJSON` over the defaults (unknown keys are errors), replaces the trace path
  /// when `tracePath` is given, and builds the env.
  init(configJSON: String?, tracePath: String?, seed: UInt64) throws(ABIError) {
    var config = EdgeCloudConfig()
    do {
      if let configJSON { config = try EdgeCloudConfig.decode(json: Data(configJSON.utf8)) }
    } catch {
      throw ABIError(status: .invalidConfig, message: error.description)
    }
    if let tracePath { config.workload.tracePath = tracePath }
    guard config.orchestration.orchestrator != .agent else {
      throw ABIError(
        status: .invalidConfig,
        message: "invalid EdgeCloud config: orchestration.orchestrator: 'agent' (a learning "
          + "orchestrator) is not exposed through the C ABI, whose agents are the eAPs; "
          + "use hpa, greedy or none")
    }
    do {
      env = try EdgeCloudEnv(config: config, seed: seed)
    } catch {
      throw ABIError(status: .invalidConfig, message: "\(error)")
    }
    infoNames = env.reset(seed: seed).info.keys.sorted()
    last = nil
  }

  /// Starts an episode (`seed` nil: the env's next seed) and writes its first result.
  mutating func reset(seed: UInt64?, into out: Outputs) {
    let result = env.reset(seed: seed)
    last = result
    write(result, rewards: nil, into: out)
  }

  /// Checks one action per eAP against the last result (range, mask, "wait" for idle eAPs),
  /// steps the env with the due eAPs' actions and writes the result.
  mutating func step(
    _ actions: UnsafeBufferPointer<Int64>, rewards: UnsafeMutablePointer<Double>,
    into out: Outputs
  ) throws(ABIError) {
    guard let last else {
      throw ABIError(status: .episodeOver, message: "step before reset: call reset first")
    }
    guard !last.done else {
      throw ABIError(
        status: .episodeOver, message: "step after the episode ended: call reset first")
    }
    guard actions.count == eapCount else {
      throw ABIError(
        status: .invalidArgument,
        message: "expected \(eapCount) actions (one per eAP, \(targetCount) = wait), "
          + "got \(actions.count)")
    }
    var dueActions: [Int] = []
    dueActions.reserveCapacity(last.agents.count)
    for b in 0..<eapCount {
      if let target = try check(eap: b, action: actions[b], in: last) { dueActions.append(target) }
    }
    let result = env.step(dueActions)
    self.last = result
    write(result, rewards: rewards, into: out)
  }

  /// Checks eAP `eap`'s action against the last result without stepping (`step` before
  /// reset or after the episode's end is reported by `step` itself).
  func check(eap: Int, action: Int64) throws(ABIError) {
    guard eap >= 0 && eap < eapCount else {
      throw ABIError(
        status: .invalidArgument, message: "eap \(eap) is out of range 0..<\(eapCount)")
    }
    guard let last, !last.done else { return }
    _ = try check(eap: eap, action: action, in: last)
  }

  /// The target eAP `b` dispatches to (nil: it holds no request and waits), or an error when
  /// `a` is out of range or masked in `last`.
  private func check(eap b: Int, action a: Int64, in last: MultiAgentStep) throws(ABIError)
    -> Int?
  {
    let wait = Int64(targetCount)
    guard a >= 0 && a <= wait else {
      throw ABIError(
        status: .invalidAction,
        message: "action \(a) of eap\(b) is out of range 0...\(wait) "
          + "(targets 0..<\(wait), \(wait) = wait)")
    }
    guard let k = last.agents.firstIndex(of: b) else {
      guard a == wait else {
        throw ABIError(
          status: .invalidAction,
          message: "eap\(b) holds no request in this step: its only valid action is wait "
            + "(\(wait)), got \(a)")
      }
      return nil
    }
    guard a < wait else {
      throw ABIError(
        status: .invalidAction,
        message: "eap\(b) holds a request and must dispatch it: wait (\(wait)) is masked")
    }
    let mask = last.observations[k].actionMask
    guard mask[Int(a)] else {
      let valid = mask.indices.filter { mask[$0] }
      throw ABIError(
        status: .invalidAction,
        message: "action \(a) of eap\(b) is masked: target \(a) cannot take the request "
          + "now (valid targets: \(valid))")
    }
    return Int(a)
  }

  /// Writes `result` into the buffers; `rewards[b]` is what eAP b was paid in this step (0
  /// when it did not act).
  func write(_ result: MultiAgentStep, rewards: UnsafeMutablePointer<Double>?, into out: Outputs) {
    let b = eapCount
    let o = env.eapObservationSize
    let a = actionCount
    out.observations.update(repeating: 0, count: b * o)
    out.masks.update(repeating: 0, count: b * a)
    out.flags.update(repeating: 0, count: b + 2)
    for agent in 0..<b { out.masks[agent * a + targetCount] = 1 }
    for (k, agent) in result.agents.enumerated() where agent < b {
      let observation = result.observations[k]
      observation.observation.withUnsafeBufferPointer { src in
        (out.observations + agent * o).update(from: src.baseAddress!, count: o)
      }
      let row = out.masks + agent * a
      for t in 0..<targetCount { row[t] = observation.actionMask[t] ? 1 : 0 }
      row[targetCount] = 0
      out.flags[agent] = 1
    }
    out.flags[b] = result.terminated ? 1 : 0
    out.flags[b + 1] = result.truncated ? 1 : 0
    env.sim.writeGlobalState(
      into: UnsafeMutableBufferPointer(start: out.state, count: env.globalStateSize))
    for (i, name) in infoNames.enumerated() { out.info[i] = result.info[name] ?? 0 }
    if let rewards {
      rewards.update(repeating: 0, count: b)
      for (k, agent) in result.actedAgents.enumerated() where agent < b {
        rewards[agent] = result.rewards[k]
      }
    }
  }
}
