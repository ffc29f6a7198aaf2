"""Figures of chapter 18 (LoRA): a rank-r adapter trained on the real model, on the CPU.

* ``18-adapter``    the adapter beside one frozen weight (a diagram; shapes and counts from
                    ``llmsite.lora.Adapter`` on the real weights, settings of the chapter's run)
* ``18-loss-curve`` the loss of every training step: exactly the call of
                    snippets/18-lora/train_adapter.py (same settings, CPU, seeded)
* ``18-held-out``   the held-out rates of train_adapter.out beside chapter 14b's prompts
                    (snippets/14b-prompting/zero_vs_few.out), read from the recorded outputs
"""

from __future__ import annotations

from llmsite.figures import Context, Figure, svg
from llmsite.figures.diagrams import arrow, box, finish, text
from llmsite.figures.svg import _svg_open

# The chapter's run, as snippets/18-lora/train_adapter.py writes it.
STEPS = 40


def _task(ctx: Context):
    from llmsite.lora import load_task

    return load_task(ctx.model, ctx.tok)


def build_loss_curve(ctx: Context) -> Figure:
    from llmsite.lora import train_adapter

    task = _task(ctx)
    run = train_adapter(task, steps=STEPS)  # as in snippets/18-lora/train_adapter.py
    h = run.history
    s = run.settings
    n = run.adapter.n_trainable()
    first, last = h[0], h[-1]
    low = min(h, key=lambda c: c.loss)
    desc = (f"Line chart of the training loss of a rank-{s['r']} LoRA adapter ({n:,} trained numbers) over "
            f"{last.step} steps of {s['batch_size']} tickets. It starts at {first.loss:.2f} nats per answer token, "
            f"falls steeply in the first half, with bumps from batch to batch, and ends at {last.loss:.2f} "
            f"(lowest {low.loss:.2f} at step {low.step}).")
    return Figure(
        name="18-loss-curve",
        svg=svg.series_chart(
            [("loss on the batch's answer tokens", [(c.step, c.loss) for c in h])],
            title="Training loss of the LoRA adapter", description=desc, fig_id="fig-18-loss-curve",
            x_label="training step", y_label="loss (nats per answer token)", markers=True,
            x_range=(0, last.step), y_range=(0, max(12.0, max(c.loss for c in h))), width=440, height=300),
        caption=(f"Loss of each training step: the surprise at the right answer (the category, then the stop "
                 f"token) on that step's batch of {s['batch_size']} training tickets. Each batch holds "
                 "different tickets, hence the bumps. Seed 0, CPU; the same run as train_adapter.py below."),
        table_header=["step", "loss on the batch"],
        table_rows=[[str(c.step), f"{c.loss:.3f}"] for c in h],
        inputs={"snippet": "snippets/18-lora/train_adapter.py", "steps": STEPS, "seed": 0,
                "trainable": n},
    )


def build_adapter(ctx: Context) -> Figure:
    import inspect

    from llmsite import lora
    from llmsite.transformer import from_hf

    defaults = {k: v.default for k, v in inspect.signature(lora.train_adapter).parameters.items()}
    r, alpha, layers = defaults["r"], defaults["alpha"], list(defaults["layers"])
    W = from_hf(ctx.model)
    adapter = lora.Adapter(W, layers, defaults["targets"], r=r, alpha=alpha)
    q = adapter.loras[f"{layers[0]}_q"]
    out_f, in_f = q.weight.shape
    frozen, trained = q.weight.numel(), q.A.numel() + q.B.numel()
    n_all, n_model = adapter.n_trainable(), W.n_params()

    Wd, Hd = 440, 392
    desc = (f"Diagram of one query projection of SmolLM2-135M with a LoRA adapter. The input x, {in_f} numbers "
            f"per token, goes two ways. Left: the frozen weight W, {out_f} by {in_f}, {frozen:,} numbers, not "
            f"trained. Right: A ({r} by {in_f}) squeezes x to {r} numbers, B ({out_f} by {r}) widens them back, "
            f"and the result is scaled by alpha/r = {alpha / r:g}; A and B hold {trained:,} numbers and are the "
            f"only ones trained. The two results are added. B starts at zero, so at first the detour adds "
            f"nothing. After training, B·A times {alpha / r:g} can be added into W once: one matrix again.")
    out = _svg_open(Wd, Hd, "A LoRA adapter beside a frozen weight", desc, "fig-18-adapter")
    cx = Wd / 2
    # input
    out.append(box(cx - 90, 8, 180, 34, kind="plain"))
    out.append(text(cx, 30, f"x: {in_f} numbers per token", anchor="middle"))
    # left path: frozen W
    lx, ly, lw, lh = 20, 84, 190, 150
    out.append(arrow([(cx - 40, 42), (cx - 40, 60), (lx + lw / 2, 60), (lx + lw / 2, ly - 2)], head=6))
    out.append(box(lx, ly, lw, lh, kind="muted"))
    out.append(text(lx + lw / 2, ly + 44, "W", size=22, bold=True, anchor="middle"))
    out.append(text(lx + lw / 2, ly + 72, f"{out_f} × {in_f}", anchor="middle"))
    out.append(text(lx + lw / 2, ly + 94, f"{frozen:,} numbers", anchor="middle", size=12))
    out.append(text(lx + lw / 2, ly + 122, "frozen: never changes", anchor="middle", size=12, bold=True))
    # right path: A then B
    rx, rw = 250, 170
    out.append(arrow([(cx + 40, 42), (cx + 40, 60), (rx + rw / 2, 60), (rx + rw / 2, ly - 2)], head=6))
    out.append(box(rx + 15, ly, rw - 30, 40, kind="accent"))
    out.append(text(rx + rw / 2, ly + 17, f"A: {r} × {in_f}", anchor="middle", bold=True))
    out.append(text(rx + rw / 2, ly + 33, f"squeeze to {r} numbers", anchor="middle", size=12))
    out.append(arrow([(rx + rw / 2, ly + 40), (rx + rw / 2, ly + 56)], head=6))
    out.append(box(rx + 15, ly + 58, rw - 30, 40, kind="accent"))
    out.append(text(rx + rw / 2, ly + 75, f"B: {out_f} × {r}", anchor="middle", bold=True))
    out.append(text(rx + rw / 2, ly + 91, "starts at zero", anchor="middle", size=12))
    out.append(text(rx + rw / 2, ly + 116, f"× alpha/r = {alpha / r:g}", anchor="middle", size=12))
    out.append(text(rx + rw / 2, ly + 136, f"trained: {trained:,} numbers", anchor="middle", size=12, bold=True))
    # sum
    sy = ly + lh + 34
    out.append(arrow([(lx + lw / 2, ly + lh), (lx + lw / 2, sy), (cx - 16, sy)], head=6))
    out.append(arrow([(rx + rw / 2, ly + lh), (rx + rw / 2, sy), (cx + 16, sy)], head=6))
    out.append(f'<circle cx="{cx:g}" cy="{sy:g}" r="14" fill="none" stroke="currentColor" stroke-opacity="0.7"'
               ' stroke-width="1.6"/>')
    out.append(text(cx, sy + 6, "+", anchor="middle", size=18, bold=True))
    out.append(arrow([(cx, sy + 14), (cx, sy + 34)], head=6))
    out.append(text(cx, sy + 50, f"query: {out_f} numbers per token", anchor="middle"))
    out.append(text(cx, sy + 80, f"Merged: W + {alpha / r:g}·B·A is one {out_f} × {in_f} matrix again.",
                    anchor="middle", size=12, opacity=0.85))
    out.append(text(cx, sy + 98, f"All {len(adapter.loras)} adapters: {n_all:,} of {n_model:,} numbers.",
                    anchor="middle", size=12, opacity=0.85))
    return Figure(
        name="18-adapter", svg=finish(out),
        caption=(f"One query projection with its adapter (the value projections get one too, in blocks "
                 f"{layers[0] + 1}–{layers[-1] + 1} of 30). The grey weight is frozen; only the orange A and B "
                 f"learn. Because B starts at zero, the adapted model begins exactly where the original is."),
        table_header=["part", "shape", "numbers", "trained?"],
        table_rows=[["W (one query projection)", f"{out_f} × {in_f}", f"{frozen:,}", "no"],
                    ["A", f"{r} × {in_f}", f"{q.A.numel():,}", "yes"],
                    ["B", f"{out_f} × {r}", f"{q.B.numel():,}", "yes"],
                    [f"all {len(adapter.loras)} adapters (q and v, blocks {layers[0] + 1}–{layers[-1] + 1})", "",
                     f"{n_all:,}", "yes"],
                    ["the whole model", "", f"{n_model:,}", "no"]],
        inputs={"r": r, "alpha": alpha, "layers": layers, "targets": list(defaults["targets"])},
    )


def _rate(out: str, name: str) -> tuple[int, int, str]:
    """(k, n, interval text) of the rate_line called ``name`` in a recorded output."""
    import re

    m = re.search(rf"^{re.escape(name)}: (\d+)/(\d+) = \d+% \(95% CI (\d+%-\d+%)\)$", out, re.M)
    if not m:
        raise ValueError(f"no line {name!r} in the recorded output")
    return int(m[1]), int(m[2]), m[3].replace("-", "–")


def build_held_out(ctx: Context) -> Figure:
    from llmsite.figures.scaling import _out

    ours = _out("18-lora/train_adapter.out")
    prompting = _out("14b-prompting/zero_vs_few.out")
    rows = [
        ("prompt, zero-shot", _rate(prompting, "zero-shot, constrained")),
        ("few-shot, calibrated", _rate(prompting, "few-shot, calibrated")),
        ("no training", _rate(ours, "held-out, before: the right one, exactly")),
        (f"LoRA, {STEPS} steps", _rate(ours, "held-out, after: the right one, exactly")),
    ]
    bars = [(label, k / n, f"{k / n:.0%}") for label, (k, n, _) in rows]
    desc = ("Bar chart of how many of the same 60 held-out support tickets get the right category: "
            + "; ".join(f"{label}: {k} of {n} (95% interval {ci})" for label, (k, n, ci) in rows) + ".")
    return Figure(
        name="18-held-out",
        svg=svg.value_bars(bars, title="Right category on 60 held-out tickets", description=desc,
                           fig_id="fig-18-held-out", ticks=[0, 0.25, 0.5, 0.75, 1.0], tick_label="{:.0%}",
                           muted=frozenset({2}), width=440),
        caption=("The same 60 test tickets, four ways. The two prompts are chapter 14b's: an instruction that "
                 "lists the categories (zero-shot), plus five solved tickets and calibration (few-shot, "
                 "calibrated), and only the five category words may compete. Untrained and LoRA-trained, the "
                 "model reads the ticket alone and must write the right word and stop: a stricter test. "
                 "The 95% intervals are wide; the table has them."),
        table_header=["how", "right", "rate", "95% interval (Wilson)"],
        table_rows=[[label, f"{k}/{n}", f"{k / n:.0%}", ci] for label, (k, n, ci) in rows],
        inputs={"snippet_output": "snippets/18-lora/train_adapter.out",
                "prompting_output": "snippets/14b-prompting/zero_vs_few.out"},
    )
