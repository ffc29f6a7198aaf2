"""Figures of chapter 17 (retrieval and prompt caching), drawn from recorded numbers only.

* ``17-answers``        ← snippets/17-retrieval-and-caching/closed_book.out, with_passage.out
* ``17-recall``         ← snippets/17-retrieval-and-caching/bm25.out, hidden_search.out
* ``17-recall-by-layer`` ← snippets/17-retrieval-and-caching/hidden_search.out (+ bm25.out)
* ``17-prefix-ttft``    ← docs/measurements/prefix-cache.md (benchmarks/bench_prefix_cache.py)

Rates are the ``rate_line`` lines the snippets print (``name: k/n = 38% (95% CI 27%-51%)``);
the bars with their Wilson intervals are ``llmsite.figures.prompting.rate_chart``.
"""

from __future__ import annotations

import re

from llmsite.figures import REPO, Context, Figure, svg
from llmsite.figures.measured import CHART_W, _f, _source, measurement, natural
from llmsite.figures.prompting import rate_chart, rates

DIR = "snippets/17-retrieval-and-caching"


def recorded(name: str) -> str:
    return (REPO / DIR / name).read_text(encoding="utf-8")


def _table(rows: list[dict]) -> list[list[str]]:
    return [[r["name"], f"{r['k']}/{r['n']}", f"{r['rate']}%", f"{r['lo']}%-{r['hi']}%"] for r in rows]


def _short(name: str) -> str:
    """"best layer (1) recall@1" → "layer 1 (best) @1": labels short enough for a phone."""
    name = re.sub(r"^token embeddings \(layer (\d+)\)", r"layer \1", name)
    name = re.sub(r"^best layer \((\d+)\)", r"layer \1 (best)", name)
    name = re.sub(r"^last layer \((\d+)\)", r"layer \1", name)
    return name.replace(" recall@", " @")


TABLE_HEADER = ["result", "right", "rate", "95% interval (Wilson)"]


def build_answers(ctx: Context) -> Figure:
    rows = rates(recorded("closed_book.out")) + rates(recorded("with_passage.out"))
    rows = [r for r in rows if not r["name"].startswith("when")]
    shown, prefix = [], ""
    for r in rows:  # short labels keep the chart narrow enough for a phone
        if r["name"] in ("closed book", "with the BM25 passage"):
            prefix = "no card" if r["name"] == "closed book" else "with card"
            shown.append(dict(r, name=f"{prefix}, all"))
        else:
            shown.append(dict(r, name=f"{prefix}, {'course' if 'course' in r['name'] else 'general'}"))
    desc = ("Bar chart of the share of 39 questions answered right, with 95% intervals: "
            + "; ".join(f"{r['name']}: {r['k']} of {r['n']} ({r['rate']}%)" for r in shown)
            + ". Pasting the card that search found into the prompt helps most on facts about our own model.")
    return Figure(
        name="17-answers",
        svg=natural(rate_chart(shown, title="Questions answered right, without and with the retrieved card",
                               description=desc, fig_id="fig-17-answers", width=CHART_W)),
        caption=("Share of answers that contain the right answer, greedy, at most 24 tokens; the whiskers are "
                 "95% Wilson intervals. No card (closed book): the question alone. With card: the card BM25 ranked "
                 "first is pasted above the question. Course: the 14 questions about our model and this "
                 "course; general: the other 25. From closed_book.out and with_passage.out below."),
        table_header=TABLE_HEADER,
        table_rows=_table(shown),
        inputs={"snippet_output": [f"{DIR}/closed_book.out", f"{DIR}/with_passage.out"]},
    )


def build_recall(ctx: Context) -> Figure:
    full = rates(recorded("bm25.out")) + rates(recorded("hidden_search.out"))
    rows = [dict(r, name=_short(r["name"])) for r in full]
    desc = ("Bar chart of recall over 39 questions and 58 cards, with 95% intervals: "
            + "; ".join(f"{r['name']}: {r['k']} of {r['n']} ({r['rate']}%)" for r in rows) + ".")
    return Figure(
        name="17-recall",
        svg=natural(rate_chart(rows, title="Does the right card come first? Lexical vs hidden-state search",
                               description=desc, fig_id="fig-17-recall", chance=1 / 58,
                               chance_text="a random card", width=CHART_W)),
        caption=("@1 (recall@1): the card that answers the question is ranked first; @3: it is among the first "
                 "three. BM25 counts shared words; the others compare averaged hidden states of our model by "
                 "cosine. The best layer was picked on these same questions, which flatters it. Whiskers: 95% "
                 "Wilson intervals. From bm25.out and hidden_search.out below."),
        table_header=TABLE_HEADER,
        table_rows=_table(full),
        inputs={"snippet_output": [f"{DIR}/bm25.out", f"{DIR}/hidden_search.out"]},
    )


def build_recall_by_layer(ctx: Context) -> Figure:
    out = recorded("hidden_search.out")
    layers = [(int(a), int(b), int(c), int(n), float(s)) for a, b, n, c, _n, s in
              re.findall(r"^\s*(\d+)\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+([\d.]+)$", out, re.M)]
    if len(layers) < 2:
        raise ValueError("hidden_search.out has no per-layer table: the snippet's output format changed")
    bm25 = next(r for r in rates(recorded("bm25.out")) if r["name"] == "BM25 recall@1")
    n = layers[0][3]
    top = layers[-1][0]
    pct = lambda k: 100 * k / n  # noqa: E731
    desc = ("Line chart of recall@1 against the layer whose hidden states are averaged: "
            + "; ".join(f"layer {lay}: {k1} of {n}" for lay, k1, _, _, _ in layers)
            + f". BM25, for comparison, gets {bm25['k']} of {n}.")
    return Figure(
        name="17-recall-by-layer",
        svg=natural(svg.series_chart(
            [("hidden states, recall@1", [(lay, pct(k1)) for lay, k1, _, _, _ in layers]),
             ("BM25, recall@1", [(0, bm25["rate"]), (top, bm25["rate"])])],
            title="Which layer's hidden states find the right card?", description=desc,
            fig_id="fig-17-recall-by-layer", x_label="layer (0 = token embeddings)", y_label="recall@1 (%)",
            markers=False, x_range=(-0.5, top + 0.5), y_range=(0, 100), width=CHART_W, height=300)),
        caption=("Recall@1 of vector search with the hidden states after each block, averaged over a text's "
                 "tokens (layer 0: the token embeddings of chapter 3). The flat line is BM25. In the middle "
                 "layers one of the 576 numbers dominates every vector (last column of the table), and search "
                 "there is no better than picking a card at random. From hidden_search.out below."),
        table_header=["layer", "recall@1", "recall@3", "largest |component| (mean over cards)"],
        table_rows=[[str(lay), f"{k1}/{n}", f"{k3}/{n}", f"{s:.2f}"] for lay, k1, k3, _, s in layers],
        inputs={"snippet_output": [f"{DIR}/hidden_search.out", f"{DIR}/bm25.out"]},
    )


def build_prefix_ttft(ctx: Context) -> Figure:
    m = measurement("prefix-cache")
    rows = [(int(_f(r[0])), int(_f(r[1])), _f(r[2]), _f(r[3]), r[4]) for r in m["rows"]]
    desc = ("Line chart of the time to first token against the length of the shared prefix, with and "
            "without a cached prefix: "
            + "; ".join(f"{n:,} tokens: {cold:,.0f} ms without, {warm:,.0f} ms with" for n, _, cold, warm, _ in rows)
            + ". Without the cache the wait grows with the prefix; with it, it stays about flat.")
    top = max(cold for _, _, cold, _, _ in rows) / 1000
    return Figure(
        name="17-prefix-ttft",
        svg=natural(svg.series_chart(
            [("no cache", [(n, cold / 1000) for n, _, cold, _, _ in rows]),
             ("prefix cache", [(n, warm / 1000) for n, _, _, warm, _ in rows])],
            title="Time to first token, with and without a cached prefix", description=desc,
            fig_id="fig-17-prefix-ttft", x_label="tokens in the shared prefix", y_label="CPU seconds to first token",
            markers=True, x_range=(0, rows[-1][0] * 1.08), y_range=(0, top * 1.15),
            point_labels=[[f"{cold / 1000:.1f} s" for _, _, cold, _, _ in rows],
                          [f"{warm / 1000:.2f} s" if i == len(rows) - 1 else "" for i, (_, _, _, warm, _) in enumerate(rows)]],
            width=CHART_W, height=300)),
        caption=(f"Each request is the shared prefix plus a {rows[0][1]}-token question. No cache: the model "
                 "reads all of it. Prefix cache: the prefix's keys and values were computed once before, and "
                 f"the request runs only its own tokens. Timed as CPU time of one thread (the benchmark's record, with "
                 f"the wall clock of a busy shared machine, is in the fold below the figure). {_source(m)}."),
        table_header=["prefix tokens", "question tokens", "no cache (ms)", "prefix cache (ms)", "speed-up"],
        table_rows=[[f"{n:,}", str(q), f"{cold:,.0f}", f"{warm:,.0f}", s] for n, q, cold, warm, s in rows],
        inputs={"measurement": m["file"], "measured": m["date"]},
    )
