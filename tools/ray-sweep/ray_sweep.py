#!/usr/bin/env python3
"""Runs one figure of `experiment` as shards on a Ray cluster and merges them.

Each shard (`experiment FIGURE ... --shard i/n`) is a Ray task with one CPU and
OPENBLAS_NUM_THREADS=1 that calls the Swift binary on whichever node Ray picks. The task sends
the shard's results folder back to the driver as bytes (a gzipped tar: no shared file system is
assumed), the driver unpacks it into the work folder, and when every shard is there it runs
`experiment merge` into --out.

A failed or killed shard is run again, at most --retries more times, then reported by name;
the shards that finished stay in the work folder, and running the same command again runs only
the missing ones.

    python3 tools/ray-sweep/ray_sweep.py fig7 --shards 4 --out results/fig7 -- --seeds 4 --quick
    python3 tools/ray-sweep/ray_sweep.py fig7 --shards 8 --address HEAD_IP:6379 -- --seeds 8

Every node needs this repository at the same path with the binary built (--experiment), and
the same `ray` (requirements.txt). A `--config FILE` in the figure's arguments is read here and
sent with each task, so it need not exist on the other nodes.
"""

import argparse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import ray

REPO = Path(__file__).resolve().parents[2]
MANIFEST = "ray-sweep.json"


def log(message):
    print(f"ray-sweep: {message}", file=sys.stderr, flush=True)


@ray.remote(num_cpus=1, max_retries=0)
def run_shard(experiment, repo, figure, args, shipped, index, count):
    """Runs shard index/count of `figure` on this node; returns its results folder as bytes."""
    with tempfile.TemporaryDirectory(prefix=f"ray-sweep-{figure}-{index}of{count}-") as tmp:
        args = list(args)
        for position, data in shipped.items():
            path = Path(tmp) / f"shipped-{position}-{Path(args[position]).name}"
            path.write_bytes(data)
            args[position] = str(path)
        out = Path(tmp) / "shard"
        command = [experiment, figure, *args, "--shard", f"{index}/{count}", "--out", str(out)]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", KMPS_EXPERIMENT_NO_BUILD_WARNING="1")
        start = time.monotonic()
        process = subprocess.run(
            command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        seconds = time.monotonic() - start
        if process.returncode != 0:
            how = (f"killed by signal {-process.returncode}" if process.returncode < 0
                   else f"exit code {process.returncode}")
            tail = " | ".join(process.stderr.strip().splitlines()[-3:])
            raise RuntimeError(f"{how} on {socket.gethostname()} after {seconds:.1f} s: {tail}")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            tar.add(out, arcname=".")
        return {"index": index, "tar": buffer.getvalue(), "seconds": seconds,
                "host": socket.gethostname()}


def shard_folder(work, index, count):
    return work / f"shard-{index}-of-{count}"


def finished(work, index, count):
    """Whether the work folder already holds shard index/count (its summary.json says so)."""
    summary = shard_folder(work, index, count) / "summary.json"
    try:
        shard = json.loads(summary.read_text())["shard"]
        return shard["spec"] == {"index": index, "count": count}
    except (OSError, ValueError, KeyError, TypeError):
        return False


def unpack(work, index, count, data):
    """Unpacks a shard's bytes into its folder, atomically (a half-written folder never counts)."""
    target = shard_folder(work, index, count)
    staging = work / f".incoming-{index}-of-{count}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(staging, filter="data")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def check_manifest(work, manifest):
    """Refuses a work folder left by a different sweep; records this one's."""
    path = work / MANIFEST
    if path.exists():
        previous = json.loads(path.read_text())
        if previous != manifest:
            raise SystemExit(
                f"ray-sweep: {work} holds shards of another sweep ({previous}); "
                "use another --work-dir or remove it")
    else:
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def shipped_files(args):
    """Positions and bytes of the files named by --config in the figure's arguments."""
    shipped = {}
    for position, arg in enumerate(args):
        if arg == "--config" and position + 1 < len(args):
            shipped[position + 1] = Path(args[position + 1]).read_bytes()
        elif arg.startswith("--config="):
            raise SystemExit("ray-sweep: write --config FILE as two arguments")
    return shipped


def sweep(options, figure_args):
    count = options.shards
    out = Path(options.out or REPO / "results" / options.figure).resolve()
    work = Path(options.work_dir or f"{out}.shards").resolve()
    work.mkdir(parents=True, exist_ok=True)
    check_manifest(work, {"figure": options.figure, "shards": count, "args": figure_args})
    experiment = str(Path(options.experiment).resolve())
    shipped = shipped_files(figure_args)

    todo = [i for i in range(1, count + 1) if not finished(work, i, count)]
    done = count - len(todo)
    if done:
        log(f"{done} of {count} shards already in {work}: not run again")
    if options.address:
        ray.init(address=options.address, logging_level="ERROR")
    else:
        ray.init(num_cpus=options.num_cpus, logging_level="ERROR")
    log(f"{len(todo)} shard(s) of {options.figure} on {int(ray.cluster_resources().get('CPU', 0))} "
        f"CPU(s); {options.retries} retr{'y' if options.retries == 1 else 'ies'} per shard")

    def submit(index):
        return run_shard.remote(experiment, str(options.repo), options.figure, figure_args,
                                shipped, index, count)

    attempts = {i: 1 for i in todo}
    pending = {submit(i): i for i in todo}
    failures = {}
    records = {}
    start = time.monotonic()
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        index = pending.pop(ready[0])
        name = f"shard {index}/{count}"
        try:
            result = ray.get(ready[0])
        except ray.exceptions.RayError as error:
            cause = getattr(error, "cause", None)  # the task's own exception, if it raised one
            text = str(cause if cause is not None else error).strip()
            reason = text.splitlines()[-1] if text else type(error).__name__
            if attempts[index] <= options.retries:
                log(f"{name} failed (attempt {attempts[index]}: {reason}); retrying")
                attempts[index] += 1
                pending[submit(index)] = index
            else:
                log(f"{name} failed (attempt {attempts[index]}: {reason}); giving up")
                failures[index] = reason
            continue
        unpack(work, index, count, result["tar"])
        done += 1
        records[index] = {"attempts": attempts[index], "seconds": round(result["seconds"], 3),
                          "host": result["host"]}
        log(f"[{done}/{count}] {name} done on {result['host']} in {result['seconds']:.1f} s "
            f"(attempt {attempts[index]}); {time.monotonic() - start:.1f} s elapsed")
    ray.shutdown()

    report = {"figure": options.figure, "shards": count, "out": str(out), "work": str(work),
              "ran": {str(i): r for i, r in sorted(records.items())},
              "failed": {f"{i}/{count}": r for i, r in sorted(failures.items())}}
    (work / "ray-sweep-report.json").write_text(json.dumps(report, indent=2) + "\n")
    if failures:
        names = ", ".join(f"shard {i}/{count}" for i in sorted(failures))
        log(f"failed after {options.retries + 1} attempt(s): {names}; the other shards are in "
            f"{work}; run the same command again to run only the missing ones")
        return 1
    folders = [str(shard_folder(work, i, count)) for i in range(1, count + 1)]
    merge = subprocess.run([experiment, "merge", *folders, "--out", str(out)], cwd=options.repo)
    if merge.returncode != 0:
        log(f"experiment merge failed (exit code {merge.returncode})")
        return 1
    log(f"merged {count} shards into {out} in {time.monotonic() - start:.1f} s")
    return 0


def parse(argv):
    parser = argparse.ArgumentParser(
        description="Run a figure of `experiment` as shards on Ray, then merge them.",
        epilog="Arguments after -- go to the figure (e.g. -- --seeds 4 --quick).")
    parser.add_argument("figure", help="figure subcommand, e.g. fig7")
    parser.add_argument("--shards", type=int, required=True,
                        help="number of shards (at most the number of seeds)")
    parser.add_argument("--address", help="address of a running Ray cluster (default: start "
                        "a local one with ray.init())")
    parser.add_argument("--num-cpus", type=int, default=None,
                        help="CPUs of the local Ray started without --address")
    parser.add_argument("--experiment", default=str(REPO / ".build" / "release" / "experiment"),
                        help="the experiment binary, same path on every node "
                        "(default: .build/release/experiment)")
    parser.add_argument("--repo", default=str(REPO),
                        help="the repository, same path on every node (default: this one)")
    parser.add_argument("--out", help="merged results folder (default: results/FIGURE)")
    parser.add_argument("--work-dir", help="where finished shards are kept (default: OUT.shards)")
    parser.add_argument("--retries", type=int, default=2,
                        help="extra attempts for a failed shard (default 2)")
    own, figure_args = list(argv), []
    if "--" in own:
        split = own.index("--")
        own, figure_args = own[:split], own[split + 1:]
    options = parser.parse_args(own)
    if options.shards < 1:
        parser.error("--shards must be at least 1")
    if options.retries < 0:
        parser.error("--retries must be at least 0")
    for reserved in ("--shard", "--out"):
        if any(a == reserved or a.startswith(reserved + "=") for a in figure_args):
            parser.error(f"{reserved} is set by the driver; do not pass it to the figure")
    if not Path(options.experiment).is_file():
        parser.error(f"no experiment binary at {options.experiment} "
                     "(swift build -c release --product experiment, or --experiment PATH)")
    return options, figure_args


def main(argv=None):
    options, figure_args = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return sweep(options, figure_args)


if __name__ == "__main__":
    sys.exit(main())
