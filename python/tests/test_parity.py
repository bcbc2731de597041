"""The same seeds and actions through Python (EdgeCloudDispatchEnv over the C ABI) and through
Swift (edgecloud-rollout, which drives EdgeCloudEnv with its ordinary Swift API) give
bit-identical observations, masks, global states, rewards, flags and infos for 1,000 steps."""

import json
import subprocess

import numpy as np

from kmps_edgecloud import EdgeCloudDispatchEnv

# 40 req/s and 50-slot episodes (about 420 steps each): 1,000 steps cross slot ends, long
# slots, frame starts (HPA), bursts of emergency requests and two episode ends with resets.
PARITY = {
    "timing": {"episodeSlots": 50, "frameEverySlots": 20},
    "workload": {"meanRequestsPerSecond": 40, "profile": "bursts", "burstMeanIntervalS": 5},
}
STEPS = 1000


def bits32(values):
    return np.asarray(values, dtype=np.uint32)


def test_python_and_swift_agree_bit_for_bit_for_1000_steps(tmp_path, rollout_executable):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(PARITY))
    out = tmp_path / "rollout.jsonl"
    subprocess.run([rollout_executable, "record", str(config), "11", str(STEPS), "5", str(out)],
                   check=True)
    records = [json.loads(line) for line in out.read_text().splitlines()]

    env = EdgeCloudDispatchEnv(config=PARITY)
    b_count = env.native.eap_count
    wait = env.native.wait_action
    steps, resets, paid = 0, 0, 0
    due = []
    for record in records:
        if "reset" in record:
            obs, infos = env.reset(seed=record["reset"])
            rewards = None
            resets += 1
        else:
            actions = {agent: wait for agent in env.agents}
            for b, action in zip(due, record["actions"], strict=True):
                actions[f"eap{b}"] = action
            obs, rewards, terminations, truncations, infos = env.step(actions)
            steps += 1
            assert all(v == record["terminated"] for v in terminations.values())
            assert all(v == record["truncated"] for v in truncations.values())
        due = record["agents"]
        assert [b for b in range(b_count) if infos[f"eap{b}"]["due"]] == due
        for b in range(b_count):
            agent_obs = obs[f"eap{b}"]
            if b in due:
                k = due.index(b)
                assert np.array_equal(agent_obs["observation"].view(np.uint32),
                                      bits32(record["obs"][k])), (steps, b)
                assert agent_obs["action_mask"][:-1].tolist() == record["masks"][k]
                assert agent_obs["action_mask"][-1] == 0
            else:
                assert not agent_obs["observation"].any()
                assert agent_obs["action_mask"].tolist() == [0] * wait + [1]
        assert np.array_equal(env.state().view(np.uint32), bits32(record["state"])), steps
        for key, value in record["info"].items():
            assert np.float64(infos["eap0"][key]).view(np.uint64) == np.uint64(value), key
        if rewards is not None:
            expected = np.zeros(b_count, dtype=np.uint64)
            for agent, reward in zip(record["actedAgents"], record["rewards"], strict=True):
                if agent < b_count:
                    expected[agent] = reward
                else:
                    assert reward == 0  # the orchestrator agent: HPA runs, it never acts
            got = np.array([rewards[f"eap{b}"] for b in range(b_count)]).view(np.uint64)
            assert np.array_equal(got, expected), steps
            paid += int(np.count_nonzero(got))
    assert steps == STEPS
    assert resets >= 3, "the rollout should cross two episode ends"
    assert paid > 100, "rewards should be paid in many steps"
    env.close()
