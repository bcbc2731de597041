import Foundation
import Testing

@testable import Envs

@Suite struct EdgeCloudConfigTests {
  @Test func defaultsAreThePaperTestbedAndValid() throws {
    let c = EdgeCloudConfig()
    try c.validate()
    #expect(c.topology.clusterCount == 3)
    #expect(c.topology.edgeNodesPerCluster == 6)
    #expect(c.topology.cloudNodeCount == 6)
    #expect(c.topology.edgeNodeCPUCores == 4)
    #expect(c.topology.edgeNodeMemoryGB == 16)
    #expect(c.services.count == 12)
    #expect(c.timing.slotMs == 250)
    #expect(c.timing.longSlotEverySlots == 8)
    #expect(c.timing.frameEverySlots == 100)
    #expect(c.dispatch.estimatorSmoothing == 0.8)
    #expect(c.dispatch.estimatorWindow == 10)
    #expect(c.energy.idleWatts == 21 && c.energy.maxWatts == 67)
  }

  @Test func jsonRoundTripAndMissingFieldsFallBackToDefaults() throws {
    var c = EdgeCloudConfig()
    c.topology.clusterCount = 5
    c.workload.clusterShares = [1, 1, 1, 1, 1]
    c.dispatch.eapDequeue = .edf
    let data = try c.jsonData()
    #expect(try EdgeCloudConfig.decode(json: data) == c)
    let partial = #"{"topology": {"clusterCount": 2}, "workload": {"clusterShares": [0.7, 0.3]},"#
      + #" "timing": {"slotMs": 100}}"#
    let p = try EdgeCloudConfig.decode(json: Data(partial.utf8))
    #expect(p.topology.clusterCount == 2)
    #expect(p.topology.edgeNodesPerCluster == 6)
    #expect(p.timing.slotMs == 100)
    #expect(p.timing.frameEverySlots == 100)
    #expect(p.services == ServiceConfig())
  }

  @Test func impossibleConfigsNameTheField() {
    func field(_ edit: (inout EdgeCloudConfig) -> Void) -> String? {
      var c = EdgeCloudConfig()
      edit(&c)
      do {
        try c.validate()
        return nil
      } catch {
        return error.field
      }
    }
    #expect(field { $0.topology.clusterCount = 0 } == "topology.clusterCount")
    #expect(field { $0.topology.cloudNodeCount = 0 } == "topology.cloudNodeCount")
    #expect(field { $0.topology.edgeNodeCPUCores = -1 } == "topology.edgeNodeCPUCores")
    #expect(field { $0.services.baseExecutionMs = [1, 2] } == "services.baseExecutionMs")
    #expect(field { $0.workload.clusterShares = [1, 1] } == "workload.clusterShares")
    #expect(field { $0.timing.slotMs = 0 } == "timing.slotMs")
    #expect(field { $0.dispatch.estimatorSmoothing = 1.5 } == "dispatch.estimatorSmoothing")
    #expect(field { $0.workload.maxCPUCores = 8 } == "workload.maxCPUCores")
    #expect(field { $0.hpa.maxReplicas = 0 } == "hpa.maxReplicas")
    #expect(
      field { $0.services.initialReplicasPerPlacement = 100 }
        == "services.initialReplicasPerPlacement")
    #expect(
      field {
        $0.services.placement = [[Int]](repeating: [Int](repeating: 100, count: 24), count: 12)
      } == "services.placement")
    // Loading a broken file names the file.
    let path = NSTemporaryDirectory() + "edgecloud-bad-config.json"
    try? Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: EdgeCloudConfigError.self) { try EdgeCloudConfig.load(path: path) }
    do {
      _ = try EdgeCloudConfig.load(path: path)
    } catch {
      #expect(error.field == path)
    }
  }
}
