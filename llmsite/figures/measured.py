"""Charts of numbers the site already recorded: benchmark fragments and snippet outputs.

Timings are never measured while drawing: a builder here *reads* a dated fragment in
``docs/measurements/`` (written by a benchmark) or a snippet's recorded ``.out`` file, so the
figure shows exactly the numbers printed on the page, and the stale test redraws it whenever
that fragment or output changes. Builders:

* ``09-time-per-token``     ← docs/measurements/09-kv-cache.md (benchmarks/bench_generation.py)
* ``09-prefill-decode``     ← docs/measurements/09-generation-speed.md (same benchmark)
* ``13-sydney-by-position`` ← snippets/13-limits/lost_in_the_middle.out
* ``13-kv-memory``          ← the model's config (llmsite.transformer.kv_bytes_per_token)
* ``14-ttft``, ``14-answer-time`` ← docs/measurements/latency.md (benchmarks/bench_latency.py)
* ``06-stream-size``        ← snippets/06-transformer-block/one_block.out
"""

from __future__ import annotations

import re

from llmsite.figures import svg
from llmsite.figures import REPO, Context, Figure

# ----------------------------------------------------------------------------- reading inputs


def measurement(name: str) -> dict:
    """A benchmark fragment: its title, table (header + rows of cells), 'Measured …' line, notes."""
    path = REPO / "docs" / "measurements" / f"{name}.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    measured = next(line for line in lines if line.startswith("<small>Measured"))
    when = re.search(r"Measured (\d{4}-\d\d-\d\d) on (.*?), Python", measured)
    return {
        "file": str(path.relative_to(REPO)),
        "title": next(line.strip("*") for line in lines if line.startswith("**")),
        "header": cells[0],
        "rows": cells[2:],
        "date": when.group(1),
        "machine": when.group(2),
        "notes": "\n".join(line for line in lines[lines.index(measured) + 1:] if line.strip()),
    }


def _f(cell: str) -> float:
    return float(cell.replace(",", "").rstrip("×"))


CHART_W = 420  # narrow: the chart keeps legible text when a phone scales it to ~360 px


def natural(svg_text: str) -> str:
    """Draw a fluid chart at its own width (CSS still shrinks it on narrow screens), so that on
    a wide page its text is not blown up to twice its size."""
    return svg_text.replace(' width="100%"', f' width="{CHART_W}"', 1)


def snippet_output(rel: str) -> str:
    return (REPO / "snippets" / rel).read_text(encoding="utf-8")


def _source(m: dict) -> str:
    return f"Measured {m['date']} on {m['machine']} by the benchmark that writes {m['file']}"


# ----------------------------------------------------------------------------- chapter 9


def build_time_per_token(ctx: Context) -> Figure:
    m = measurement("09-kv-cache")
    rows, table = [], []
    for r in m["rows"]:
        n, no_cache, cache = int(_f(r[0])), _f(r[1]), _f(r[2])
        rows.append((f"{n} tokens, no cache", no_cache / n, f"{no_cache / n:.2f} s"))
        rows.append((f"{n} tokens, KV cache", cache / n, f"{cache / n:.2f} s"))
        table.append([f"{n}", f"{no_cache:.1f}", f"{no_cache / n:.3f}", f"{cache:.1f}", f"{cache / n:.3f}", r[3]])
    top = max(v for _, v, _ in rows)
    step = 0.5 if top <= 3 else 1.0
    ticks = [round(step * i, 2) for i in range(int(top / step) + 2)]
    desc = ("Bar chart of the average time per generated token. " + "; ".join(f"{a}: {c}" for a, _, c in rows)
            + ". Without a cache the time per token grows with the length; with the cache it stays small.")
    return Figure(
        name="09-time-per-token",
        svg=natural(svg.value_bars(rows, title="Seconds per new token, with and without the KV cache", description=desc,
                           fig_id="fig-09-time-per-token", ticks=ticks, tick_label="{:g} s",
                           muted=frozenset(i for i, r in enumerate(rows) if "no cache" in r[0]), width=CHART_W)),
        caption=("Average time per generated token (grey: no cache, every step re-reads the whole text; "
                 "blue: KV cache). Total time ÷ new tokens, from the table further down this page. "
                 f"{_source(m)}."),
        table_header=["new tokens", "no cache, s", "s per token", "KV cache, s", "s per token", "speed-up"],
        table_rows=table,
        inputs={"measurement": m["file"], "measured": m["date"]},
    )


def build_prefill_decode(ctx: Context) -> Figure:
    m = measurement("09-generation-speed")
    note = re.search(r"([\d.]+) ms per prompt token \((\d+) tokens in one pass\) vs ([\d.]+) ms per decoded token",
                     m["notes"])
    per_prompt, n_prompt, per_decode = float(note.group(1)), int(note.group(2)), float(note.group(3))
    prefill = per_prompt * n_prompt
    steps = 8
    total = prefill + steps * per_decode
    segs = [(prefill, "prefill", f"{n_prompt} tokens")] + [(per_decode, "decode", "1") for _ in range(steps)]
    tick_step = 100 if total < 1200 else 200
    ticks = [float(tick_step * i) for i in range(int(total // tick_step) + 2)]
    desc = (f"Timeline. Prefill reads all {n_prompt} prompt tokens in one pass, about {prefill:.0f} ms "
            f"({per_prompt} ms per token). Then each decode step makes one token in about {per_decode} ms. "
            f"{steps} decode steps take {steps * per_decode:.0f} ms: more than the whole prompt.")
    return Figure(
        name="09-prefill-decode",
        svg=svg.segment_bars([("one reply", segs)], title="Prefill, then decode, one token per step",
                         description=desc, fig_id="fig-09-prefill-decode", unit="milliseconds since the request",
                         ticks=ticks, label_w=78,
                         legend=[("prefill", svg.ORANGE, f"prefill: {n_prompt} prompt tokens, one pass"),
                                 ("decode", "#56B4E9", "decode: 1 token")]),
        caption=(f"The first {steps} steps of a reply on a timeline. Prefill pushes the {n_prompt}-token prompt "
                 f"through the model in one pass ({per_prompt} ms per token); every decoded token then "
                 f"costs a pass of its own ({per_decode} ms). Prefill time = {n_prompt} × {per_prompt} ms. "
                 f"{_source(m)}."),
        table_header=["phase", "tokens", "ms per token", "ms"],
        table_rows=[["prefill", str(n_prompt), f"{per_prompt}", f"{prefill:.0f}"]]
        + [[f"decode step {i + 1}", "1", f"{per_decode}", f"{per_decode:.1f}"] for i in range(steps)],
        inputs={"measurement": m["file"], "measured": m["date"], "decode_steps": steps},
    )


# ----------------------------------------------------------------------------- chapter 13


def build_sydney_by_position(ctx: Context) -> Figure:
    out = snippet_output("13-limits/lost_in_the_middle.out")
    n_orders = int(re.search(r"^(\d+) orders", out, re.M).group(1))
    pts = [(int(a), int(b), float(p), lo, hi, int(k), g, int(gk)) for a, b, p, lo, hi, k, g, gk in
           re.findall(r"^\s*(\d+) of (\d+)\s+([\d.]+)%\s+([\d.]+%)-([\d.]+%)\s+(\d+) of \d+\s+'(.*?)' \((\d+) of \d+\)$",
                      out, re.M)]
    if not pts:
        raise ValueError("no rows found in lost_in_the_middle.out: the snippet's output format changed")
    n = pts[0][1]
    share = lambda k: round(100 * k / n_orders, 1)  # noqa: E731
    desc = (f"Line chart against the line where the fact sits in a list of {n}, averaged over {n_orders} orders of the "
            f"other names: the mean probability of the right answer, \" Sydney\", and the share of orders in which "
            "\" Sydney\" is the model's top guess. "
            + "; ".join(f"line {a}: mean {p}%, top guess in {k} of {n_orders}" for a, _, p, _, _, k, _, _ in pts) + ".")
    return Figure(
        name="13-sydney-by-position",
        svg=natural(svg.series_chart([("mean p(␣Sydney)", [(a, p) for a, _, p, *_ in pts]),
                                      ("% of orders it wins", [(a, share(k)) for a, _, _, _, _, k, _, _ in pts])],
                                     title="Where the fact sits changes how sure the model is", description=desc,
                                     fig_id="fig-13-sydney-by-position", x_label=f"line of the fact (1 = first of {n})",
                                     y_label="percent", markers=True, y_range=(0, 100), x_range=(0.6, n + 0.4),
                                     point_labels=[[f"{p}%" for _, _, p, *_ in pts],
                                                   [f"{k}/{n_orders}" if a == n else "" for a, _, _, _, _, k, _, _ in pts]],
                                     width=CHART_W, height=300)),
        caption=(f"\"Tom lives in Sydney.\" moved from line 1 to line {n} of the list, then the question; each point "
                 f"is the mean over {n_orders} orders of the other six names. The right answer gains probability as "
                 "the fact moves towards the question, and only on the last line is it usually the top guess. "
                 "From the output of lost_in_the_middle.py below."),
        table_header=["fact at line", "mean p(\"␣Sydney\")", "lowest–highest", "\"␣Sydney\" on top",
                      "most frequent top guess"],
        table_rows=[[f"{a} of {b}", f"{p}%", f"{lo}–{hi}", f"{k} of {n_orders}", f"\"{g.replace(' ', '␣')}\" ({gk} of {n_orders})"]
                    for a, b, p, lo, hi, k, g, gk in pts],
        inputs={"snippet_output": "snippets/13-limits/lost_in_the_middle.out"},
    )


def build_kv_memory(ctx: Context) -> Figure:
    from llmsite.transformer import kv_bytes_per_token

    cfg = ctx.model.config
    fp32, bf16 = kv_bytes_per_token(cfg), kv_bytes_per_token(cfg, dtype=__import__("torch").bfloat16)
    weights = sum(p.numel() for p in ctx.model.parameters()) * 4
    window = cfg.max_position_embeddings
    lengths = [1_000, 2_000, 4_000, window, 16_000, 32_000, 64_000, 100_000]
    gb = lambda n, b: n * b / 1e9  # noqa: E731
    desc = (f"Line chart, both axes logarithmic: the KV cache of one conversation grows in a straight line "
            f"with its length, {fp32:,} bytes per token in float32 and {bf16:,} in bfloat16. At {window:,} tokens "
            f"(the model's window) it is {gb(window, fp32):.2f} GB in float32; at 100,000 tokens it would be "
            f"{gb(100_000, fp32):.1f} GB, {100_000 * fp32 / weights:.1f} times the {weights / 1e9:.2f} GB of weights.")
    return Figure(
        name="13-kv-memory",
        svg=natural(svg.series_chart(
            [("float32", [(n, gb(n, fp32)) for n in lengths]),
             ("bfloat16", [(n, gb(n, bf16)) for n in lengths]),
             ("weights", [(lengths[0], weights / 1e9), (lengths[-1], weights / 1e9)])],
            title="Memory for one conversation's KV cache", description=desc, fig_id="fig-13-kv-memory",
            x_label="tokens in the context", y_label="gigabytes", log_x=True, log_y=True, width=CHART_W, height=300)),
        caption=(f"What a long context costs in memory, per conversation: {fp32:,} bytes per token in float32 "
                 f"(2 × {cfg.num_hidden_layers} layers × {cfg.num_key_value_heads} key/value heads × "
                 f"{cfg.head_dim} numbers × 4 bytes), half that in bfloat16; the flat line is the model's own "
                 f"weights, {weights / 1e9:.2f} GB. Past {window:,} tokens "
                 "(its window) our model could not use the text anyway; the line shows what the same "
                 "design would pay. Computed from the model's configuration."),
        table_header=["tokens", "float32 cache (GB)", "bfloat16 cache (GB)", "float32 cache ÷ weights"],
        table_rows=[[f"{n:,}", f"{gb(n, fp32):.3f}", f"{gb(n, bf16):.3f}", f"{n * fp32 / weights:.2f}×"] for n in lengths],
        inputs={"bytes_per_token_fp32": fp32, "weights_bytes": weights},
    )


# ----------------------------------------------------------------------------- chapter 14


def _latency_rows():
    m = measurement("latency")
    return m, [(int(_f(r[0])), _f(r[1]), _f(r[3]), _f(r[4])) for r in m["rows"]]


def build_ttft(ctx: Context) -> Figure:
    m, rows = _latency_rows()
    desc = ("Line chart of the time to first token against the prompt's length: "
            + "; ".join(f"{n:,} tokens: {t:,.0f} ms" for n, t, _, _ in rows) + ". Longer prompts wait longer.")
    return Figure(
        name="14-ttft",
        svg=natural(svg.series_chart([("time to first token", [(n, t / 1000) for n, t, _, _ in rows])],
                             title="The longer the prompt, the longer the wait for the first token",
                             description=desc, fig_id="fig-14-ttft", x_label="prompt tokens",
                             y_label="seconds to first token", markers=True, y_range=(0, max(t for _, t, _, _ in rows) / 1000 * 1.15),
                             x_range=(0, rows[-1][0] * 1.08),
                             point_labels=[[f"{t / 1000:.2f} s" for _, t, _, _ in rows]], width=CHART_W, height=280)),
        caption=(f"Time to first token of SmolLM2-135M-Instruct for three prompt lengths (one pass over the "
                 f"prompt, then the first pick). {_source(m)}; the full table is below."),
        table_header=["prompt tokens", "time to first token (ms)", "decode, tokens/s"],
        table_rows=[[f"{n:,}", f"{t:,.0f}", f"{d}"] for n, t, d, _ in rows],
        inputs={"measurement": m["file"], "measured": m["date"]},
    )


def build_answer_time(ctx: Context) -> Figure:
    m, rows = _latency_rows()
    bars = [(f"{n:,}-token prompt", [(t / 1000, "ttft", ""), (a - t / 1000, "decode", "99 more tokens")])
            for n, t, _, a in rows]
    top = max(a for *_, a in rows)
    ticks = [float(2 * i) for i in range(int(top // 2) + 2)]
    desc = ("Stacked bars of the time for a 100-token answer: "
            + "; ".join(f"{n:,}-token prompt: first token {t / 1000:.2f} s, then {a - t / 1000:.1f} s for the rest"
                        for n, t, _, a in rows) + ". The answer's length, not the prompt, takes most of the time.")
    return Figure(
        name="14-answer-time",
        svg=svg.segment_bars(bars, title="Where the time of a 100-token answer goes", description=desc,
                         fig_id="fig-14-answer-time", unit="seconds", ticks=ticks, label_w=124,
                         legend=[("ttft", svg.ORANGE, "first token"), ("decode", "#56B4E9", "the other 99")]),
        caption=("A 100-token answer, split into the wait for the first token and the 99 tokens after it. "
                 f"Only a long prompt makes the first part visible. {_source(m)}."),
        table_header=["prompt tokens", "first token (s)", "other 99 tokens (s)", "100-token answer (s)"],
        table_rows=[[f"{n:,}", f"{t / 1000:.2f}", f"{a - t / 1000:.2f}", f"{a}"] for n, t, _, a in rows],
        inputs={"measurement": m["file"], "measured": m["date"]},
    )


# ----------------------------------------------------------------------------- chapter 6


def build_stream_size(ctx: Context) -> Figure:
    out = snippet_output("06-transformer-block/one_block.out")
    emb = float(re.search(r"^embedding\s+size ([\d.]+)", out, re.M).group(1))
    pts = [(0, emb)] + [(int(b), float(s)) for b, s in re.findall(r"^after block\s+(\d+)\s+size ([\d.]+)", out, re.M)]
    desc = ("Line chart of the size (root mean square) of the last token's vector in the residual stream: "
            + "; ".join(f"{'embedding' if k == 0 else f'after {k} blocks'}: {s}" for k, s in pts)
            + ". It grows from about 0.1 to about 26.")
    return Figure(
        name="06-stream-size",
        svg=natural(svg.series_chart([("size of the stream", pts)], title="The residual stream grows block after block",
                             description=desc, fig_id="fig-06-stream-size", x_label="blocks passed",
                             y_label="size (RMS)", markers=True, x_range=(0, 35), y_range=(0, 30),
                             point_labels=[[f"{s:g}" if k in (10, 20, 25, 30) else "" for k, s in pts]],
                             width=CHART_W, height=280)),
        caption=("The size of the last token's vector (\"is\" in \"The capital of France is\") after each "
                 "block: every block adds to it, nothing resets it. The final RMSNorm brings it back to 1 "
                 "before the scores are computed. From the output of one_block.py below."),
        table_header=["blocks passed", "size (RMS)"],
        table_rows=[["0 (embedding)" if k == 0 else str(k), f"{s}"] for k, s in pts],
        inputs={"snippet_output": "snippets/06-transformer-block/one_block.out"},
    )
