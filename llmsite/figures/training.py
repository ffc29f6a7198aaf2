"""Figures of the training and scaling chapters: a tiny GPT trained live on the CPU.

Each builder makes exactly the call that the page's snippet makes (same arguments, CPU,
seeded), so the figure's numbers are the ones the snippet prints:

* ``10-loss-curve``  ← snippets/10-training/train_tiny.py
* ``12-toy-scaling`` ← snippets/12-scaling/toy_scaling.py
* ``10-before-after`` ← snippets/10-training/train_tiny.out: its writing at step 0 and at the end

Neither needs the real model; how long they train is measured by benchmarks/bench_training.py.
"""

from __future__ import annotations

import re
from html import escape

from llmsite.figures import svg
from llmsite.figures import Context, Figure
from llmsite.figures.scaling import _out
from llmsite.figures.svg import BLUE, _attrs, _svg_open


def build_loss_curve(ctx: Context) -> Figure:
    from llmsite.train import TinyConfig, load_corpus, train

    data = load_corpus()
    cfg = TinyConfig(vocab_size=data.tok.vocab_size)
    run = train(cfg, data, steps=400, device="cpu")  # as in snippets/10-training/train_tiny.py
    h = run.history
    first, last = h[0], h[-1]
    desc = (f"Line chart of the loss of a {run.model.n_params():,}-parameter character-level model over "
            f"{last.step} training steps. Training text: from {first.train_loss:.2f} to {last.train_loss:.2f}; "
            f"held-out text: from {first.val_loss:.2f} to {last.val_loss:.2f}. "
            "The two curves fall together, steeply at first and then more slowly.")
    return Figure(
        name="10-loss-curve",
        svg=svg.series_chart(
            [("training text", [(c.step, c.train_loss) for c in h]),
             ("held-out text", [(c.step, c.val_loss) for c in h])],
            title="Loss of the tiny model while it trains", description=desc, fig_id="fig-10-loss-curve",
            x_label="training step", y_label="loss (nats per character)", markers=True,
            y_range=(0, 5), x_range=(0, last.step)),
        caption=(f"Loss of our tiny model ({run.model.n_params():,} parameters, characters as tokens) on "
                 f"the Python docs, measured every 50 steps on the same batches of training text and of "
                 f"held-out text it never trains on. Seed 0, CPU."),
        table_header=["step", "characters seen", "loss, training text", "loss, held-out text"],
        table_rows=[[str(c.step), f"{c.step * 32 * cfg.context:,}", f"{c.train_loss:.3f}", f"{c.val_loss:.3f}"]
                    for c in h],
        inputs={"snippet": "snippets/10-training/train_tiny.py", "steps": 400, "seed": 0,
                "params": run.model.n_params()},
    )


def build_toy_scaling(ctx: Context) -> Figure:
    from llmsite.train import load_corpus, scaling_experiment

    data = load_corpus()
    points = scaling_experiment(data, device="cpu")  # as in snippets/12-scaling/toy_scaling.py
    tokens = points[0].tokens
    desc = ("Log-log chart of held-out loss against parameter count for four tiny models trained on "
            f"the same {tokens:,} characters: "
            + "; ".join(f"{p.n_params:,} parameters, loss {p.val_loss:.2f}" for p in points) + ".")
    return Figure(
        name="12-toy-scaling",
        svg=svg.series_chart(
            [("held-out loss after training", [(p.n_params, p.val_loss) for p in points])],
            title="A toy scaling curve", description=desc, fig_id="fig-12-toy-scaling",
            x_label="parameters", y_label="held-out loss", log_x=True, log_y=True, markers=True,
            point_labels=[[f"{p.val_loss:.2f}" for p in points]]),
        caption=(f"A toy, not a scaling law: four tiny character-level models, each trained on the same "
                 f"{tokens:,} characters of the Python docs (seed 0, CPU; the time this takes is measured below the chart). "
                 "Both axes are logarithmic."),
        table_header=["parameters", "characters trained on", "characters per parameter",
                      "training compute (6·N·D FLOPs)", "held-out loss", "next character right"],
        table_rows=[[f"{p.n_params:,}", f"{p.tokens:,}", f"{p.tokens / p.n_params:.1f}", f"{p.flops:.2e}",
                     f"{p.val_loss:.3f}", f"{p.char_accuracy:.1%}"] for p in points],
        inputs={"snippet": "snippets/12-scaling/toy_scaling.py", "seed": 0},
    )


# ----------------------------------------------------------------------------- chapter 10

MONO_W = 7.25  # a monospace glyph at 12 px (layout only)


def _wrap(s: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces where there are any (the
    figure's table keeps the exact text)."""
    import textwrap

    return textwrap.wrap(s.replace("\n", "↵"), width, replace_whitespace=False, break_on_hyphens=False)


def build_before_after(ctx: Context) -> Figure:
    import ast

    out = _out("10-training/train_tiny.out")
    before = ast.literal_eval(re.search(r"^before training: (.*)$", out, re.M).group(1))
    after = ast.literal_eval(re.search(r"^after training:\s+(.*)$", out, re.M).group(1))
    losses = {int(a): (float(b), float(c)) for a, b, c in
              re.findall(r"^step\s+(\d+)\s+loss: training text ([\d.]+)\s+held-out text ([\d.]+)", out, re.M)}
    last = max(losses)
    midway = {}  # step -> what it wrote then (the lines under that step's loss)
    step = None
    for line in out.splitlines():
        if m := re.match(r"^step\s+(\d+)\s+loss:", line):
            step = int(m[1])
        elif (m := re.match(r"^\s+it writes: (.*)$", line)) and step is not None:
            midway[step] = ast.literal_eval(m[1])
    per_line, n_lines = 52, 4
    width = 420
    panels = ([(f"step 0 (random weights): held-out loss {losses[0][1]:.2f}", before)]
              + [(f"step {s}: held-out loss {losses[s][1]:.2f}", t) for s, t in sorted(midway.items())]
              + [(f"step {last}: held-out loss {losses[last][1]:.2f}", after)])
    y = 8
    body = []
    for head, sample in panels:
        lines = _wrap(sample, per_line)
        shown = lines[:n_lines]
        if len(lines) > n_lines:
            shown[-1] = shown[-1][:-1] + "…"
        body.append(f'<text{_attrs(x=12, y=y + 16)} fill="currentColor" font-size="13" font-weight="bold">'
                    f'{escape(head)}</text>')
        box_h = 12 + 17 * len(shown)
        body.append(f'<rect{_attrs(x=6, y=y + 24, width=width - 12, height=box_h, rx=6)} class="llm-bar"'
                    f' fill="{BLUE}" fill-opacity="0.10" stroke="currentColor" stroke-opacity="0.45"/>')
        for j, line in enumerate(shown):
            body.append(f'<text{_attrs(x=14, y=y + 24 + 20 + 17 * j)} fill="currentColor" font-size="12"'
                        f' font-family="monospace" class="llm-label" xml:space="preserve">{escape(line)}</text>')
        y += 24 + box_h + 14
    height = y
    desc = (f"Two samples of the tiny model's writing, each starting with \"The \". Before training (held-out "
            f"loss {losses[0][1]:.2f}): {before!r}. After {last} steps (held-out loss {losses[last][1]:.2f}): "
            f"{after[:160]!r}…")
    svg_text = "\n".join(_svg_open(width, height, "The same model as it learns", desc,
                                   "fig-10-before-after") + body + ["</svg>"]) + "\n"
    return Figure(
        name="10-before-after",
        svg=svg_text,
        caption=(f"What the tiny model writes when it starts from \"The \", along the loss curve: random keys "
                 f"at step 0, \"the\" everywhere by step {min(midway, default=last)}, English-shaped words and "
                 f"Python names after {last} steps (↵ is a new line). From the output of train_tiny.py below; "
                 "the table has every sample whole."),
        table_header=["step", "held-out loss", "sample (starts with \"The \")"],
        table_rows=([["0", f"{losses[0][1]:.2f}", before.replace("\n", "↵")]]
                    + [[str(s), f"{losses[s][1]:.2f}", t.replace("\n", "↵")] for s, t in sorted(midway.items())]
                    + [[str(last), f"{losses[last][1]:.2f}", after.replace("\n", "↵")]]),
        inputs={"snippet_output": "snippets/10-training/train_tiny.out"},
    )
