/// One stored orchestration step.
public struct GPOTransition: Sendable {
  /// The state the decision was made in.
  public var graph: GraphInput
  /// The decision taken (with its behaviour log-probabilities).
  public var decision: GPODecision
  /// The action mask used, `[N · (2W+1)]`, or nil.
  public var serviceMask: [Bool]?
  /// `u_node` for this step.
  public var nodeReward: Float
  /// `u_service` for this step.
  public var serviceReward: Float
  /// The next state is terminal (value 0).
  public var terminated: Bool
  /// The episode was cut after this step; `finalGraph` is bootstrapped.
  public var truncated: Bool
  /// The state after a truncated step.
  public var finalGraph: GraphInput?
}

/// The rollout a `GPOAgent` trains on: orchestration steps in the order they were taken, filled
/// by a collector (`GPOOrchestration` in `KMPS`) and handed to `GPOAgent.update`.
///
/// Every step is checked on `append` against the agent the batch was made for (graph sizes,
/// mask, a decision of `H` distinct nodes with valid actions, finite rewards), so a bad step
/// fails where it is stored, not in the update.
///
///     var batch = GPOBatch(for: agent)
///     let decision = try agent.act(graph, serviceMask: mask, rng: &rng)
///     // apply decision.choices to the environment, observe u_node and u_service
///     try batch.append(graph, decision: decision, serviceMask: mask,
///                      nodeReward: uNode, serviceReward: uService)
///     if batch.count == 32 {
///       try batch.setBootstrapGraph(nextGraph)  // the last step did not end the episode
///       try agent.update(&batch)
///       batch.removeAll()
///     }
public struct GPOBatch: Sendable {
  /// The sizes of the agent the batch was made for.
  public let topology: GPOTopology
  /// `H` of that agent.
  public let selectedNodes: Int
  /// The stored steps, oldest first.
  public private(set) var transitions: [GPOTransition] = []
  /// The state after the last stored step, to bootstrap it when it neither terminated nor was
  /// truncated (cleared by every `append`).
  public private(set) var bootstrapGraph: GraphInput?
  /// The checks of the agent's policy.
  let inputCheck: GPOInputCheck

  /// An empty batch for `agent`'s topology, `H` and encoder.
  public init(for agent: GPOAgent) {
    inputCheck = agent.policy.inputCheck
    topology = agent.topology
    selectedNodes = agent.config.selectedNodes
  }

  /// Steps stored.
  public var count: Int { transitions.count }

  /// Records one step.
  ///
  /// - Parameters:
  ///   - finalGraph: the state after a truncated step (required when `truncated` and not
  ///     `terminated`).
  /// - Throws: `RLInputError` if the graph, mask or decision does not fit the agent, a reward is
  ///   not finite, or a truncated step lacks its final state.
  public mutating func append(
    _ graph: GraphInput, decision: GPODecision, serviceMask: [Bool]? = nil, nodeReward: Float,
    serviceReward: Float, terminated: Bool = false, truncated: Bool = false,
    finalGraph: GraphInput? = nil
  ) throws {
    let component = "GPOBatch.append"
    try inputCheck.validate(graph, serviceMask: serviceMask, component: component)
    func fail(_ field: String, _ reason: String) -> RLInputError {
      RLInputError(component: component, field: field, reason: reason)
    }
    guard decision.choices.count == selectedNodes else {
      throw fail("decision", "\(decision.choices.count) choices, H = \(selectedNodes)")
    }
    let nodes = decision.choices.map(\.node)
    guard Set(nodes).count == nodes.count,
      nodes.allSatisfy({ $0 >= 0 && $0 < topology.nodeCount }),
      decision.choices.allSatisfy({ $0.action >= 0 && $0.action < topology.actionCount })
    else {
      throw fail("decision", "nodes must be distinct and in range, actions in range: \(decision)")
    }
    guard nodeReward.isFinite, serviceReward.isFinite else {
      throw fail("reward", "rewards must be finite, got \(nodeReward), \(serviceReward)")
    }
    if truncated && !terminated {
      guard let finalGraph else { throw fail("finalGraph", "required when truncated") }
      try inputCheck.validate(finalGraph, serviceMask: nil, component: component + ".finalGraph")
    }
    transitions.append(
      GPOTransition(
        graph: graph, decision: decision, serviceMask: serviceMask, nodeReward: nodeReward,
        serviceReward: serviceReward, terminated: terminated, truncated: truncated,
        finalGraph: finalGraph))
    bootstrapGraph = nil
  }

  /// Sets the state the last stored step continues from (call before `update` when that step
  /// neither terminated nor was truncated).
  ///
  /// - Throws: `RLInputError` if the graph does not fit the agent.
  public mutating func setBootstrapGraph(_ graph: GraphInput) throws {
    try inputCheck.validate(graph, serviceMask: nil, component: "GPOBatch.setBootstrapGraph")
    bootstrapGraph = graph
  }

  /// Empties the batch.
  public mutating func removeAll() {
    transitions.removeAll()
    bootstrapGraph = nil
  }
}
