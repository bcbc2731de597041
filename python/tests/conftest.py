"""Shared settings of the Python tests: small configs and the Swift reference executable.

The library is found as the package finds it ($KMPS_EDGECLOUD_LIB, the installed copy, or the
Swift package's .build/release then .build/debug); the reference rollouts come from
$EDGECLOUD_ROLLOUT, else .build/debug/edgecloud-rollout (CI builds both).
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A short episode (40 slots of 250 ms at the default 600 req/s): thousands of steps.
SMALL = {"timing": {"episodeSlots": 40}}


@pytest.fixture(scope="session")
def rollout_executable() -> str:
    path = Path(os.environ.get("EDGECLOUD_ROLLOUT",
                               ROOT / ".build" / "debug" / "edgecloud-rollout"))
    assert path.is_file(), (f"no edgecloud-rollout at {path}: run `swift build --product "
                            "edgecloud-rollout` or set EDGECLOUD_ROLLOUT")
    return str(path)
