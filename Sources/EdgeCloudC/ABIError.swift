import Foundation
import Synchronization

/// The status codes every C function returns (`KMPS_EC_*` in `edgecloud.h`).
enum Status: Int32 {
  /// Success.
  case ok = 0
  /// A null pointer, a wrong count or an out-of-range argument other than an action.
  case invalidArgument = 1
  /// The config JSON or the trace cannot be used (unknown key, bad value, unreadable trace).
  case invalidConfig = 2
  /// No environment has this handle (destroyed, or never created).
  case invalidHandle = 3
  /// An action is out of range or masked.
  case invalidAction = 4
  /// `step` before the first `reset`, or after the episode ended.
  case episodeOver = 5
}

/// A failed call: its status code and the message `kmps_ec_last_error` returns.
struct ABIError: Error {
  /// The code returned to the caller.
  var status: Status
  /// What went wrong, for a person.
  var message: String
}

/// The message of the latest failed call, per calling thread (like `errno`), so callers that
/// step different environments from different threads read their own errors.
enum LastError {
  private static let messages = Mutex<[UInt: String]>([:])

  private static var thread: UInt {
    #if canImport(Darwin)
      UInt(bitPattern: pthread_self())
    #else
      UInt(pthread_self())
    #endif
  }

  /// Records `message` for the calling thread.
  static func set(_ message: String) {
    let key = thread
    messages.withLock { $0[key] = message }
  }

  /// The calling thread's latest message (empty when no call of it failed).
  static func get() -> String {
    let key = thread
    return messages.withLock { $0[key] ?? "" }
  }
}

/// Runs `body`, turning every thrown error into a status code and the thread's last error.
func guarded(_ body: () throws(ABIError) -> Void) -> Int32 {
  do {
    try body()
    return Status.ok.rawValue
  } catch {
    LastError.set(error.message)
    return error.status.rawValue
  }
}

/// The pointer, or `invalidArgument` naming the parameter.
func required<T>(_ pointer: T?, _ name: String) throws(ABIError) -> T {
  guard let pointer else {
    throw ABIError(status: .invalidArgument, message: "\(name) is a null pointer")
  }
  return pointer
}
