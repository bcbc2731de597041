// A custom dispatch policy plugged into the edge-cloud simulator, compared with the built-in
// Greedy_Native policy on the same episodes. Run: swift run -c release CustomDispatchPolicy
import Envs
import Foundation

/// Sends a request to the valid node of its own cluster with the fewest requests waiting or
/// running there; when its own cluster has no valid node, to the least-loaded valid node of any
/// cluster; the cloud when no edge node is valid.
struct ShortestQueuePolicy: DispatchPolicy {
  mutating func choose(_ view: DecisionView, _ sim: borrowing EdgeCloudSimulator) -> Int {
    let own = sim.topology.nodes(ofCluster: view.decision.eap)
    for candidates in [own, 0..<sim.topology.edgeNodeCount] {
      var best: Int? = nil
      var fewest = Double.infinity
      for node in candidates where view.mask[node] {
        // CPU cores in use or already promised, per core of the node.
        let load =
          (sim.cpuUsedCores(node: node) + sim.pendingCPUCores(target: node))
          / sim.topology.nodeCPUCores[node]
        if load < fewest { (best, fewest) = (node, load) }
      }
      if let best { return best }
    }
    return sim.topology.cloudTarget
  }
}

// The paper's testbed at 400 req/s, synthetic Poisson arrivals (no trace file needed), HPA
// scaling replicas at the frame time scale.
var config = EdgeCloudConfig()
config.workload.source = .poisson
config.workload.meanRequestsPerSecond = 400
config.timing.episodeSlots = 200

func throughput(
  of policy: some DispatchPolicy, seed: UInt64, config: EdgeCloudConfig
) throws -> Double {
  var policy = policy
  var sim = try EdgeCloudSimulator(config: config, seed: seed)
  var hpa = HPAController(config: config.hpa)
  sim.run(dispatch: &policy, orchestration: &hpa)
  return sim.metrics.throughput
}

for seed: UInt64 in 1...2 {
  let ours = try throughput(of: ShortestQueuePolicy(), seed: seed, config: config)
  let greedy = try throughput(
    of: LeastUtilizedPolicy(allowCrossCluster: false), seed: seed, config: config)
  let random = try throughput(
    of: RandomValidPolicy(seed: seed, allowCrossCluster: true), seed: seed, config: config)
  print(
    "seed \(seed): throughput (on-time / arrived) ShortestQueue \(ours), "
      + "Greedy_Native \(greedy), random \(random)")
}
print("OK: the custom policy ran in the simulator")
