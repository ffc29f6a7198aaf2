"""Published numbers (issue 14 §3): every one has a source and a date, and the figures show them.

The numbers themselves are checked by hand against their sources (the URLs are in
``llmsite/published.py``); what a test can check is that none lost its source or date on the
way to the page, that ours are read from our recorded outputs, and that the figures and the
pages agree with the data.
"""

from __future__ import annotations

import re

import pytest

from llmsite.figures import published as fig_published
from llmsite import figures, published

DATE = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


def fragment(name: str) -> str:
    return (figures.FIG_DIR / f"{name}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("source", published.all_sources(), ids=lambda s: s.title[:40])
def test_every_source_has_a_title_a_link_and_a_date(source):
    assert source.title.strip()
    assert source.url.startswith("https://"), source
    assert DATE.match(source.date), f"{source.title}: date {source.date!r} is not YYYY-MM or YYYY-MM-DD"


def test_training_data_entries_are_dated():
    for name, params, tokens, src, date in published.TRAINING_DATA:
        assert params > 0 and tokens > 0 and src and DATE.match(date), name


def test_context_windows_are_in_a_plausible_range_and_dated_in_order_of_growth():
    windows = published.CONTEXT_WINDOWS
    assert all(512 <= w.tokens <= 100_000_000 for w in windows)
    # the announced text is the number: "128K" is 128,000, "8,192" is 8,192
    for w in windows:
        text = w.announced.replace(",", "")
        value = float(text.rstrip("KM")) * {"K": 1e3, "M": 1e6}.get(text[-1], 1)
        assert value == w.tokens, w
    first, last = min(windows, key=lambda w: w.source.date), max(windows, key=lambda w: w.tokens)
    assert first.tokens <= 2048 and last.tokens >= 1_000_000  # the "2K -> 1M+"


def test_size_scores_cover_the_same_benchmarks_and_stay_above_zero():
    names = [b.name for b in published.BENCHMARKS]
    for s in published.SIZE_SCORES:
        assert list(s.scores) == names, s.model
        assert all(v is None or 0 <= v <= 100 for v in s.scores.values()), s.model
        assert set(s.notes) <= set(names), s.model
        for b, v in s.scores.items():
            if v is None:
                assert b in s.notes, f"{s.model}: an empty {b} cell must say why"
    assert [s.parameters for s in published.SIZE_SCORES] == sorted(s.parameters for s in published.SIZE_SCORES)
    assert all(0 <= b.chance < 1 for b in published.BENCHMARKS)


def test_context_window_figure_shows_every_source_and_reads_ours_from_the_recorded_output():
    frag = fragment("13-context-windows")
    for w in published.CONTEXT_WINDOWS:
        assert w.source.url in frag and w.source.date in frag, w.model
        assert f"| {w.model} | {w.announced} |" in frag, w.model
    ours = fig_published.our_window()
    assert ours == 8192  # printed by snippets/13-limits/context_pages.py from the model's config
    assert f"| SmolLM2 (ours) | {ours:,} | open (ours) |" in frag


def test_size_figure_shows_every_score_its_setting_and_source():
    frag = fragment("14-size-buys")
    for s in published.SIZE_SCORES:
        assert s.source.url in frag and s.source.date in frag, s.model
    for b in published.BENCHMARKS:
        row = next(line for line in frag.splitlines() if line.strip().startswith(f"| {b.name} |"))
        for s in published.SIZE_SCORES:
            v = s.scores[b.name]
            assert ("—" if v is None else f"{v:g}") in row, (s.model, b.name)
    # one dashed "blind guess" line per benchmark with options, none for written answers
    assert frag.count('class="llm-mark"') == 1 + sum(1 for b in published.BENCHMARKS if b.chance)


def test_compute_figure_counts_every_run_the_same_way():
    frag = fragment("12-training-compute")
    n, d = fig_published.tiny_gpt_point()
    assert fig_published.power_of_ten(6 * n * d) in frag
    for r in published.TRAINING_RUNS:
        assert fig_published.power_of_ten(6 * r.parameters * r.tokens) in frag, r.name
        assert r.source.url in frag, r.name
    # the 405B run's own report gives 3.8 x 10^25 FLOPs: the rule reproduces it
    big = next(r for r in published.TRAINING_RUNS if r.name == "Llama 3.1 405B")
    assert fig_published.power_of_ten(6 * big.parameters * big.tokens) == "3.8 × 10²⁵" and "3.8 × 10^25" in big.reported


def test_power_of_ten_rounds_and_carries():
    assert fig_published.power_of_ten(1.0e3) == "1.0 × 10³"
    assert fig_published.power_of_ten(9.96e20) == "1.0 × 10²¹"
    assert fig_published.power_of_ten(2.34e-5) == "2.3 × 10⁻⁵"


def test_the_pages_quote_the_published_numbers_as_the_data_has_them():
    ch14 = (figures.REPO / "docs" / "14-choosing-a-model.md").read_text(encoding="utf-8")
    scores = {s.model: s.scores for s in published.SIZE_SCORES}
    assert f"scores {scores['SmolLM2-135M']['WinoGrande']}% at that size" in ch14
    assert f"{scores['SmolLM2-135M']['GSM8K']}% and {scores['SmolLM2-360M']['GSM8K']}%" in ch14
    ch13 = (figures.REPO / "docs" / "13-limits.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/figures/13-context-windows.md"' in ch13
    ch12 = (figures.REPO / "docs" / "12-scaling.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/figures/12-training-compute.md"' in ch12
    runs = {r.name: r for r in published.TRAINING_RUNS}
    assert f"{runs['Llama 3.1 405B'].gpu_hours / 1e6:g} million H100-hours" in ch12
    assert f"{runs['DeepSeek-V3'].gpu_hours / 1e6:g} million H800-hours" in ch12
