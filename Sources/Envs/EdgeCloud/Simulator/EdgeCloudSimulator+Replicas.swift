// MARK: - Orchestration primitives: add and remove replicas

extension EdgeCloudSimulator {
  /// Applies one orchestration action (infeasible → no-op, counted).
  public mutating func apply(_ action: OrchestrationAction) {
    switch action.kind {
    case .add: _ = addReplica(service: action.service, node: action.node)
    case .remove: _ = removeReplica(service: action.service, node: action.node)
    }
  }

  /// Whether node `n` can host one more replica of `service` (memory and replica cap).
  public func canAddReplica(service w: Int, node n: Int) -> Bool {
    guard w >= 0, w < serviceCount, n >= 0, n < topology.nodeCount else { return false }
    if pendingRemoval[replicaKey(service: w, node: n)] > 0 { return true }
    return replicasOnNode[n] < Int32(config.services.maxReplicasPerNode)
      && memUsed[n] + replicaMemGB[w] <= topology.nodeMemoryGB[n] + 1e-9
  }

  /// Adds one replica of `service` on `node` (a pending removal there is cancelled instead).
  /// Returns false — a no-op — when the node cannot afford it.
  @discardableResult
  public mutating func addReplica(service w: Int, node n: Int) -> Bool {
    guard canAddReplica(service: w, node: n) else {
      metrics.orchestrationNoOps += 1
      return false
    }
    let k = replicaKey(service: w, node: n)
    adjustCloudIdle(service: w, node: n, by: 1)
    if pendingRemoval[k] > 0 {
      pendingRemoval[k] -= 1
    } else {
      replicas[k] += 1
      replicasOnNode[n] += 1
      memUsed[n] += replicaMemGB[w]
    }
    metrics.replicasAdded += 1
    tryStart(group: queueGroup(ofNode: n))
    return true
  }

  /// Removes one replica of `service` from `node`: immediately if one is idle, otherwise as
  /// soon as one becomes idle (it takes no new request meanwhile).
  @discardableResult
  public mutating func removeReplica(service w: Int, node n: Int) -> ReplicaRemoval {
    guard w >= 0, w < serviceCount, n >= 0, n < topology.nodeCount else {
      metrics.orchestrationNoOps += 1
      return .infeasible
    }
    let k = replicaKey(service: w, node: n)
    guard activeReplicaCount(at: k) > 0 else {
      metrics.orchestrationNoOps += 1
      return .infeasible
    }
    groupBlocked[queueGroup(ofNode: n)] = false
    if idleReplicaCount(at: k) > 0 {
      dropReplica(service: w, node: n)
      return .removed
    }
    pendingRemoval[k] += 1
    adjustCloudIdle(service: w, node: n, by: -1)
    return .pending
  }

  /// Takes one idle replica of `service` off node `n` (a removal, immediate or completing a
  /// pending one): its memory is freed.
  @inline(__always)
  mutating func dropReplica(service w: Int, node n: Int) {
    replicas[replicaKey(service: w, node: n)] -= 1
    adjustCloudIdle(service: w, node: n, by: -1)
    replicasOnNode[n] -= 1
    memUsed[n] -= replicaMemGB[w]
    metrics.replicasRemoved += 1
  }

  /// Keeps `cloudIdleReplicas` in step with a change of `delta` idle replicas of `service` on
  /// node `n` (nothing for an edge node).
  @inline(__always)
  mutating func adjustCloudIdle(service w: Int, node n: Int, by delta: Int32) {
    if n >= topology.edgeNodeCount { cloudIdleReplicas[w] += delta }
  }
}
