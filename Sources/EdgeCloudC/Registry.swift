import Synchronization

/// One environment's session under its own lock, so different handles step in parallel from
/// different threads while calls on one handle are serialized.
final class Slot: Sendable {
  let session: Mutex<Session>

  init(_ session: sending Session) {
    self.session = Mutex(session)
  }
}

/// The live environments by handle. Handles are positive and never reused, so a handle used
/// after `kmps_ec_destroy` is an error (`invalidHandle`), never another environment or freed
/// memory.
enum Registry {
  private struct Table: ~Copyable {
    var next: Int64 = 1
    var slots: [Int64: Slot] = [:]
  }

  private static let table = Mutex(Table())

  /// Registers `session` and returns its new handle.
  static func add(_ session: sending Session) -> Int64 {
    let slot = Slot(session)
    return table.withLock { t in
      let handle = t.next
      t.next += 1
      t.slots[handle] = slot
      return handle
    }
  }

  /// Removes `handle`; throws when it is not live.
  static func remove(_ handle: Int64) throws(ABIError) {
    let removed = table.withLock { $0.slots.removeValue(forKey: handle) }
    guard removed != nil else { throw unknown(handle) }
  }

  /// Runs `body` on the session of `handle` under its lock.
  static func with<R>(
    _ handle: Int64, _ body: (inout Session) throws(ABIError) -> R
  ) throws(ABIError) -> R {
    guard let slot = table.withLock({ $0.slots[handle] }) else { throw unknown(handle) }
    return try slot.session.withLock { (session) throws(ABIError) -> R in try body(&session) }
  }

  private static func unknown(_ handle: Int64) -> ABIError {
    ABIError(
      status: .invalidHandle,
      message: "no environment has handle \(handle) (destroyed, or never created)")
  }
}
