import Foundation
import Testing

@testable import Envs

@Suite struct OrchestratorKindTests {
  @Test func filesMayNameTheLearningOrchestratorGPO() throws {
    let config = try EdgeCloudConfig.decode(
      json: Data(#"{"orchestration": {"orchestrator": "gpo"}}"#.utf8))
    #expect(config.orchestration.orchestrator == .agent)
    let again = try EdgeCloudConfig.decode(json: try config.jsonData())
    #expect(again.orchestration.orchestrator == .agent)
  }

  @Test func anUnknownOrchestratorIsAnErrorNamingTheField() {
    #expect {
      try EdgeCloudConfig.decode(json: Data(#"{"orchestration": {"orchestrator": "hap"}}"#.utf8))
    } throws: { error in
      "\(error)".contains("orchestration.orchestrator") && "\(error)".contains("hap")
    }
  }

  @Test func everyHeuristicIsBuiltAndTheAgentIsNot() throws {
    let config = EdgeCloudConfig()
    for kind in OrchestratorKind.allCases {
      #expect((kind.makeHeuristic(config) == nil) == (kind == .agent))
    }
    // The built heuristics act like the concrete ones on the same episode.
    var a = try EdgeCloudSimulator(config: config, seed: 4)
    var b = try EdgeCloudSimulator(config: config, seed: 4)
    var erased = OrchestratorKind.greedy.makeHeuristic(config)!
    var concrete = GreedyOrchestrator(actionsPerFrame: config.orchestration.actionsPerFrame)
    var da = LeastUtilizedPolicy()
    var db = LeastUtilizedPolicy()
    a.run(dispatch: &da, orchestration: &erased)
    b.run(dispatch: &db, orchestration: &concrete)
    #expect(a.metrics == b.metrics)
  }
}
