/// A queued request as the queues see it: everything ordering and eligibility need, so no
/// lookups into the request table are needed while dequeuing.
public struct QueueEntry: Sendable, Equatable {
  /// The request's slot in the simulator's request table.
  public var id: Int32
  /// Service index.
  public var service: Int32
  /// CPU demand, cores.
  public var cpuCores: Float
  /// Memory demand while running, GB.
  public var memoryGB: Float
  /// Arrival order at this queue (FIFO key, tie-breaker for the others).
  public var seq: Int64
  /// Absolute deadline, ms.
  public var deadlineMs: Double

  /// Creates an entry.
  public init(
    id: Int32, service: Int32, cpuCores: Float, memoryGB: Float, seq: Int64, deadlineMs: Double
  ) {
    self.id = id
    self.service = service
    self.cpuCores = cpuCores
    self.memoryGB = memoryGB
    self.seq = seq
    self.deadlineMs = deadlineMs
  }
}

/// A dequeue strategy Ψ (eAP queues) / Ψ' (node and cloud queues), SPEC §3.5.
///
/// Queues keep one bucket per service so that a node can ask for "the best request among the
/// services that have an idle replica and fit the free CPU" (`allowed`, evaluated on the head
/// of each service's bucket) in O(W).
public protocol DequeueStrategy: Sendable {
  /// An empty queue for `serviceCount` services.
  init(serviceCount: Int)
  /// Requests queued.
  var count: Int { get }
  /// Requests of `service` queued.
  func count(service: Int) -> Int
  /// Enqueues a request.
  mutating func push(_ entry: QueueEntry)
  /// Removes and returns the highest-priority request among services whose head entry
  /// satisfies `allowed(service, cpuCores, memoryGB)`; `estimatesMs[w]` is E_w.
  mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry?
  /// Removes every request with `deadlineMs <= nowMs`, reporting each to `onRemoved`.
  mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void)
  /// Long-slot urgency detection: marks requests with `deadline − now ≤ E_w + slackMs` as
  /// urgent (served first). Returns how many were newly promoted (0 for EDF and FIFO).
  mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int
  /// Removes the requests for which `take` returns true (rescheduling), reporting each.
  mutating func remove(where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void)
  /// Visits every queued request (in no particular order).
  func forEach(_ body: (QueueEntry) -> Void)
}
