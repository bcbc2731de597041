"""ctypes bindings of libEdgeCloudC (Sources/EdgeCloudC/edgecloud.h) and `NativeEnv`, one
environment behind a handle.

Every result is written by Swift straight into one numpy block allocated for that call, which
the returned arrays view (no copies; no block is ever reused, so what a caller keeps stays
valid, as Gymnasium asks).
"""

from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ABI_VERSION = 1
LIBRARY_NAME = "libEdgeCloudC.so"
_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parents[1]


class EdgeCloudError(Exception):
    """An error reported by the Swift library; the message is Swift's. `code` is the status."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class ConfigError(EdgeCloudError, ValueError):
    """The config JSON or the trace cannot be used (unknown key, bad value, unreadable trace)."""


class InvalidActionError(EdgeCloudError, ValueError):
    """An action out of range, or one the action mask forbids."""


class ClosedEnvError(EdgeCloudError, RuntimeError):
    """The environment was closed (its Swift handle is gone)."""


class EpisodeOverError(EdgeCloudError, RuntimeError):
    """`step` before `reset`, or after the episode ended."""


_ERRORS = {1: EdgeCloudError, 2: ConfigError, 3: ClosedEnvError, 4: InvalidActionError,
           5: EpisodeOverError}


def find_library() -> Path:
    """The library: $KMPS_EDGECLOUD_LIB, the copy installed with this package, or the Swift
    package's release then debug build (a checkout of the repository)."""
    candidates = []
    if os.environ.get("KMPS_EDGECLOUD_LIB"):
        candidates.append(Path(os.environ["KMPS_EDGECLOUD_LIB"]))
    candidates += [_PACKAGE / LIBRARY_NAME, _REPO / ".build" / "release" / LIBRARY_NAME,
                   _REPO / ".build" / "debug" / LIBRARY_NAME]
    for path in candidates:
        if path.is_file():
            return path
    raise OSError(
        f"{LIBRARY_NAME} not found (looked at: {', '.join(map(str, candidates))}). Build it with "
        f"`swift build -c release --product EdgeCloudC` in {_REPO}, reinstall with "
        "`pip install ./python`, or set KMPS_EDGECLOUD_LIB to its path.")


def _load():
    lib = ctypes.CDLL(str(find_library()))
    i32, i64, u64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_uint64
    ptr, cstr = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "kmps_ec_abi_version": [],
        "kmps_ec_create": [cstr, cstr, u64, ctypes.POINTER(i64)],
        "kmps_ec_destroy": [i64],
        "kmps_ec_sizes": [i64, ptr, i64],
        "kmps_ec_info_names": [i64, ctypes.c_char_p, i64, ctypes.POINTER(i64)],
        "kmps_ec_config_json": [i64, ctypes.c_char_p, i64, ctypes.POINTER(i64)],
        "kmps_ec_reset": [i64, u64, i32, ptr, ptr, ptr, ptr, ptr],
        "kmps_ec_step": [i64, ptr, i64, ptr, ptr, ptr, ptr, ptr, ptr],
        "kmps_ec_check_action": [i64, i64, i64],
    }
    for name, argtypes in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = i32
    lib.kmps_ec_last_error.argtypes = [ctypes.c_char_p, i64]
    lib.kmps_ec_last_error.restype = i64
    version = lib.kmps_ec_abi_version()
    if version != ABI_VERSION:
        raise OSError(f"{find_library()} has ABI version {version}, this package needs "
                      f"{ABI_VERSION}: rebuild the library")
    return lib


_lib = None


def library():
    """The loaded library (loaded on first use)."""
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _last_error() -> str:
    buffer = ctypes.create_string_buffer(1024)
    length = library().kmps_ec_last_error(buffer, len(buffer))
    if length >= len(buffer):
        buffer = ctypes.create_string_buffer(length + 1)
        library().kmps_ec_last_error(buffer, len(buffer))
    return buffer.value.decode("utf-8", errors="replace")


def _check(status: int) -> None:
    if status != 0:
        raise _ERRORS.get(status, EdgeCloudError)(status, _last_error())


@dataclass
class Result:
    """One reset or step, as numpy arrays written by Swift (fresh for every call)."""

    observations: np.ndarray  # float32 [B, O]; zero rows for eAPs holding no request
    masks: np.ndarray  # int8 [B, A]; the last action is "wait"
    state: np.ndarray  # float32 [S]
    rewards: np.ndarray  # float64 [B]; zeros after a reset
    due: np.ndarray  # bool [B]: the eAP holds a request and must dispatch it
    terminated: bool
    truncated: bool
    info: dict


class NativeEnv:
    """One Swift `EdgeCloudEnv` behind a C handle: eAP agents, joint actions with "wait"."""

    def __init__(self, config: dict | str | None = None, trace_path: str | None = None,
                 seed: int = 0):
        if isinstance(config, dict):
            config = json.dumps(config)
        handle = ctypes.c_int64(0)
        _check(library().kmps_ec_create(
            None if config is None else config.encode(),
            None if trace_path is None else os.fsencode(trace_path),
            _seed(seed), ctypes.byref(handle)))
        self.handle = handle.value
        self.closed = False
        sizes = np.zeros(5, dtype=np.int64)
        _check(library().kmps_ec_sizes(self.handle, sizes.ctypes.data, len(sizes)))
        (self.eap_count, self.observation_size, self.action_count, self.state_size,
         info_count) = (int(x) for x in sizes)
        self.wait_action = self.action_count - 1
        self.info_names = self._string(library().kmps_ec_info_names).split(",")
        assert len(self.info_names) == info_count
        self._layout, self._bytes = self._block_layout()
        self._offsets = [offset for _, _, offset in self._layout]

    def config_json(self) -> dict:
        """The resolved config the env runs with (record it next to results)."""
        return json.loads(self._string(library().kmps_ec_config_json))

    def _string(self, function) -> str:
        length = ctypes.c_int64(0)
        buffer = ctypes.create_string_buffer(4096)
        _check(function(self.handle, buffer, len(buffer), ctypes.byref(length)))
        if length.value >= len(buffer):
            buffer = ctypes.create_string_buffer(length.value + 1)
            _check(function(self.handle, buffer, len(buffer), ctypes.byref(length)))
        return buffer.value.decode()

    def _block_layout(self):
        """Byte offsets of the result arrays inside one block (8-byte aligned)."""
        b = self.eap_count
        parts = [("observations", (b, self.observation_size), np.float32),
                 ("state", (self.state_size,), np.float32),
                 ("rewards", (b,), np.float64),
                 ("info", (len(self.info_names),), np.float64),
                 ("masks", (b, self.action_count), np.int8),
                 ("flags", (b + 2,), np.uint8)]
        layout, offset = [], 0
        for _, shape, dtype in parts:
            dtype = np.dtype(dtype)
            layout.append((shape, dtype, offset))
            offset += -(-int(np.prod(shape)) * dtype.itemsize // 8) * 8
        return layout, offset

    def _buffers(self):
        """A fresh block for one result, its address, and the arrays viewing it (obs, state,
        rewards, info, masks, flags): one allocation and one address look-up per call."""
        block = np.zeros(self._bytes, dtype=np.uint8)
        base = block.ctypes.data
        arrays = [np.ndarray(shape, dtype, block, offset) for shape, dtype, offset in self._layout]
        return base, arrays

    def _result(self, arrays) -> Result:
        obs, state, rewards, info, masks, flags = arrays
        b = self.eap_count
        return Result(obs, masks, state, rewards, flags[:b].astype(bool), bool(flags[b]),
                      bool(flags[b + 1]), dict(zip(self.info_names, info.tolist())))

    def reset(self, seed: int | None = None) -> Result:
        """Starts an episode (`seed` None: the env's next seed, a deterministic sequence)."""
        base, arrays = self._buffers()
        o = self._offsets
        _check(library().kmps_ec_reset(
            self.handle, 0 if seed is None else _seed(seed), 0 if seed is None else 1,
            base + o[0], base + o[4], base + o[1], base + o[5], base + o[3]))
        return self._result(arrays)

    def step(self, actions: np.ndarray) -> Result:
        """One joint step: `actions[b]` for every eAP (`wait_action` for those holding no
        request). Raises `InvalidActionError` with Swift's message for a bad action."""
        actions = np.ascontiguousarray(actions, dtype=np.int64)
        base, arrays = self._buffers()
        o = self._offsets
        _check(library().kmps_ec_step(
            self.handle, actions.ctypes.data, actions.size, base + o[0], base + o[4],
            base + o[1], base + o[2], base + o[5], base + o[3]))
        return self._result(arrays)

    def close(self) -> None:
        """Destroys the Swift env; calling it again does nothing. Later calls raise
        `ClosedEnvError` (the Swift library rejects the stale handle)."""
        if not self.closed:
            self.closed = True
            _check(library().kmps_ec_destroy(self.handle))

    def __del__(self):
        if getattr(self, "closed", True) is False and _lib is not None:
            self.closed = True
            _lib.kmps_ec_destroy(self.handle)


def _seed(seed) -> int:
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return seed
