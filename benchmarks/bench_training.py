"""How long do the training chapters' runs take? The tiny GPT of chapter 10 and the toy scaling
experiment of chapter 12, timed end to end on the CPU.

    python benchmarks/bench_training.py [--quick] [--skip-scaling]

Runs exactly what the snippets run (``snippets/10-training/train_tiny.py``: 400 steps of 32
windows of 64 characters; ``snippets/12-scaling/toy_scaling.py``: four sizes, 150 steps of 16
windows each), once each, on one torch thread like the recorded outputs (``llmsite.train``
pins the thread count). Baseline: the 400-step tiny run; the table prints each run as a
multiple of it. Writes ``docs/measurements/training-time.md``; ``--quick`` is a smoke run
(a few steps) that writes nothing. Needs no model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmsite.site import measurements  # noqa: E402
from llmsite.train import TinyConfig, load_corpus, scaling_experiment, train  # noqa: E402

BENCH = "benchmarks/bench_training.py"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: a few steps, writes nothing")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args(argv)

    data = load_corpus()
    cfg = TinyConfig(vocab_size=data.tok.vocab_size)
    tiny_steps, scaling_steps = (8, 4) if args.quick else (400, 150)

    t0 = time.perf_counter()
    train(cfg, data, steps=tiny_steps, device="cpu")
    t_tiny = time.perf_counter() - t0
    print(f"tiny GPT, {tiny_steps} steps: {t_tiny:.1f} s")
    rows = [["ch. 10 tiny GPT", f"{tiny_steps}×32×64", f"{t_tiny:.0f}", "1.0×"]]
    if not args.skip_scaling:
        t0 = time.perf_counter()
        scaling_experiment(data, steps=scaling_steps, device="cpu")
        t_sc = time.perf_counter() - t0
        print(f"toy scaling, 4 sizes × {scaling_steps} steps: {t_sc:.1f} s")
        rows.append(["ch. 12 toy scaling", f"4×{scaling_steps}×16×64",
                     f"{t_sc:.0f}", f"{t_sc / t_tiny:.1f}×"])
    if args.quick:
        print("(quick run: nothing written)")
        return
    notes = ("One run each of `snippets/10-training/train_tiny.py`'s and `snippets/12-scaling/toy_scaling.py`'s "
             "training, end to end (with the loss estimates along the way; not the corpus loading), CPU, 1 torch "
             "thread, the pinned CPU kernels of `llmsite.site.cpu`, on a machine shared with other jobs: a quiet one "
             "is faster. Second column: (models ×) steps × windows × characters per window.")
    path = measurements.write("training-time", "Wall time of the training chapters' runs",
                              ["run", "steps × windows × chars", "seconds", "vs ch. 10"],
                              rows, benchmark=BENCH, notes=notes)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
