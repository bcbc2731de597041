#!/usr/bin/env python3
"""Runs the Swift comparison runner and the PyTorch / numpy references side by side and writes
results/bench/compare.json and results/bench/compare.md (run from the repository root, or pass
--out). Used by `make bench-compare`.

For each thread count (default 1 and 2) the three implementations run in interleaved rounds
(default 3; the order rotates each round), with OpenBLAS, OpenMP and torch threads pinned to that
count, so a burst of load on this shared machine hits one round of every implementation rather
than all of one. Each round gives every workload a median per implementation and a ratio
(reference median / ours: above 1 means ours is faster); the tables report the median over
rounds and the range of the round values. numpy runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
removed from its environment only (they slow a current numpy; see the environment notes). A
reference whose package is missing is skipped with a message.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
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


def dispatch_shapes(runner, env):
    """The KMPS dispatcher's layer sizes from the Swift runner (`--print-dispatch-shapes`), as
    the --actor-sizes / --critic-sizes arguments of workloads.py."""
    proc = subprocess.run([runner, "--print-dispatch-shapes"], env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.exit(f"[bench-compare] --print-dispatch-shapes failed:\n{proc.stderr}")
    shapes = json.loads(proc.stdout)
    print(f"[bench-compare] dispatch networks (fig7 KMPS): actor {shapes['actor']}, "
          f"critic {shapes['critic']}", file=sys.stderr)
    return ["--actor-sizes", ",".join(map(str, shapes["actor"])),
            "--critic-sizes", ",".join(map(str, shapes["critic"]))]


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
    """Median over rounds, with the range of the round medians (p25–p75 for one round)."""
    if result is None:
        return "—"
    low, high = ((result["min_us"], result["max_us"]) if result["rounds"] > 1
                 else (result["p25_us"], result["p75_us"]))
    return f"{fmt_us(result['median_us'])} ({fmt_us(low)}–{fmt_us(high)})"


def combine(per_round):
    """One workload's round results -> median of the round medians and their range."""
    runs = [r for r in per_round if r]
    if not runs:
        return None
    medians = [r["median_us"] for r in runs]
    out = {"median_us": statistics.median(medians), "min_us": min(medians),
           "max_us": max(medians), "rounds": len(runs),
           "p25_us": statistics.median(r["p25_us"] for r in runs),
           "p75_us": statistics.median(r["p75_us"] for r in runs),
           "round_medians_us": medians}
    if "units_per_run" in runs[0]:
        out["units_per_run"] = runs[0]["units_per_run"]
    return out


def round_ratios(ref_rounds, our_rounds, name):
    """Reference median / ours, per round where both ran."""
    ratios = []
    for ref, ours in zip(ref_rounds, our_rounds):
        r = (ref or {}).get("workloads", {}).get(name)
        o = (ours or {}).get("workloads", {}).get(name)
        if r and o:
            ratios.append(r["median_us"] / o["median_us"])
    return ratios


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runner", required=True, help="path of the release bench-compare-runner")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--budget-ms", type=float, default=1000,
                    help="sampling time per workload and round")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of ours, PyTorch and numpy per thread count")
    ap.add_argument("--out", default="results/bench")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")
    thread_counts = [int(t) for t in args.threads.split(",")]
    budget = str(args.budget_ms)
    rows, raw, sim_rows = [], [], []
    gpo_check = check_gpo(args.runner, args.python, pinned_env(1))
    shape_args = dispatch_shapes(args.runner, pinned_env(1))
    for threads in thread_counts:
        commands = {
            "swift": ([args.runner, "--json", "--threads", str(threads), "--budget-ms", budget],
                      pinned_env(threads)),
            "torch": ([args.python, os.path.join(HERE, "workloads.py"), "--backend", "torch",
                       "--threads", str(threads), "--budget-ms", budget, "--json"] + shape_args,
                      pinned_env(threads)),
            "numpy": ([args.python, os.path.join(HERE, "workloads.py"), "--backend", "numpy",
                       "--threads", str(threads), "--budget-ms", budget, "--json"] + shape_args,
                      pinned_env(threads, drop=("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))),
        }
        impls = list(commands)
        results = {impl: [None] * args.rounds for impl in impls}
        for rnd in range(args.rounds):
            order = impls[rnd % len(impls):] + impls[:rnd % len(impls)]
            for impl in order:
                command, env = commands[impl]
                results[impl][rnd] = run_json(
                    command, env, f"{impl} threads={threads} round {rnd + 1}/{args.rounds}")
        raw.append({"threads": threads, **results})
        ours, torch, numpy = results["swift"], results["torch"], results["numpy"]

        def workload(rounds, name):
            return combine([(r or {}).get("workloads", {}).get(name) for r in rounds])

        for name in ORDER:
            o, t, n = workload(ours, name), workload(torch, name), workload(numpy, name)
            row = {"workload": name, "threads": threads, "ours": o, "torch": t, "numpy": n}
            for ref, ref_rounds in (("torch", torch), ("numpy", numpy)):
                ratios = round_ratios(ref_rounds, ours, name)
                row[f"ratio_{ref}"] = statistics.median(ratios) if ratios else None
                row[f"ratio_{ref}_range"] = [min(ratios), max(ratios)] if ratios else None
                row[f"ratio_{ref}_rounds"] = ratios
            checks = {}
            for ref, minimum in TARGETS.get(name, {}).items():
                ratios = row[f"ratio_{ref}_rounds"]
                if ratios:
                    checks[ref] = {"target": minimum, "met": row[f"ratio_{ref}"] >= minimum,
                                   "rounds_met": sum(r >= minimum for r in ratios),
                                   "rounds": len(ratios)}
            row["targets"] = checks
            rows.append(row)
        for name, (label, unit, minimum, reference) in SIM_ROWS.items():
            o = workload(ours, name)
            if not o:
                continue
            units = o["units_per_run"]
            # Rates from per-run times: median time -> median rate; slowest round -> lowest.
            rates = [units / us * 1e6 for us in o["round_medians_us"]]
            rate = {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}
            sim_rows.append({"workload": name, "label": label, "threads": threads, "unit": unit,
                             "units_per_run": units, "rate": rate, "round_rates": rates,
                             "ours": o, "reference": reference,
                             "ratio": rate["median"] / reference if reference else None,
                             "target": minimum,
                             "met": rate["median"] >= minimum if minimum else None,
                             "rounds_met": (sum(r >= minimum for r in rates) if minimum
                                            else None)})

    def ratio(row, ref):
        x, span = row[f"ratio_{ref}"], row[f"ratio_{ref}_range"]
        if x is None:
            return "—"
        if len(row[f"ratio_{ref}_rounds"]) > 1:
            return f"{x:.2f}× ({span[0]:.2f}–{span[1]:.2f})"
        return f"{x:.2f}×"

    def target(row):
        parts = [f"{ref} ≥{c['target']:g}× {'met' if c['met'] else 'MISSED'} "
                 f"({c['rounds_met']}/{c['rounds']} rounds)"
                 for ref, c in row["targets"].items()]
        return ", ".join(parts)

    lines = ["| workload | threads | ours median (range) | PyTorch | numpy | "
             "PyTorch/ours (range) | numpy/ours (range) | SPEC §6 target |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['threads']} | {cell(r['ours'])} | "
                     f"{cell(r['torch'])} | {cell(r['numpy'])} | {ratio(r, 'torch')} | "
                     f"{ratio(r, 'numpy')} | {target(r)} |")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = {}
    for entry in raw:
        for impl in ("torch", "numpy"):
            for result in entry[impl]:
                if result:
                    versions[impl] = result.get("info")
    header = (f"Measured {stamp} on {platform.machine()} ({os.cpu_count()} cores): "
              f"{args.rounds} interleaved rounds per thread count, budget {args.budget_ms:g} ms "
              f"per workload and round. Times: median over rounds of each round's median, with "
              f"the range of the round medians (p25–p75 for a single round). Ratio = reference "
              f"median / ours in the same round (> 1: ours faster), median over rounds with "
              f"their range; a target is met when the median ratio reaches it.")
    check_line = ("GPO reference check (`workloads.py --check-gpo`: the Python references "
                  "recompute the Swift policy's actor rows, NodeActor scores and ServiceActor "
                  "logits from its exported weights): "
                  + ("passed." if gpo_check["ok"] else "**FAILED**, see compare.json."))
    sim_lines = ["| simulator workload | threads | simulated per run | ours median (range) | "
                 "reference | ours/reference | SPEC §6 target |", "|---|---|---|---|---|---|---|"]
    for r in sim_rows:
        rate = r["rate"]
        ref = (f"{fmt_rate(r['reference'])} {r['unit']} (authors' Python simulator, published "
               f"figure, not run here)" if r["reference"] else "—")
        ratio_text = "—" if r["ratio"] is None else f"{r['ratio']:.0f}×"
        tgt = (f"≥ {fmt_rate(r['target'])} {r['unit']} {'met' if r['met'] else 'MISSED'} "
               f"({r['rounds_met']}/{len(r['round_rates'])} rounds)" if r["target"] else "")
        sim_lines.append(
            f"| {r['label']} | {r['threads']} | {r['units_per_run']} {r['unit'][:-2]} | "
            f"{fmt_rate(rate['median'])} {r['unit']} ({fmt_rate(rate['min'])}–"
            f"{fmt_rate(rate['max'])}) | {ref} | "
            f"{ratio_text} | {tgt} |")
    table = (header + "\n\n" + check_line + "\n\n" + "\n".join(lines) + "\n\n"
             + "\n".join(sim_lines) + "\n")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"measured": stamp, "budget_ms": args.budget_ms, "rounds": args.rounds,
                   "versions": versions,
                   "gpo_reference_check": gpo_check, "rows": rows, "simulator_rows": sim_rows,
                   "raw": raw}, f, indent=2)
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write(table)
    print(table)
    print(f"[bench-compare] wrote {args.out}/compare.json and {args.out}/compare.md",
          file=sys.stderr)


if __name__ == "__main__":
    main()
