"""Chapter 12 tests its "under-trained" hypothesis with benchmarks/bench_toy_tuning.py, whose
fragment (docs/measurements/toy-tuning.md) the page includes. The prose quotes that table; this
holds the two together, so a new benchmark run cannot leave the page saying something else."""

from __future__ import annotations

from llmsite.site.snippets import REPO

FRAGMENT = REPO / "docs" / "measurements" / "toy-tuning.md"
PAGE = REPO / "docs" / "12-scaling.md"


def rows() -> dict:
    """(parameters, steps, learning rate) -> held-out loss, from the fragment's table."""
    out = {}
    for line in FRAGMENT.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and cells[0][:1].isdigit():
            out[(cells[0], cells[1], cells[2])] = cells[4]
    return out


def test_the_page_quotes_the_benchmark():
    r = rows()
    page = PAGE.read_text(encoding="utf-8")
    assert '--8<-- "docs/measurements/toy-tuning.md"' in page
    big, mid = "893,120", "213,120"
    quoted = {
        "fell from {} to {}".format(r[(big, "150", "0.003")], r[(big, "150", "0.001")]),
        "next size\ndown ({})".format(r[(mid, "150", "0.003")]),
        "at that rate ({})".format(r[(mid, "150", "0.001")]),
        "ahead: {}\nagainst {}".format(r[(big, "600", "0.001")], r[(mid, "600", "0.001")]),
    }
    for phrase in quoted:
        assert phrase in page, f"12-scaling.md should say {phrase!r} (from {FRAGMENT.name})"


def test_the_hypothesis_holds_in_the_recorded_run():
    """What the page concludes: a lower learning rate helps the biggest model at the same data,
    and four times the steps put it ahead of the next size down."""
    r = {k: float(v) for k, v in rows().items()}
    big, mid = "893,120", "213,120"
    assert r[(big, "150", "0.001")] < r[(big, "150", "0.003")]
    assert r[(big, "600", "0.001")] < r[(mid, "600", "0.001")]
