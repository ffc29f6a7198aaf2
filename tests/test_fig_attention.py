"""The attention drawing primitives in llmsite/figures/svg.py and the head-scoring rules of
llmsite/figures/attention.py: deterministic, escaped, geometrically sane. No model needed."""

from __future__ import annotations

import re

import pytest
import torch

from llmsite.figures import svg
from llmsite.figures.attention import ROLES, head_role, head_scores

HOSTILE = ['<script>alert("x")</script>', "a&b", "␣it", '"quoted"']
W4 = [[1.0, 0, 0, 0], [0.3, 0.7, 0, 0], [0.2, 0.2, 0.6, 0], [0.1, 0.5, 0.25, 0.15]]


def heat():
    return svg.attention_heatmap(HOSTILE, W4, title="T <1>", description="D & d", fig_id="h")


def lines(query=3):
    return svg.attention_lines(HOSTILE, W4[query], query, title="T", description="D", fig_id="l")


def grid():
    cells = [[("prev", 0.8, "L0H0 <b>"), ("sink", 0.5, "L0H1")], [("induction", 1.0, "L1H0"), ("spread", 0.1, "L1H1")]]
    legend = [("prev", "P", "previous"), ("induction", "I", "induction"), ("sink", "·", "first"), ("spread", "", "none")]
    return svg.head_grid(cells, title="G", description="g", fig_id="g", legend=legend)


@pytest.mark.parametrize("draw", [heat, lines, grid])
def test_deterministic_accessible_and_escaped(draw):
    a, b = draw(), draw()
    assert a == b
    assert a.startswith("<svg") and a.rstrip().endswith("</svg>")
    assert 'role="img"' in a and "<title id=" in a and "<desc id=" in a
    assert "<script>" not in a and "<b>" not in a and "<1>" not in a
    assert a.count("<svg") == 1 and a.count("<title") >= 1


def test_heatmap_labels_are_escaped_text_and_cells_follow_weights():
    s = heat()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in s and "a&amp;b" in s
    ops = [float(x) for x in re.findall(r'class="llm-heat" fill="[^"]+" fill-opacity="([\d.]+)"', s)]
    assert ops == [W4[i][j] for i in range(4) for j in range(i + 1)]  # the lower triangle, row by row
    assert s.count('class="llm-heat-masked"') == 4 * 3 // 2  # the future, above the diagonal
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)"[^>]*class="llm-heat"', s)]
    assert xs[1] < xs[2]  # row 1: column 0 left of column 1


def test_heatmap_fits_in_its_viewbox():
    s = heat()
    w, h = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', s).groups())
    for x, y in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)"', s):
        assert 0 <= float(x) < w and 0 <= float(y) < h


def test_heatmap_rejects_a_non_square_matrix():
    with pytest.raises(AssertionError):
        svg.attention_heatmap(["a", "b"], [[1.0]], title="t", description="d", fig_id="x")


def test_lines_go_only_to_visible_tokens_and_width_follows_weight():
    s = lines(query=2)
    widths = [float(w) for w in re.findall(r'class="llm-attn-line"[^>]*stroke-width="([\d.]+)"', s)]
    assert len(widths) == 3  # tokens 0, 1, 2: never the future token 3
    assert widths.index(max(widths)) == 2  # 0.6 is the largest weight in row 2
    ys = [float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"', s)]
    assert len(set(ys)) == 1  # every line starts at the query token


def test_opacity_is_clamped():
    s = svg.attention_lines(["a", "b"], [1.7, -0.2], 1, title="t", description="d", fig_id="x")
    assert 'stroke-opacity="1.00"' in s and 'stroke-opacity="0.00"' in s


def test_head_grid_has_one_cell_per_head_and_letters():
    s = grid()
    assert s.count("</title></rect>") == 4  # one cell (with its tooltip) per head
    assert s.count('class="llm-role llm-role-') == 4 + 4  # cells + legend swatches
    w = float(re.search(r'viewBox="0 0 ([\d.]+)', s).group(1))
    assert all(float(x) + 12 <= w for x in re.findall(r'<rect x="([\d.]+)"', s))
    assert "L0H0 &lt;b&gt;" in s
    assert ">P</text>" in s and ">I</text>" in s


def _toy_maps(n: int, pattern: str) -> torch.Tensor:
    T = 2 * n
    m = torch.zeros(1, 1, T, T)
    for i in range(T):
        if pattern == "prev" and i > 0:
            m[0, 0, i, i - 1] = 1
        elif pattern == "induction":
            m[0, 0, i, i - n + 1 if i > n else 0] = 1  # first copy: nothing to repeat yet
        else:
            m[0, 0, i, 0 if pattern == "sink" else i] = 1
    return m


@pytest.mark.parametrize("pattern", ["prev", "self", "induction", "sink"])
def test_head_scores_recognise_each_pattern(pattern):
    s = head_scores(_toy_maps(6, pattern), 6)[0, 0]
    assert head_role(s)[0] == pattern
    assert s[ROLES.index(pattern)] == pytest.approx(1.0)


def test_uniform_attention_is_spread_out():
    T = 12
    m = torch.tril(torch.ones(T, T))
    m = (m / m.sum(-1, keepdim=True))[None, None]
    assert head_role(head_scores(m, 6)[0, 0])[0] == "spread"
