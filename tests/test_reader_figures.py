"""The reader-first charts of chapters 1-8 (llmsite/figures/reader.py): legible on a phone, on the
pages that promise them, and showing exactly the numbers of the snippet output they chart.
No model needed: the builders read recorded .out files."""

from __future__ import annotations

import re

import pytest

from llmsite.figures import reader as fig_reader
from llmsite import figures

REPO = figures.REPO
PAGES = {"01-greedy-loop": "01-big-picture.md", "03-neighbours": "03-embeddings.md",
         "04-bank-by-layer": "04-self-attention.md"}
BUILDERS = {"01-greedy-loop": fig_reader.build_greedy_loop, "03-neighbours": fig_reader.build_neighbours,
            "04-bank-by-layer": fig_reader.build_bank_by_layer}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_committed_fragment_is_what_the_builder_draws_from_the_recorded_output(name):
    fig = BUILDERS[name](None)  # reads the .out only
    assert (figures.FIG_DIR / f"{name}.md").read_text(encoding="utf-8") == fig.fragment()
    assert name in figures.FIGURES


@pytest.mark.parametrize("name", sorted(PAGES))
def test_legible_at_390_px_and_included_before_its_code(name):
    frag = (figures.FIG_DIR / f"{name}.md").read_text(encoding="utf-8")
    svg_text = re.search(r"<svg.*?</svg>", frag, re.S).group(0)
    assert float(re.search(r'viewBox="0 0 ([\d.]+) ', svg_text).group(1)) <= 480
    assert 'width="100%"' not in svg_text
    assert min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg_text)) >= 11
    page = (REPO / "docs" / PAGES[name]).read_text(encoding="utf-8")
    include = f'--8<-- "docs/figures/{name}.md"'
    assert include in page
    # reader-first: the picture comes before the code block whose output it charts
    out = BUILDERS[name](None).inputs["snippet_output"]
    code = f'--8<-- "{out.removesuffix(".out")}.py"'
    assert page.index(include) < page.index(code)


def test_the_charts_carry_the_printed_numbers():
    loop = (REPO / "snippets/01-big-picture/greedy_loop.out").read_text()
    probs = re.findall(r"with p=([\d.]+)", loop)
    assert [r[2] for r in fig_reader.build_greedy_loop(None).table_rows] == probs
    bank = (REPO / "snippets/04-self-attention/bank.out").read_text().splitlines()
    last = bank[-1].split()
    assert fig_reader.build_bank_by_layer(None).table_rows[-1] == [last[0], *last[1:]]
    nb = fig_reader.build_neighbours(None)
    assert ["␣happy", "␣unhappy", "0.63", "another word"] in nb.table_rows
    assert ["␣dog", "␣dogs", "0.74", "same word"] in nb.table_rows
