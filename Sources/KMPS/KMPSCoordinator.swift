import Envs
import RL

/// Frame-level replica orchestration of a scheduler composition (the third time scale).
public enum FrameOrchestration: String, Codable, Sendable, CaseIterable {
  /// Replicas stay as initially placed.
  case none
  /// Kubernetes' Horizontal Pod Autoscaler (SPEC §4), on its own 15 s sync period.
  case hpa
  /// Scale up the service with the longest queue on the least-utilized node, every frame.
  case greedy
  /// KMPS' GPO agent (GNN encoder, NodeActor + ServiceActor, dual critics), learning across
  /// the episodes of a run (see `GPOOrchestration`).
  case gpo

  /// A fresh heuristic orchestrator of this kind for `config`; `.gpo` is stateful across
  /// episodes, so it is created once per run with `GPOOrchestration` instead.
  public func make(_ config: EdgeCloudConfig) -> AnyOrchestrator {
    switch self {
    case .none: AnyOrchestrator(NoOrchestration())
    case .hpa: AnyOrchestrator(HPAController(config: config.hpa))
    case .greedy:
      AnyOrchestrator(GreedyOrchestrator(actionsPerFrame: config.orchestration.actionsPerFrame))
    case .gpo: preconditionFailure("GPO orchestration is created once per run")
    }
  }
}

/// A type-erased orchestration policy (one call per slot, so the erasure costs nothing).
public struct AnyOrchestrator: OrchestrationPolicy {
  private var body: any OrchestrationPolicy

  /// Wraps `policy`.
  public init(_ policy: some OrchestrationPolicy) { body = policy }

  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    body.orchestrate(sim, &actions)
  }
}

/// The three-time-scale coordinator of KMPS (paper Sec. III, Algorithm 1): it drives one
/// episode slot by slot. Every slot (0.25 s) the eAPs dispatch their dequeued requests;
/// every long slot the simulator promotes and reschedules urgent requests (inside
/// `beginSlot`, when `dispatch.urgentRescheduling` is on); every frame the orchestrator acts.
/// Between slots it also delivers the learner's newest actor to the eAPs, which is how
/// asynchronous training reaches the acting agents mid-episode.
public struct KMPSCoordinator {
  /// Slots between two checks for newer published weights (0 = never during an episode).
  public var weightSyncEverySlots: Int

  /// Runs the rest of the episode. `subscription` (asynchronous training) is polled every
  /// `weightSyncEverySlots` slots and a newer actor replaces the dispatcher's.
  ///
  /// - Returns: the number of weight updates picked up during the episode.
  @discardableResult
  public func runEpisode<O: OrchestrationPolicy>(
    simulator sim: inout EdgeCloudSimulator, dispatcher: inout LearnedDispatcher,
    orchestrator: inout O, subscription: inout WeightSubscription<MAPPOPolicy>?
  ) -> Int {
    var pickedUp = 0
    // The simulator's run loop: orchestration (frame time scale; HPA keeps its own sync
    // period), then this hook, then distributed dispatch by every eAP (slot time scale).
    sim.run(dispatch: &dispatcher, orchestration: &orchestrator) { dispatcher, sim in
      // Policy synchronization from the learner to the eAPs.
      if weightSyncEverySlots > 0, sim.slot % weightSyncEverySlots == 0,
        let newer = subscription?.poll()
      {
        dispatcher.policy = newer
        pickedUp += 1
      }
    }
    return pickedUp
  }

  /// Runs the rest of the episode with the GPO orchestrator when there is one (then ends its
  /// episode: a learning orchestrator updates), else with a fresh `heuristic` orchestrator.
  ///
  /// - Returns: the number of weight updates picked up during the episode.
  @discardableResult
  public func runEpisode(
    simulator sim: inout EdgeCloudSimulator, dispatcher: inout LearnedDispatcher,
    gpo: inout GPOOrchestration?, heuristic: FrameOrchestration,
    subscription: inout WeightSubscription<MAPPOPolicy>?
  ) throws -> Int {
    guard var orchestrator = gpo else {
      var fresh = heuristic.make(sim.config)
      return runEpisode(
        simulator: &sim, dispatcher: &dispatcher, orchestrator: &fresh,
        subscription: &subscription)
    }
    gpo = nil  // move out, so the orchestrator is mutated in place rather than copied
    let pickups = runEpisode(
      simulator: &sim, dispatcher: &dispatcher, orchestrator: &orchestrator,
      subscription: &subscription)
    try orchestrator.finishEpisode(sim)
    gpo = orchestrator
    return pickups
  }

  /// Creates a value from all its fields.
  public init(
    weightSyncEverySlots: Int
  ) {
    self.weightSyncEverySlots = weightSyncEverySlots
  }
}
