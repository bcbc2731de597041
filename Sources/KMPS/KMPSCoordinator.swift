import Envs
import RL

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
  /// episode: a learning orchestrator updates), else with a fresh `heuristic` orchestrator
  /// (`heuristic` must then not be `.agent`).
  ///
  /// - Returns: the number of weight updates picked up during the episode.
  @discardableResult
  public func runEpisode(
    simulator sim: inout EdgeCloudSimulator, dispatcher: inout LearnedDispatcher,
    gpo: inout GPOOrchestration?, heuristic: OrchestratorKind,
    subscription: inout WeightSubscription<MAPPOPolicy>?
  ) throws -> Int {
    guard var orchestrator = gpo else {
      guard var fresh = heuristic.makeHeuristic(sim.config) else {
        preconditionFailure("KMPSCoordinator: orchestrator .agent needs a GPOOrchestration")
      }
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
