import Foundation

/// How the rows of a `batch_task` trace become services (`services.mapping`).
public enum ServiceMappingKind: String, Codable, Sendable, CaseIterable {
  /// The authors' mapping: service = task_type − 1. On the bundled trace one type carries
  /// ~89% of the rows and six services get none (see `data/traces/README.md`).
  case taskType
  /// A stable hash of job_name (FNV-1a, 64 bit) modulo the service count: a job's tasks share a
  /// service, and services turn hot and cold as jobs come and go.
  case job
  /// Classes of plan_cpu × plan_mem: `services.resourceCPUClasses` plan_cpu classes times
  /// `count / resourceCPUClasses` plan_mem classes, split at the trace's quantiles.
  case resources
}

extension AlibabaTrace {
  /// FNV-1a (64 bit) of `bytes`: the stable job hash (the same on every platform and run,
  /// unlike `Hasher`).
  public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01b3
    }
    return h
  }

  /// The class boundaries of `values` at the quantiles k/classes, k = 1…classes−1 (the value
  /// at sorted position ⌊k·n/classes⌋); a value's class is the number of boundaries below it,
  /// so equal values always share a class (with many ties some classes stay empty).
  static func quantileBoundaries(_ values: [Double], classes: Int) -> [Double] {
    let sorted = values.sorted()
    guard !sorted.isEmpty, classes > 1 else { return [] }
    return (1..<classes).map { k in sorted[min(sorted.count - 1, k * sorted.count / classes)] }
  }

  /// The class of `value` given `boundaries`: how many lie strictly below it.
  static func quantileClass(_ value: Double, _ boundaries: [Double]) -> Int {
    var c = 0
    for b in boundaries where b < value { c += 1 }
    return c
  }

  /// The service of every row under `mapping`, for `serviceCount` services. `taskType` rows
  /// keep task_type − 1 (the loader keeps only types 1…serviceCount);
  /// `resourceCPUClasses` is used by `.resources` only and must divide `serviceCount`.
  public func services(
    _ mapping: ServiceMappingKind, serviceCount: Int, resourceCPUClasses: Int = 3
  ) -> [Int32] {
    let w = max(serviceCount, 1)
    switch mapping {
    case .taskType:
      return taskType.map { max(0, min(Int32(w - 1), $0 - 1)) }
    case .job:
      return jobHash.map { Int32(truncatingIfNeeded: $0 % UInt64(w)) }
    case .resources:
      let cpuClasses = max(1, min(resourceCPUClasses, w))
      let memClasses = max(1, w / cpuClasses)
      let cpuBounds = Self.quantileBoundaries(planCPU, classes: cpuClasses)
      let memBounds = Self.quantileBoundaries(planMemory, classes: memClasses)
      return (0..<count).map { i in
        let c = Self.quantileClass(planCPU[i], cpuBounds)
        let m = Self.quantileClass(planMemory[i], memBounds)
        return Int32(min(w - 1, c * memClasses + m))
      }
    }
  }

  /// This trace with `service` reassigned under `mapping`.
  public func mapped(
    _ mapping: ServiceMappingKind, serviceCount: Int, resourceCPUClasses: Int = 3
  ) -> AlibabaTrace {
    var t = self
    t.service = services(
      mapping, serviceCount: serviceCount, resourceCPUClasses: resourceCPUClasses)
    return t
  }

  /// Each service's share of the rows (fractions summing to 1; zeros for an empty trace).
  public func serviceShares(serviceCount: Int) -> [Double] {
    let counts = serviceCounts(serviceCount: serviceCount)
    let n = Double(max(count, 1))
    return counts.map { Double($0) / n }
  }

  /// The loader's one-line summary (`TraceLoadStats.description`: rows read, kept, skipped by
  /// reason, task types seen) followed by the services the rows become under `services`'
  /// mapping: how many of the `services.count` get rows, and the largest and smallest shares.
  public func summary(services: ServiceConfig) -> String {
    let shares =
      mapped(
        services.mapping, serviceCount: services.count,
        resourceCPUClasses: services.resourceCPUClasses
      ).serviceShares(serviceCount: services.count)
    let seen = shares.filter { $0 > 0 }.count
    let percent = { (x: Double) in String(format: "%.1f%%", 100 * x) }
    return stats.description
      + "; services seen \(seen) of \(services.count) under the \(services.mapping.rawValue) "
      + "mapping (largest \(percent(shares.max() ?? 0)), smallest \(percent(shares.min() ?? 0)))"
  }

  /// Loads the trace `environment` replays (`workload.tracePath`, or `path` when given) with
  /// its service count and zero-duration clamp.
  public static func load(for environment: EdgeCloudConfig, path: String? = nil) throws
    -> AlibabaTrace
  {
    try load(
      path: path ?? environment.workload.tracePath, serviceCount: environment.services.count,
      zeroDurationClampS: environment.workload.zeroDurationClampS)
  }
}
