"""Runs tools/ray-sweep against a real Ray cluster started here (head on 127.0.0.1, 2 CPUs):
the merged fig7 sweep equals the run in one process byte for byte, a shard killed mid-run is
retried, and a shard that keeps failing is named while the finished ones are kept and not run
again.

Needs `ray` (tools/ray-sweep/requirements.txt) and the `experiment` executable: $EXPERIMENT,
else .build/debug/experiment (CI builds it).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tools" / "ray-sweep" / "ray_sweep.py"
EXPERIMENT = Path(os.environ.get("EXPERIMENT", ROOT / ".build" / "debug" / "experiment"))
TINY_FIG7 = """{"training": {"episodes": 2, "episodeSlots": 16, "loadRequestsPerSecond": 120,
  "warmupPlacementSlots": 0, "curriculum": [],
  "mappo": {"samplesPerEpoch": 64, "updateEpochs": 1}},
 "evaluationEpisodes": 1}
"""


@pytest.fixture(scope="module")
def cluster():
    """A Ray head on 127.0.0.1 with 2 CPUs, stopped (its process group) afterwards."""
    if not EXPERIMENT.is_file():
        pytest.fail(f"no experiment binary at {EXPERIMENT}: build it or set $EXPERIMENT")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    temp = tempfile.mkdtemp(prefix="ray-")
    # Ray's token authentication, with a token of this test's own (not ~/.ray/auth_token);
    # every process here (head, `ray status`, the driver and its workers) reads it.
    token = Path(temp) / "auth_token"
    token.write_text(secrets.token_hex(32))
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH")}
    os.environ["RAY_AUTH_MODE"] = "token"
    os.environ["RAY_AUTH_TOKEN_PATH"] = str(token)
    head = subprocess.Popen(
        ["ray", "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
         f"--temp-dir={temp}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while subprocess.run(["ray", "status", f"--address={address}"],
                             capture_output=True).returncode != 0:
            assert head.poll() is None, "ray start --head exited"
            assert time.monotonic() < deadline, "the Ray head did not come up in 120 s"
            time.sleep(1)
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def figure_args(config):
    return ["--quick", "--synchronous", "--series", "KMPS", "--seeds", "4", "--no-tensorboard",
            "--config", str(config)]


def drive(address, out, config, retries):
    return subprocess.run(
        [sys.executable, str(DRIVER), "fig7", "--shards", "4", "--address", address,
         "--experiment", str(EXPERIMENT), "--out", str(out), "--retries", str(retries), "--",
         *figure_args(config)],
        capture_output=True, text=True, timeout=600)


def kill_shard_once(shard):
    """Starts a thread that SIGKILLs the first `experiment ... --shard SHARD` process it sees."""
    needle = f"--shard\0{shard}\0".encode()
    killed = []

    def watch():
        deadline = time.monotonic() + 300
        while not killed and time.monotonic() < deadline:
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if needle in cmdline and str(EXPERIMENT.name).encode() in cmdline:
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed.append(int(entry.name))
                    return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, killed


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The same sweep in one process: the bytes the merge must reproduce."""
    base = tmp_path_factory.mktemp("whole")
    config = base / "tiny.json"
    config.write_text(TINY_FIG7)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    subprocess.run([str(EXPERIMENT), "fig7", *figure_args(config), "--out", str(base / "out")],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    return base / "out"


def test_killed_shard_is_retried_and_the_merge_equals_one_process(cluster, one_process, tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(TINY_FIG7)
    out = tmp_path / "merged"
    watcher, killed = kill_shard_once("2/4")
    result = drive(cluster, out, config, retries=1)
    watcher.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert killed, "the shard 2/4 process was never seen"
    assert "shard 2/4 failed (attempt 1: killed by signal 9" in result.stderr, result.stderr
    assert "retrying" in result.stderr
    report = json.loads((Path(f"{out}.shards") / "ray-sweep-report.json").read_text())
    assert {i: r["attempts"] for i, r in report["ran"].items()} == {
        "1": 1, "2": 2, "3": 1, "4": 1}
    assert report["failed"] == {}
    assert (out / "data.csv").read_bytes() == (one_process / "data.csv").read_bytes()
    assert (out / "aggregate.csv").read_bytes() == (one_process / "aggregate.csv").read_bytes()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [1, 2, 3, 4]
    assert summary["shard"] is None
    assert any("merged by `experiment merge` from 4 shards" in n for n in summary["notes"])


def test_failing_shard_is_named_and_finished_shards_are_not_run_again(cluster, one_process,
                                                                      tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(TINY_FIG7)
    out = tmp_path / "merged"
    work = Path(f"{out}.shards")
    watcher, killed = kill_shard_once("3/4")
    first = drive(cluster, out, config, retries=0)
    watcher.join(timeout=5)
    assert killed
    assert first.returncode == 1
    assert "failed after 1 attempt(s): shard 3/4" in first.stderr, first.stderr
    assert not (out / "data.csv").exists()
    assert sorted(p.name for p in work.glob("shard-*")) == [
        "shard-1-of-4", "shard-2-of-4", "shard-4-of-4"]
    kept = (work / "shard-1-of-4" / "summary.json").stat().st_mtime_ns

    second = drive(cluster, out, config, retries=0)
    assert second.returncode == 0, second.stderr
    assert "3 of 4 shards already in" in second.stderr
    report = json.loads((work / "ray-sweep-report.json").read_text())
    assert list(report["ran"]) == ["3"]
    assert (work / "shard-1-of-4" / "summary.json").stat().st_mtime_ns == kept
    assert (out / "data.csv").read_bytes() == (one_process / "data.csv").read_bytes()
