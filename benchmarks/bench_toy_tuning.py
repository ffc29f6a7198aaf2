"""Was chapter 12's biggest toy model under-trained? The two biggest sizes of the toy scaling
experiment, trained again with a lower learning rate and for more steps.

    python benchmarks/bench_toy_tuning.py [--quick]

Chapter 12 trains four sizes for 150 steps at a peak learning rate of 3e-3, and the biggest
(893,120 parameters) ends with a higher held-out loss than the one below it (213,120). Its
hypothesis: the biggest model is under-trained at settings picked for the small ones. This
runs exactly ``llmsite.train.scaling_experiment`` (the same windows, seed, schedule and held-out
batches as ``snippets/12-scaling/toy_scaling.py``) for those two sizes at

* 150 steps, peak learning rate 3e-3: the chapter's run (the baseline);
* 150 steps, 1e-3: the same data, a lower learning rate;
* 600 steps, 1e-3: four times the steps (and so four times the characters).

CPU, 1 torch thread, the pinned kernels: the losses are byte-stable. Takes about 20 minutes on a
quiet core, so it is a benchmark, not a test. Writes ``docs/measurements/toy-tuning.md``, which
chapter 12 includes; ``--quick`` runs 4 steps and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmsite.site import measurements  # noqa: E402
from llmsite.train import SCALING_SIZES, load_corpus, scaling_experiment  # noqa: E402

BENCH = "benchmarks/bench_toy_tuning.py"
RUNS = [(150, 3e-3), (150, 1e-3), (600, 1e-3)]  # (steps, peak learning rate)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 4 steps, writes nothing")
    args = ap.parse_args(argv)
    data = load_corpus()
    rows = []
    for steps, lr in RUNS:
        for size in SCALING_SIZES[2:]:
            t0 = time.perf_counter()
            (p,) = scaling_experiment(data, steps=4 if args.quick else steps, sizes=[size], lr=lr, device="cpu")
            print(f"{p.n_params:,} parameters, {steps} steps, lr {lr:g}: held-out loss {p.val_loss:.2f}, "
                  f"next char right {p.char_accuracy:.1%} ({time.perf_counter() - t0:.0f} s)", flush=True)
            rows.append([f"{p.n_params:,}", f"{steps}", f"{lr:g}", f"{p.tokens:,}", f"{p.val_loss:.2f}",
                         f"{p.char_accuracy:.1%}"])
    if args.quick:
        print("(quick run: nothing written)")
        return
    notes = ("`llmsite.train.scaling_experiment` for the two biggest sizes of `snippets/12-scaling/toy_scaling.py` "
             "(same seed, windows, warm-up and cosine schedule, 16 windows of 64 characters a step, held-out loss "
             "on the same 8 batches), CPU, 1 torch thread, the pinned CPU kernels of `llmsite.site.cpu`. One seed per row. "
             "The first two rows repeat the chapter's own run.")
    path = measurements.write("toy-tuning", "The two biggest toy models, trained again with other settings",
                              ["parameters", "steps", "peak learning rate", "characters seen", "held-out loss",
                               "next char right"], rows, benchmark=BENCH, notes=notes)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
