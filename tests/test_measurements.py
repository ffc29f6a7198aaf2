"""Measurements (timings) included by pages are written by a benchmark and say where and when."""

from __future__ import annotations

import re

import pytest

from llmsite.site import measurements
from llmsite.site.snippets import REPO, included_files, pages

FRAGMENTS = sorted(measurements.OUT_DIR.glob("*.md")) if measurements.OUT_DIR.exists() else []


@pytest.mark.parametrize("path", FRAGMENTS, ids=lambda p: p.name)
def test_measurement_names_its_benchmark_and_is_shown(path):
    text = path.read_text(encoding="utf-8")
    m = re.match(r"<!-- written by `python (benchmarks/\S+\.py)", text)
    assert m, f"{path.name}: must start with the benchmark that wrote it"
    assert (REPO / m[1]).exists(), f"{path.name}: {m[1]} does not exist"
    assert re.search(r"Measured \d{4}-\d\d-\d\d on .+ by", text)
    assert re.search(r"^\|.*\|$", text, re.M), "a measurement is a table"
    rel = str(path.relative_to(REPO))
    assert any(rel in included_files(p) for p in pages()), f"no page includes {rel}"


def test_write_produces_a_fragment_the_checks_accept(tmp_path, monkeypatch):
    monkeypatch.setattr(measurements, "OUT_DIR", tmp_path)
    p = measurements.write("demo", "Demo", ["what", "seconds"], [["a", "0.10"]], "benchmarks/bench_x.py")
    text = p.read_text()
    assert text.startswith("<!-- written by `python benchmarks/bench_x.py`")
    assert "| a | 0.10 |" in text and "Measured " in text
