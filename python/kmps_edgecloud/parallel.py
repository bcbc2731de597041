"""`EdgeCloudDispatchEnv`: the edge-cloud simulator as a PettingZoo `ParallelEnv`.

Agents are the eAPs (`eap0`, `eap1`, ...). At every step each eAP either holds a request it
must dispatch (its mask allows the valid targets: edge nodes of all clusters, then the cloud)
or holds none (its only valid action is the last one, "wait"), as SMAC does for agents that
cannot act. Observations are dicts `{"observation", "action_mask"}` (PettingZoo's convention,
so `parallel_api_test` samples valid actions); `state()` is the global state for centralized
critics. An eAP's reward in a step is what it was paid for its previous dispatches (slot
rewards u_{b,t}, paid when it next acts; the rest at the episode's end).
"""

from __future__ import annotations

import functools

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from ._native import NativeEnv

MASKED_ACTION_MODES = ("raise", "fallback")


class EdgeCloudDispatchEnv(ParallelEnv):
    """The eAPs of the KMPS edge-cloud system dispatching requests (see the module docstring).

    Args:
        config: the simulator config (a dict or JSON text, merged over the paper's defaults;
            unknown keys raise `ConfigError`), or None for the defaults.
        trace_path: replaces `workload.tracePath` (default: the bundled Alibaba sample).
        seed: seeds the env's seed sequence: `reset(seed=s)` runs the episode of seed `s` and
            reseeds the sequence with `s`; `reset()` runs the sequence's next seed (so
            `reset(seed=s)` then `reset()` is deterministic, as Gymnasium asks).
        on_masked_action: "raise" (default): an action the mask forbids raises
            `InvalidActionError` with the simulator's message; "fallback": it is replaced by
            the cloud (a due eAP; always valid) or "wait" (an idle eAP), and the agent's info
            says `replaced_action = 1`. Out-of-range actions always raise.
    """

    metadata = {"name": "kmps_edgecloud_dispatch_v0", "render_modes": [],
                "is_parallelizable": True}

    def __init__(self, config: dict | str | None = None, trace_path: str | None = None,
                 seed: int = 0, on_masked_action: str = "raise", render_mode: str | None = None):
        if on_masked_action not in MASKED_ACTION_MODES:
            raise ValueError(f"on_masked_action must be one of {MASKED_ACTION_MODES}, "
                             f"got {on_masked_action!r}")
        if render_mode is not None:
            raise ValueError(f"no render modes, got {render_mode!r}")
        self.render_mode = None
        self.native = NativeEnv(config, trace_path, seed)
        self.on_masked_action = on_masked_action
        self.possible_agents = [f"eap{b}" for b in range(self.native.eap_count)]
        self.agents: list[str] = []
        n, o = self.native.action_count, self.native.observation_size
        self._observation_space = spaces.Dict({
            "observation": spaces.Box(-np.inf, np.inf, (o,), np.float32),
            "action_mask": spaces.Box(0, 1, (n,), np.int8),
        })
        self._action_space = spaces.Discrete(n)
        self.state_space = spaces.Box(-np.inf, np.inf, (self.native.state_size,), np.float32)
        self.last = None
        self.np_random = np.random.default_rng(seed)

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent):
        return self._observation_space

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent):
        return self._action_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        self.last = self.native.reset(episode_seed(seed, self.np_random))
        self.agents = self.possible_agents[:]
        replaced = np.zeros(self.native.eap_count, dtype=bool)
        return self._observations(self.last), self._infos(self.last, replaced)

    def step(self, actions: dict):
        if not self.agents:
            # Let the simulator report it (an ended episode, or no reset yet).
            self.last = self.native.step(np.full(self.native.eap_count, self.native.wait_action))
        joint = np.empty(self.native.eap_count, dtype=np.int64)
        for b, agent in enumerate(self.possible_agents):
            if agent not in actions:
                raise ValueError(f"no action for {agent}: every live agent acts at every step "
                                 f"(an eAP holding no request takes wait = "
                                 f"{self.native.wait_action})")
            joint[b] = _integer(actions[agent], agent)
        unknown = set(actions) - set(self.possible_agents)
        if unknown:
            raise ValueError(f"actions for unknown agents {sorted(unknown)}")
        replaced = np.zeros(self.native.eap_count, dtype=bool)
        if self.on_masked_action == "fallback":
            joint, replaced = replace_masked(joint, self.last.masks, self.last.due)
        result = self.native.step(joint)
        self.last = result
        done = result.terminated or result.truncated
        observations = self._observations(result)
        rewards = {a: float(result.rewards[b]) for b, a in enumerate(self.possible_agents)}
        terminations = {a: result.terminated for a in self.possible_agents}
        truncations = {a: result.truncated for a in self.possible_agents}
        infos = self._infos(result, replaced)
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The global state after the latest reset or step (float32 `[state_size]`)."""
        if self.last is None:
            raise RuntimeError("state() before reset()")
        return self.last.state

    def config(self) -> dict:
        """The resolved simulator config (record it next to results)."""
        return self.native.config_json()

    def close(self):
        self.native.close()

    def _observations(self, result):
        return {a: {"observation": result.observations[b], "action_mask": result.masks[b]}
                for b, a in enumerate(self.possible_agents)}

    def _infos(self, result, replaced):
        return {a: dict(result.info, due=bool(result.due[b]), replaced_action=int(replaced[b]))
                for b, a in enumerate(self.possible_agents)}


def episode_seed(seed: int | None, rng: np.random.Generator) -> int:
    """`seed`, or the next seed drawn from `rng` (a seeded reset reseeds `rng` first)."""
    return int(rng.integers(0, 2**63)) if seed is None else seed


def replace_masked(actions: np.ndarray, masks: np.ndarray, due: np.ndarray):
    """`actions` with every in-range action that `masks` forbids replaced by the cloud (eAPs
    holding a request) or wait (the others), and which were replaced. Out-of-range actions are
    left for the simulator to reject."""
    n = masks.shape[1]
    in_range = (actions >= 0) & (actions < n)
    allowed = np.zeros_like(in_range)
    rows = np.flatnonzero(in_range)
    allowed[rows] = masks[rows, actions[rows]] == 1
    replaced = in_range & ~allowed
    fallback = np.where(due, n - 2, n - 1)
    return np.where(replaced, fallback, actions), replaced


def _integer(action, agent) -> int:
    value = np.asarray(action)
    if value.shape != () or value.dtype.kind not in "iu":
        raise TypeError(f"the action of {agent} must be an integer, got {action!r}")
    return int(value)
