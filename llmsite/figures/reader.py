"""Reader-first charts for chapters 1-8: result tables that are really pictures (issue 12).

Like ``llmsite.figures.measured``, each builder *reads* a snippet's recorded ``.out`` file, so the
chart shows exactly the numbers printed on the page, and the stale test redraws it whenever that
output changes. Builders:

* ``01-greedy-loop``    <- snippets/01-big-picture/greedy_loop.out (how sure each greedy step was)
* ``03-neighbours``     <- snippets/03-embeddings/neighbours.out (cosine similarity of neighbours)
* ``04-bank-by-layer``  <- snippets/04-self-attention/bank.out (" bank" in two contexts, by layer)
"""

from __future__ import annotations

import ast
import re

from llmsite.figures import svg
from llmsite.figures import Context, Figure, show_token
from llmsite.figures.measured import CHART_W, natural, snippet_output


def build_greedy_loop(ctx: Context) -> Figure:
    rel = "01-big-picture/greedy_loop.out"
    steps = [(int(s), ast.literal_eval(t), float(p)) for s, t, p in
             re.findall(r"^step\s+(\d+): picked (.+?)\s+with p=([\d.]+)$", snippet_output(rel), re.M)]
    rows = [(f"{s + 1:>2}. {show_token(t)}", p, f"{p:.0%}") for s, t, p in steps]
    low = [s for s, _, p in steps if p < 0.2]
    desc = ("Bar chart of the probability of the token greedy decoding picked at each step after "
            "\"The capital of France is\": " + "; ".join(f"step {s + 1}, {t!r}: {p:.0%}" for s, t, p in steps)
            + ". The first steps are confident; after the full stop, most steps are weak bets.")
    return Figure(
        name="01-greedy-loop",
        svg=natural(svg.horizontal_bars(rows, title="How sure was each step of the loop?", description=desc,
                                        fig_id="fig-01-greedy-loop", width=CHART_W)),
        caption=(f"Greedy decoding always takes the favourite, but the favourite is often a weak one: "
                 f"{len(low)} of the {len(steps)} picks had less than a 20% chance. ␣ is a space, ↵ a new "
                 "line. From the output of greedy_loop.py below."),
        table_header=["step", "picked", "probability"],
        table_rows=[[str(s + 1), show_token(t), f"{p:.2f}"] for s, t, p in steps],
        inputs={"snippet_output": "snippets/" + rel},
    )


def build_neighbours(ctx: Context) -> Figure:
    rel = "03-embeddings/neighbours.out"
    words = []
    for line in snippet_output(rel).splitlines():
        m = re.match(r"^('.*?')\s+-> (.*)$", line)
        if m:
            pairs = [(ast.literal_eval(t), float(s)) for t, s in re.findall(r"('.*?') ([\d.]+)", m.group(2))]
            words.append((ast.literal_eval(m.group(1)), pairs))
    shown = 4  # the four nearest of each word
    rows, muted, table = [], set(), []
    for word, pairs in words:
        for t, s in pairs[:shown]:
            # the same word in another outfit: other case, no space, or plural
            same = t.strip().lower().removesuffix("s") == word.strip().lower().removesuffix("s")
            if same:
                muted.add(len(rows))
            # two leading spaces widen the label column: its text is wider than svg.CHAR_W guesses
            rows.append((f"  {word.strip()}: {show_token(t)}", s, f"{s:.2f}"))
            table.append([show_token(word), show_token(t), f"{s:.2f}", "same word" if same else "another word"])
    desc = ("Bar chart of the cosine similarity between four words and their four nearest tokens: "
            + "; ".join(f"{w!r} to {t!r}: {s:.2f}" for w, pairs in words for t, s in pairs[:shown])
            + ". Grey bars are the same word with another case, spacing or a plural s.")
    return Figure(
        name="03-neighbours",
        svg=natural(svg.value_bars(rows, title="Nearest tokens in the embedding table", description=desc,
                                   fig_id="fig-03-neighbours", ticks=[0, 0.25, 0.5, 0.75, 1.0],
                                   muted=frozenset(muted), width=CHART_W)),
        caption=("Each word's four nearest rows among all 49,152, by cosine similarity (1 = same direction). "
                 "Grey: the same word in another outfit (capital, no space, plural). Blue: a different word used in "
                 "similar places, opposites included. ␣ is a space. From the output of neighbours.py below."),
        table_header=["word", "neighbour", "cosine similarity", "kind"],
        table_rows=table,
        inputs={"snippet_output": "snippets/" + rel},
    )


BANK_W = 480  # the widest a figure may be and stay legible at 390 px (tests/test_backbone.py)


def build_bank_by_layer(ctx: Context) -> Figure:
    rel = "04-self-attention/bank.out"
    lines = snippet_output(rel).splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("block "))
    names = [n.replace(" vs ", "–") for n in re.findall(r"\S+ vs \S+", lines[head])]
    data = [[float(c) for c in line.split()] for line in lines[head + 1:] if line.strip()]
    series = [(name, [(row[0], row[j + 1]) for row in data]) for j, name in enumerate(names)]
    last = data[-1]
    desc = ("Line chart of the cosine similarity of the vector of \" bank\" in two sentences, after each "
            "block (0 = the embedding): " + "; ".join(f"{name}: " + ", ".join(f"block {r[0]:g} {r[j + 1]:.2f}" for r in data)
                                                    for j, name in enumerate(names))
            + ". All start at 1; the two river-side banks stay closest.")
    return Figure(
        name="04-bank-by-layer",
        svg=svg.series_chart(series, title="Context pulls the banks apart, block by block",
                                     description=desc, fig_id="fig-04-bank-by-layer",
                                     x_label="after block (0 = the plain embedding)",
                                     y_label="similarity (1 = same direction)", markers=True,
                                     x_range=(0, 30), y_range=(0.5, 1.0), width=BANK_W, height=300,
                                     ).replace(' width="100%"', f' width="{BANK_W}"', 1),  # three legend entries
        caption=("\" bank\" in \"He fished from the river bank\", \"He borrowed money from the bank\" and "
                 "\"She sat on the grassy bank\": each line compares its vector in two of them. Before block 1 "
                 f"all three are the same row of the table; after block 30 river vs grassy is down only to {last[2]:.2f}, "
                 f"river vs money to {last[1]:.2f} and grassy vs money to {last[3]:.2f}. From the output of bank.py below."),
        table_header=["after block", *names],
        table_rows=[[f"{r[0]:g}", *(f"{v:.2f}" for v in r[1:])] for r in data],
        inputs={"snippet_output": "snippets/" + rel},
    )
