// MARK: - What a central scheduler sees and may do: pending requests, deferral

/// A request waiting in an eAP queue Q_b, as a central scheduler (Firmament) sees it.
public struct PendingRequest: Sendable, Equatable {
  /// The request's id (valid while it is in the system).
  public var id: Int32
  /// The eAP (= cluster) whose queue holds it.
  public var eap: Int
  /// Service index.
  public var service: Int
  /// CPU demand, cores.
  public var cpuCores: Double
  /// Memory demand while running, GB.
  public var memoryGB: Double
  /// Arrival at the eAP, ms.
  public var arrivalMs: Double
  /// Absolute deadline, ms.
  public var deadlineMs: Double

  /// Creates a value from all its fields.
  public init(
    id: Int32, eap: Int, service: Int, cpuCores: Double, memoryGB: Double, arrivalMs: Double,
    deadlineMs: Double
  ) {
    self.id = id
    self.eap = eap
    self.service = service
    self.cpuCores = cpuCores
    self.memoryGB = memoryGB
    self.arrivalMs = arrivalMs
    self.deadlineMs = deadlineMs
  }
}

extension EdgeCloudSimulator {
  /// The target a dispatch policy returns to leave a request in its eAP queue until the next
  /// slot (a central scheduler's "unscheduled" choice). A deferred request is not a decision:
  /// it takes no decision latency, does not use the eAP's per-slot budget, and goes back to
  /// its queue (with its original queue order) once the slot's decision rounds are over.
  public static let deferTarget = -1

  /// Calls `body` with every request waiting in eAP `eap`'s queue (in the queue's storage
  /// order, not its dequeue order).
  public func forEachPendingRequest(eap b: Int, _ body: (PendingRequest) -> Void) {
    eapQueues[b].forEach { e in
      let r = requests[Int(e.id)]
      body(
        PendingRequest(
          id: e.id, eap: b, service: Int(e.service), cpuCores: Double(e.cpuCores),
          memoryGB: Double(e.memoryGB), arrivalMs: r.arrivalMs, deadlineMs: e.deadlineMs))
    }
  }
}
