"""Offline and self-contained (DESIGN §7): the site builds without a network and loads nothing
from outside itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# URLs that Material's JavaScript bundle knows but never loads on this site: mermaid (no
# diagrams here), a ResizeObserver polyfill (only for browsers without one), the GitHub API
# and GitLab APIs (only with `repo_url`). The browser test below proves none is requested.
DORMANT_IN_MATERIAL_BUNDLE = ("https://unpkg.com/mermaid", "https://unpkg.com/resize-observer-polyfill",
                              "https://api.github.com/", "https://${e}/api/v4/projects/")
# wllama's index.js (the model playground, copied from node_modules) knows the Hugging Face hub
# for its loadModelFromHF(), which the playground never calls: it loads the site's own shards.
# tests/test_playground.py proves that no request leaves 127.0.0.1.
DORMANT_IN_WLLAMA = ("https://huggingface.co/${modelId}/",)

LOADS_IN_HTML = re.compile(
    r"<(?!a\b)(?P<tag>\w+)[^>]*?\s(?:src|href|srcset|poster|data)\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\"'\s>]+)", re.I)
LOADS_IN_CSS = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])(?P<url>(?:https?:)?//[^\"')\s]+)", re.I)
LOADS_IN_JS = re.compile(r"[\"'`](?P<url>https?://[^\"'`\s]+)")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
NAMESPACES = ("http://www.w3.org/",)


def external_loads(site: Path) -> list[str]:
    found = []
    for f in sorted(site.rglob("*")):
        if f.suffix not in {".html", ".css", ".js"} or f.name.endswith(".map"):
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        rel = f.relative_to(site)
        if f.suffix == ".html":
            hits = [m["url"] for m in LOADS_IN_HTML.finditer(text)] + [m["url"] for m in LOADS_IN_CSS.finditer(text)]
            hits += [m["url"] for script in INLINE_SCRIPT.findall(text) for m in LOADS_IN_JS.finditer(script)]
        elif f.suffix == ".css":
            hits = [m["url"] for m in LOADS_IN_CSS.finditer(text)]
        else:
            hits = [m["url"] for m in LOADS_IN_JS.finditer(text)
                    if not (f.name.startswith("bundle.") and m["url"].startswith(DORMANT_IN_MATERIAL_BUNDLE))
                    and not (rel.parts[:2] == ("assets", "playground") and m["url"].startswith(DORMANT_IN_WLLAMA))
                    and m["url"] != "https://"]
        found += [f"{rel}: {u}" for u in hits if not u.startswith(NAMESPACES)]
    return found


def test_built_site_loads_nothing_from_outside(built_site):
    assert not external_loads(built_site)
    html = (built_site / "index.html").read_text()
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_the_scanner_catches_external_resources(tmp_path):
    (tmp_path / "a.html").write_text('<a href="https://example.org/cite">ok</a><script src="https://cdn.x/y.js"></script>'
                                     '<img src="//cdn.x/i.png"><link rel="stylesheet" href="https://f.x/c.css">')
    (tmp_path / "b.css").write_text('@import "https://fonts.x/css"; .a{background:url(https://x/y.png)}')
    (tmp_path / "c.js").write_text('fetch("https://tracker.x/t")')
    (tmp_path / "d.html").write_text('<script type="module">await import("https://cdn.y/m.mjs")</script>')
    hits = external_loads(tmp_path)
    assert len(hits) == 7 and not any("example.org" in h for h in hits)


def _can_unshare() -> str | None:
    if not shutil.which("unshare"):
        return "unshare is not installed"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return None if probe.returncode == 0 else "unshare -n is not permitted here (needs root or user namespaces)"


@pytest.mark.slow
def test_strict_build_passes_with_networking_disabled(tmp_path):
    if why := _can_unshare():
        pytest.skip(why)
    out = tmp_path / "site"
    cmd = ["unshare", "-n", "sh", "-c",
           f"ip link set lo up 2>/dev/null; exec {sys.executable} -m mkdocs build --strict -q -d {out}"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, done.stderr
    assert (out / "01-big-picture.html").exists()
    assert not external_loads(out)


@pytest.mark.browser
def test_pages_request_nothing_outside_localhost(site_server, browser_page):
    """Open every page in headless Chromium and record every request it makes."""
    requests: list[str] = []
    browser_page.on("request", lambda r: requests.append(r.url))
    for page in ["index.html", "01-big-picture.html", "02-tokens.html", "04-self-attention.html",
                 "15-life-of-a-token.html"]:
        browser_page.goto(f"{site_server}/{page}", wait_until="networkidle")
    outside = [u for u in requests if not re.match(r"^(http://127\.0\.0\.1:\d+/|data:|blob:|about:)", u)]
    assert requests and not outside, outside


# The quiz's browser tests (keyboard, feedback, phone layout) live in tests/test_quizzes.py.
