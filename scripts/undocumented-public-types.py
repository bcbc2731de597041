#!/usr/bin/env python3
"""Lists public types without a `///` doc comment (STYLE.md: every public declaration has one).

A type is a `public`/`open` struct, class, enum, protocol, actor or typealias, nested or not.
With `--all`, every public declaration counts (also func, init, var, let, subscript).
A doc comment is the `///` line right above the declaration, after any attribute lines
(`@inlinable`, `@discardableResult`, …). Prints `path:line: declaration` per undocumented one
and the count; exits 1 when any is found.

Usage: scripts/undocumented-public-types.py [--all] [folder ...]
(default: Sources/Tensor Sources/RL Sources/Envs)
"""

import re
import sys
from pathlib import Path

DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"
    r"(?:public|open)\s+(?:(?:final|indirect|nonisolated)\s+)*"
    r"(struct|class|enum|protocol|actor|typealias)\s+\w+")
ANY_DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public|open)(?:\(set\))?\s")


def undocumented(path, pattern):
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not pattern.match(line):
            continue
        above = index - 1
        while above >= 0 and lines[above].strip().startswith("@"):
            above -= 1
        if above < 0 or not lines[above].strip().startswith("///"):
            yield index + 1, line.strip()


def main(arguments):
    everything = "--all" in arguments
    folders = [a for a in arguments if a != "--all"]
    folders = folders or ["Sources/Tensor", "Sources/RL", "Sources/Envs"]
    pattern = ANY_DECLARATION if everything else DECLARATION
    kind = "public declaration(s)" if everything else "public type(s)"
    root = Path(__file__).resolve().parent.parent
    found = 0
    for folder in folders:
        for path in sorted((root / folder).rglob("*.swift")):
            for number, declaration in undocumented(path, pattern):
                print(f"{path.relative_to(root)}:{number}: {declaration}")
                found += 1
    print(f"{found} undocumented {kind} in {', '.join(folders)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
