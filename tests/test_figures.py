"""The figure contract: deterministic SVG, accessible, and never stale."""

from __future__ import annotations

import json

import pytest

from llmsite import figures
from llmsite.figures import svg

ROWS = [('"␣Paris"', 0.7725, "77.3%"), ("<script>alert(1)</script>", 0.1, "10.0%"), ("the rest", 0.1275, "12.8%")]


def draw():
    return svg.horizontal_bars(ROWS, title="T & t", description="D", fig_id="f", muted_last=True)


def test_svg_is_deterministic_and_escapes_text():
    a, b = draw(), draw()
    assert a == b
    assert "<script>" not in a and "&lt;script&gt;" in a
    assert 'role="img"' in a and '<title id="f-title">T &amp; t</title>' in a and 'aria-labelledby="f-title f-desc"' in a
    assert a.count('class="llm-bar"') == 2 and a.count("llm-bar--muted") == 1


def test_bar_lengths_follow_the_values():
    import re

    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', draw())]
    assert widths[0] / widths[1] == pytest.approx(7.725, rel=0.02)


def test_fragment_has_figure_caption_and_numbers_table():
    fig = figures.Figure("x", draw(), "A caption <b>", ["token", "p"], [['"a|b"', "0.5"]])
    frag = fig.fragment()
    assert frag.startswith("<!-- generated")
    assert "<figcaption>A caption &lt;b&gt;</figcaption>" in frag
    assert '??? info "The numbers behind this figure"' in frag
    assert "&#124;" in frag  # a pipe inside a cell cannot break the table


def test_every_committed_figure_is_in_the_manifest_and_included_by_a_page():
    from llmsite.site.snippets import pages, included_files

    manifest = json.loads(figures.MANIFEST.read_text())
    assert set(manifest) == set(figures.FIGURES)
    used = {inc for p in pages() for inc in included_files(p)}
    for name, entry in manifest.items():
        assert entry["file"] in used, f"no page includes {entry['file']}"
        assert entry["model_sha256"] and entry["code_sha256"] and entry["versions"]["torch"]


@pytest.mark.model
@pytest.mark.slow
def test_figures_are_not_stale():
    """Redraws every figure with the real model; fails if a committed one differs."""
    from llmsite.site import cpu

    if not cpu.pinned():
        pytest.skip(f"figures are drawn with the pinned AVX2 kernels, which this machine cannot use: "
                    f"{cpu.why_not_pinned()}")
    problems = figures.stale()
    assert not problems, "\n".join(problems) + "\nrun `make figures` and commit docs/figures/"


def test_code_stale_names_every_figure_whose_module_changed(monkeypatch):
    """No model: after editing a builder module, the CLI lists the figures still to redraw."""
    manifest = {name: {"code_sha256": figures.code_sha256(name)} for name in figures.FIGURES}
    monkeypatch.setattr(figures, "load_manifest", lambda: manifest)
    assert figures.code_stale() == []
    manifest["13-context-windows"]["code_sha256"] = "0" * 64  # as if fig_published.py had been edited
    del manifest["14-size-buys"]
    assert figures.code_stale() == ["13-context-windows", "14-size-buys"]
