"""The KMPS edge-cloud simulator (Swift) for Python: a PettingZoo `ParallelEnv` whose agents
are the eAPs (`EdgeCloudDispatchEnv`) and a single-agent `gymnasium.Env` (`EdgeCloudGymEnv`,
registered as `kmps/EdgeCloud-v0`), both over libEdgeCloudC's C ABI."""

import gymnasium

from ._native import (ClosedEnvError, ConfigError, EdgeCloudError, EpisodeOverError,
                      InvalidActionError, NativeEnv, find_library)
from .parallel import EdgeCloudDispatchEnv
from .single import EdgeCloudGymEnv

__all__ = ["EdgeCloudDispatchEnv", "EdgeCloudGymEnv", "NativeEnv", "EdgeCloudError",
           "ConfigError", "InvalidActionError", "ClosedEnvError", "EpisodeOverError",
           "find_library", "parallel_env"]


def parallel_env(**kwargs) -> EdgeCloudDispatchEnv:
    """`EdgeCloudDispatchEnv(**kwargs)` (PettingZoo's constructor name)."""
    return EdgeCloudDispatchEnv(**kwargs)


if "kmps/EdgeCloud-v0" not in gymnasium.registry:
    gymnasium.register(id="kmps/EdgeCloud-v0", entry_point="kmps_edgecloud.single:EdgeCloudGymEnv")
