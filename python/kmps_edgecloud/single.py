"""`EdgeCloudGymEnv`: one centralized agent takes every eAP's dispatch decisions, one at a time
(a `gymnasium.Env`, registered as `kmps/EdgeCloud-v0`), for single-agent baselines.

When several eAPs hold a request at once, the agent decides for them in eAP order on the same
simulator state (as the eAPs do in parallel), and the simulator advances after the last one.
The observation is the deciding eAP's local observation followed by the global state; the
valid targets are `info["action_mask"]` (also `action_masks()`, as sb3-contrib's MaskablePPO
expects). The reward of a step is the sum over eAPs of what the simulator paid in it (0 for
the decisions that did not advance it).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

from ._native import NativeEnv, _check, library
from .parallel import MASKED_ACTION_MODES, _integer, episode_seed


class EdgeCloudGymEnv(gym.Env):
    """The edge-cloud dispatch problem for a single centralized agent (see the module docstring).

    Args:
        config, trace_path, seed: as for `EdgeCloudDispatchEnv` (`seed` seeds `np_random`,
            from which `reset()` without a seed draws the episode's seed).
        on_masked_action: "fallback" (default; generic algorithms do not know the mask): a
            masked target is replaced by the cloud (always valid) and `info["replaced_action"]`
            is 1; "raise": it raises `InvalidActionError` with the simulator's message.
            Out-of-range actions always raise.
    """

    metadata = {"render_modes": []}

    def __init__(self, config: dict | str | None = None, trace_path: str | None = None,
                 seed: int = 0, on_masked_action: str = "fallback",
                 render_mode: str | None = None):
        if on_masked_action not in MASKED_ACTION_MODES:
            raise ValueError(f"on_masked_action must be one of {MASKED_ACTION_MODES}, "
                             f"got {on_masked_action!r}")
        if render_mode is not None:
            raise ValueError(f"no render modes, got {render_mode!r}")
        self.render_mode = None
        self.native = NativeEnv(config, trace_path, seed)
        self.on_masked_action = on_masked_action
        self.target_count = self.native.action_count - 1
        size = self.native.observation_size + self.native.state_size
        self.observation_space = spaces.Box(-np.inf, np.inf, (size,), np.float32)
        self.action_space = spaces.Discrete(self.target_count)
        self._np_random, self._np_random_seed = seeding.np_random(seed)
        self._result = None
        self._queue: list[int] = []
        self._joint = None

    def reset(self, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._begin_round(self.native.reset(episode_seed(seed, self.np_random)))
        return self._observation(), self._info(replaced=False)

    def step(self, action):
        if not self._queue:
            # Before reset or after the episode's end: the simulator reports which.
            self.native.step(np.full(self.native.eap_count, self.native.wait_action))
        eap = self._queue[0]
        action = _integer(action, "the agent")
        mask = self._result.masks[eap]
        replaced = (self.on_masked_action == "fallback" and 0 <= action < self.target_count
                    and mask[action] == 0)
        if replaced:
            action = self.target_count - 1  # the cloud
        _check(library().kmps_ec_check_action(self.native.handle, eap, action))
        self._joint[eap] = action
        self._queue.pop(0)
        reward, terminated, truncated = 0.0, False, False
        if not self._queue:
            result = self.native.step(self._joint)
            reward = float(result.rewards.sum())
            terminated, truncated = result.terminated, result.truncated
            self._begin_round(result)
        return self._observation(), reward, terminated, truncated, self._info(replaced)

    def action_masks(self) -> np.ndarray:
        """The valid targets of the current decision (bool `[targets]`)."""
        if not self._queue:
            return np.zeros(self.target_count, dtype=bool)
        return self._result.masks[self._queue[0], :-1].astype(bool)

    def config(self) -> dict:
        """The resolved simulator config (record it next to results)."""
        return self.native.config_json()

    def close(self):
        self.native.close()

    def _begin_round(self, result):
        self._result = result
        done = result.terminated or result.truncated
        self._queue = [] if done else [int(b) for b in np.flatnonzero(result.due)]
        self._joint = np.full(self.native.eap_count, self.native.wait_action, dtype=np.int64)

    def _observation(self) -> np.ndarray:
        local = (self._result.observations[self._queue[0]] if self._queue
                 else np.zeros(self.native.observation_size, dtype=np.float32))
        return np.concatenate([local, self._result.state])

    def _info(self, replaced: bool) -> dict:
        eap = self._queue[0] if self._queue else -1
        mask = (self._result.masks[eap, :-1].copy() if self._queue
                else np.zeros(self.target_count, dtype=np.int8))
        return dict(self._result.info, eap=eap, action_mask=mask, replaced_action=int(replaced))
