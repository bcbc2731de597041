"""Environment steps per second through Python (the C ABI, raw and through PettingZoo's dict
API) against calling Swift directly (edgecloud-rollout bench), on the same episodes: every due
eAP takes its first valid target on both sides, so both run the same steps and slots (checked).

    swift build -c release --product EdgeCloudC --product edgecloud-rollout  (one at a time)
    KMPS_EDGECLOUD_LIB=.build/release/libEdgeCloudC.so python3 python/benchmarks/steps_per_second.py \
        --rollout .build/release/edgecloud-rollout --out results/python-bench

Workloads: `default` (the paper's testbed at 600 req/s) and `light` (about 40 requests per
3,300-slot episode, the workload of the authors' published ≈ 8,200 slots/s). Writes
`bench.json` and prints a table; the run of median CPU time out of `--repeats` is reported,
per CPU second (the process's CPU time: on a shared machine wall time mostly measures the wait
for a core) and per wall-clock second.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from kmps_edgecloud import EdgeCloudDispatchEnv, NativeEnv, find_library

AUTHORS_SLOTS_PER_SECOND = 8200.0
WORKLOADS = {
    "default": ({}, 20_000),
    "light": ({"workload": {"meanRequestsPerSecond": 40 / 825}}, 2_000),
}
SEED = 1


def python_raw(config, steps):
    """NativeEnv: numpy arrays in and out, no dicts."""
    env = NativeEnv(config, seed=SEED)
    result = env.reset(SEED)
    episode, slots, decisions = 0, 0, 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        if result.truncated or result.terminated:
            slots += int(result.info["slot"])
            episode += 1
            result = env.reset(SEED + episode)
        actions = np.where(result.due, result.masks[:, :-1].argmax(axis=1), env.wait_action)
        decisions += int(result.due.sum())
        result = env.step(actions)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    slots += int(result.info["slot"])
    env.close()
    return dict(steps=steps, slots=slots, decisions=decisions, seconds=seconds,
                cpu_seconds=cpu_seconds)


def python_pettingzoo(config, steps):
    """EdgeCloudDispatchEnv: per-agent dicts, as a MARL library sees it."""
    env = EdgeCloudDispatchEnv(config=config, seed=SEED)
    obs, infos = env.reset(seed=SEED)
    episode, slots, decisions = 0, 0, 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        if not env.agents:
            slots += int(infos["eap0"]["slot"])
            episode += 1
            obs, infos = env.reset(seed=SEED + episode)
        actions = {a: int(o["action_mask"].argmax()) for a, o in obs.items()}
        decisions += sum(i["due"] for i in infos.values())
        obs, rewards, terminations, truncations, infos = env.step(actions)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    slots += int(infos["eap0"]["slot"])
    env.close()
    return dict(steps=steps, slots=slots, decisions=decisions, seconds=seconds,
                cpu_seconds=cpu_seconds)


def swift_direct(rollout, config, steps):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    try:
        out = subprocess.run([rollout, "bench", f.name, str(SEED), str(steps)], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def median_run(function, repeats):
    """The run of median CPU time (wall time too is kept: on a loaded machine it mostly
    measures the wait for a core)."""
    runs = [function() for _ in range(repeats)]
    best = sorted(runs, key=lambda r: r["cpu_seconds"])[len(runs) // 2]
    for count in ("steps", "slots"):
        best[f"{count}_per_second"] = best[count] / best["seconds"]
        best[f"{count}_per_cpu_second"] = best[count] / best["cpu_seconds"]
    best["all_cpu_seconds"] = [r["cpu_seconds"] for r in runs]
    best["all_seconds"] = [r["seconds"] for r in runs]
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollout", required=True, help="the edgecloud-rollout executable")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/python-bench"))
    args = parser.parse_args()
    report = {"library": str(find_library()), "rollout": args.rollout,
              "authors_slots_per_second": AUTHORS_SLOTS_PER_SECOND, "workloads": {}}
    for name, (config, steps) in WORKLOADS.items():
        rows = {
            "swift": median_run(lambda: swift_direct(args.rollout, config, steps), args.repeats),
            "python_raw": median_run(lambda: python_raw(config, steps), args.repeats),
            "python_pettingzoo": median_run(lambda: python_pettingzoo(config, steps),
                                            args.repeats),
        }
        for label, row in rows.items():
            assert (row["slots"], row["decisions"]) == (rows["swift"]["slots"],
                                                        rows["swift"]["decisions"]), label
        report["workloads"][name] = {"config": config, **rows}
        for label, row in rows.items():
            per_cpu = row["slots_per_cpu_second"]
            print(f"{name:>8} {label:>18}: {row['steps_per_cpu_second']:>10,.0f} steps/CPU-s "
                  f"{per_cpu:>10,.0f} slots/CPU-s "
                  f"({per_cpu / AUTHORS_SLOTS_PER_SECOND:,.1f}x the authors' slots/s); wall: "
                  f"{row['steps_per_second']:,.0f} steps/s; {row['steps']} steps, "
                  f"{row['slots']} slots, {row['cpu_seconds']:.3f} CPU-s, "
                  f"{row['seconds']:.3f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out / 'bench.json'}")


if __name__ == "__main__":
    main()
