#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@inlinable func _logD(_ x: Double) -> Double { log(x) }
@inlinable func _cosD(_ x: Double) -> Double { cos(x) }
