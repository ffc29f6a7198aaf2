"""The model playground's speed in headless Chromium, side by side with PyTorch in the same run.

    python benchmarks/bench_playground.py [--quick] [--repeat 3]

Serves a one-widget page with the playground's own files (``docs/assets/js`` and the generated
``docs/assets/playground``: run ``python -m llmsite widget`` first) on 127.0.0.1 and measures,
in Debian's Chromium (single-threaded WebAssembly, as the site ships it):

* **time to ready**, cold: the button press to a loaded model (the model's MB from the local server into
  Cache Storage, then llama.cpp's init);
* **next-token view** for a 20-token prompt: the prompt read and all 49,152 probabilities
  shown (the page's own timer), best of ``--repeat``;
* **decode**, tokens per second: greedy, one token per step with the KV cache;
* **cached reload to ready**: a second page in the same browser, files from Cache Storage.

Baseline: PyTorch float32 on the same machine and run, one thread, greedy with the KV cache
(``transformers``' ``past_key_values``); the table gives the browser's decode speed as a
fraction of it. Writes ``docs/measurements/playground.md`` (chapter 9 includes it);
``--quick`` is a smoke run that writes nothing.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmsite.site import measurements, playground  # noqa: E402

BENCH = "benchmarks/bench_playground.py"
PROMPT_20 = "The history of the printing press begins in China, long before Gutenberg built his machine in"
W = '.llm-widget[data-widget="playground"]'
PAGE = """<!doctype html><meta charset="utf-8"><title>playground benchmark</title>
<div class="llm-widget playground-widget" data-widget="playground" data-mode="next">{fragment}</div>
<script type="module" src="assets/js/playground-widget.js"></script>
"""


def serve(directory: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def wait_idle(page):
    page.wait_for_function(f"""() => {{ const w = document.querySelector('{W}');
        return w.dataset.widgetState === 'ready' && w.dataset.busy === 'false'; }}""")


def open_and_load(page, base: str) -> float:
    """Open the benchmark page, press the load button, wait until ready: seconds the page timed."""
    page.set_default_timeout(300_000)
    page.goto(f"{base}/index.html")
    page.locator(f"{W} [data-widget-load]").click()
    wait_idle(page)
    return int(page.locator(W).get_attribute("data-ready-ms")) / 1000


def browser_numbers(base: str, repeat: int, n_decode: int) -> dict:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import CHROMIUM, CHROMIUM_FLAGS

    out = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        ctx = b.new_context()
        page = ctx.new_page()
        out["ready_s"] = open_and_load(page, base)
        views = []
        for i in range(repeat):
            page.locator(f"{W} .pg-input").fill(PROMPT_20 + " " * (i % 2))  # (a different text: no reuse)
            page.locator(f"{W} .pg-go").click()
            page.wait_for_timeout(50)
            wait_idle(page)
            views.append(int(page.locator(W).get_attribute("data-last-ms")))
        out["prompt_tokens"] = len(page.evaluate(f"async (t) => Array.from(await document.querySelector('{W}')"
                                                 ".playground.engine.tokenize(t))", PROMPT_20))
        out["view_ms"] = min(views)
        out["decode_tps"] = page.evaluate("""async ([sel, text, n]) => {
            const e = document.querySelector(sel).playground.engine;
            return await e.run(async () => {
                const w = e.w;
                await w.kvClear(); e.cached = [];
                await w.decode(await w.tokenize(text, true), {});
                let tok = (await w.getLogits(1))[0].token;
                const t0 = performance.now();
                for (let i = 0; i < n; i++) {
                    await w.decode([tok], {});
                    tok = (await w.getLogits(1))[0].token;
                }
                return n / ((performance.now() - t0) / 1000);
            });
        }""", [W, PROMPT_20, n_decode])
        second = ctx.new_page()
        out["cached_ready_s"] = open_and_load(second, base)
        out["cached_all"] = second.locator(W).get_attribute("data-from-cache-bytes")
        b.close()
    return out


def torch_decode_tps(n_decode: int) -> float:
    import torch

    from llmsite.model import load

    torch.set_num_threads(1)
    model, tok = load(device="cpu")
    ids = tok(PROMPT_20, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model(ids, use_cache=True)
        past, nxt = out.past_key_values, out.logits[0, -1].argmax().view(1, 1)
        t0 = time.perf_counter()
        for _ in range(n_decode):
            out = model(nxt, past_key_values=past, use_cache=True)
            past, nxt = out.past_key_values, out.logits[0, -1].argmax().view(1, 1)
    return n_decode / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run: fewer tokens, writes nothing")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not playground.up_to_date():
        print("the playground's files are missing or stale: run `python -m llmsite widget` first", file=sys.stderr)
        return 2
    n_decode = 8 if args.quick else 32
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "assets").mkdir()
        shutil.copytree(ROOT / "docs" / "assets" / "js", site / "assets" / "js")
        (site / "assets" / "playground").symlink_to(playground.OUT)
        fragment = playground.prerendered_path("next").read_text(encoding="utf-8")
        (site / "index.html").write_text(PAGE.format(fragment=fragment), encoding="utf-8")
        server, base = serve(site)
        try:
            b = browser_numbers(base, 1 if args.quick else args.repeat, n_decode)
        finally:
            server.shutdown()
    pt = torch_decode_tps(n_decode)
    rows = [
        [f"time to ready, first visit ({playground.size_text(playground.model_bytes())} from the local server + init)", f"{b['ready_s']:.1f} s", "≤ 3 s after the bytes"],
        [f"next-token view, {b['prompt_tokens']}-token prompt (all 49,152 probabilities)", f"{b['view_ms']} ms", "≤ 1 s"],
        ["decode, greedy, single-threaded WebAssembly", f"{b['decode_tps']:.1f} tokens/s", "≥ 5 tokens/s"],
        ["decode, PyTorch float32, 1 thread (baseline)", f"{pt:.1f} tokens/s", ""],
        ["browser decode / PyTorch decode", f"{b['decode_tps'] / pt:.2f}×", ""],
        ["cached reload to ready (files from Cache Storage)", f"{b['cached_ready_s']:.1f} s", "≤ 3 s"],
    ]
    for r in rows:
        print(f"{r[0]:<72} {r[1]:>14}  {r[2]}")
    if args.quick:
        return 0
    path = measurements.write(
        "playground", "The model playground in headless Chromium (wllama 2.3.7, Q4_1), next to PyTorch",
        ["what", "measured", "goal"], rows, benchmark=BENCH,
        notes="The browser computes with the 4-bit weights (llama.cpp in WebAssembly, one thread, in a Web "
              "Worker); PyTorch with the same weights dequantized to float32.")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
