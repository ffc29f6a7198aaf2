"""Figures of "Why transformers won" (docs/03b-why-transformers-won.md).

Timings are never measured while drawing: the charts read the benchmark's dated fragment or a
snippet's recorded output (the pattern of ``llmsite.figures.measured``), so a figure shows exactly
the numbers printed on the page. Builders:

* ``03b-conveyor``        the GRU's chain of steps vs the GPT's one pass over all positions
* ``03b-step-time``       ← docs/measurements/rnn-vs-attention.md (benchmarks/bench_rnn_vs_attention.py)
* ``03b-loss-race``       ← snippets/03b-why-transformers-won/race.out
* ``03b-memory``          ← snippets/03b-why-transformers-won/generation.out
* ``03b-attention-patterns`` full, sliding-window and window + global attention; a state instead
* ``03b-encoder-decoder`` BERT's all-to-all attention vs GPT's causal attention, one picture
"""

from __future__ import annotations

import re

from llmsite.figures import svg
from llmsite.figures.diagrams import arrow, box, finish, text
from llmsite.figures.measured import CHART_W, _f, _source, measurement, natural, snippet_output
from llmsite.figures import Context, Figure
from llmsite.figures.svg import BLUE, _attrs, _num, _svg_open

SNIPPETS = "03b-why-transformers-won"


# ----------------------------------------------------------------------------- the two roads


def build_conveyor(ctx: Context) -> Figure:
    chars = list("The cat")
    W, H = 440, 286
    desc = ("Diagram. Top, the GRU: seven characters of \"The cat\" enter one by one; each step takes the "
            "state left by the step before, so the steps form a chain that must run in order. Bottom, the "
            "GPT: the same seven characters enter a block together and come out together, all positions "
            "side by side, in one pass per block.")
    out = _svg_open(W, H, "A conveyor belt and a highway", desc, "fig-03b-conveyor")
    cw, gap, x0 = 44, 12, 22
    # the GRU: a chain of steps
    out.append(text(x0, 18, "GRU: one step per character, in order", bold=True))
    for i, c in enumerate(chars):
        x = x0 + i * (cw + gap)
        out.append(box(x, 58, cw, 34, kind="stage"))
        out.append(text(x + cw / 2, 80, f"step {i + 1}", size=11, anchor="middle"))
        out.append(text(x + cw / 2, 44, "␣" if c == " " else c, size=13, anchor="middle", mono=True))
        out.append(arrow([(x + cw / 2, 48), (x + cw / 2, 57)], head=5))
        if i:
            out.append(arrow([(x - gap, 75), (x - 1, 75)], head=5))
    out.append(text(x0, 116, "each arrow → is the state (348 numbers): step 7 waits for step 6", size=12,
                    opacity=0.85))
    # the GPT: one pass
    y = 150
    out.append(text(x0, y, "GPT: all characters at once, one pass per block", bold=True))
    for i, c in enumerate(chars):
        x = x0 + i * (cw + gap)
        out.append(text(x + cw / 2, y + 26, "␣" if c == " " else c, size=13, anchor="middle", mono=True))
        out.append(arrow([(x + cw / 2, y + 30), (x + cw / 2, y + 41)], head=5))
        out.append(arrow([(x + cw / 2, y + 83), (x + cw / 2, y + 96)], head=5))
    bw = len(chars) * (cw + gap) - gap
    out.append(box(x0, y + 42, bw, 40, kind="accent"))
    out.append(text(x0 + bw / 2, y + 60, "block 1, then block 2: attention + feed-forward", size=12, anchor="middle"))
    out.append(text(x0 + bw / 2, y + 75, "every position at the same time", size=11, anchor="middle", opacity=0.85))
    out.append(text(x0, y + 118, "scores for all 7 positions come out together", size=12, opacity=0.85))
    return Figure(
        name="03b-conveyor", svg=finish(out),
        caption=("The same seven characters read two ways. The GRU folds them into its state one after "
                 "another; the GPT's blocks take all positions side by side. conveyor.py below runs both."),
        table_header=["model", "steps that must run one after another, for 7 characters"],
        table_rows=[["GRU, 2 layers", "14 (7 per layer)"], ["GPT, 2 blocks", "2 (one pass per block)"]],
        inputs={},
    )


# ----------------------------------------------------------------------------- measured


def build_step_time(ctx: Context) -> Figure:
    m = measurement("rnn-vs-attention")
    rows = [(int(_f(r[0])), _f(r[1]), _f(r[2])) for r in m["rows"]]
    desc = ("Line chart, both axes logarithmic, of the time for one training step against the window's length: "
            + "; ".join(f"{n:,} characters: GRU {g:,.0f} ms, GPT {t:,.0f} ms" for n, g, t in rows)
            + ". The GRU's time doubles with the length; the GPT's grows faster once attention dominates.")
    return Figure(
        name="03b-step-time",
        svg=natural(svg.series_chart(
            [("GRU", [(n, g) for n, g, _ in rows]), ("GPT", [(n, t) for n, _, t in rows])],
            title="One training step, as the windows get longer", description=desc, fig_id="fig-03b-step-time",
            x_label="characters per window", y_label="ms per step", log_x=True, log_y=True, markers=True,
            point_labels=[["" for _ in rows[:-1]] + [f"{rows[-1][1]:,.0f}"], ["" for _ in rows[:-1]] + [f"{rows[-1][2]:,.0f}"]],
            width=CHART_W, height=300)),
        caption=(f"Time for one training step (forward, loss, backward, update) on 8 windows, one CPU thread. "
                 f"Both axes are logarithmic: a straight line of slope 1 means the time doubles when the length "
                 f"does. {_source(m)}; the full table is below."),
        table_header=["characters", "GRU (ms)", "GPT (ms)", "GRU ÷ GPT"],
        table_rows=[r[:4] for r in m["rows"]],  # the benchmark's own cells
        inputs={"measurement": m["file"], "measured": m["date"]},
    )


def _race():
    out = snippet_output(f"{SNIPPETS}/race.out")
    rows = [(int(s), float(g), float(t)) for s, g, t in re.findall(r"^ *(\d+) +(\d+\.\d+) +(\d+\.\d+)$", out, re.M)]
    chars = re.search(r"^([\d,]+) characters each", out, re.M).group(1)
    return rows, chars


def build_loss_race(ctx: Context) -> Figure:
    rows, chars = _race()
    desc = ("Line chart of the held-out loss of both models during the same training: "
            + "; ".join(f"step {s}: GRU {g}, GPT {t}" for s, g, t in rows)
            + ". Lower is better. The GRU ends lower.")
    return Figure(
        name="03b-loss-race",
        svg=natural(svg.series_chart(
            [("GRU", [(s, g) for s, g, _ in rows]), ("GPT", [(s, t) for s, _, t in rows])],
            title="Same text, same steps: held-out loss", description=desc, fig_id="fig-03b-loss-race",
            x_label="training step", y_label="held-out loss", markers=True, x_range=(-8, rows[-1][0] + 8),
            y_range=(2.0, 5.0), point_labels=[["" for _ in rows[:-1]] + [f"{rows[-1][1]:.2f}"],
                                              ["" for _ in rows[:-1]] + [f"{rows[-1][2]:.2f}"]],
            width=CHART_W, height=280)),
        caption=(f"Both models trained by the same loop on the same {chars} characters, in the same order. "
                 "Loss on held-out text (lower is better). From the output of race.py below."),
        table_header=["step", "GRU held-out loss", "GPT held-out loss"],
        table_rows=[[str(s), f"{g:.2f}", f"{t:.2f}"] for s, g, t in rows],
        inputs={"snippet_output": f"snippets/{SNIPPETS}/race.out"},
    )


def build_memory(ctx: Context) -> Figure:
    out = snippet_output(f"{SNIPPETS}/generation.out")
    rows = [(int(n.replace(",", "")), int(s.replace(",", "")), int(k.replace(",", "")))
            for n, s, k in re.findall(r"^ +([\d,]+) +([\d,]+) B +([\d,]+) B$", out, re.M)]
    desc = ("Line chart, both axes logarithmic, of the memory each model carries from one generated token to the "
            "next: " + "; ".join(f"{n:,} characters: GRU {s:,} bytes, GPT {k:,} bytes" for n, s, k in rows)
            + ". The GRU's state stays the same size; the GPT's KV cache grows with the text.")
    return Figure(
        name="03b-memory",
        svg=natural(svg.series_chart(
            [("GRU state", [(n, s) for n, s, _ in rows]), ("GPT KV cache", [(n, k) for n, _, k in rows])],
            title="What each model carries while it writes", description=desc, fig_id="fig-03b-memory",
            x_label="characters so far", y_label="bytes", log_x=True, log_y=True, markers=True,
            width=CHART_W, height=280)),
        caption=("Memory carried from one pass to the next while generating, in float32: the GRU's state is "
                 "fixed, the GPT's KV cache (chapter 9) grows by 1,024 bytes per character. From the output "
                 "of generation.py below."),
        table_header=["characters so far", "GRU state (bytes)", "GPT KV cache (bytes)"],
        table_rows=[[f"{n:,}", f"{s:,}", f"{k:,}"] for n, s, k in rows],
        inputs={"snippet_output": f"snippets/{SNIPPETS}/generation.out"},
    )


# ----------------------------------------------------------------------------- encoder vs decoder


def _mask(out, x0, y0, tokens, causal: bool, cell=24, seen=None, labels=True):
    n = len(tokens)
    seen = seen or (lambda i, j: j <= i or not causal)
    for i, t in enumerate(tokens):  # rows: the token that looks; columns: the token looked at
        if labels:  # column labels stand upright (-90°): at -50° "[MASK]" ran into its neighbours
            out.append(text(x0 - 6, y0 + i * cell + cell / 2 + 4, t, size=12, anchor="end", mono=True))
            out.append(text(x0 + i * cell + cell / 2, y0 - 8, t, size=11, anchor="start", mono=True)
                       .replace("<text", f'<text transform="rotate(-90 {_num(x0 + i * cell + cell / 2)} {_num(y0 - 8)})"', 1))
        for j in range(n):
            x, y = x0 + j * cell, y0 + i * cell
            if seen(i, j):
                out.append(f'<rect{_attrs(x=_num(x + 1), y=_num(y + 1), width=cell - 2, height=cell - 2, rx=2)}'
                           f' class="llm-bar" fill="{BLUE}" fill-opacity="0.55"/>')
            else:
                out.append(f'<rect{_attrs(x=_num(x + 1), y=_num(y + 1), width=cell - 2, height=cell - 2, rx=2)}'
                           ' fill="none" stroke="currentColor" stroke-opacity="0.3" stroke-dasharray="2 2"/>')
    return y0 + n * cell


def build_encoder_decoder(ctx: Context) -> Figure:
    W, H = 440, 330
    bert = ["The", "cat", "[MASK]", "on", "the"]
    gpt = ["The", "cat", "sat", "on", "the"]
    desc = ("Two attention grids of five tokens. Left, BERT (an encoder): every cell is filled, every token "
            "sees every other, before and after it; it is trained to fill in a hidden word, \"[MASK]\" → "
            "\"sat\". Right, GPT and our SmolLM2 (decoder-only): only the cells on and below the diagonal are "
            "filled, each token sees itself and earlier tokens; it is trained to predict the next token, "
            "\"the\" → \"mat\".")
    out = _svg_open(W, H, "Encoder (BERT) and decoder-only (GPT, ours)", desc, "fig-03b-encoder-decoder")
    out.append(text(20, 18, "BERT: encoder", bold=True))
    out.append(text(236, 18, "GPT, SmolLM2: decoder-only", bold=True))
    bottom = _mask(out, 74, 78, bert, causal=False)
    _mask(out, 292, 78, gpt, causal=True)
    y = bottom + 24
    for x, lines in ((20, ["sees both sides", "fills in the blank:", "[MASK] → sat", "for: search, classify"]),
                     (236, ["sees only the past", "predicts what comes next:", "the → mat", "for: writing text"])):
        for k, s in enumerate(lines):
            out.append(text(x, y + 17 * k, s, size=12, mono=("→" in s), opacity=None if k else 0.9))
    out.append(text(20, H - 10, "filled: the row's token can look at the column's token", size=11, opacity=0.75))
    return Figure(
        name="03b-encoder-decoder", svg=finish(out),
        caption=("Who may look at whom. A row is the token that looks, a column the token it may look at. "
                 "BERT fills every cell and learns by filling in blanks; a decoder-only model like ours "
                 "looks only back (the causal mask of chapter 4) and learns by predicting the next token."),
        table_header=["", "BERT (encoder)", "GPT, SmolLM2 (decoder-only)"],
        table_rows=[["each token sees", "all tokens", "itself and earlier tokens"],
                    ["trained to", "fill in masked tokens", "predict the next token"],
                    ["good at", "understanding a whole text: search, classification", "generating text"]],
        inputs={},
    )


def build_attention_patterns(ctx: Context) -> Figure:
    n, cell, window = 10, 12, 3
    patterns = [
        ("full (ours)", lambda i, j: j <= i),
        ("sliding window", lambda i, j: i - window < j <= i),
        ("window + global", lambda i, j: j <= i and (i - j < window or j == 0 or i == n - 1)),
    ]
    counts = [sum(f(i, j) for i in range(n) for j in range(n)) for _, f in patterns]
    W, H = 440, 236
    desc = (f"Three grids of {n} by {n} tokens, a row for the token that looks, a column for the token it may "
            "look at. " + "; ".join(f"{name}: {c} of the {n * n} pairs are computed" for (name, _), c
                                    in zip(patterns, counts))
            + ". Below: linear attention and state-space models keep a fixed-size state instead of a grid.")
    out = _svg_open(W, H, "Which pairs of tokens attention computes", desc, "fig-03b-attention-patterns")
    for k, ((name, f), c) in enumerate(zip(patterns, counts)):
        x0 = 20 + k * 142
        out.append(text(x0, 18, name, bold=True, size=12))
        _mask(out, x0, 30, [""] * n, causal=True, cell=cell, seen=f, labels=False)
        out.append(text(x0, 30 + n * cell + 18, f"{c} of {n * n} pairs", size=12, opacity=0.9))
    y = 30 + n * cell + 50
    out.append(text(20, y, "linear attention, state-space models (Mamba):", bold=True, size=12))
    out.append(text(20, y + 18, "no grid: a fixed-size state, updated token by token,", size=12, opacity=0.9))
    out.append(text(20, y + 34, "like the GRU's, but trained in parallel", size=12, opacity=0.9))
    return Figure(
        name="03b-attention-patterns", svg=finish(out),
        caption=(f"What each answer to the N² cost computes, drawn for {n} tokens. Full causal attention "
                 f"compares every token with every earlier one; sparse patterns (here a window of {window}, "
                 "plus a first and a last token that see or are seen widely) skip most pairs; linear "
                 "attention and state-space models keep a running state instead."),
        table_header=["pattern", f"pairs computed for {n} tokens", "grows with the length as"],
        table_rows=[["full causal attention", str(counts[0]), "n²"],
                    [f"sliding window of {window}", str(counts[1]), "n"],
                    ["window + global tokens", str(counts[2]), "n (a few global tokens add n each)"],
                    ["linear attention, state-space", "none: a state", "n"]],
        inputs={},
    )
