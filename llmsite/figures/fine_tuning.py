"""Charts for chapter 11 (fine-tuning).

* ``11-preference``  surprise per token of a clear and a rude answer (snippets/11-fine-tuning/preference_pair.out)
"""

from __future__ import annotations

import re

from llmsite.figures import svg
from llmsite.figures import Context, Figure
from llmsite.figures.scaling import CHART_W, _out

# ----------------------------------------------------------------------------- chapter 11


def build_preference(ctx: Context) -> Figure:
    out = _out("11-fine-tuning/preference_pair.out")
    rows = [(name, int(n), float(total), float(per)) for name, n, total, per in
            re.findall(r"^(\w+)\s+(\d+)\s+(-[\d.]+)\s+(-[\d.]+)$", out, re.M)]
    gap = re.search(r"log-prob gap ([\d.]+), so about ([\de+.]+) times", out)
    bars = [(f"{name} answer", -per, f"{-per:.2f}") for name, _, _, per in rows]
    top = max(v for _, v, _ in bars)
    ticks = [float(i) for i in range(0, int(top) + 2)]
    desc = ("Bar chart of the model's average surprise per token (minus the log-probability per token) for two "
            "answers to \"Explain gravity in one sentence.\": "
            + "; ".join(f"{name}: {v:.2f} over {n} tokens" for (name, n, _, _), (_, v, _) in zip(rows, bars))
            + f". Lower is more likely. The clear answer wins; in total by a log-probability gap of {gap.group(1)}.")
    chart = svg.value_bars(bars, title="Which answer does the instruct model find more likely?", description=desc,
                           fig_id="fig-11-preference", ticks=ticks, tick_label="{:g}",
                           muted=frozenset(i for i, (n, *_) in enumerate(rows) if n != "clear"), width=CHART_W)
    return Figure(
        name="11-preference",
        svg=chart.replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=("The model's surprise per token (shorter bar = more likely) at two hand-written answers to "
                 "\"Explain gravity in one sentence.\": a clear one and a condescending one. The model already "
                 f"leans the way a rater would: over the whole answer, about {gap.group(2)} times as likely. "
                 "From the output of preference_pair.py below."),
        table_header=["answer", "tokens", "log-probability", "per token"],
        table_rows=[[name, str(n), f"{total}", f"{per}"] for name, n, total, per in rows],
        inputs={"snippet_output": "snippets/11-fine-tuning/preference_pair.out"},
    )
