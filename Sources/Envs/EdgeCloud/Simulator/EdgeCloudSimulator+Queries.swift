// MARK: - Derived quantities, defined once

extension EdgeCloudSimulator {
  /// Index of the (service, node) pair in the per-(service, node) arrays: node-major, so that
  /// the replica counts of one node (what a start, a completion or a dispatch to it reads) sit
  /// in one cache line however many nodes the system has.
  @inline(__always)
  func replicaKey(service w: Int, node n: Int) -> Int { n * serviceCount + w }

  /// Replicas that can take a request now: deployed − busy − pending removal.
  @inline(__always)
  static func idle(replicas: Int32, busy: Int32, pendingRemoval: Int32) -> Int32 {
    replicas - busy - pendingRemoval
  }

  /// Replicas that stay deployed: deployed − pending removal.
  @inline(__always)
  static func active(replicas: Int32, pendingRemoval: Int32) -> Int32 {
    replicas &- pendingRemoval
  }

  /// Whether a request of `cpuCores` and `memoryGB` fits in a node's free CPU and memory.
  @inline(__always)
  static func fits(
    cpuCores: Double, memoryGB: Double, cpuCapacity: Double, cpuUsed: Double,
    memoryCapacity: Double, memoryUsed: Double
  ) -> Bool {
    cpuCapacity - cpuUsed >= cpuCores && memoryCapacity - memoryUsed >= memoryGB
  }

  /// Whether usage is above `threshold` of capacity in CPU or memory.
  @inline(__always)
  static func overloaded(
    cpuUsed: Double, cpuCapacity: Double, memoryUsed: Double, memoryCapacity: Double,
    threshold th: Double
  ) -> Bool {
    cpuUsed > th * cpuCapacity || memoryUsed > th * memoryCapacity
  }

  /// Idle replicas at `replicaKey` `k`.
  @inline(__always)
  func idleReplicaCount(at k: Int) -> Int32 {
    Self.idle(replicas: replicas[k], busy: busy[k], pendingRemoval: pendingRemoval[k])
  }

  /// Active replicas at `replicaKey` `k`.
  @inline(__always)
  func activeReplicaCount(at k: Int) -> Int32 {
    Self.active(replicas: replicas[k], pendingRemoval: pendingRemoval[k])
  }

  /// Whether a request of `service` with these demands can start on node `n` now: an idle
  /// replica and the free CPU and memory.
  @inline(__always)
  func canStart(service w: Int, node n: Int, cpuCores: Double, memoryGB: Double) -> Bool {
    idleReplicaCount(at: replicaKey(service: w, node: n)) > 0
      && Self.fits(
        cpuCores: cpuCores, memoryGB: memoryGB, cpuCapacity: topology.nodeCPUCores[n],
        cpuUsed: cpuUsed[n], memoryCapacity: topology.nodeMemoryGB[n], memoryUsed: memUsed[n])
  }

  /// The queue group of node `n`: the node itself at the edge, the cloud target for every
  /// cloud node (the cloud has one queue, Q_c).
  @inline(__always)
  func queueGroup(ofNode n: Int) -> Int { n < topology.edgeNodeCount ? n : topology.cloudTarget }

  /// The nodes served by queue group `g`: the edge node `g`, or every cloud node.
  @inline(__always)
  func nodes(ofGroup g: Int) -> Range<Int> {
    g == topology.cloudTarget ? topology.edgeNodeCount..<topology.nodeCount : g..<(g + 1)
  }

  /// CPU and memory in use and their capacities summed over the cloud nodes, in node order.
  @inline(__always)
  func cloudUsage() -> (cpuUsed: Double, cpuCapacity: Double, memoryUsed: Double,
    memoryCapacity: Double)
  {
    var cpu = 0.0
    var cpuCap = 0.0
    var mem = 0.0
    var memCap = 0.0
    for n in topology.edgeNodeCount..<topology.nodeCount {
      cpu += cpuUsed[n]
      cpuCap += topology.nodeCPUCores[n]
      mem += memUsed[n]
      memCap += topology.nodeMemoryGB[n]
    }
    return (cpu, cpuCap, mem, memCap)
  }
}

// MARK: - Read-only state

extension EdgeCloudSimulator {
  /// d[w][n]: deployed replicas of `service` on `node` (including ones pending removal).
  @inline(__always)
  public func replicaCount(service w: Int, node n: Int) -> Int {
    Int(replicas[replicaKey(service: w, node: n)])
  }

  /// Busy replicas of `service` on `node`.
  @inline(__always)
  public func busyReplicas(service w: Int, node n: Int) -> Int {
    Int(busy[replicaKey(service: w, node: n)])
  }

  /// Replicas of `service` on `node` waiting to be removed once idle.
  @inline(__always)
  public func pendingRemovals(service w: Int, node n: Int) -> Int {
    Int(pendingRemoval[replicaKey(service: w, node: n)])
  }

  /// Replicas of `service` on `node` that can take a request now.
  @inline(__always)
  public func idleReplicas(service w: Int, node n: Int) -> Int {
    Int(idleReplicaCount(at: replicaKey(service: w, node: n)))
  }

  /// Replicas of `service` on `node` that stay deployed (deployed − pending removal): the ones
  /// that serve and count toward the action mask.
  @inline(__always)
  public func activeReplicas(service w: Int, node n: Int) -> Int {
    Int(activeReplicaCount(at: replicaKey(service: w, node: n)))
  }

  /// Replicas (all services) on `node`.
  @inline(__always)
  public func replicasOn(node n: Int) -> Int { Int(replicasOnNode[n]) }

  /// CPU in use on `node`, cores.
  @inline(__always)
  public func cpuUsedCores(node n: Int) -> Double { cpuUsed[n] }

  /// Memory in use on `node` (replicas + running requests), GB.
  @inline(__always)
  public func memoryUsedGB(node n: Int) -> Double { memUsed[n] }

  /// CPU utilization of `node` in [0, 1].
  @inline(__always)
  public func cpuUtilization(node n: Int) -> Double { cpuUsed[n] / topology.nodeCPUCores[n] }

  /// Whether node `n` is above the overload threshold in CPU or memory.
  @inline(__always)
  public func isOverloaded(node n: Int) -> Bool {
    Self.overloaded(
      cpuUsed: cpuUsed[n], cpuCapacity: topology.nodeCPUCores[n], memoryUsed: memUsed[n],
      memoryCapacity: topology.nodeMemoryGB[n], threshold: config.rewards.overloadThreshold)
  }

  /// Whether the cloud as a whole (usage summed over its nodes) is above the overload
  /// threshold in CPU or memory.
  public var isCloudOverloaded: Bool {
    let u = cloudUsage()
    return Self.overloaded(
      cpuUsed: u.cpuUsed, cpuCapacity: u.cpuCapacity, memoryUsed: u.memoryUsed,
      memoryCapacity: u.memoryCapacity, threshold: config.rewards.overloadThreshold)
  }

  /// Requests running on `node`.
  @inline(__always)
  public func runningRequests(node n: Int) -> Int { Int(runningOnNode[n]) }

  /// Requests waiting in the queue of `target` (an edge node's Q'_n, or the cloud's Q_c).
  @inline(__always)
  public func queueLength(target a: Int) -> Int { groupQueues[a].count }

  /// The actual execution time of request `id` (a `DispatchDecision.requestID`), ms. An oracle:
  /// dispatchers see only their service's mean E_w. For clairvoyant references and
  /// diagnostics (`experiment headroom`).
  public func executionMs(request id: Int32) -> Double { requests[Int(id)].executionMs }

  /// Requests of `service` waiting in the queue of `target`.
  @inline(__always)
  public func queueLength(target a: Int, service w: Int) -> Int {
    groupQueues[a].count(service: w)
  }

  /// Requests dispatched to `target` and not started: waiting in its queue or in transit.
  @inline(__always)
  public func queuedOrInTransit(target a: Int) -> Int { groupQueues[a].count + Int(inTransit[a]) }

  /// CPU demand of the requests dispatched to `target` and not yet started (in transit or
  /// queued), cores: what Kubernetes counts as requested by bound-but-pending pods.
  @inline(__always)
  public func pendingCPUCores(target a: Int) -> Double { pendingCPU[a] }

  /// Requests dispatched to `target` and still in transit.
  @inline(__always)
  public func inTransitCount(target a: Int) -> Int { Int(inTransit[a]) }

  /// The queue-aware estimate of how long a request of `service` dispatched now from eAP `eap`
  /// to `target` takes to finish, ms: the one-way latency, the wait behind the requests of the
  /// same service queued there and every request in transit to it (spread over the service's
  /// active replicas at the target, idle ones taking the first requests at once), and one mean
  /// execution time E_w. The cloud counts the replicas of all cloud nodes. `QueueAwarePolicy`
  /// dispatches by it.
  public func estimatedCompletionMs(eap b: Int, service w: Int, target a: Int) -> Double {
    let topo = topology
    let eW = estimator.estimatesMs[w]
    var servers = 0
    var idle = 0
    if a == topo.cloudTarget {
      for n in topo.edgeNodeCount..<topo.nodeCount {
        servers += activeReplicas(service: w, node: n)
        idle += idleReplicas(service: w, node: n)
      }
    } else {
      servers = activeReplicas(service: w, node: a)
      idle = idleReplicas(service: w, node: a)
    }
    let ahead = queueLength(target: a, service: w) + inTransitCount(target: a)
    let waiting = max(0, ahead + 1 - idle)
    let waitMs = Double(waiting) / Double(max(1, servers)) * eW
    return topo.latencyMs(eap: b, target: a) + waitMs + eW
  }

  /// Requests waiting in eAP `eap`'s queue Q_b.
  @inline(__always)
  public func eapQueueLength(eap b: Int) -> Int { eapQueues[b].count }

  /// Requests of `service` waiting in eAP `eap`'s queue.
  @inline(__always)
  public func eapQueueLength(eap b: Int, service w: Int) -> Int {
    eapQueues[b].count(service: w)
  }

  /// Requests waiting or running anywhere, per service (eAP queues, transit excluded, node
  /// and cloud queues).
  public func queuedRequests(service w: Int) -> Int {
    var s = 0
    for b in 0..<eapCount { s += eapQueues[b].count(service: w) }
    for g in 0..<groupQueues.count { s += groupQueues[g].count(service: w) }
    return s
  }

  /// Decisions eAP `eap` took in the current slot.
  @inline(__always)
  public func decisionsThisSlot(eap b: Int) -> Int { slotDecisions[b] }

  /// Requests in the system, counted place by place: eAP queues, in transit, node/cloud queues
  /// and running. Equals `liveRequests` at every instant.
  public var requestsInSystem: Int {
    var s = 0
    for b in 0..<eapCount { s += eapQueues[b].count }
    for a in 0..<targetCount { s += Int(inTransit[a]) + groupQueues[a].count }
    for n in 0..<topology.nodeCount { s += Int(runningOnNode[n]) }
    return s
  }

  /// Cumulative busy core·ms of `service`'s replicas in `cluster` this episode (the cloud is
  /// cluster `clusterCount`), attributed when requests finish; HPA differences it per sync.
  @inline(__always)
  public func busyCoreMs(cluster c: Int, service w: Int) -> Double {
    clusterServiceBusyCoreMs[c * serviceCount + w]
  }
}
