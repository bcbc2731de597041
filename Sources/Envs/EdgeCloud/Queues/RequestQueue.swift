/// A queue with one of the three strategies chosen at run time: the kind and that strategy's
/// state (no existentials; mutations go through the stored optional in place, so the
/// strategy's storage is never copied).
public struct RequestQueue: Sendable {
  /// The strategy.
  public let kind: DequeueKind
  var fifo: FIFOQueue?
  var edf: EDFQueue?
  var hybrid: HybridQueue?

  /// An empty queue of `kind` for `serviceCount` services.
  public init(_ kind: DequeueKind, serviceCount: Int) {
    self.kind = kind
    switch kind {
    case .fifo: fifo = FIFOQueue(serviceCount: serviceCount)
    case .edf: edf = EDFQueue(serviceCount: serviceCount)
    case .hybrid: hybrid = HybridQueue(serviceCount: serviceCount)
    }
  }

  /// Requests queued.
  @inline(__always)
  public var count: Int {
    switch kind {
    case .fifo: return fifo!.count
    case .edf: return edf!.count
    case .hybrid: return hybrid!.count
    }
  }

  /// Requests of `service` queued.
  @inline(__always)
  public func count(service: Int) -> Int {
    switch kind {
    case .fifo: return fifo!.count(service: service)
    case .edf: return edf!.count(service: service)
    case .hybrid: return hybrid!.count(service: service)
    }
  }

  /// Visits every queued request.
  public func forEach(_ body: (QueueEntry) -> Void) {
    switch kind {
    case .fifo: fifo!.forEach(body)
    case .edf: edf!.forEach(body)
    case .hybrid: hybrid!.forEach(body)
    }
  }

  /// Enqueues a request.
  @inline(__always)
  public mutating func push(_ entry: QueueEntry) {
    switch kind {
    case .fifo: fifo!.push(entry)
    case .edf: edf!.push(entry)
    case .hybrid: hybrid!.push(entry)
    }
  }

  /// Visits, in `forEach` order, the requests with `deadlineMs − nowMs ≤ limitsMs[service]`.
  func forEach(
    nowMs: Double, limitsMs: UnsafeBufferPointer<Double>, _ body: (QueueEntry) -> Void
  ) {
    switch kind {
    case .fifo: fifo!.store.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
    case .hybrid:
      hybrid!.urgent.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
      hybrid!.normal.forEach(nowMs: nowMs, limitsMs: limitsMs, body)
    case .edf:
      edf!.forEach { e in
        if e.deadlineMs - nowMs <= limitsMs[Int(e.service)] { body(e) }
      }
    }
  }

  /// Enqueues a request; returns whether it became the head of its service's bucket — when
  /// it did not, no head changed, so `popBest`'s outcome under the same `allowed` is
  /// unchanged unless it was a request before.
  @inline(__always)
  mutating func pushReportingHead(_ entry: QueueEntry) -> Bool {
    switch kind {
    case .fifo: return fifo!.pushReportingHead(entry)
    case .edf: return edf!.pushReportingHead(entry)
    case .hybrid: return hybrid!.pushReportingHead(entry)
    }
  }

  /// See `DequeueStrategy.popBest`.
  @inline(__always)
  public mutating func popBest(
    estimatesMs: UnsafeBufferPointer<Double>, allowed: (Int, Float, Float) -> Bool
  ) -> QueueEntry? {
    switch kind {
    case .fifo: return fifo!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    case .edf: return edf!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    case .hybrid: return hybrid!.popBest(estimatesMs: estimatesMs, allowed: allowed)
    }
  }

  /// See `DequeueStrategy.removeExpired`.
  public mutating func removeExpired(nowMs: Double, _ onRemoved: (QueueEntry) -> Void) {
    switch kind {
    case .fifo: fifo!.removeExpired(nowMs: nowMs, onRemoved)
    case .edf: edf!.removeExpired(nowMs: nowMs, onRemoved)
    case .hybrid: hybrid!.removeExpired(nowMs: nowMs, onRemoved)
    }
  }

  /// See `DequeueStrategy.promoteUrgent`.
  public mutating func promoteUrgent(
    nowMs: Double, estimatesMs: UnsafeBufferPointer<Double>, slackMs: Double
  ) -> Int {
    switch kind {
    case .hybrid:
      return hybrid!.promoteUrgent(nowMs: nowMs, estimatesMs: estimatesMs, slackMs: slackMs)
    case .fifo, .edf: return 0
    }
  }

  /// See `DequeueStrategy.remove(where:_:)`.
  public mutating func remove(
    where take: (QueueEntry) -> Bool, _ onRemoved: (QueueEntry) -> Void
  ) {
    switch kind {
    case .fifo: fifo!.remove(where: take, onRemoved)
    case .edf: edf!.remove(where: take, onRemoved)
    case .hybrid: hybrid!.remove(where: take, onRemoved)
    }
  }
}
