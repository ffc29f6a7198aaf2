"""How fast is the pure-Python tokenizer next to Hugging Face ``tokenizers``?

    python benchmarks/bench_tokenizer.py [--size-mb 1.0] [--repeat 3]

Encodes the same ~1 MB English-like text (built here from the repository's Markdown and a
seeded generator; nothing is downloaded) with ``llmsite.tokenizer.Tokenizer`` (cold cache:
a fresh tokenizer; warm cache: the same text again) and with ``tokenizers`` single-threaded
(``RAYON_NUM_THREADS=1``, set before it is imported) and, in a child process, with its
default thread pool, both on the whole text (``encode``) and line by line
(``encode_batch``). Prints the best of ``--repeat`` runs in seconds and our time divided by
the single-threaded ``tokenizers`` time ("x slower", or "(faster)" below 1). Checks on the
way that our ids and offsets equal those of ``tokenizers``. Needs the model cache
(``python -m llmsite fetch-model``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_COMMON = (
    "the of and to a in is that it for as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will can more about than them its into only other new some could time these two "
    "may first then do any like my now over such our man me even most made after also did "
    "many before must through back years where much your way well down should because each "
    "just those people how too little state good very make world still own see men work "
    "long get here between both life being under never day same another know while last "
    "might us great old year off come since against go came right used take three model "
    "token tokens language attention layer layers weights training probability text word "
    "words vector embedding softmax learning network neural transformer sequence predict"
).split()
_SYLLABLES = "ka to ri mu se an el or in ex con pre tion al er ing ly ment ous ive ab im re un".split()
_PUNCT = [".", ".", ".", ",", ",", ",", ";", ":", "?", "!", " -", "'s", "n't"]


def _repo_text() -> str:
    parts = []
    for pattern in ("*.md", "docs/**/*.md"):
        for p in sorted(ROOT.glob(pattern)):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n\n".join(parts)


def make_text(size: int = 1_000_000, seed: int = 20240601) -> str:
    """~``size`` characters: the repository's text, then seeded English-like prose whose
    words follow a Zipf-like law over common words and made-up ones (so that the cold
    cache meets many distinct words, as with real text)."""
    rng = random.Random(seed)
    rare = sorted(
        {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)}
    )
    words = _COMMON + rare
    weights = [1.0 / (rank + 8) for rank in range(len(words))]
    out = [_repo_text()]
    n = len(out[0])
    while n < size:
        sentence = rng.choices(words, weights, k=rng.randint(4, 22))
        sentence[0] = sentence[0].capitalize()
        if rng.random() < 0.15:
            sentence.insert(rng.randrange(len(sentence)), str(rng.randint(0, 100_000)))
        if rng.random() < 0.1:
            sentence.insert(rng.randrange(len(sentence)), rng.choice(_PUNCT))
        s = " ".join(sentence) + rng.choice(".....?!:")
        s += "\n\n" if rng.random() < 0.12 else " "
        out.append(s)
        n += len(s)
    return "".join(out)[:size]


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def hf_times(path: str, text: str, repeat: int) -> dict:
    from tokenizers import Tokenizer as HF

    hf = HF.from_file(path)
    lines = text.split("\n")
    e = hf.encode(text)
    return {
        "encode": best_of(repeat, lambda: hf.encode(text)),
        "encode_batch": best_of(repeat, lambda: hf.encode_batch(lines)),
        "ids": e.ids,
        "offsets": e.offsets,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hf-child", help=argparse.SUPPRESS)  # internal: default-threads run
    args = ap.parse_args()
    text = make_text(int(args.size_mb * 1_000_000))

    if args.hf_child:
        r = hf_times(args.hf_child, text, args.repeat)
        print(json.dumps({"encode": r["encode"], "encode_batch": r["encode_batch"]}))
        return

    os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers is first imported
    from llmsite.tokenizer import Tokenizer
    from llmsite.model import ensure_model

    path = str(ensure_model(progress=False) / "tokenizer.json")
    t = time.perf_counter()
    ours = Tokenizer.from_file(path)
    load = time.perf_counter() - t

    def cold(method: str) -> float:
        fresh = Tokenizer.from_file(path)  # a new, empty cache; loading is not timed
        gc.collect()
        t0 = time.perf_counter()
        getattr(fresh, method)(text)
        return time.perf_counter() - t0

    ours_cold = min(cold("encode") for _ in range(args.repeat))
    ours_off_cold = min(cold("encode_with_offsets") for _ in range(args.repeat))
    ids = ours.encode(text)
    ours_warm = best_of(args.repeat, lambda: ours.encode(text))
    offsets = ours.encode_with_offsets(text)
    ours_off_warm = best_of(args.repeat, lambda: ours.encode_with_offsets(text))

    hf1 = hf_times(path, text, args.repeat)
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    child = subprocess.run(
        [sys.executable, __file__, "--hf-child", path, "--size-mb", str(args.size_mb),
         "--repeat", str(args.repeat)],
        env=env, capture_output=True, text=True, check=True,
    )
    hfn = json.loads(child.stdout.strip().splitlines()[-1])

    base = hf1["encode"]
    same = ids == hf1["ids"] and [(s, e) for _, s, e in offsets] == hf1["offsets"]
    print(f"text: {len(text):,} characters, {len(text.encode()):,} bytes, {len(ids):,} tokens, "
          f"{len(set(text.split())):,} distinct words; ids and offsets identical to "
          f"tokenizers: {'yes' if same else 'NO'}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {args.repeat}; "
          f"our tokenizer.json load: {load:.3f} s")
    print()
    rows = [
        ("ours encode, cold cache", ours_cold),
        ("ours encode, warm cache", ours_warm),
        ("ours encode_with_offsets, cold cache", ours_off_cold),
        ("ours encode_with_offsets, warm cache", ours_off_warm),
        ("tokenizers encode, 1 thread", hf1["encode"]),
        ("tokenizers encode, default threads", hfn["encode"]),
        ("tokenizers encode_batch(lines), 1 thread", hf1["encode_batch"]),
        ("tokenizers encode_batch(lines), default threads", hfn["encode_batch"]),
    ]
    width = max(len(r[0]) for r in rows)
    def ratio(r: float) -> str:
        return f"{r:5.2f}x slower" if r >= 1 else f"{r:5.2f}x (faster)"

    print("ratio A = ours / tokenizers encode, 1 thread; "
          "ratio B = ours / tokenizers encode_batch(lines), 1 thread")
    print(f"{'':{width}}  {'seconds':>8}  {'MB/s':>6}  {'ratio A':>16}  {'ratio B':>16}")
    for name, sec in rows:
        a = b = ""
        if name.startswith("ours"):
            a, b = ratio(sec / base), ratio(sec / hf1["encode_batch"])
        print(f"{name:{width}}  {sec:8.3f}  {len(text.encode()) / sec / 1e6:6.2f}  {a:>16}  {b:>16}")


if __name__ == "__main__":
    main()
