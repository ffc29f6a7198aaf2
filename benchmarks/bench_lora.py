"""How long does chapter 18's LoRA run take, and what does the frozen-bottom shortcut save?

    python benchmarks/bench_lora.py [--quick]

Times, on the CPU with one torch thread like the recorded outputs: the frozen blocks 1-26 run
once over the 60 training tickets (what ``train_adapter`` keeps); one training step with the
chapter's adapters (blocks 27-30, only those blocks run); one step with adapters in all 30
blocks (every step runs the whole model: no shortcut possible); and the held-out measurement
of one model on the 60 test tickets. Baseline: one step of the chapter's run. Writes
``docs/measurements/lora-time.md``; ``--quick`` is a smoke run (1 step) that writes nothing.
Needs the model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmsite.lora import held_out, load_task, train_adapter  # noqa: E402
from llmsite.site import measurements  # noqa: E402

BENCH = "benchmarks/bench_lora.py"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 step each, writes nothing")
    args = ap.parse_args(argv)
    steps = 1 if args.quick else 5

    task = load_task()
    t0 = time.perf_counter()
    run = train_adapter(task, steps=steps)  # the chapter's settings: blocks 27-30
    t_all = time.perf_counter() - t0
    t_step = run.seconds / steps
    t_bottom = t_all - run.seconds
    print(f"frozen bottom: {t_bottom:.1f} s; one step, blocks 27-30: {t_step:.2f} s")
    run30 = train_adapter(task, steps=steps, layers=range(0, 30))
    t_step30 = run30.seconds / steps
    print(f"one step, adapters in all 30 blocks: {t_step30:.2f} s")
    t0 = time.perf_counter()
    held_out(task, task.W)  # computes and keeps the test tickets' frozen bottom, then blocks 27-30
    t_held = time.perf_counter() - t0
    t0 = time.perf_counter()
    held_out(task, run.adapter.merged())  # a second model reuses the kept bottom
    t_held2 = time.perf_counter() - t0
    print(f"held-out, first model: {t_held:.1f} s; another model: {t_held2:.1f} s")
    if args.quick:
        print("(quick run: nothing written)")
        return
    rows = [
        ["one step, adapters in blocks 27–30 (the chapter's run)", f"{t_step:.1f}", "1.0×"],
        ["one step, adapters in all 30 blocks", f"{t_step30:.1f}", f"{t_step30 / t_step:.1f}×"],
        ["blocks 1–26 over the 60 training tickets, once", f"{t_bottom:.0f}", f"{t_bottom / t_step:.0f}×"],
        ["held-out, 60 tickets, first model", f"{t_held:.0f}", f"{t_held / t_step:.0f}×"],
        ["held-out, 60 tickets, another model", f"{t_held2:.1f}", f"{t_held2 / t_step:.1f}×"],
    ]
    notes = (f"Steps are averaged over {steps}, batches of 8 training tickets, seed 0. The chapter's run is "
             "the frozen blocks once, 40 steps and two held-out measurements. CPU, 1 torch thread, the pinned "
             "CPU kernels of `llmsite.site.cpu`, on a machine shared with other jobs: a quiet one is faster.")
    path = measurements.write("lora-time", "Wall time of chapter 18's LoRA training, piece by piece",
                              ["what", "seconds", "vs one step"], rows, benchmark=BENCH, notes=notes)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
