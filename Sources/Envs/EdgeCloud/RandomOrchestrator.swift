import SeededRandom

/// Random orchestration (a Fig. 16 reference): at each frame start, `actionsPerFrame` distinct
/// edge nodes drawn uniformly (as GPO's NodeActor picks H nodes), and on each a uniformly drawn
/// operation among those the GPO agent's mask allows there ("nothing", adding a replica that
/// fits, removing an active replica). It is what an untrained orchestrator with the same action
/// space does on average.
public struct RandomOrchestrator: OrchestrationPolicy, Sendable {
  /// Draws per frame (GPO's H).
  public var actionsPerFrame: Int
  var rng: Xoshiro256

  /// Creates the orchestrator with its own seeded generator.
  public init(actionsPerFrame: Int, seed: UInt64) {
    self.actionsPerFrame = actionsPerFrame
    rng = Xoshiro256(seed: seed)
  }

  /// At a frame start, appends `actionsPerFrame` random allowed operations.
  public mutating func orchestrate(
    _ sim: borrowing EdgeCloudSimulator, _ actions: inout [OrchestrationAction]
  ) {
    guard sim.isFrameStart else { return }
    let nodes = sim.topology.edgeNodeCount
    guard nodes > 0 else { return }
    var order = Array(0..<nodes)
    for k in 0..<min(actionsPerFrame, nodes) {
      let j = k + Int(rng.next() % UInt64(nodes - k))
      order.swapAt(k, j)
      let node = order[k]
      var options: [OrchestrationAction?] = [nil]
      for s in 0..<sim.serviceCount {
        if sim.canAddReplica(service: s, node: node) {
          options.append(OrchestrationAction(.add, service: s, node: node))
        }
        if sim.activeReplicas(service: s, node: node) > 0 {
          options.append(OrchestrationAction(.remove, service: s, node: node))
        }
      }
      if let action = options[Int(rng.next() % UInt64(options.count))] {
        actions.append(action)
      }
    }
  }
}
