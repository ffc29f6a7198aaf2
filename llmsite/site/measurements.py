"""Timings and other machine-dependent numbers, recorded by benchmarks for pages to include.

A speed is never checked against a fixed number in a test: it changes with the machine and its
load. Instead a benchmark (``benchmarks/bench_*.py``) measures, prints ratios against a named
baseline, and writes ``docs/measurements/<name>.md``: a table plus a line saying where, when and
with what it was measured. A page includes that file with ``--8<--``, so every timing on the site
was printed by a benchmark run, dated and attributed. ``tests/test_measurements.py`` checks that
every fragment is well-formed and names its benchmark.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "docs" / "measurements"


def machine() -> str:
    """A one-line description of where the numbers were taken."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    where = f"{os.cpu_count()} CPU cores ({cpu})"
    if torch.cuda.is_available():
        where += f", GPU {torch.cuda.get_device_name(0)}"
    return f"{where}, Python {platform.python_version()}, torch {torch.__version__.split('+')[0]}"


def write(name: str, title: str, header: list[str], rows: list[list[str]], benchmark: str,
          notes: str = "", device: str = "cpu") -> Path:
    """Write ``docs/measurements/<name>.md`` (or ``<name>-cuda.md`` when ``device`` is CUDA)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stem = name if device == "cpu" else f"{name}-{device.split(':')[0]}"
    path = OUT_DIR / f"{stem}.md"
    lines = [
        f"<!-- written by `python {benchmark}`: do not edit by hand -->",
        f"**{title}**",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
        *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
        "",
        f"<small>Measured {_dt.date.today().isoformat()} on {machine()}, device {device}, by "
        f"`python {benchmark}`. Timings vary with the machine and its load; ratios are more stable.</small>",
    ]
    if notes:
        lines += ["", notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
