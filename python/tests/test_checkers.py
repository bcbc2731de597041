"""The official checkers (Gymnasium's check_env, PettingZoo's parallel_api_test and
parallel_seed_test), plus the determinism and episode accounting they do not look at."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import kmps_edgecloud  # noqa: F401  (registers kmps/EdgeCloud-v0)
from kmps_edgecloud import EdgeCloudDispatchEnv, EdgeCloudGymEnv

from conftest import SMALL

# Observations hold unbounded quantities (remaining budget, queue lengths), so the Box bounds
# are infinite on purpose; check_env warns about that and nothing else may warn.
INFINITE_BOUNDS = "space m"


def no_other_warnings(caught):
    others = [str(w.message) for w in caught if INFINITE_BOUNDS not in str(w.message)]
    assert not others, others


def test_gymnasium_check_env_on_the_registered_single_agent_env():
    env = gym.make("kmps/EdgeCloud-v0", config=SMALL)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    no_other_warnings(caught)
    env.close()


def test_pettingzoo_parallel_api_test():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parallel_api_test(EdgeCloudDispatchEnv(config=SMALL), num_cycles=1000)
    no_other_warnings(caught)


def test_pettingzoo_parallel_seed_test():
    # The seed test samples actions without their masks, so masked ones fall back to the cloud.
    parallel_seed_test(lambda: EdgeCloudDispatchEnv(config=SMALL, on_masked_action="fallback"))


def random_rollout(env, seed, steps):
    """Observations, states and rewards of `steps` random valid joint actions."""
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    trace = []
    for _ in range(steps):
        actions = {a: int(rng.choice(np.flatnonzero(o["action_mask"]))) for a, o in obs.items()}
        obs, rewards, _, _, _ = env.step(actions)
        trace.append((np.stack([o["observation"] for o in obs.values()]), env.state(),
                      list(rewards.values())))
    return trace


def test_same_seed_same_run_and_different_seed_different_run():
    a = random_rollout(EdgeCloudDispatchEnv(config=SMALL), 3, 300)
    b = random_rollout(EdgeCloudDispatchEnv(config=SMALL), 3, 300)
    c = random_rollout(EdgeCloudDispatchEnv(config=SMALL), 4, 300)
    for (oa, sa, ra), (ob, sb, rb) in zip(a, b):
        assert np.array_equal(oa, ob) and np.array_equal(sa, sb) and ra == rb
    assert any(not np.array_equal(sa, sc) for (_, sa, _), (_, sc, _) in zip(a, c))


def test_unseeded_resets_follow_the_seeded_one():
    env = EdgeCloudDispatchEnv(config=SMALL)
    env.reset(seed=9)
    first = env.reset()[0]["eap0"]["observation"].copy()
    env.reset(seed=9)
    assert np.array_equal(env.reset()[0]["eap0"]["observation"], first)


def test_an_episode_truncates_every_agent_and_pays_every_reward():
    env = EdgeCloudDispatchEnv(config={"timing": {"episodeSlots": 8}})
    obs, infos = env.reset(seed=1)
    total = dict.fromkeys(env.possible_agents, 0.0)
    steps = 0
    while env.agents:
        actions = {a: int(np.flatnonzero(o["action_mask"])[-1]) for a, o in obs.items()}
        obs, rewards, terminations, truncations, infos = env.step(actions)
        for agent, reward in rewards.items():
            total[agent] += reward
        steps += 1
    assert all(truncations.values()) and not any(terminations.values())
    assert infos["eap0"]["slot"] == 8
    # Every request that arrived is accounted for in the info.
    assert infos["eap0"]["completedOnTime"] + infos["eap0"]["failed"] <= infos["eap0"]["arrived"]
    assert steps > 8 and all(v != 0 for v in total.values())


def test_the_single_agent_env_pays_the_same_total_reward_as_the_parallel_env():
    """One decision at a time, in eAP order, on the same state: the same episode."""
    config = {"timing": {"episodeSlots": 12}}
    parallel = EdgeCloudDispatchEnv(config=config)
    obs, _ = parallel.reset(seed=2)
    parallel_total, decisions = 0.0, 0
    while parallel.agents:
        actions = {a: int(np.flatnonzero(o["action_mask"])[0]) for a, o in obs.items()}
        decisions += sum(a != parallel.native.wait_action for a in actions.values())
        obs, rewards, _, _, infos = parallel.step(actions)
        parallel_total += sum(rewards.values())

    single = EdgeCloudGymEnv(config=config, on_masked_action="raise")
    obs, info = single.reset(seed=2)
    single_total, single_decisions, done = 0.0, 0, False
    while not done:
        assert obs.shape == single.observation_space.shape
        assert np.array_equal(single.action_masks(), info["action_mask"].astype(bool))
        obs, reward, terminated, truncated, info = single.step(
            int(np.flatnonzero(info["action_mask"])[0]))
        single_total += reward
        single_decisions += 1
        done = terminated or truncated
    assert single_decisions == decisions
    assert single_total == pytest.approx(parallel_total, rel=1e-12)
    assert info["arrived"] == infos["eap0"]["arrived"]


def test_cleanrl_style_vector_env_runs_with_masks_in_infos():
    def make_env():
        return gym.wrappers.RecordEpisodeStatistics(
            gym.make("kmps/EdgeCloud-v0", config={"timing": {"episodeSlots": 4},
                                                  "workload": {"meanRequestsPerSecond": 40}}))

    envs = gym.vector.SyncVectorEnv([make_env, make_env])
    obs, infos = envs.reset(seed=1)
    assert obs.shape == (2, envs.single_observation_space.shape[0])
    finished = 0
    for _ in range(400):
        # The first valid target (after an episode's end the mask is empty: the next step
        # resets the sub-env and ignores the action).
        actions = infos["action_mask"].argmax(axis=1)
        obs, rewards, terminations, truncations, infos = envs.step(actions)
        finished += int(truncations.sum())
        if "episode" in infos:
            assert np.all(infos["episode"]["r"][infos["_episode"]] != 0)
    assert finished >= 2
