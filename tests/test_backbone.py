"""The visual backbone (issue 12): mechanism diagrams and charts of recorded numbers.

Checks that the committed figures are legible where readers look at them (narrow enough for a
phone, no tiny text, no colour words that flip in dark mode), that timing charts show the
numbers of the benchmark fragments they cite, and that recorded outputs are marked to wrap.
"""

from __future__ import annotations

import re

import pytest

from llmsite.figures import measured as fig_measured
from llmsite import figures
from llmsite.site.mkdocs_hooks import mark_outputs

BACKBONE = [n for n, target in figures.FIGURES.items()
            if target.split(":")[0] in ("llmsite.figures.diagrams", "llmsite.figures.measured", "llmsite.figures.scaling",
                                          "llmsite.figures.recap", "llmsite.figures.fine_tuning",
                                          "llmsite.figures.prompting", "llmsite.figures.published")
            or target == "llmsite.figures.training:build_before_after"]


def fragment(name: str) -> str:
    return (figures.FIG_DIR / f"{name}.md").read_text(encoding="utf-8")


def test_the_backbone_has_the_promised_figures():
    for name in ["01-pipeline", "04-attention-row", "06-block", "06-stream-size", "09-kv-cache", "09-prefill-decode",
                 "09-time-per-token", "10-training-loop", "11-post-training", "11-chat-template",
                 "13-sydney-by-position", "13-kv-memory", "14-ttft", "14-answer-time", "15-life-of-a-token"]:
        assert name in BACKBONE, name


@pytest.mark.parametrize("name", BACKBONE)
def test_figure_is_legible_on_a_phone_and_in_both_schemes(name):
    frag = fragment(name)
    svg_text = re.search(r"<svg.*?</svg>", frag, re.S).group(0)
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg_text).group(1))
    assert 'width="100%"' not in svg_text, "drawn at its own width, so wide pages do not blow it up"
    # A 390 px phone shows ~358 px of column: a figure wider than ~480 units would shrink its
    # 11 px text below 8 px.
    assert width <= 480, f"{name} is {width} units wide"
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg_text)]
    assert min(sizes) >= 11, f"{name} has {min(sizes)} px text"
    assert "<title" in svg_text and "<desc" in svg_text
    caption = re.search(r"<figcaption>(.*?)</figcaption>", frag, re.S).group(1).lower()
    assert "darker" not in caption and "hover" not in caption
    assert '??? info "The numbers behind this figure"' in frag


def test_no_figure_caption_says_darker_or_hover():
    for name in figures.FIGURES:
        path = figures.FIG_DIR / f"{name}.md"
        if not path.exists():
            continue  # another figure's fragment may not be drawn yet; test_figures checks that
        caption = " ".join(re.findall(r"<figcaption>(.*?)</figcaption>", path.read_text(encoding="utf-8"), re.S)).lower()
        assert "darker =" not in caption and "hover" not in caption, name


def test_timing_charts_show_the_numbers_of_their_benchmark_fragment():
    lat = fig_measured.measurement("latency")
    ttft = fragment("14-ttft")
    for row in lat["rows"]:
        assert f"| {row[0]} | {row[1]} |" in ttft, row  # prompt tokens, TTFT (ms), as the benchmark wrote them
    assert lat["date"] in ttft
    kv = fig_measured.measurement("09-kv-cache")
    per_token = fragment("09-time-per-token")
    for row in kv["rows"]:
        n, no_cache, cache = int(row[0]), float(row[1]), float(row[2])
        assert f"| {n} | {no_cache:.1f} | {no_cache / n:.3f} | {cache:.1f} | {cache / n:.3f} |" in per_token
    speed = fig_measured.measurement("09-generation-speed")
    ms = re.search(r"([\d.]+) ms per prompt token", speed["notes"]).group(1)
    assert f"| prefill | 44 | {ms} |" in fragment("09-prefill-decode")


def test_measurement_reader_fails_loudly_on_a_missing_fragment():
    with pytest.raises(FileNotFoundError):
        fig_measured.measurement("no-such-benchmark")


def test_output_blocks_are_marked_to_wrap_and_code_blocks_are_not():
    html = ('<div class="highlight"><span class="filename">Output</span><pre><code>x</code></pre></div>'
            '<div class="highlight"><span class="filename">snippets/a.py</span><pre><code>y</code></pre></div>')
    out = mark_outputs(html)
    assert out.count("llm-output") == 1
    assert '<div class="highlight llm-output"><span class="filename">Output</span>' in out
    css = (figures.REPO / "docs" / "assets" / "css" / "site.css").read_text()
    assert ".llm-output pre > code { white-space: pre-wrap" in css


@pytest.mark.model
def test_the_worked_attention_row_is_the_models_attention():
    from llmsite.figures.diagrams import attention_row
    from llmsite.model import load

    model, tok = load(device="cpu", dtype="float32")
    ctx = figures.Context(model, tok)
    toks, scores, weights, values, mix, kvh = attention_row(
        ctx, "The animal didn't cross the street because it was too tired", 13, 8, " it")
    assert toks[-1] == " it" and kvh == 2  # query head 8 shares key/value head 8 // 3
    assert sum(weights) == pytest.approx(1.0, abs=1e-5)
    assert toks[max(range(len(toks)), key=weights.__getitem__)] == " animal"
    # the mix is the weighted sum of the values
    assert mix[0] == pytest.approx(sum(w * v[0] for w, v in zip(weights, values)), abs=1e-5)


def test_quizzes_and_notebook_noise_are_kept_out_of_search():
    from llmsite.site.mkdocs_hooks import exclude_from_search

    page = ('<h2 id="quiz">Quiz</h2><div class="quiz-intro"><p>saved</p></div>'
            '<div class="quiz" id="quiz-0"><div><div>answer</div></div></div>'
            '<div id="quiz-results" class="quiz-results">Quiz Complete!</div>')
    out = exclude_from_search(page)
    assert out.startswith('<h2 id="quiz">Quiz</h2><aside class="llm-quizzes" data-search-exclude><div class="quiz-intro">')
    assert out.endswith("</aside>") and out.count("<aside") == 1
    assert exclude_from_search("<p>no quiz here</p>") == "<p>no quiz here</p>"
    nb = ('<div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div><clipboard-copy for="c">Copied!</clipboard-copy>'
          '<div class="highlight-ipynb"><pre>code</pre></div><div class="clipboard-copy-txt" id="c">code</div>')
    out = exclude_from_search(nb)
    assert out.count("data-search-exclude") == 3 and '<div class="highlight-ipynb"><pre>' in out


def test_built_search_index_has_no_quiz_or_notebook_noise(built_site):
    import json

    docs = json.loads((built_site / "search" / "search_index.json").read_text())["docs"]
    assert docs, "empty search index"
    for d in docs:
        assert "Quiz Complete" not in d["title"] + d["text"], d["location"]
        assert "Copied!" not in d["text"] and "In&nbsp;[" not in d["text"], d["location"]
