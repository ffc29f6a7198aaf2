"""Charts of published numbers (issue 14 §3), each next to ours, with its source and date.

Builders:

* ``12-training-compute`` training compute (6 × parameters × tokens) of our tiny GPT and of
                          published runs, on a log axis; GPUs, GPU-hours and cost where the
                          source gives them (``llmsite.published.TRAINING_RUNS``)
* ``13-context-windows``  announced context windows from 2019 to 2025 in date order, with our
                          model's window read from snippets/13-limits/context_pages.out
* ``14-size-buys``        the same benchmarks for SmolLM2 135M / 360M / 1.7B and Llama 2 70B,
                          each against what a blind guess scores (``llmsite.published.SIZE_SCORES``)

The numbers come from ``llmsite/published.py``, where every one has a source and a date; ours
come from recorded snippet outputs. No model runs here.
"""

from __future__ import annotations

import math
import re

from llmsite import published
from llmsite.figures import svg
from llmsite.figures.scaling import _short, tiny_gpt_point
from llmsite.figures.measured import measurement
from llmsite.figures import REPO, Context, Figure

CHART_W = 420  # like the other backbone charts: legible when a phone scales it to ~360 px
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _out(rel: str) -> str:
    return (REPO / "snippets" / rel).read_text(encoding="utf-8")


def _cite(s: published.Source) -> str:
    return f"[{s.title}]({s.url}) ({s.date})"


def power_of_ten(v: float) -> str:
    """2.3e21 -> '2.3 × 10²¹' (one decimal: these are estimates)."""
    k = math.floor(math.log10(v))
    mant = v / 10**k
    if round(mant, 1) >= 10:
        k, mant = k + 1, mant / 10
    return f"{mant:.1f} × 10{str(k).translate(SUPERSCRIPT)}"


# ----------------------------------------------------------------------------- chapter 12


def build_training_compute(ctx: Context) -> Figure:
    n, d = tiny_gpt_point()
    rows = [("tiny GPT (ch. 10)", 6 * n * d, 1, power_of_ten(6 * n * d))]
    rows += [(r.name, 6 * r.parameters * r.tokens, 0, power_of_ten(6 * r.parameters * r.tokens))
             for r in published.TRAINING_RUNS]
    ratio = rows[-1][1] / rows[0][1]
    timing = measurement("training-time")
    seconds = next(int(r[2]) for r in timing["rows"] if r[0].startswith("ch. 10"))
    desc = ("Dot chart, one row per training run, on a logarithmic axis of floating-point operations "
            "(6 × parameters × tokens): " + "; ".join(f"{label} {text}" for label, _, _, text in rows)
            + f". The largest run is about {power_of_ten(ratio)} times our tiny GPT's.")
    return Figure(
        name="12-training-compute",
        svg=svg.log_dots(rows, [("published runs", "circle"), ("ours", "diamond")],
                         title="Training compute: our tiny GPT against published runs", description=desc,
                         fig_id="fig-12-training-compute", decades=(12, 26), step=2,
                         tick_text=lambda v: "10" + str(round(math.log10(v))).translate(SUPERSCRIPT),
                         axis_label="floating-point operations (log scale)", width=CHART_W),
        caption=("How much arithmetic each training run took, estimated the same way for all of them: 6 × "
                 "the parameters used per token × the training tokens (Chapter 12's rule). Every grid line is "
                 f"100 times the last. The largest published run here did about {power_of_ten(ratio)} times the "
                 f"work of the tiny GPT, which trained in {seconds} seconds on {timing['machine'].split(' (')[0]} "
                 f"(measured {timing['date']}). Hardware, GPU-hours and cost, where the sources give them, are "
                 "in the table."),
        table_header=["run", "parameters per token", "tokens", "6 × N × D (FLOPs)", "hardware", "GPU-hours",
                      "the source also says", "source (date)"],
        table_rows=[["tiny GPT (ch. 10)", f"{n:,}", f"{d:,} characters", power_of_ten(6 * n * d),
                     timing["machine"], "", f"{seconds} s of wall time ({timing['file']})",
                     "snippets/10-training/objective.out, train_tiny.out"]]
        + [[r.name, _short(r.parameters), _short(r.tokens), power_of_ten(6 * r.parameters * r.tokens),
            r.hardware, "not given" if r.gpu_hours is None else f"{r.gpu_hours / 1e6:g}M", r.reported,
            _cite(r.source)] for r in published.TRAINING_RUNS],
        inputs={"snippet_outputs": ["snippets/10-training/objective.out", "snippets/10-training/train_tiny.out"],
                "measurement": "docs/measurements/training-time.md",
                "published": [r.name for r in published.TRAINING_RUNS]},
    )


# ----------------------------------------------------------------------------- chapter 13


def our_window() -> int:
    m = re.search(r"SmolLM2-135M \(its config\)\s+([\d,]+) tokens", _out("13-limits/context_pages.out"))
    return int(m.group(1).replace(",", ""))


def build_context_windows(ctx: Context) -> Figure:
    ours = our_window()
    items = [(w.source.date[:7], w.model, w.tokens, 0 if not w.open_weights else 1, w.announced, _cite(w.source))
             for w in published.CONTEXT_WINDOWS]
    items.append(("2024-11", "SmolLM2 (ours)", ours, 2, f"{ours:,}",
                  "its config, printed by snippets/13-limits/context_pages.py"))
    items.sort(key=lambda it: (it[0], it[2]))
    rows = [(f"{date} {model}", tokens, g, text) for date, model, tokens, g, text, _ in items]
    first, last = items[0], max(items, key=lambda it: it[2])
    desc = ("Dot chart of context windows in date order, on a logarithmic axis of tokens: "
            + "; ".join(f"{date} {model} {text} tokens" for date, model, _, _, text, _ in items)
            + f". From {first[4]} tokens in {first[0]} to {last[4]} in {last[0]}.")
    return Figure(
        name="13-context-windows",
        svg=svg.log_dots(rows, [("used through an API", "circle"), ("open weights", "square"),
                                ("ours", "diamond")],
                         title="Context windows, as announced, 2019 to 2025", description=desc,
                         fig_id="fig-13-context-windows", decades=(3, 7), axis_label="tokens (log scale)",
                         width=CHART_W),
        caption=(f"The largest window each model was announced with, by the date of the announcement, newest at "
                 f"the bottom. Every grid line is 10 times the last: from {first[4]} tokens ({first[1]}, "
                 f"{first[0][:4]}) to {last[4]} ({last[1]}, {last[0][:4]}), four powers of ten in six years. "
                 f"Ours is {ours:,}. Announced is not the same as usable: see the next section. Sources and "
                 "dates in the table."),
        table_header=["date", "model", "window (tokens, as announced)", "weights", "source"],
        table_rows=[[date, model, text, ["API only", "open", "open (ours)"][g], src]
                    for date, model, _, g, text, src in items],
        inputs={"snippet_output": "snippets/13-limits/context_pages.out",
                "published": [w.model for w in published.CONTEXT_WINDOWS]},
    )


# ----------------------------------------------------------------------------- chapter 14


def build_size_buys(ctx: Context) -> Figure:
    marks = [b.chance or None for b in published.BENCHMARKS]
    labels = [b.name for b in published.BENCHMARKS]
    series = [(s.model, [None if s.scores[b] is None else s.scores[b] / 100 for b in labels])
              for s in published.SIZE_SCORES]
    desc = ("Grouped bar chart, one group per benchmark, one bar per model, scores in percent: "
            + "; ".join(f"{b.name} (a blind guess scores {b.chance:.0%}): "
                        + ", ".join(f"{s.model} " + ("not reported comparably" if s.scores[b.name] is None
                                                     else f"{s.scores[b.name]:g}%") for s in published.SIZE_SCORES)
                        for b in published.BENCHMARKS) + ".")

    def cell(s, b):
        v, note = s.scores[b.name], s.notes.get(b.name)
        text = "—" if v is None else f"{v:g}"
        return f"{text} ({note})" if note else text

    return Figure(
        name="14-size-buys",
        svg=svg.grouped_bars(labels, series, title="What size buys: the same tests at four sizes",
                             description=desc, fig_id="fig-14-size-buys", width=CHART_W, marks=marks,
                             mark_text="a blind guess", fluid=False),
        caption=("Published scores of SmolLM2 at three sizes (our model's family) and of Llama 2 70B, about 500 "
                 "times our model's size, on the same seven tests. The dashed line in each group is what "
                 "picking at random scores; the last two tests want a written answer, so guessing scores 0. "
                 "The SmolLM2 numbers come from one harness, the Llama 2 numbers from Meta's own, so compare "
                 "the sizes of the gaps, not the decimals. Sources, dates and settings in the table."),
        table_header=["test", "what it asks", "blind guess"] + [s.model for s in published.SIZE_SCORES],
        table_rows=[[b.name, b.tests, f"{b.chance:.0%}"] + [cell(s, b) for s in published.SIZE_SCORES]
                    for b in published.BENCHMARKS]
        + [["source", "", ""] + [_cite(s.source) for s in published.SIZE_SCORES]],
        inputs={"published": [s.model for s in published.SIZE_SCORES]},
    )
