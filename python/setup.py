"""Builds libEdgeCloudC with SwiftPM (release) while the wheel is built, or takes the library
named by $KMPS_EDGECLOUD_LIB, and ships it inside the package (metadata: pyproject.toml)."""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

LIBRARY = "libEdgeCloudC.so"
ROOT = Path(__file__).resolve().parent.parent  # the Swift package (this repository)


def swift_library() -> Path:
    given = os.environ.get("KMPS_EDGECLOUD_LIB")
    if given:
        if not Path(given).is_file():
            raise SystemExit(f"KMPS_EDGECLOUD_LIB={given}: no such file")
        return Path(given)
    if not (ROOT / "Package.swift").is_file():
        raise SystemExit(
            f"{ROOT} is not the KMPS Swift package: install from a checkout of the repository "
            f"(pip install ./python), or build {LIBRARY} and set KMPS_EDGECLOUD_LIB to it")
    if shutil.which("swift") is None:
        raise SystemExit(
            f"`swift` not found: building {LIBRARY} needs Swift 6.1 or newer on PATH "
            "(https://www.swift.org/install/). Or build it elsewhere with `swift build -c release "
            "--product EdgeCloudC` and set KMPS_EDGECLOUD_LIB to the .so. (The library does not "
            "need OpenBLAS: only the training code of the Swift package links it.)")
    command = ["swift", "build", "-c", "release", "--product", "EdgeCloudC"]
    print(f"building {LIBRARY}: {' '.join(command)} (in {ROOT})", flush=True)
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(
            f"`{' '.join(command)}` failed in {ROOT} (exit {done.returncode}); see its output "
            "above. The Swift package resolves its dependencies on the first build (network).")
    return ROOT / ".build" / "release" / LIBRARY


class BuildPyWithSwift(build_py):
    """Copies the Swift library next to the Python modules."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "kmps_edgecloud" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(swift_library(), target)


class BinaryDistribution(Distribution):
    """The wheel holds a native library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithSwift}, distclass=BinaryDistribution)
