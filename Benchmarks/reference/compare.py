#!/usr/bin/env python3
"""Runs the Swift comparison runner and the PyTorch / numpy references side by side and writes
results/bench/compare.json and results/bench/compare.md (run from the repository root, or pass
--out). Used by `make bench-compare`.

For each thread count (default 1 and 2) the three implementations run one after another in the
same invocation, with OpenBLAS, OpenMP and torch threads pinned to that count. numpy runs with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment only (they slow a current
numpy; see the environment notes). A reference whose package is missing is skipped with a
message. Ratio = reference median / ours: above 1 means ours is faster.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["mappo_decision_b1", "mappo_20_decisions", "critic_b1", "ppo_epoch_3200x175",
         "gpo_inference_b1", "gpo_50_inferences", "sgemv_1x175x256", "sgemv_1x256x128",
         "sgemv_1x128x32", "sgemm_800x175x256", "sgemm_3200x175x256", "sgemm_3200x256x128"]
# SPEC §6 targets: workload -> {reference: minimum ratio}.
TARGETS = {"mappo_decision_b1": {"torch": 10.0, "numpy": 3.0},
           "mappo_20_decisions": {"torch": 10.0, "numpy": 3.0},
           "ppo_epoch_3200x175": {"torch": 1.0},
           "gpo_50_inferences": {"torch": 20.0}}
# Simulator throughput rows (ours only): workload -> (label, unit, SPEC §6 minimum rate or
# None, published reference rate or None).
AUTHORS_SLOTS_PER_S = 8200.0  # the authors' Python simulator, light workload (published figure)
SIM_ROWS = {
    "sim_600rps_requests": ("600 req/s, 400-slot episodes", "requests/s", 1e6, None),
    "sim_100rps_requests": ("100 req/s, 400-slot episodes", "requests/s", None, None),
    "sim_light_slots": ("light: ~40 requests per 3300-slot episode", "slots/s",
                        50 * AUTHORS_SLOTS_PER_S, AUTHORS_SLOTS_PER_S),
}


def pinned_env(threads, drop=()):
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(threads)
    for key in drop:
        env.pop(key, None)
    return env


def run_json(command, env, label):
    print(f"[bench-compare] {label}: {' '.join(command)}", file=sys.stderr, flush=True)
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    if proc.returncode == 3:
        print(f"[bench-compare] {label}: skipped: {proc.stderr.strip()}", file=sys.stderr)
        return None
    if proc.returncode != 0:
        print(f"[bench-compare] {label}: failed ({proc.returncode}):\n{proc.stderr}",
              file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def check_gpo(runner, python, env):
    """Exports the Swift GPO policy and checks that the references compute the same values."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "gpo.json")
        export = subprocess.run([runner, "--export-gpo", path], env=env, capture_output=True,
                                text=True)
        if export.returncode != 0:
            return {"ok": False, "log": export.stderr.strip()}
        check = subprocess.run([python, os.path.join(HERE, "workloads.py"), "--check-gpo", path],
                               env=env, capture_output=True, text=True)
        log = (check.stdout + check.stderr).strip()
        print(f"[bench-compare] GPO reference check:\n{log}", file=sys.stderr)
        return {"ok": check.returncode == 0, "log": log}


def fmt_rate(per_s):
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.1f} k"
    return f"{per_s:.0f}"


def fmt_us(us):
    if us is None:
        return "—"
    if us >= 10_000:
        return f"{us / 1000:.1f} ms"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.1f} µs"


def cell(result):
    if result is None:
        return "—"
    return (f"{fmt_us(result['median_us'])} "
            f"({fmt_us(result['p25_us'])}–{fmt_us(result['p75_us'])})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runner", required=True, help="path of the release bench-compare-runner")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--budget-ms", type=float, default=1500)
    ap.add_argument("--out", default="results/bench")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]
    budget = str(args.budget_ms)
    rows, raw, sim_rows = [], [], []
    gpo_check = check_gpo(args.runner, args.python, pinned_env(1))
    for threads in thread_counts:
        ours = run_json([args.runner, "--json", "--threads", str(threads), "--budget-ms", budget],
                        pinned_env(threads), f"swift threads={threads}")
        torch = run_json([args.python, os.path.join(HERE, "workloads.py"), "--backend", "torch",
                          "--threads", str(threads), "--budget-ms", budget, "--json"],
                         pinned_env(threads), f"torch threads={threads}")
        numpy = run_json([args.python, os.path.join(HERE, "workloads.py"), "--backend", "numpy",
                          "--threads", str(threads), "--budget-ms", budget, "--json"],
                         pinned_env(threads, drop=("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")),
                         f"numpy threads={threads}")
        raw.append({"threads": threads, "swift": ours, "torch": torch, "numpy": numpy})
        for name in ORDER:
            o = (ours or {}).get("workloads", {}).get(name)
            t = (torch or {}).get("workloads", {}).get(name)
            n = (numpy or {}).get("workloads", {}).get(name)
            row = {"workload": name, "threads": threads, "ours": o, "torch": t, "numpy": n,
                   "ratio_torch": t["median_us"] / o["median_us"] if o and t else None,
                   "ratio_numpy": n["median_us"] / o["median_us"] if o and n else None}
            checks = {}
            for ref, minimum in TARGETS.get(name, {}).items():
                ratio = row[f"ratio_{ref}"]
                if ratio is not None:
                    checks[ref] = {"target": minimum, "met": ratio >= minimum}
            row["targets"] = checks
            rows.append(row)
        for name, (label, unit, minimum, reference) in SIM_ROWS.items():
            o = (ours or {}).get("workloads", {}).get(name)
            if not o:
                continue
            units = o["units_per_run"]
            # Rates from the per-run times: median time -> median rate; p75 time -> p25 rate.
            rate = {"median": units / o["median_us"] * 1e6, "p25": units / o["p75_us"] * 1e6,
                    "p75": units / o["p25_us"] * 1e6}
            sim_rows.append({"workload": name, "label": label, "threads": threads, "unit": unit,
                             "units_per_run": units, "rate": rate, "ours": o,
                             "reference": reference,
                             "ratio": rate["median"] / reference if reference else None,
                             "target": minimum,
                             "met": rate["median"] >= minimum if minimum else None})

    def ratio(x):
        return "—" if x is None else f"{x:.2f}×"

    def target(row):
        parts = [f"{ref} ≥{c['target']:g}× {'met' if c['met'] else 'MISSED'}"
                 for ref, c in row["targets"].items()]
        return ", ".join(parts)

    lines = ["| workload | threads | ours median (p25–p75) | PyTorch | numpy | "
             "PyTorch/ours | numpy/ours | SPEC §6 target |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['threads']} | {cell(r['ours'])} | "
                     f"{cell(r['torch'])} | {cell(r['numpy'])} | {ratio(r['ratio_torch'])} | "
                     f"{ratio(r['ratio_numpy'])} | {target(r)} |")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = {}
    for entry in raw:
        for impl in ("torch", "numpy"):
            if entry[impl]:
                versions[impl] = entry[impl].get("info")
    header = (f"Measured {stamp} on {platform.machine()} ({os.cpu_count()} cores), "
              f"budget {args.budget_ms:g} ms per workload; medians with p25–p75; "
              f"ratio = reference median / ours (> 1: ours faster).")
    check_line = ("GPO reference check (`workloads.py --check-gpo`: the Python references "
                  "recompute the Swift policy's actor rows, NodeActor scores and ServiceActor "
                  "logits from its exported weights): "
                  + ("passed." if gpo_check["ok"] else "**FAILED**, see compare.json."))
    sim_lines = ["| simulator workload | threads | simulated per run | ours median (p25–p75) | "
                 "reference | ours/reference | SPEC §6 target |", "|---|---|---|---|---|---|---|"]
    for r in sim_rows:
        rate = r["rate"]
        ref = (f"{fmt_rate(r['reference'])} {r['unit']} (authors' Python simulator, published "
               f"figure, not run here)" if r["reference"] else "—")
        ratio_text = "—" if r["ratio"] is None else f"{r['ratio']:.0f}×"
        tgt = (f"≥ {fmt_rate(r['target'])} {r['unit']} {'met' if r['met'] else 'MISSED'}"
               if r["target"] else "")
        sim_lines.append(
            f"| {r['label']} | {r['threads']} | {r['units_per_run']} {r['unit'][:-2]} | "
            f"{fmt_rate(rate['median'])} {r['unit']} ({fmt_rate(rate['p25'])}–"
            f"{fmt_rate(rate['p75'])}) | {ref} | "
            f"{ratio_text} | {tgt} |")
    table = (header + "\n\n" + check_line + "\n\n" + "\n".join(lines) + "\n\n"
             + "\n".join(sim_lines) + "\n")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"measured": stamp, "budget_ms": args.budget_ms, "versions": versions,
                   "gpo_reference_check": gpo_check, "rows": rows, "simulator_rows": sim_rows,
                   "raw": raw}, f, indent=2)
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write(table)
    print(table)
    print(f"[bench-compare] wrote {args.out}/compare.json and {args.out}/compare.md",
          file=sys.stderr)


if __name__ == "__main__":
    main()
