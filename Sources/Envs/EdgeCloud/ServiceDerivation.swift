import Foundation

// The trace decides what the services are: `services.mapping` assigns every row a service, and
// with `services.deriveFromTrace` each service's execution-time distribution, replica CPU and
// replica memory come from the rows mapped to it. The simulator, the workload generator and the
// episode bound all run `resolvingServices(trace:)`, so they agree; it is idempotent (the
// mapping reads the trace's raw columns, the derived values read only the trace and the
// reference fields), so a resolved config can be fed back in.

extension WorkloadConfig {
  /// The execution-time factor `execMinFactor + (execMaxFactor − execMinFactor) · u` of a row
  /// whose duration is `durationS` (u its normalized log-duration, see `WorkloadGenerator`).
  public func executionFactor(durationS: Double) -> Double {
    let u = min(1, log1p(durationS) / log1p(durationCapS))
    return execMinFactor + (execMaxFactor - execMinFactor) * u
  }

  /// A row's CPU demand, cores: clamp(plan_cpu / 100 · cpuDemandScale, minCPUCores,
  /// maxCPUCores).
  public func cpuDemandCores(planCPU: Double) -> Double {
    min(maxCPUCores, max(minCPUCores, planCPU / 100 * cpuDemandScale))
  }
}

/// Per-service parameters measured on the trace rows mapped to each service.
public struct DerivedServices: Sendable, Equatable {
  /// Rows per service.
  public var rows: [Int]
  /// Mean execution time of the service's requests, ms (`referenceExecutionMs` times the mean
  /// execution factor of its rows).
  public var meanExecutionMs: [Double]
  /// Mean CPU demand of the service's requests, cores (the replica's CPU request).
  public var replicaCPURequestCores: [Double]
  /// `referenceReplicaMemoryGB` scaled by the service's mean plan_mem over the mean of the
  /// services' means, clamped to [0.5, 1.5] times the reference.
  public var replicaMemoryGB: [Double]

  /// Measures `trace` (already mapped) for `config`'s services and workload. A service without
  /// rows gets the all-rows values (mean execution and CPU) and the reference memory.
  public init(trace: AlibabaTrace, config: EdgeCloudConfig) {
    let w = config.services.count
    let wl = config.workload
    let reference = config.services.referenceExecutionMs
    var rows = [Int](repeating: 0, count: w)
    var exec = [Double](repeating: 0, count: w)
    var cpu = [Double](repeating: 0, count: w)
    var mem = [Double](repeating: 0, count: w)
    var allExec = 0.0
    var allCPU = 0.0
    for i in 0..<trace.count {
      let s = Int(trace.service[i])
      guard s >= 0 && s < w else { continue }
      let e = reference * wl.executionFactor(durationS: trace.durationS[i])
      let c = wl.cpuDemandCores(planCPU: trace.planCPU[i])
      rows[s] += 1
      exec[s] += e
      cpu[s] += c
      mem[s] += trace.planMemory[i]
      allExec += e
      allCPU += c
    }
    let total = Double(max(rows.reduce(0, +), 1))
    let meanExecAll = rows.reduce(0, +) > 0 ? allExec / total : reference
    let meanCPUAll =
      rows.reduce(0, +) > 0 ? allCPU / total : (wl.minCPUCores + wl.maxCPUCores) / 2
    var memMeans: [Double?] = []
    for s in 0..<w {
      if rows[s] > 0 {
        exec[s] /= Double(rows[s])
        cpu[s] /= Double(rows[s])
        memMeans.append(mem[s] / Double(rows[s]))
      } else {
        exec[s] = meanExecAll
        cpu[s] = meanCPUAll
        memMeans.append(nil)
      }
    }
    let present = memMeans.compactMap { $0 }
    let memRef = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    let refGB = config.services.referenceReplicaMemoryGB
    self.rows = rows
    meanExecutionMs = exec
    replicaCPURequestCores = cpu
    replicaMemoryGB = memMeans.map { m in
      guard let m, memRef > 0 else { return refGB }
      return min(1.5 * refGB, max(0.5 * refGB, refGB * m / memRef))
    }
  }
}

extension EdgeCloudConfig {
  /// The config and trace a simulator runs: the trace's rows mapped to services by
  /// `services.mapping`, and with `services.deriveFromTrace` the per-service
  /// `baseExecutionMs` (mean execution time), `replicaCPURequestCores` and `replicaMemoryGB`
  /// replaced by `DerivedServices` of the mapped trace. Without a trace, unchanged.
  public func resolvingServices(trace: AlibabaTrace?) -> (
    config: EdgeCloudConfig, trace: AlibabaTrace?
  ) {
    guard let trace else { return (self, nil) }
    let mapped = trace.mapped(
      services.mapping, serviceCount: services.count,
      resourceCPUClasses: services.resourceCPUClasses)
    guard services.deriveFromTrace, mapped.count > 0 else { return (self, mapped) }
    let derived = DerivedServices(trace: mapped, config: self)
    var config = self
    config.services.baseExecutionMs = derived.meanExecutionMs
    config.services.replicaCPURequestCores = derived.replicaCPURequestCores
    config.services.replicaMemoryGB = derived.replicaMemoryGB
    return (config, mapped)
  }
}
