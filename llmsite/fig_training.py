"""Figures of the training and scaling chapters: a tiny GPT trained live on the CPU.

Each builder makes exactly the call that the page's snippet makes (same arguments, CPU,
seeded), so the figure's numbers are the ones the snippet prints:

* ``10-loss-curve``  ← snippets/10-training/train_tiny.py
* ``12-toy-scaling`` ← snippets/12-scaling/toy_scaling.py

Neither needs the real model; how long they train is measured by benchmarks/bench_training.py.
"""

from __future__ import annotations

from llmsite import svg
from llmsite.figures import Context, Figure


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
