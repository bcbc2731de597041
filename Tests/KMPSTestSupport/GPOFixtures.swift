import Envs
import KMPS
import RL

// Fixtures shared by the KMPS and Experiments test targets.

/// A tiny system: 2 clusters × 2 edge nodes, 1 cloud node, 2 services, Poisson arrivals.
/// Placement: service 0 on nodes 0 and 2 (2 replicas each), service 1 on nodes 1 and 3
/// (2 each), the cloud node 1 of each.
public func gpoTinySystem(rate: Double = 8, slots: Int = 40, frame: Int = 8) -> EdgeCloudConfig {
  var c = EdgeCloudConfig()
  c.topology.clusterCount = 2
  c.topology.edgeNodesPerCluster = 2
  c.topology.cloudNodeCount = 1
  c.services.count = 2
  c.services.replicaMemoryGB = [1, 2]
  c.services.baseExecutionMs = [400, 600]
  c.services.replicaCPURequestCores = [0.2, 0.2]
  c.services.servicesPerEdgeNode = 1
  c.services.placement = [[2, 0, 2, 0, 1], [0, 2, 0, 2, 1]]
  c.services.maxReplicasPerNode = 6
  c.workload.source = .poisson
  c.workload.poissonServiceMix = [3, 1]
  c.workload.clusterShares = [0.5, 0.5]
  c.workload.meanRequestsPerSecond = rate
  c.timing.episodeSlots = slots
  c.timing.frameEverySlots = frame
  return c
}

/// Small networks so debug builds stay fast.
public func gpoTinyAgents(
  _ variant: GPOVariant = .gpo, masked: Bool = true, h: Int = 2
) -> GPOOrchestrationConfig {
  var o = GPOOrchestrationConfig(variant: variant)
  o.agent.encoder = HierarchicalEncoderConfig(embeddingDim: 8, hiddenSizes: [16], hops: 2)
  o.agent.flatHiddenSizes = [16]
  o.agent.actorHiddenSizes = [16]
  o.agent.criticHiddenSizes = [16]
  o.agent.selectedNodes = h
  o.agent.updateEpochs = 2
  o.agent.numMinibatches = 2
  o.maskInfeasibleActions = masked
  return o
}

/// fig7's quick training config shrunk to a smoke test on `gpoTinySystem` (20 req/s, HPA):
/// no curriculum, 2 episodes of 40 slots, no warm-up placement, 16-unit networks.
public func tinyDispatchTraining() -> DispatchTrainingConfig {
  var training = DispatchTrainingConfig.kmps(quick: true)
  training.environment = gpoTinySystem(rate: 20, slots: 40, frame: 8)
  training.environment.orchestration.orchestrator = .hpa
  training.curriculum = []
  training.episodes = 2
  training.episodeSlots = 40
  training.loadRequestsPerSecond = 20
  training.warmupPlacementSlots = 0
  training.mappo.actorHiddenSizes = [16]
  training.mappo.criticHiddenSizes = [16]
  return training
}
