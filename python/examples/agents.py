"""Random and masked-greedy dispatch agents on the KMPS edge-cloud simulator (PettingZoo API).

    python python/examples/agents.py [--slots 200] [--seed 1]

Prints each agent's throughput (requests completed by their deadline / arrived) and the
environment steps per second.
"""

import argparse
import time

import numpy as np

from kmps_edgecloud import EdgeCloudDispatchEnv

FEATURES = 9  # per dispatch target in an eAP's observation (see Observation.swift)


def random_agent(obs, rng):
    """A uniformly random valid action (wait, for an eAP holding no request)."""
    return int(rng.choice(np.flatnonzero(obs["action_mask"])))


def greedy_agent(obs, rng):
    """The valid target with the shortest queue (requests queued there or on their way), the
    nearest one among equals."""
    mask = obs["action_mask"]
    targets = mask.size - 1
    if mask[-1]:  # no request: wait
        return targets
    x = obs["observation"]
    per_target = x[x.size - targets * FEATURES:].reshape(targets, FEATURES)
    queue, latency = per_target[:, 3], per_target[:, 2]
    score = np.where(mask[:-1] == 1, -queue - 1e-3 * latency, -np.inf)
    return int(np.argmax(score))


def run(agent, slots, seed):
    env = EdgeCloudDispatchEnv(config={"timing": {"episodeSlots": slots}})
    rng = np.random.default_rng(seed)
    obs, infos = env.reset(seed=seed)
    steps, start = 0, time.perf_counter()
    while env.agents:
        actions = {a: agent(obs[a], rng) for a in env.agents}
        obs, rewards, terminations, truncations, infos = env.step(actions)
        steps += 1
    seconds = time.perf_counter() - start
    env.close()
    return infos["eap0"]["throughput"], steps / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=200, help="episode length, 250 ms slots")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for name, agent in (("random", random_agent), ("masked-greedy", greedy_agent)):
        throughput, steps_per_second = run(agent, args.slots, args.seed)
        print(f"{name:>13}: throughput {throughput:.3f}, {steps_per_second:,.0f} env steps/s")


if __name__ == "__main__":
    main()
