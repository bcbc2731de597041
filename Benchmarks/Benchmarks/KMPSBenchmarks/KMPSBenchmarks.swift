// The main benchmark suite (ordo-one/benchmark): `make bench`, or
//   swift package --package-path Benchmarks benchmark
// Every benchmark reports wall clock, CPU time and the malloc metrics of the harness's
// interposer (mallocCountTotal is the number of allocations per iteration of the op).
// OpenBLAS threads come from OPENBLAS_NUM_THREADS (the Makefile sets 1).
import Benchmark
import BenchWorkloads
import SeededRandom
import TensorModule

let benchmarks: @Sendable () -> Void = {
  // Same heap settings as the `experiment` executable and bench-compare-runner.
  Allocator.tuneForTensors()
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .mallocBytesCount, .throughput],
    timeUnits: .microseconds,
    maxDuration: .seconds(2),
    maxIterations: 100_000
  )

  // The harness's own cost per iteration (its malloc count is the floor every row includes:
  // subtract it to get the op's allocations).
  Benchmark("Harness baseline (empty op)") { _ in
    blackHole(0)
  }

  // The fig7 KMPS dispatcher's networks (DispatchShapes); a setup failure is a broken build.
  let mappo = try! MAPPODecisionWorkload()
  Benchmark("MAPPO decision, batch 1 (actor + Eq. 2 filter + sample + critic)") { benchmark in
    var rng = Xoshiro256(seed: 1)
    var scratch = mappo.makeScratch()
    benchmark.startMeasurement()
    blackHole(mappo.decide(0, scratch: &scratch, rng: &rng))
  }
  Benchmark("MAPPO 20 consecutive decisions") { benchmark in
    var rng = Xoshiro256(seed: 1)
    var scratch = mappo.makeScratch()
    benchmark.startMeasurement()
    for i in 0..<BenchShapes.consecutiveDecisions {
      blackHole(mappo.decide(i, scratch: &scratch, rng: &rng))
    }
  }
  Benchmark("MAPPO critic alone, batch 1") { benchmark in
    var scratch = mappo.makeScratch()
    benchmark.startMeasurement()
    blackHole(mappo.value(0, scratch: &scratch))
  }

  // The Tensor issue's reference shapes: the actor MLP alone, inference and one training step.
  Benchmark("MLP 175-256-128-32-13 forward, batch 1 (detached weights)") { _ in
    blackHole(
      mappo.policy.actor(
        Tensor(shape: [1, BenchShapes.observationFeatures], scalars: mappo.observations[0])))
  }
  Benchmark("MLP 175-256-128-32-13 infer into scratch, batch 1 (MLP.infer)") { benchmark in
    let actor = mappo.policy.actor
    var scratch = InferenceScratch(capacity: actor.inferenceScratchCount(rows: 1))
    var out = [Float](repeating: 0, count: BenchShapes.actionCount)
    benchmark.startMeasurement()
    mappo.observations[0].withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { actor.infer(x, rows: 1, into: $0, scratch: &scratch) }
    }
    blackHole(out)
  }
  Benchmark(
    "MLP 175-256-128-32-13 train step, batch 3200 (forward + MSE + backward + Adam)",
    configuration: .init(maxDuration: .seconds(5), maxIterations: 50)
  ) { benchmark in
    var rng = Xoshiro256(seed: 3)
    var mlp = MLP(sizes: BenchShapes.actorSizes, rng: &rng)
    var adam = Adam(learningRate: 1e-3)
    let x = Tensor.uniform(
      shape: [3200, BenchShapes.observationFeatures], low: -1, high: 1, rng: &rng)
    let y = Tensor.uniform(shape: [3200, BenchShapes.actionCount], low: -1, high: 1, rng: &rng)
    benchmark.startMeasurement()
    let grads = mse(mlp(x), y).backward()
    adam.update(&mlp, along: grads)
    blackHole(mlp.layers[0].weight.scalars[0])
  }

  Benchmark(
    "PPO epoch 3200x175 (4 minibatches of 800: forward + backward + clip + Adam)",
    configuration: .init(maxDuration: .seconds(5), maxIterations: 30)
  ) { benchmark in
    var ppo = PPOEpochWorkload()
    benchmark.startMeasurement()
    blackHole(ppo.runEpoch())
  }

  // Real GPO inference: RL.HierarchicalEncoder + NodeActor/ServiceActor of a detached
  // GPOPolicy on EdgeCloud graph observations (see GPOInferenceWorkload).
  do {
    let gpo = try GPOInferenceWorkload()
    Benchmark("GPO inference, batch 1 (hierarchical GNN + NodeActor + ServiceActor, H = 2)") {
      benchmark in
      var rng = Xoshiro256(seed: 2)
      var scratch = gpo.makeScratch()
      benchmark.startMeasurement()
      blackHole(gpo.infer(0, scratch: &scratch, rng: &rng))
    }
    Benchmark("GPO, 50 consecutive inferences", configuration: .init(maxIterations: 2000)) {
      benchmark in
      var rng = Xoshiro256(seed: 2)
      var scratch = gpo.makeScratch()
      benchmark.startMeasurement()
      for i in 0..<BenchShapes.consecutiveGPOInferences {
        blackHole(gpo.infer(i, scratch: &scratch, rng: &rng))
      }
    }
  } catch {
    fatalError("GPO workload: \(error)")
  }

  for shape in MatmulWorkload.shapes {
    let product = MatmulWorkload(m: shape.m, k: shape.k, n: shape.n)
    Benchmark("matmul \(product.name)") { _ in
      blackHole(product.run())
    }
  }

  registerSimulatorBenchmarks()
}

/// Simulated requests/s at 600 and 100 req/s and slots/s on a light workload (the authors'
/// Python simulator: ≈ 8,200 slots/s, a published figure), least-utilized dispatch + HPA.
/// Wall clock is per episode; the custom metrics are the rates of the measured episodes.
func registerSimulatorBenchmarks() {
  let requestsPerSecond = BenchmarkMetric.custom(
    "simulated requests/s", polarity: .prefersLarger, useScalingFactor: false)
  let slotsPerSecond = BenchmarkMetric.custom(
    "simulated slots/s", polarity: .prefersLarger, useScalingFactor: false)
  let cases: [(String, Double, Int)] = [
    ("600 req/s", 600, SimulatorWorkload.heavyEpisodeSlots),
    ("100 req/s", 100, SimulatorWorkload.heavyEpisodeSlots),
    (
      "light, ~40 requests per 3300-slot episode", SimulatorWorkload.lightRequestsPerSecond,
      SimulatorWorkload.lightEpisodeSlots
    ),
  ]
  for (label, rate, slots) in cases {
    Benchmark(
      "EdgeCloud simulator, \(label), \(slots)-slot episode, least-utilized + HPA",
      configuration: .init(
        metrics: [.wallClock, .mallocCountTotal, requestsPerSecond, slotsPerSecond],
        timeUnits: .milliseconds, maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
      guard var sim = try? SimulatorWorkload(requestsPerSecond: rate, episodeSlots: slots) else {
        fatalError("simulator workload: cannot build the simulator (trace missing?)")
      }
      let clock = ContinuousClock()
      benchmark.startMeasurement()
      let start = clock.now
      let run = sim.run()
      let elapsed = clock.now - start
      benchmark.stopMeasurement()
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      benchmark.measurement(requestsPerSecond, Int(Double(run.arrived) / seconds))
      benchmark.measurement(slotsPerSecond, Int(Double(run.slots) / seconds))
    }
  }
}
