"""Cold vs warm `mkdocs build --strict`: how long a contributor waits for the site.

Cold: no previous output and no mkdocs-jupyter cache. Warm: the same build again right after.
Each build runs in a fresh process, as `make site` does, so both include start-up and imports.
Prints seconds and the ratio cold / warm. Usage: python benchmarks/bench_docs_build.py [--quick]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build(out: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=REPO,
                   env=env, check=True)
    return time.perf_counter() - t


def main() -> None:
    repeats = 1 if "--quick" in sys.argv else 3
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        for _ in range(repeats):
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(REPO / "docs" / ".cache", ignore_errors=True)
            cold.append(build(out))
            warm.append(build(out))
    c, w = min(cold), min(warm)
    print(f"docs build, best of {repeats}: cold {c:.2f} s, warm {w:.2f} s, cold / warm = {c / w:.2f}x")


if __name__ == "__main__":
    main()
