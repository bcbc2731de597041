/// A timed event of the simulator's event loop: a request reaching its node or cloud queue,
/// finishing, or being killed at its deadline. Events at the same time run in `seq` order.
///
/// 16 bytes, so that a 4-ary heap node's four children fill one 64-byte cache line: the time,
/// and one word holding `seq` (high 38 bits), `kind` (2 bits) and the request `id` (low 24
/// bits). `seq` in the high bits makes the word order the `seq` order. The bounds (2^38 events
/// per episode, 2^24 requests in the system at once) are far beyond any run this simulator
/// makes: at a million events per second of CPU, 2^38 events take three days.
struct SimEvent: Comparable {
  var timeMs: Double
  /// `seq << 26 | kind << 24 | id`.
  var key: UInt64

  static let nodeArrival: UInt8 = 0
  static let completion: UInt8 = 1
  static let timeout: UInt8 = 2
  /// Exclusive bound of `seq`.
  static let seqLimit: UInt64 = 1 << 38
  /// Exclusive bound of `id`.
  static let idLimit: Int32 = 1 << 24

  @inline(__always)
  init(timeMs: Double, seq: UInt64, kind: UInt8, id: Int32) {
    precondition(
      seq < Self.seqLimit && id >= 0 && id < Self.idLimit && kind < 4,
      "SimEvent: more than 2^38 events in an episode or 2^24 requests in the system at once")
    self.timeMs = timeMs
    key = seq << 26 | UInt64(kind) << 24 | UInt64(id)
  }

  /// Order of scheduling (unique within an episode).
  var seq: UInt64 { key >> 26 }
  /// `nodeArrival`, `completion` or `timeout`.
  var kind: UInt8 { UInt8(truncatingIfNeeded: (key >> 24) & 3) }
  /// The request.
  var id: Int32 { Int32(truncatingIfNeeded: key & 0xff_ffff) }

  static func < (a: SimEvent, b: SimEvent) -> Bool {
    a.timeMs < b.timeMs || (a.timeMs == b.timeMs && a.key < b.key)
  }
  static func == (a: SimEvent, b: SimEvent) -> Bool { a.key == b.key }
}

// MARK: - Event loop: arrivals at nodes, starts, completions

extension EdgeCloudSimulator {
  /// Schedules an event of `kind` for request `id` at `timeMs`.
  @inline(__always)
  mutating func pushEvent(_ timeMs: Double, _ kind: UInt8, _ id: Int32) {
    eventSeq &+= 1
    events.insert(SimEvent(timeMs: timeMs, seq: eventSeq, kind: kind, id: id))
  }

  /// A latency drawn around `meanMs` (± the topology's jitter fraction, uniform).
  @inline(__always)
  mutating func jitter(_ meanMs: Double) -> Double {
    let j = topology.jitterFraction
    if j == 0 { return meanMs }
    return meanMs * (1 - j + 2 * j * rng.nextDouble())
  }

  /// Runs every event up to `endMs` (inclusive) in time order.
  mutating func processEvents(until endMs: Double) {
    while let top = events.min, top.timeMs <= endMs {
      let ev = events.removeMin()
      if ev.timeMs < nowMs { monotonicityViolations += 1 }
      nowMs = ev.timeMs
      switch ev.kind {
      case SimEvent.nodeArrival: handleNodeArrival(ev.id)
      default: handleCompletion(ev.id, killed: ev.kind == SimEvent.timeout)
      }
    }
  }

  /// Request `id` reaches the queue of its target: it fails if its deadline has passed,
  /// otherwise joins the queue and starts if it can.
  mutating func handleNodeArrival(_ id: Int32) {
    let i = Int(id)
    var r = requests[i]
    let g = Int(r.target)
    inTransit[g] -= 1
    r.nodeArrivalMs = nowMs
    r.transmissionMs += nowMs - r.sentMs
    requests[i] = r
    if r.deadlineMs <= nowMs {
      fail(id, inQueue: true, atEAP: false)
      return
    }
    let e = nextQueueEntry(id)
    let isHead = groupQueues[g].pushReportingHead(e)
    if groupBlocked[g] && !isHead && skipsBlockedGroups {
      if checksBlockedGroups {
        var probe = self
        probe.checksBlockedGroups = false
        probe.tryStart(group: g)
        blockedGroupSkips += 1
        if probe.groupQueues[g].count != groupQueues[g].count { blockedGroupMisses += 1 }
      }
      return
    }
    tryStart(group: g)
  }

  /// Starts queued requests of queue group `g` (an edge node, or the cloud) on idle replicas
  /// while CPU and memory allow, in Ψ' order.
  mutating func tryStart(group g: Int) {
    groupBlocked[g] = true
    guard groupQueues[g].count > 0 else { return }
    let sc = serviceCount
    let nodes = self.nodes(ofGroup: g)
    while true {
      // Pick the best request that some node of the group can start now. The queue is being
      // mutated, so the node state is read through pointers taken beforehand.
      let cloud = topology.cloudTarget
      let cloudIdle = cloudIdleReplicas
      let popped: QueueEntry? = estimator.estimatesMs.withUnsafeBufferPointer { e in
        replicas.withUnsafeBufferPointer { rep in
          busy.withUnsafeBufferPointer { bz in
            pendingRemoval.withUnsafeBufferPointer { pr in
              cpuUsed.withUnsafeBufferPointer { cu in
                memUsed.withUnsafeBufferPointer { mu in
                  topology.nodeCPUCores.withUnsafeBufferPointer { cc in
                    topology.nodeMemoryGB.withUnsafeBufferPointer { mc in
                      groupQueues[g].popBest(estimatesMs: e) { w, cpu, mem in
                        if g == cloud && cloudIdle[w] <= 0 { return false }
                        for n in nodes {
                          let k = n * sc + w
                          if Self.idle(replicas: rep[k], busy: bz[k], pendingRemoval: pr[k]) > 0
                            && Self.fits(
                              cpuCores: Double(cpu), memoryGB: Double(mem),
                              cpuCapacity: cc[n], cpuUsed: cu[n],
                              memoryCapacity: mc[n], memoryUsed: mu[n])
                          {
                            return true
                          }
                        }
                        return false
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      guard let qe = popped else { return }
      let id = qe.id
      let i = Int(id)
      if requests[i].deadlineMs <= nowMs {
        fail(id, inQueue: true, atEAP: false)
        continue
      }
      let w = Int(qe.service)
      let cpu = Double(qe.cpuCores)
      let mem = Double(qe.memoryGB)
      // Choose the node: the only one at the edge; the least CPU-loaded fitting one in the cloud.
      var node = -1
      var bestLoad = Double.infinity
      for n in nodes {
        guard canStart(service: w, node: n, cpuCores: cpu, memoryGB: mem) else { continue }
        let load = cpuUsed[n] / topology.nodeCPUCores[n]
        if load < bestLoad {
          bestLoad = load
          node = n
        }
      }
      start(id, node: node, service: w, cpuCores: cpu, memoryGB: mem)
    }
  }

  /// Starts request `id` on node `n` (counting a capacity violation if it does not fit) and
  /// schedules its completion, or its kill at the deadline when it cannot finish in time.
  @inline(__always)
  mutating func start(_ id: Int32, node n: Int, service w: Int, cpuCores: Double, memoryGB: Double)
  {
    let i = Int(id)
    let k = replicaKey(service: w, node: n)
    unpend(id)
    if n < 0 || idleReplicaCount(at: k) <= 0
      || cpuUsed[n] + cpuCores > topology.nodeCPUCores[n] + 1e-9
      || memUsed[n] + memoryGB > topology.nodeMemoryGB[n] + 1e-9
    {
      capacityViolations += 1
    }
    busy[k] += 1
    adjustCloudIdle(service: w, node: n, by: -1)
    cpuUsed[n] += cpuCores
    memUsed[n] += memoryGB
    runningOnNode[n] += 1
    var r = requests[i]
    r.node = Int32(n)
    r.startMs = nowMs
    r.queueingMs += nowMs - r.nodeArrivalMs
    requests[i] = r
    let end = nowMs + r.executionMs
    if end <= r.deadlineMs {
      pushEvent(end, SimEvent.completion, id)
    } else {
      pushEvent(r.deadlineMs, SimEvent.timeout, id)
    }
  }

  /// Request `id` finishes (or, `killed`, is stopped at its deadline): frees its replica and
  /// resources, records its latencies, completes a pending removal, starts what can start.
  mutating func handleCompletion(_ id: Int32, killed: Bool) {
    let r = requests[Int(id)]
    let n = Int(r.node)
    let w = Int(r.service)
    let k = replicaKey(service: w, node: n)
    let cpu = Double(r.cpuCores)
    busy[k] -= 1
    adjustCloudIdle(service: w, node: n, by: 1)
    cpuUsed[n] -= cpu
    Self.snapToZero(&cpuUsed[n])
    memUsed[n] -= Double(r.memoryGB)
    runningOnNode[n] -= 1
    let ranMs = nowMs - r.startMs
    let coreMs = cpu * ranMs
    let cluster = topology.nodeCluster[n]
    clusterServiceBusyCoreMs[cluster * serviceCount + w] += coreMs
    if n < topology.edgeNodeCount {
      metrics.edgeBusyCoreMs += coreMs
    } else {
      metrics.cloudBusyCoreMs += coreMs
    }
    if !(r.arrivalMs <= r.decisionStartMs && r.decisionStartMs <= r.dispatchMs
      && r.dispatchMs <= r.nodeArrivalMs && r.nodeArrivalMs <= r.startMs
      && r.startMs <= nowMs && (killed || nowMs <= r.deadlineMs))
    {
      monotonicityViolations += 1
    }
    if killed {
      fail(id, inQueue: false, atEAP: false)
    } else {
      recordOnTimeCompletion(id, r, ranMs: ranMs)
    }
    if pendingRemoval[k] > 0 {
      // The replica that was to go goes now: idle count unchanged (one fewer pending, one fewer
      // deployed).
      pendingRemoval[k] -= 1
      adjustCloudIdle(service: w, node: n, by: 1)
      dropReplica(service: w, node: n)
    }
    tryStart(group: queueGroup(ofNode: n))
  }

  /// Counts request `id` (record `r`, run for `ranMs`) as completed on time: outcome log,
  /// slot and frame counters, E_w observation and the latency breakdown; frees its row.
  @inline(__always)
  mutating func recordOnTimeCompletion(_ id: Int32, _ r: RequestRecord, ranMs: Double) {
    let b = Int(r.eap)
    logOutcome(id, onTime: true)
    slotOnTime[b] += 1
    metrics.completedOnTime += 1
    frameOnTimeCount += 1
    if Int(r.node) >= topology.edgeNodeCount { metrics.completedOnTimeInCloud += 1 }
    estimator.record(service: Int(r.service), completionMs: nowMs - r.nodeArrivalMs)
    let decision = r.dispatchMs - r.decisionStartMs
    let transmission = r.transmissionMs
    let queueing = (r.decisionStartMs - r.arrivalMs) + r.queueingMs
    metrics.decisionMsSum += decision
    metrics.transmissionMsSum += transmission
    metrics.queueingMsSum += queueing
    metrics.executionMsSum += ranMs
    metrics.schedulingMsSum += r.dispatchMs - r.arrivalMs
    metrics.e2eHistogram.add(nowMs - r.arrivalMs)
    release(id)
  }
}
