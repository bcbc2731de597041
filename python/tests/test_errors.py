"""Bad input from Python is a Python exception carrying the Swift library's message, never a
crash, and a rejected call changes nothing."""

import ctypes

import gymnasium as gym
import numpy as np
import pytest

import kmps_edgecloud  # noqa: F401  (registers kmps/EdgeCloud-v0)
from kmps_edgecloud import (ClosedEnvError, ConfigError, EdgeCloudDispatchEnv, EdgeCloudGymEnv,
                            EpisodeOverError, InvalidActionError, NativeEnv)
from kmps_edgecloud._native import library

from conftest import SMALL


def first_valid(obs):
    return {a: int(np.flatnonzero(o["action_mask"])[0]) for a, o in obs.items()}


def due_agent_with_a_masked_target(obs):
    for agent, o in obs.items():
        mask = o["action_mask"]
        if mask[-1] == 0 and not mask.all():
            return agent, int(np.flatnonzero(mask == 0)[0])
    raise AssertionError("no due eAP with a masked target")


# --- config -------------------------------------------------------------------------------


def test_an_unknown_config_key_names_its_path():
    with pytest.raises(ConfigError, match=r"topology\.clusterCnt: unknown field"):
        EdgeCloudDispatchEnv(config={"topology": {"clusterCnt": 4}})
    with pytest.raises(ConfigError, match=r"timing\.episodeSlot: unknown field"):
        gym.make("kmps/EdgeCloud-v0", config={"timing": {"episodeSlot": 10}})


def test_an_impossible_config_value_and_bad_json_are_config_errors():
    with pytest.raises(ConfigError, match=r"timing\.episodeSlots: must be ≥ 1"):
        EdgeCloudDispatchEnv(config={"timing": {"episodeSlots": 0}})
    with pytest.raises(ConfigError, match="not valid JSON"):
        EdgeCloudDispatchEnv(config="{not json")
    with pytest.raises(ConfigError, match="is not exposed through the C ABI"):
        EdgeCloudDispatchEnv(config={"orchestration": {"orchestrator": "agent"}})


def test_a_missing_trace_names_the_file(tmp_path):
    missing = tmp_path / "no-such-trace.csv"
    with pytest.raises(ConfigError, match="no-such-trace.csv"):
        EdgeCloudDispatchEnv(trace_path=str(missing))


def test_a_malformed_trace_names_the_line(tmp_path):
    trace = tmp_path / "bad.csv"
    # More than half of the rows malformed: not a batch_task table.
    trace.write_text("t1,1,j1,1,Terminated,10,20,50,0.1\nnot,a,trace\nnor,this\n")
    with pytest.raises(ConfigError, match=r"bad\.csv:2:"):
        EdgeCloudDispatchEnv(trace_path=str(trace))


# --- actions ------------------------------------------------------------------------------


def test_an_action_out_of_range_raises_and_changes_nothing():
    env = EdgeCloudDispatchEnv(config=SMALL)
    reference = EdgeCloudDispatchEnv(config=SMALL)
    obs, _ = env.reset(seed=4)
    reference.reset(seed=4)
    actions = first_valid(obs)
    for bad in (env.native.wait_action + 1, -1, 10**6):
        with pytest.raises(InvalidActionError, match=rf"action {bad} of eap0 is out of range"):
            env.step(dict(actions, eap0=bad))
    with pytest.raises(TypeError, match="must be an integer"):
        env.step(dict(actions, eap0=1.5))
    with pytest.raises(ValueError, match="no action for eap1"):
        env.step({"eap0": actions["eap0"]})
    # The rejected steps left no trace: the next step equals a fresh env's first step.
    got, expected = env.step(actions), reference.step(actions)
    assert np.array_equal(env.state(), reference.state())
    assert got[1] == expected[1]


def test_a_masked_action_raises_with_the_valid_targets():
    env = EdgeCloudDispatchEnv(config=SMALL)
    obs, _ = env.reset(seed=4)
    agent, target = due_agent_with_a_masked_target(obs)
    with pytest.raises(InvalidActionError, match=rf"action {target} of {agent} is masked.*valid"):
        env.step(dict(first_valid(obs), **{agent: target}))
    wait = env.native.wait_action
    with pytest.raises(InvalidActionError, match=r"must dispatch it: wait .* is masked"):
        env.step(dict(first_valid(obs), **{agent: wait}))
    env.step(first_valid(obs))  # still usable


def test_a_target_for_an_eap_holding_no_request_is_rejected():
    env = EdgeCloudDispatchEnv(config={"workload": {"meanRequestsPerSecond": 40}})
    obs, infos = env.reset(seed=4)
    for _ in range(200):
        idle = [a for a in env.agents if not infos[a]["due"]]
        if idle:
            break
        obs, _, _, _, infos = env.step(first_valid(obs))
    assert idle, "some eAP should hold no request at some step"
    with pytest.raises(InvalidActionError, match=rf"{idle[0]} holds no request"):
        env.step(dict(first_valid(obs), **{idle[0]: 0}))


def test_fallback_replaces_a_masked_action_by_the_cloud():
    lenient = EdgeCloudDispatchEnv(config=SMALL, on_masked_action="fallback")
    strict = EdgeCloudDispatchEnv(config=SMALL)
    obs, _ = lenient.reset(seed=4)
    strict.reset(seed=4)
    agent, target = due_agent_with_a_masked_target(obs)
    actions = first_valid(obs)
    _, rewards, _, _, infos = lenient.step(dict(actions, **{agent: target}))
    cloud = lenient.native.wait_action - 1
    _, expected, _, _, _ = strict.step(dict(actions, **{agent: cloud}))
    assert infos[agent]["replaced_action"] == 1
    assert sum(i["replaced_action"] for i in infos.values()) == 1
    assert np.array_equal(lenient.state(), strict.state()) and rewards == expected
    with pytest.raises(InvalidActionError, match="out of range"):
        lenient.step(dict(first_valid(lenient._observations(lenient.last)), eap0=-1))


def test_the_single_agent_env_rejects_masked_and_out_of_range_actions():
    env = EdgeCloudGymEnv(config=SMALL, on_masked_action="raise")
    _, info = env.reset(seed=4)
    masked = np.flatnonzero(info["action_mask"] == 0)
    assert masked.size > 0
    with pytest.raises(InvalidActionError, match=rf"action {masked[0]} of eap0 is masked"):
        env.step(int(masked[0]))
    for bad in (-1, 10**6):
        with pytest.raises(InvalidActionError, match=f"action {bad} of eap0 is out of range"):
            env.step(bad)
    lenient = EdgeCloudGymEnv(config=SMALL)
    _, info = lenient.reset(seed=4)
    _, _, _, _, info = lenient.step(int(masked[0]))
    assert info["replaced_action"] == 1


# --- lifecycle ----------------------------------------------------------------------------


def test_use_after_close_raises_and_close_twice_is_harmless():
    env = EdgeCloudDispatchEnv(config=SMALL)
    obs, _ = env.reset(seed=1)
    env.close()
    env.close()
    with pytest.raises(ClosedEnvError, match="no environment has handle"):
        env.step(first_valid(obs))
    with pytest.raises(ClosedEnvError, match="no environment has handle"):
        env.reset(seed=1)
    single = gym.make("kmps/EdgeCloud-v0", config=SMALL)
    single.reset(seed=1)
    single.close()
    with pytest.raises(ClosedEnvError):
        single.unwrapped.step(0)


def test_step_before_reset_and_after_the_episode_raise():
    env = EdgeCloudDispatchEnv(config={"timing": {"episodeSlots": 2}})
    with pytest.raises(EpisodeOverError, match="step before reset"):
        env.step({a: 0 for a in env.possible_agents})
    obs, _ = env.reset(seed=1)
    while env.agents:
        obs, *_ = env.step(first_valid(obs))
    with pytest.raises(EpisodeOverError, match="after the episode ended"):
        env.step({a: 0 for a in env.possible_agents})
    single = EdgeCloudGymEnv(config=SMALL)
    with pytest.raises(EpisodeOverError, match="step before reset"):
        single.step(0)


def test_the_c_functions_reject_null_buffers_bad_counts_and_stale_handles():
    native = NativeEnv(config=SMALL)
    native.reset(seed=1)
    lib = library()
    status = lib.kmps_ec_step(native.handle, None, native.eap_count, *([None] * 6))
    assert status == 1 and "actions is a null pointer" in last_error()
    actions = (ctypes.c_int64 * 1)(0)
    floats = np.zeros(10_000, dtype=np.float64)  # large enough for every buffer
    p = floats.ctypes.data
    assert lib.kmps_ec_step(native.handle, actions, 1, p, p, p, p, p, p) == 1
    assert "expected 3 actions" in last_error()
    assert lib.kmps_ec_reset(native.handle, 1, 1, p, None, p, p, p) == 1
    assert "masks is a null pointer" in last_error()
    native.close()
    assert lib.kmps_ec_destroy(native.handle) == 3
    assert lib.kmps_ec_reset(native.handle, 1, 1, p, p, p, p, p) == 3
    assert lib.kmps_ec_check_action(native.handle, 0, 0) == 3


def last_error():
    buffer = ctypes.create_string_buffer(512)
    library().kmps_ec_last_error(buffer, len(buffer))
    return buffer.value.decode()
