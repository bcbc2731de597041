import Foundation
import Testing

@testable import Envs

/// `services.mapping` (task type, job hash, resource classes) and the per-service values
/// derived from the rows mapped to each service.
@Suite struct ServiceMappingTests {
  static let rows = """
    a,1,j_A,1,Terminated,0,1,100,0.2
    b,1,  j_A ,1,Terminated,1,1001,50,0.4
    c,1,j_B,2,Terminated,2,3,0,0.6

    """

  @Test func jobHashIsFNV1aAndStable() throws {
    // FNV-1a 64: offset basis for "", and a value computed independently (Python).
    #expect(AlibabaTrace.fnv1a64([UInt8]()) == 0xcbf2_9ce4_8422_2325)
    #expect(AlibabaTrace.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    #expect(AlibabaTrace.fnv1a64("j_1661".utf8) == 0xcc03_fd10_dafb_5044)
    let t = try AlibabaTrace.parse(text: Self.rows)
    // Spaces around a job name do not change its hash; the loader keeps type and hash per row.
    let a = AlibabaTrace.fnv1a64("j_A".utf8)
    #expect(t.jobHash == [a, a, AlibabaTrace.fnv1a64("j_B".utf8)])
    #expect(t.taskType == [1, 1, 2])
    let job = t.services(.job, serviceCount: 12)
    #expect(job[0] == job[1])
    #expect(job[0] == Int32(AlibabaTrace.fnv1a64("j_A".utf8) % 12))
    // Same input, same services: the mapping depends on nothing but the rows.
    #expect(try AlibabaTrace.parse(text: Self.rows).services(.job, serviceCount: 12) == job)
    #expect(t.services(.taskType, serviceCount: 12) == [0, 0, 1])
  }

  @Test func resourceClassesSplitAtQuantiles() throws {
    // plan_cpu 10, 50, 100, 400 (2 classes: boundary 100) × plan_mem 0.1, 0.2 (2 classes:
    // boundary 0.2); class = boundaries strictly below the value.
    let text = """
      a,1,j,1,Terminated,0,1,10,0.1
      b,1,j,1,Terminated,1,2,50,0.2
      c,1,j,1,Terminated,2,3,100,0.1
      d,1,j,1,Terminated,3,4,400,0.3

      """
    let t = try AlibabaTrace.parse(text: text, serviceCount: 4)
    #expect(AlibabaTrace.quantileBoundaries([10, 50, 100, 400], classes: 2) == [100])
    #expect(AlibabaTrace.quantileBoundaries([0.1, 0.2, 0.1, 0.3], classes: 2) == [0.2])
    #expect(t.services(.resources, serviceCount: 4, resourceCPUClasses: 2) == [0, 0, 0, 3])
  }

  @Test func defaultMappingGivesTwelveLoadedServicesOnTheBundledTrace() {
    let config = EdgeCloudConfig()
    #expect(config.services.mapping == .job)
    let trace = EdgeCloudFixtures.trace
    let shares = trace.mapped(config.services.mapping, serviceCount: 12)
      .serviceShares(serviceCount: 12)
    #expect(shares.count == 12)
    #expect(shares.max()! <= 0.35, "largest service \(shares.max()!)")
    #expect(shares.min()! >= 0.02, "smallest service \(shares.min()!)")
    // The authors' mapping fails the same test: one task type carries ~89%.
    let byType = trace.mapped(.taskType, serviceCount: 12).serviceShares(serviceCount: 12)
    #expect(byType.max()! > 0.85)
    #expect(byType.filter { $0 < 0.02 }.count >= 6)
  }

  /// The line every figure prints after loading: the loader's counts, then the services seen
  /// under the mapping (the bundled trace: 20,000 rows, 26 unfinished, 12 services of 7.1–9.4%;
  /// the authors' task types reach only 10 of the 12).
  @Test func summaryLineNamesRowsSkipsAndServicesSeen() throws {
    let line = EdgeCloudFixtures.trace.summary(services: EdgeCloudConfig().services)
    #expect(line.contains("20000 rows read, 19974 kept, 26 skipped (unfinished 26)"), "\(line)")
    #expect(
      line.hasSuffix(
        "services seen 12 of 12 under the job mapping (largest 9.4%, smallest 7.1%)"),
      "\(line)")
    var byType = EdgeCloudConfig().services
    byType.mapping = .taskType
    let typed = EdgeCloudFixtures.trace.summary(services: byType)
    #expect(typed.contains("services seen 10 of 12 under the taskType mapping (largest 89.3%"))
  }

  @Test func derivedValuesMatchHandComputedMeans() throws {
    var config = EdgeCloudConfig()
    config.services.mapping = .taskType
    let t = try AlibabaTrace.parse(text: Self.rows).mapped(.taskType, serviceCount: 12)
    let d = DerivedServices(trace: t, config: config)
    // Durations 1, 1000, 1 s: u = ln 2/ln 1001, 1, ln 2/ln 1001; factor 0.5 + u.
    let short = 350 * (0.5 + log(2.0) / log(1001.0))  // ≈ 210.115 ms
    let long = 350 * 1.5
    #expect(d.rows.prefix(2) == [2, 1])
    #expect(abs(d.meanExecutionMs[0] - (short + long) / 2) < 1e-9)
    #expect(abs(d.meanExecutionMs[1] - short) < 1e-9)
    // CPU: clamp(plan_cpu/100 · 0.25, 0.1, 0.5): 0.25, 0.125 → 0.1875; plan_cpu 0 → 0.1.
    #expect(abs(d.replicaCPURequestCores[0] - 0.1875) < 1e-12)
    #expect(abs(d.replicaCPURequestCores[1] - 0.1) < 1e-12)
    // Memory: mean plan_mem 0.3 and 0.6 over their average 0.45, times 0.55 GB.
    #expect(abs(d.replicaMemoryGB[0] - 0.55 * 0.3 / 0.45) < 1e-12)
    #expect(abs(d.replicaMemoryGB[1] - 0.55 * 0.6 / 0.45) < 1e-12)
    // A service without rows: the all-rows means and the reference memory.
    #expect(abs(d.meanExecutionMs[5] - (2 * short + long) / 3) < 1e-9)
    #expect(abs(d.replicaCPURequestCores[5] - 0.475 / 3) < 1e-12)
    #expect(d.replicaMemoryGB[5] == 0.55)
  }

  @Test func theSimulatorRunsTheResolvedServices() throws {
    let config = EdgeCloudFixtures.config(slots: 20)
    let sim = try EdgeCloudFixtures.simulator(config)
    let resolved = config.resolvingServices(trace: EdgeCloudFixtures.trace)
    #expect(sim.config == resolved.config)
    #expect(sim.config.services.replicaCPURequestCores != config.services.replicaCPURequestCores)
    // Idempotent: a resolved config resolves to itself.
    #expect(resolved.config.resolvingServices(trace: EdgeCloudFixtures.trace).config
      == resolved.config)
    // Off: the arrays are used as written.
    var off = config
    off.services.deriveFromTrace = false
    #expect(off.resolvingServices(trace: EdgeCloudFixtures.trace).config == off)
  }

  @Test func badMappingSettingsNameTheirField() {
    func field(_ json: String) -> String? {
      do {
        _ = try EdgeCloudConfig.decode(json: Data(json.utf8))
        return nil
      } catch {
        return error.field
      }
    }
    #expect(field(#"{"services": {"mapping": "hash"}}"#) == "services.mapping")
    #expect(field(#"{"services": {"mapping": 1}}"#) == "services.mapping")
    #expect(
      field(#"{"services": {"mapping": "resources", "resourceCPUClasses": 5}}"#)
        == "services.resourceCPUClasses")
    #expect(field(#"{"services": {"resourceCPUClasses": 5}}"#) == nil)  // unused by `job`
    #expect(field(#"{"services": {"referenceExecutionMs": 0}}"#) == "services.referenceExecutionMs")
    #expect(field(#"{"services": {"deriveFromTrace": "yes"}}"#) == "services.deriveFromTrace")
    #expect(field(#"{"services": {"mapping": "resources", "resourceCPUClasses": 4}}"#) == nil)
  }
}
