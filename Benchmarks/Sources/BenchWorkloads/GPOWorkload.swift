import Envs
import KMPS
import RL
import SeededRandom
import TensorModule

/// Paths of files the workloads read.
public enum BenchPaths {
  /// The repository root (this file is `Benchmarks/Sources/BenchWorkloads/GPOWorkload.swift`).
  public static var repositoryRoot: String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)
    return parts.joined(separator: "/")
  }

  /// The bundled Alibaba trace sample, as an absolute path.
  public static var tracePath: String {
    repositoryRoot + "/" + WorkloadConfig().tracePath
  }
}

/// Real GPO inference (Fig. 17's 50 consecutive orchestration decisions) by the orchestrator
/// that `experiment fig7` trains: `KMPS.GPOOrchestration` for the KMPS series in the Fig. 7
/// environment (paper sizes: 24-d embeddings, f/h hidden 64-32, 3 hops, actors hidden 128-64-32;
/// H = 3 nodes, the environment's actions per frame; one global cluster, so the cluster
/// embedding is the paper's z_τ), acting through its detached `GPOPolicy` on the adapter's own
/// graph input: 24 nodes with 29 features each, 4 eAPs incl. the cloud master with 13 features
/// each, 120 directed edges (complete graphs inside each cluster and among the cloud nodes).
///
/// The 50 graphs are real simulator states: the Fig. 7 environment with the bundled trace at
/// 600 req/s, least-utilized dispatch and the HPA, observed every 20 slots.
/// `reference/workloads.py` builds the same network and the same graph shapes.
public struct GPOInferenceWorkload: Sendable {
  /// The detached policy (random weights from `seed`).
  public let policy: GPOPolicy
  /// One graph observation per inference.
  public let graphs: [GraphInput]

  /// Builds the policy and records `count` observations.
  ///
  /// - Throws: if the trace cannot be loaded or an observation does not convert.
  public init(seed: UInt64 = 13, count: Int = BenchShapes.consecutiveGPOInferences) throws {
    var training = DispatchTrainingConfig.kmps()
    training.environment.workload.tracePath = BenchPaths.tracePath
    var config = training.environment(for: .kmps)
    config.workload.meanRequestsPerSecond = 600
    var sim = try EdgeCloudSimulator(config: config, seed: seed)
    let orchestrator = try GPOOrchestration(variant: .gpo, simulator: sim, seed: seed)
    var dispatch = LeastUtilizedPolicy()
    var hpa = HPAController(config: config.hpa)
    var actions: [OrchestrationAction] = []
    var graphs: [GraphInput] = []
    // Not the simulator's run loop: this one stops after `count` observations.
    while graphs.count < count, sim.beginSlot() {
      actions.removeAll(keepingCapacity: true)
      hpa.orchestrate(sim, &actions)
      for a in actions { sim.apply(a) }
      sim.runDecisionRounds(policy: &dispatch)
      _ = sim.endSlot()
      if sim.slot % 20 == 0 { graphs.append(try orchestrator.graphInput(sim)) }
    }
    precondition(graphs.count == count, "GPOInferenceWorkload: episode too short for \(count)")
    self.graphs = graphs
    policy = orchestrator.agent.policy.detached()
  }

  /// A scratch already grown by one inference (so timed inferences do not allocate it).
  public func makeScratch() -> InferenceScratch {
    warmedScratch { scratch, rng in _ = infer(0, scratch: &scratch, rng: &rng) }
  }

  /// One orchestration decision on graph `index` (`GPOPolicy.act`: validate, encode, NodeActor,
  /// sample H nodes, ServiceActor on them, sample one action each).
  public func infer(
    _ index: Int, scratch: inout InferenceScratch, rng: inout Xoshiro256
  ) -> GPODecision {
    do {
      return try policy.act(graphs[index], scratch: &scratch, rng: &rng)
    } catch {
      preconditionFailure("GPOInferenceWorkload: \(error)")
    }
  }
}

extension EdgeCloudConfig {
  /// The default config with the bundled trace (absolute path) at `requestsPerSecond`.
  public static func benchDefault(requestsPerSecond: Double) -> EdgeCloudConfig {
    var config = EdgeCloudConfig()
    config.workload.tracePath = BenchPaths.tracePath
    config.workload.meanRequestsPerSecond = requestsPerSecond
    return config
  }
}

