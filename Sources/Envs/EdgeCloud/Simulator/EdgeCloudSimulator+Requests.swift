/// One row of the simulator's request table: a request's demands and its lifecycle timestamps.
/// One struct per request (rather than one array per field) so that filling or updating a
/// request writes one array element.
struct RequestRecord {
  /// Service index.
  var service: Int32
  /// Originating eAP (= cluster).
  var eap: Int32
  /// Dispatch target (edge node or cloud), -1 before dispatch.
  var target: Int32 = -1
  /// Node running the request, -1 before it starts.
  var node: Int32 = -1
  /// CPU demand, cores.
  var cpuCores: Float
  /// Memory demand while running, GB.
  var memoryGB: Float
  /// Emergency-burst arrival.
  var emergency: Bool
  /// Arrival at the eAP, ms.
  var arrivalMs: Double
  /// Absolute deadline, ms.
  var deadlineMs: Double
  /// Execution time once started, ms.
  var executionMs: Double
  /// Slot start at which the dispatch decision was taken, ms.
  var decisionStartMs = 0.0
  /// Time the decision was done (dispatch), ms.
  var dispatchMs = 0.0
  /// Latest arrival at a node or cloud queue, ms.
  var nodeArrivalMs = 0.0
  /// Start of execution, ms.
  var startMs = 0.0
  /// Start of the current transmission, ms.
  var sentMs = 0.0
  /// Total transmission time so far, ms.
  var transmissionMs = 0.0
  /// Total time waiting in node and cloud queues so far, ms.
  var queueingMs = 0.0

  /// A freshly arrived request.
  @inline(__always)
  init(_ s: RequestSpec) {
    service = Int32(s.service)
    eap = Int32(s.eap)
    cpuCores = Float(s.cpuCores)
    memoryGB = Float(s.memoryGB)
    emergency = s.emergency
    arrivalMs = s.arrivalMs
    deadlineMs = s.arrivalMs + s.budgetMs
    executionMs = s.executionMs
  }
}

// MARK: - Request table

extension EdgeCloudSimulator {
  /// Enters a freshly arrived request into the table; returns its id (a recycled one first).
  @inline(__always)
  mutating func allocate(_ s: RequestSpec) -> Int32 {
    liveRequests += 1
    let r = RequestRecord(s)
    if let id = freeIDs.popLast() {
      requests[Int(id)] = r
      return id
    }
    requests.append(r)
    return Int32(requests.count - 1)
  }

  /// Frees request `id`'s row: the request has left the system.
  @inline(__always)
  mutating func release(_ id: Int32) {
    liveRequests -= 1
    freeIDs.append(id)
  }

  /// Request `id` as the queues see it, with `seq` 0.
  @inline(__always)
  func entry(_ id: Int32) -> QueueEntry {
    let i = Int(id)
    let r = requests[i]
    return QueueEntry(
      id: id, service: r.service, cpuCores: r.cpuCores, memoryGB: r.memoryGB, seq: 0,
      deadlineMs: r.deadlineMs)
  }

  /// Request `id` as the queues see it, stamped with the next arrival order: the entry for a
  /// push onto any queue.
  @inline(__always)
  mutating func nextQueueEntry(_ id: Int32) -> QueueEntry {
    queueSeq += 1
    var e = entry(id)
    e.seq = queueSeq
    return e
  }

  /// Appends how request `id` left the system to `requestOutcomes` (when logging).
  @inline(__always)
  mutating func logOutcome(_ id: Int32, onTime: Bool) {
    guard logsRequestOutcomes else { return }
    requestOutcomes.append(RequestOutcome(requestID: id, onTime: onTime))
    requestOutcomesLogged += 1
  }

  /// Request `id` failed (missed its deadline): waiting in an eAP queue (`atEAP`), dispatched
  /// and not started (`inQueue`: in a node or cloud queue), or running (neither).
  @inline(__always)
  mutating func fail(_ id: Int32, inQueue: Bool, atEAP: Bool) {
    let b = Int(requests[Int(id)].eap)
    if inQueue { unpend(id) }
    logOutcome(id, onTime: false)
    slotFailed[b] += 1
    if atEAP {
      metrics.failedAtEAP += 1
    } else if inQueue {
      metrics.failedInQueue += 1
    } else {
      metrics.failedRunning += 1
    }
    release(id)
  }

  /// The request left the "dispatched, not started" state of its target.
  @inline(__always)
  mutating func unpend(_ id: Int32) {
    let r = requests[Int(id)]
    let a = Int(r.target)
    pendingCPU[a] -= Double(r.cpuCores)
    Self.snapToZero(&pendingCPU[a])
  }

  /// Clamps a running sum that rounding took below zero back to 0 (values under 1e-9 only).
  @inline(__always)
  static func snapToZero(_ x: inout Double) {
    if x < 1e-9 { x = max(0, x) }
  }
}
