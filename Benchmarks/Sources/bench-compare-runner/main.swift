// bench-compare-runner: times every comparison workload and prints machine-readable medians.
//
//   swift run -c release --package-path Benchmarks bench-compare-runner --json --threads 1
//
// Options: --threads N (OpenBLAS threads, default 1), --budget-ms MS (sampling time per
// workload, default 1500), --filter TEXT (only workloads whose name contains TEXT), --json
// (JSON on stdout; otherwise a text table), --export-gpo FILE (write the GPO workload's
// parameters, first graph and reference outputs as JSON for `workloads.py --check-gpo FILE`,
// then exit), --print-dispatch-shapes (print the fig7 KMPS dispatcher's actor and critic
// layer sizes as JSON for compare.py, then exit). Protocol, shared with reference/workloads.py: run
// the workload until 20% of the budget has passed (at least 3 times) as warm-up, then time
// single runs until the budget is spent (at least 5, at most 20000 samples).
import BenchWorkloads
import RL
import SeededRandom
import TensorModule

#if canImport(Glibc)
  import Glibc
#endif

/// Command-line options.
struct Options {
  var threads = 1
  var budgetMs = 1500.0
  var filter: String?
  var json = false
  var exportGPO: String?
  var printDispatchShapes = false

  /// Parses `CommandLine.arguments`; exits with a message on bad input.
  static func parse() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ flag: String) -> String {
      guard let v = arguments.next() else { fail("\(flag) needs a value") }
      return v
    }
    while let argument = arguments.next() {
      switch argument {
      case "--json": options.json = true
      case "--threads":
        guard let n = Int(value(argument)), n >= 1 else { fail("--threads needs an integer >= 1") }
        options.threads = n
      case "--budget-ms":
        guard let ms = Double(value(argument)), ms > 0 else { fail("--budget-ms needs ms > 0") }
        options.budgetMs = ms
      case "--filter": options.filter = value(argument)
      case "--export-gpo": options.exportGPO = value(argument)
      case "--print-dispatch-shapes": options.printDispatchShapes = true
      default: fail("unknown argument '\(argument)'")
      }
    }
    return options
  }
}

/// Prints `message` to standard error and exits with status 2.
func fail(_ message: String) -> Never {
  var stderr = StandardError()
  print("bench-compare-runner: \(message)", to: &stderr)
  exit(2)
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
  mutating func write(_ string: String) {
    var bytes = Array(string.utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
  }
}

/// Monotonic time in nanoseconds.
func nowNs() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Summary statistics of one workload, in microseconds.
struct Summary {
  var name: String
  var samples: Int
  var medianUs: Double
  var p25Us: Double
  var p75Us: Double
  var minUs: Double
  var maxUs: Double
}

/// The linear-interpolation quantile `q` of sorted values.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
  let position = q * Double(sorted.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = min(lower + 1, sorted.count - 1)
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}

/// Warms up and samples `body` per the protocol above.
func measure(_ name: String, budgetMs: Double, _ body: () -> Void) -> Summary {
  let budgetNs = UInt64(budgetMs * 1e6)
  let warmupEnd = nowNs() + budgetNs / 5
  var warmups = 0
  while warmups < 3 || nowNs() < warmupEnd {
    body()
    warmups += 1
  }
  var times: [Double] = []
  times.reserveCapacity(20_000)
  let end = nowNs() + budgetNs
  while times.count < 5 || (nowNs() < end && times.count < 20_000) {
    let start = nowNs()
    body()
    times.append(Double(nowNs() - start) / 1000)
  }
  times.sort()
  return Summary(
    name: name, samples: times.count, medianUs: quantile(times, 0.5),
    p25Us: quantile(times, 0.25), p75Us: quantile(times, 0.75), minUs: times.first!,
    maxUs: times.last!)
}

/// Keeps a value alive so the optimizer cannot drop the work that produced it.
@inline(never)
func consume<T>(_ value: T) {
  withExtendedLifetime(value) {}
}

let options = Options.parse()
// Keep tensor buffers in the heap instead of fresh mmaps per tensor (see Allocator), as the
// `experiment` executable does.
Allocator.tuneForTensors()
BLAS.setThreadCount(options.threads)

// The workloads, in table order. Each closure is one timed unit; `units` is what one run
// simulates (requests or slots) for the throughput rows, nil for latency rows.
if options.printDispatchShapes {
  print("{\"actor\": \(DispatchShapes.actorSizes), \"critic\": \(DispatchShapes.criticSizes)}")
  exit(0)
}
let mappo: MAPPODecisionWorkload
do {
  mappo = try MAPPODecisionWorkload()
} catch {
  fail("MAPPO decision workload: \(error)")
}
let gpo: GPOInferenceWorkload
do {
  gpo = try GPOInferenceWorkload()
} catch {
  fail("GPO workload: \(error)")
}
if let path = options.exportGPO {
  writeFile(path, gpoExportJSON(gpo))
  exit(0)
}
var decisionRNG = Xoshiro256(seed: 1)
var decisionScratch = mappo.makeScratch()
var gpoRNG = Xoshiro256(seed: 2)
var gpoScratch = gpo.makeScratch()
var ppo = PPOEpochWorkload()
var workloads: [(String, () -> Void)] = [
  ("mappo_decision_b1", { consume(mappo.decide(0, scratch: &decisionScratch, rng: &decisionRNG)) }),
  (
    "mappo_20_decisions",
    {
      for i in 0..<BenchShapes.consecutiveDecisions { consume(mappo.decide(i, scratch: &decisionScratch, rng: &decisionRNG)) }
    }
  ),
  ("critic_b1", { consume(mappo.value(0, scratch: &decisionScratch)) }),
  ("ppo_epoch_3200x175", { consume(ppo.runEpoch()) }),
  ("gpo_inference_b1", { consume(gpo.infer(0, scratch: &gpoScratch, rng: &gpoRNG)) }),
  (
    "gpo_50_inferences",
    {
      for i in 0..<BenchShapes.consecutiveGPOInferences { consume(gpo.infer(i, scratch: &gpoScratch, rng: &gpoRNG)) }
    }
  ),
]
/// Per-run work of the throughput rows (simulated requests or slots of the last run).
final class Counter { var value = 0 }
var throughputUnits: [String: (unit: String, counter: Counter)] = [:]
@MainActor func simulatorRow(_ name: String, rate: Double, slots: Int, unit: String) {
  guard var sim = try? SimulatorWorkload(requestsPerSecond: rate, episodeSlots: slots) else {
    fail("simulator workload \(name): cannot build the simulator (trace missing?)")
  }
  let counter = Counter()
  throughputUnits[name] = (unit, counter)
  workloads.append(
    (
      name,
      {
        let run = sim.run()
        counter.value = unit == "requests" ? run.arrived : run.slots
      }
    ))
}
simulatorRow(
  "sim_600rps_requests", rate: 600, slots: SimulatorWorkload.heavyEpisodeSlots, unit: "requests")
simulatorRow(
  "sim_100rps_requests", rate: 100, slots: SimulatorWorkload.heavyEpisodeSlots, unit: "requests")
simulatorRow(
  "sim_light_slots", rate: SimulatorWorkload.lightRequestsPerSecond,
  slots: SimulatorWorkload.lightEpisodeSlots, unit: "slots")
for shape in MatmulWorkload.shapes {
  let product = MatmulWorkload(m: shape.m, k: shape.k, n: shape.n)
  workloads.append((product.name, { consume(product.run()) }))
}

var results: [Summary] = []
for (name, body) in workloads where options.filter.map({ name.contains($0) }) ?? true {
  results.append(measure(name, budgetMs: options.budgetMs, body))
}

/// `x` rounded to two decimals, for the text table.
func format(_ x: Double) -> String { "\((x * 100).rounded() / 100)" }

if options.json {
  let rows = results.map { r in
    "    \"\(r.name)\": {\"median_us\": \(r.medianUs), \"p25_us\": \(r.p25Us), "
      + "\"p75_us\": \(r.p75Us), \"min_us\": \(r.minUs), \"max_us\": \(r.maxUs), "
      + "\"samples\": \(r.samples)"
      + (throughputUnits[r.name].map {
        ", \"unit\": \"\($0.unit)\", \"units_per_run\": \($0.counter.value)"
      } ?? "") + "}"
  }
  print("{")
  print("  \"impl\": \"swift\",")
  print("  \"threads\": \(options.threads),")
  print("  \"blas_threads\": \(BLAS.threadCount),")
  print("  \"workloads\": {")
  print(rows.joined(separator: ",\n"))
  print("  }")
  print("}")
} else {
  print("threads \(options.threads) (OpenBLAS reports \(BLAS.threadCount))")
  for r in results {
    let line =
      "\(r.name.padding(toLength: 22, withPad: " ", startingAt: 0)) median \(format(r.medianUs)) µs"
      + "  p25–p75 \(format(r.p25Us))–\(format(r.p75Us))  min \(format(r.minUs))  n \(r.samples)"
    print(line)
  }
}

/// A JSON array of numbers.
func jsonArray<T: Numeric>(_ values: [T]) -> String {
  "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
}

/// The GPO workload's parameters (Swift names, `[in, out]` weights), its first graph and the
/// policy's actor rows, NodeActor scores and ServiceActor logits on it.
func gpoExportJSON(_ gpo: GPOInferenceWorkload) -> String {
  let graph = gpo.graphs[0]
  var params: [String] = []
  gpo.policy.visitParameters { name, tensor in
    params.append("\"\(name)\": {\"shape\": \(jsonArray(tensor.shape)), "
      + "\"values\": \(jsonArray(tensor.scalars))}")
  }
  guard let batch = try? GraphBatch([graph]), let nodeActor = gpo.policy.nodeActor,
    let serviceActor = gpo.policy.serviceActor
  else { fail("GPO export: the policy is not the dual-actor GNN variant") }
  let rows = gpo.policy.encode(batch).nodeRows
  return "{\n\"params\": {\n" + params.joined(separator: ",\n") + "},\n"
    + "\"graph\": {\"nodeFeatures\": \(jsonArray(graph.nodeFeatures)), "
    + "\"featureDim\": \(graph.featureDim), "
    + "\"eapFeatures\": \(jsonArray(graph.eapFeatures)), "
    + "\"eapFeatureDim\": \(graph.eapFeatureDim), "
    + "\"sources\": \(jsonArray(graph.edgeSources)), "
    + "\"targets\": \(jsonArray(graph.edgeTargets)), "
    + "\"nodeEAP\": \(jsonArray(graph.nodeEAP)), \"eapCluster\": \(jsonArray(graph.eapCluster))},\n"
    + "\"rows\": \(jsonArray(rows.scalars)),\n"
    + "\"nodeScores\": \(jsonArray(nodeActor(rows).scalars)),\n"
    + "\"serviceLogits\": \(jsonArray(serviceActor(rows).scalars))\n}\n"
}

/// Writes `text` to `path`; exits with a message on failure.
func writeFile(_ path: String, _ text: String) {
  guard let file = fopen(path, "w") else { fail("cannot open \(path) for writing") }
  defer { fclose(file) }
  var bytes = Array(text.utf8)
  guard fwrite(&bytes, 1, bytes.count, file) == bytes.count else { fail("cannot write \(path)") }
}
