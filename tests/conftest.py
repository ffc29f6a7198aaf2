"""Shared fixtures for tests/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny():
    """A random 2-layer Llama with GQA (4 query heads, 2 K/V heads) and its llmsite Weights."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from llmsite import transformer as tf

    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 100000.0},
        tie_word_embeddings=True, max_position_embeddings=128,
    )
    model = LlamaForCausalLM(cfg).eval()
    with torch.no_grad():  # random norms, so that a forgotten norm weight shows
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    return model, tf.from_hf(model)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built once per test session with `mkdocs build --strict` (no model needed)."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=REPO,
                          capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, done.stderr
    return out


CHROMIUM = os.environ.get("LLMSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def site_server(built_site):
    """The built site served on 127.0.0.1 (a free port) for the browser tests."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def with_runtime(built_site, site_server):
    """``with_runtime(subdir, build, unavailable, what)``: the served site, with a widget's
    generated runtime files under ``assets/<subdir>``. ``make test`` builds them into docs/ before
    the site is built; a bare ``pytest`` builds them into the built site here with
    ``build(out=...)``, and skips (saying why) when it cannot."""
    def serve(subdir: str, build, unavailable: tuple, what: str) -> str:
        out = built_site / "assets" / subdir
        if not (out / "manifest.json").exists():
            from llmsite.model import ModelUnavailable

            try:
                build(out=out)
            except (*unavailable, ModelUnavailable) as e:
                pytest.skip(f"no {what} files: {e} (then `python -m llmsite widget`)")
        return site_server

    return serve


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no downloaded browsers)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    yield page
    context.close()
