"""Reads the event files of real `experiment` runs with TensorBoard's own reader
(tensorboard.backend.event_processing.event_accumulator) and checks tags, steps and values
against the CSV files the same runs wrote.

Needs the `experiment` executable: $EXPERIMENT, else .build/debug/experiment (CI builds it).
"""

import csv
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tensorboard.backend.event_processing import event_accumulator

ROOT = Path(__file__).resolve().parents[2]
CLEANRL_PPO_TAGS = {
    "charts/episodic_return", "charts/episodic_length", "charts/learning_rate", "charts/SPS",
    "losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/old_approx_kl",
    "losses/approx_kl", "losses/clipfrac", "losses/explained_variance",
}
FIG7_LATENCY_TAGS = ["latency/decision_ms", "latency/transmission_ms", "latency/queueing_ms",
                     "latency/execution_ms"]
FIG7_LOSS_TAGS = {
    "losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/approx_kl",
    "losses/clipfrac", "losses/explained_variance",
}
TINY_FIG7 = """{"training": {"episodes": 3, "episodeSlots": 24, "loadRequestsPerSecond": 120,
  "warmupPlacementSlots": 120,
  "curriculum": [{"episodes": 1, "episodeSlots": 12, "loadFraction": 0.5, "profile": "steady"}],
  "mappo": {"samplesPerEpoch": 128, "updateEpochs": 2}}}"""


def experiment():
    path = Path(os.environ.get("EXPERIMENT", ROOT / ".build" / "debug" / "experiment"))
    assert path.is_file(), f"no experiment executable at {path}: run `swift build` or set EXPERIMENT"
    return str(path)


def run(*arguments, cwd):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    subprocess.run([experiment(), *arguments], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def load(run_dir):
    """Every scalar and tensor of one run folder, as TensorBoard loads it (no sampling)."""
    accumulator = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def close(a, b):
    """Equal as float32 (event files store 32-bit floats)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


@pytest.fixture(scope="module")
def cartpole(tmp_path_factory):
    out = tmp_path_factory.mktemp("cartpole")
    run("cartpole", "--quick", "--total-timesteps", "1536", "--seeds", "1,2", "--out", str(out),
        cwd=out)
    return out


@pytest.fixture(scope="module")
def fig7(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig7")
    config = out / "tiny.json"
    config.write_text(TINY_FIG7)
    run("fig7", "--quick", "--seeds", "1", "--series", "KMPS,B2", "--config", str(config),
        "--out", str(out / "fig7"), cwd=out)
    return out / "fig7"


def test_cartpole_runs_have_cleanrl_tags_steps_and_values(cartpole):
    runs = sorted(p.name for p in (cartpole / "runs").iterdir())
    assert runs == ["ppo__1", "ppo__2"]
    episodes = rows(cartpole / "episodes.csv")
    updates = rows(cartpole / "data.csv")
    for seed in ("1", "2"):
        acc = load(cartpole / "runs" / f"ppo__{seed}")
        tags = set(acc.Tags()["scalars"])
        assert CLEANRL_PPO_TAGS <= tags, CLEANRL_PPO_TAGS - tags
        assert "config" in acc.Tags()["tensors"]
        # Every episode, at the global step of its rollout, with the return episodes.csv has.
        expected = [(int(r["global_step"]), float(r["episodic_return"]))
                    for r in episodes if r["seed"] == seed]
        got = [(e.step, e.value) for e in acc.Scalars("charts/episodic_return")]
        assert len(got) == len(expected) > 0
        assert all(s == es and close(v, ev) for (s, v), (es, ev) in zip(got, expected))
        # One point per update (3 updates of 512 steps), equal to data.csv's diagnostics.
        seed_updates = [r for r in updates if r["seed"] == seed]
        for tag, column in [("losses/approx_kl", "approx_kl"), ("losses/value_loss", "value_loss"),
                            ("losses/entropy", "entropy"), ("charts/SPS", "sps")]:
            points = acc.Scalars(tag)
            assert [p.step for p in points] == [512, 1024, 1536]
            assert [p.step for p in points] == [int(float(r["x"])) for r in seed_updates]
            assert all(close(p.value, float(r[column])) for p, r in zip(points, seed_updates))


def test_fig7_runs_have_one_point_per_episode_matching_data_csv(fig7):
    runs = sorted(p.name for p in (fig7 / "runs").iterdir())
    # The learned series and every reference of fig7 (the upper bound is not a run).
    assert runs == ["b2-synchronous__1", "greedy-native__1", "kmps__1",
                    "least-utilized-cross-cluster__1", "queue-aware__1", "random-dispatch__1"]
    data = rows(fig7 / "data.csv")
    for run_name, series in [("kmps__1", "KMPS"), ("b2-synchronous__1", "B2 synchronous"),
                             ("greedy-native__1", "Greedy_Native")]:
        acc = load(fig7 / "runs" / run_name)
        expected = [r for r in data if r["series"] == series]
        points = acc.Scalars("charts/throughput")
        assert [p.step for p in points] == [1, 2, 3]
        assert all(close(p.value, float(r["y"])) for p, r in zip(points, expected))
        # The per-part latency of every episode, learned or reference, as data.csv has it.
        parts = []
        for tag in FIG7_LATENCY_TAGS:
            latency = acc.Scalars(tag)
            assert [p.step for p in latency] == [1, 2, 3], tag
            column = tag.split("/")[1]
            assert all(close(p.value, float(r[column])) for p, r in zip(latency, expected)), tag
            parts.append([p.value for p in latency])
        assert all(close(sum(episode), float(r["mean_latency_ms"]))
                   for episode, r in zip(zip(*parts), expected))
        if series == "Greedy_Native":
            continue
        tags = set(acc.Tags()["scalars"])
        assert FIG7_LOSS_TAGS | {"charts/episodic_return", "charts/SPS",
                                 "charts/cross_cluster_share"} <= tags
        for tag, column in [("charts/cross_cluster_share", "cross_cluster_share"),
                            ("losses/approx_kl", "approx_kl"), ("losses/value_loss", "value_loss")]:
            values = [p.value for p in acc.Scalars(tag)]
            assert len(values) == 3
            assert all(close(v, float(r[column])) for v, r in zip(values, expected))


def test_a_truncated_last_record_does_not_break_reading_the_rest(fig7, tmp_path):
    source = fig7 / "runs" / "kmps__1"
    [event_file] = list(source.glob("events.out.tfevents.*"))
    complete = [p.value for p in load(source).Scalars("charts/throughput")]
    cut = tmp_path / "cut"
    cut.mkdir()
    data = event_file.read_bytes()
    (cut / event_file.name).write_bytes(data[:-7])  # inside the last record (episode 3)
    truncated = [p.value for p in load(cut).Scalars("charts/throughput")]
    assert truncated == complete[:2]


def test_no_tensorboard_writes_no_runs(tmp_path):
    run("cartpole", "--quick", "--total-timesteps", "512", "--seeds", "1", "--no-tensorboard",
        "--out", str(tmp_path / "cp"), cwd=tmp_path)
    assert (tmp_path / "cp" / "summary.json").is_file()
    assert not (tmp_path / "cp" / "runs").exists()
