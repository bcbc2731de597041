// edgecloud-rollout: the edge-cloud env through its ordinary Swift API (`EdgeCloudEnv`), for
// the Python package's parity test and benchmark (python/). It never touches the C ABI.
//
//   edgecloud-rollout record CONFIG.json SEED STEPS POLICY_SEED OUT.jsonl
//     Resets with SEED, then takes STEPS joint steps, each due eAP picking a uniformly random
//     valid target (a xoshiro256** stream seeded with POLICY_SEED); episode e (from 0) runs
//     with seed SEED + e. Writes one JSON line per reset or step with the actions,
//     the due agents, their observations and masks, the global state, the rewards, the flags
//     and the info. Floats are written as their IEEE bit patterns (Float as UInt32, Double as
//     UInt64) so a reader compares them exactly.
//
//   edgecloud-rollout bench CONFIG.json SEED STEPS
//     STEPS joint steps with every due eAP taking its first valid target, episode e with seed
//     SEED + e (as python/benchmarks/steps_per_second.py does); prints steps, slots, decisions,
//     wall and CPU seconds as JSON.

import Envs
import Foundation
import SeededRandom

/// Prints `message` to stderr and exits with status 2.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("edgecloud-rollout: \(message)\n".utf8))
  exit(2)
}

func integer<T: FixedWidthInteger>(_ text: String, _ name: String) -> T {
  guard let value = T(text) else { fail("\(name) must be an integer, got '\(text)'") }
  return value
}

func makeEnv(configPath: String, seed: UInt64) -> EdgeCloudEnv {
  do {
    return try EdgeCloudEnv(config: try EdgeCloudConfig.load(path: configPath), seed: seed)
  } catch {
    fail("\(error)")
  }
}

/// One JSON line describing `result` (after the reset or step given by `head`).
func line(_ head: String, _ result: MultiAgentStep, _ env: EdgeCloudEnv) -> String {
  var s = "{\(head),\"agents\":\(result.agents)"
  let obs = result.observations.map { o in o.observation.map(\.bitPattern) }
  let masks = result.observations.map { o in o.actionMask.map { $0 ? 1 : 0 } }
  s += ",\"obs\":\(obs),\"masks\":\(masks)"
  s += ",\"actedAgents\":\(result.actedAgents),\"rewards\":\(result.rewards.map(\.bitPattern))"
  s += ",\"terminated\":\(result.terminated),\"truncated\":\(result.truncated)"
  s += ",\"state\":\(env.state().map(\.bitPattern))"
  let info = result.info.keys.sorted().map { "\"\($0)\":\(result.info[$0]!.bitPattern)" }
  s += ",\"info\":{\(info.joined(separator: ","))}}\n"
  return s
}

func record(configPath: String, seed: UInt64, steps: Int, policySeed: UInt64, out: String) {
  var env = makeEnv(configPath: configPath, seed: seed)
  var rng = Xoshiro256(seed: policySeed)
  guard FileManager.default.createFile(atPath: out, contents: nil),
    let file = FileHandle(forWritingAtPath: out)
  else { fail("cannot write \(out)") }
  var result = env.reset(seed: seed)
  file.write(Data(line("\"reset\":\(seed)", result, env).utf8))
  var episode: UInt64 = 0
  for _ in 0..<steps {
    if result.done {
      episode += 1
      result = env.reset(seed: seed &+ episode)
      file.write(Data(line("\"reset\":\(seed &+ episode)", result, env).utf8))
    }
    let actions = result.observations.map { o -> Int in
      let valid = o.actionMask.indices.filter { o.actionMask[$0] }
      return valid[Int(rng.next() % UInt64(valid.count))]
    }
    result = env.step(actions)
    file.write(Data(line("\"actions\":\(actions)", result, env).utf8))
  }
  try? file.close()
}

func bench(configPath: String, seed: UInt64, steps: Int) {
  var env = makeEnv(configPath: configPath, seed: seed)
  var result = env.reset(seed: seed)
  var slots = 0
  var decisions = 0
  var episode: UInt64 = 0
  let clock = ContinuousClock()
  let start = clock.now
  let cpuStart = cpuSeconds()
  for _ in 0..<steps {
    if result.done {
      slots += env.sim.slot
      episode += 1
      result = env.reset(seed: seed &+ episode)
    }
    let actions = result.observations.map { o in o.actionMask.firstIndex(of: true)! }
    decisions += actions.count
    result = env.step(actions)
  }
  slots += env.sim.slot
  let elapsed = clock.now - start
  let cpu = cpuSeconds() - cpuStart
  let seconds =
    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  print(
    "{\"steps\":\(steps),\"slots\":\(slots),\"decisions\":\(decisions),"
      + "\"seconds\":\(seconds),\"cpu_seconds\":\(cpu)}")
}

/// CPU time of this process so far, s (measures the work on a shared, loaded machine).
func cpuSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "record" where args.count == 6:
  record(
    configPath: args[1], seed: integer(args[2], "SEED"), steps: integer(args[3], "STEPS"),
    policySeed: integer(args[4], "POLICY_SEED"), out: args[5])
case "bench" where args.count == 4:
  bench(configPath: args[1], seed: integer(args[2], "SEED"), steps: integer(args[3], "STEPS"))
default:
  fail(
    "usage: edgecloud-rollout record CONFIG.json SEED STEPS POLICY_SEED OUT.jsonl\n"
      + "       edgecloud-rollout bench CONFIG.json SEED STEPS")
}
