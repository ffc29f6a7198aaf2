"""The tokenizer widget of chapter 2: its files, built at docs time.

The widget runs the model's own tokenizer (:mod:`llmsite.tokenizer`, pure Python) in the
reader's browser with Pyodide, served from the site itself. ``python -m llmsite widget``
(``make widget``, which ``make serve``, ``make site`` and ``make test`` run) writes:

``docs/assets/widget/``, generated, not committed (``.gitignore``), ~17 MB:
    ``pyodide-<version>/``: ``pyodide.mjs``, ``pyodide.asm.mjs``, ``pyodide.asm.wasm``,
    ``pyodide-lock.json``
        Pyodide's core, copied from the npm package ``pyodide`` (``npm ci``; pinned in
        ``package-lock.json``). No micropip and no packages: the tokenizer needs only the
        standard library.
    ``pyodide-<version>/python_stdlib.zip``
        Python's standard library, precompiled to ``.pyc`` by Pyodide's own Python under
        Node (boot is mostly spent compiling the standard library; see
        :func:`precompile_stdlib`). Falls back to Pyodide's plain zip without Node.
    ``llmsite/tokenizer.py``, ``llmsite/site/tokenview.py``
        our two pure-Python files; the worker writes them into Pyodide's file system.
    ``tokenizer.json.gz``
        the model's ``tokenizer.json``, minified (merges as ``"a b"``) and gzipped:
        2.7 MB -> 1.4 MB -> 0.54 MB.
    ``manifest.json``
        written last: file names, sizes and hashes. The widget reads it first; without it,
        it says that the live tokenizer is not part of this build.

``docs/assets/widget/prerendered.html``, generated and committed:
    the widget's result for :data:`DEFAULT_TEXT`, included into the page, so the page
    shows real tokens before (and without) JavaScript, and ``mkdocs build`` of a fresh
    clone needs neither the model nor Node. A test fails when it is stale.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import shutil
import subprocess
from pathlib import Path

from llmsite.site import tokenview

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "assets" / "widget"
PRERENDERED = OUT / "prerendered.html"
PYODIDE = REPO / "node_modules" / "pyodide"
PACKAGE = Path(__file__).resolve().parents[1]  # llmsite/: the widget runs two of its files

#: the text the widget starts with (and that the page shows prerendered)
DEFAULT_TEXT = "I'm learning about tokenization!\nThe year 2025 had 365 days \U0001F99C"
#: the most characters the widget tokenizes; longer input is cut (and the widget says so)
MAX_CHARS = 20_000

#: Pyodide's files that ``loadPyodide`` fetches when no package is loaded
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json")
PYTHON_FILES = ("tokenizer.py", "site/tokenview.py")  # relative to llmsite/, kept in Pyodide
FORMAT = 1  # bump when the layout of docs/assets/widget changes


class WidgetUnavailable(RuntimeError):
    """The widget's files cannot be built; the message says what to run."""


# --------------------------------------------------------------------------- prerendering


def _fmt(n: int) -> str:
    return f"{n:,}"


def _attr(text: str) -> str:
    """An attribute value on one line (so the fragment stays one element per line)."""
    return html.escape(text).replace("\n", "&#10;").replace("\r", "&#13;")


def stats_text(chars: int, count: int) -> str:
    """"6 tokens · 31 characters · 5.2 characters per token" (the widget's JS says the same)."""
    ratio = f"{chars / count:.1f}" if count else "–"
    return (f"{_fmt(count)} token{'' if count == 1 else 's'} · {_fmt(chars)} character{'' if chars == 1 else 's'}"
            f" · {ratio} characters per token")


def chip_title(rec: list) -> str:
    tid, _runs, hexbytes, flags = rec[:4]
    if "s" in flags:
        return f"id {tid} · special token"
    return f"id {tid} · bytes {hexbytes}" + (f" · part of “{rec[4]}”" if "p" in flags else "")


def chip_html(rec: list) -> str:
    tid, runs, _hexbytes, flags = rec[:4]
    cls = f"tw-tok tw-c{tid % tokenview.PALETTE_SIZE}" + (" tw-special" if "s" in flags else "")
    inner = []
    for kind, text in runs:
        if kind == "t":
            inner.append(html.escape(text))
        else:
            inner.append(f'<span class="tw-{kind}">{html.escape(text)}</span>')
    chip = (f'<span class="{cls}" role="listitem" data-id="{tid}" title="{_attr(chip_title(rec))}">'
            f'{"".join(inner)}</span>')
    return chip + ("<br>" if "n" in flags else "")


def result_html(text: str, view: dict) -> str:
    """The widget's result block for ``text``; one line per element, no blank lines, so
    Markdown passes it through untouched when a page includes it."""
    ids = " ".join(str(rec[0]) for rec in view["tokens"])
    return "\n".join([
        f'<div class="tw-result" data-text="{_attr(text)}" data-search-exclude>',
        '<p class="tw-note">The text below, tokenized by the model\'s tokenizer when this page was built.</p>',
        f'<pre class="tw-source">{html.escape(text)}</pre>',
        f'<p class="tw-stats">{html.escape(stats_text(view["chars"], view["count"]))}</p>',
        '<div class="tw-tokens" role="list" aria-label="Tokens">'
        + "".join(chip_html(rec) for rec in view["tokens"]) + "</div>",
        f'<p class="tw-ids" data-search-exclude>Token ids: <code>{ids}</code></p>',
        "</div>",
    ]) + "\n"


def prerendered_html(tok=None) -> str:
    """What ``docs/assets/widget/prerendered.html`` should hold (needs the model's tokenizer)."""
    if tok is None:
        from llmsite.tokenizer import load_model_tokenizer

        tok = load_model_tokenizer()
    return result_html(DEFAULT_TEXT, tokenview.view(tok, DEFAULT_TEXT))


def prerendered_stale(tok=None) -> bool:
    return not PRERENDERED.exists() or PRERENDERED.read_text(encoding="utf-8") != prerendered_html(tok)


# --------------------------------------------------------------------------- runtime files


def compact_tokenizer_json(data: bytes) -> bytes:
    """``tokenizer.json`` without indentation and with merges as ``"a b"`` strings (which
    ``Tokenizer.from_dict`` reads): 2.7 MB -> 1.4 MB, the same tokenizer."""
    d = json.loads(data)
    model = d["model"]
    merges = model.get("merges") or []
    if merges and not isinstance(merges[0], str):
        if any(" " in part for pair in merges for part in pair):
            raise ValueError("a merge holds a space: keep the [a, b] form")  # not so for byte-level BPE
        model["merges"] = [f"{a} {b}" for a, b in merges]
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pyodide_version(pyodide_dir: Path = PYODIDE) -> str:
    pkg = pyodide_dir / "package.json"
    if not pkg.exists():
        raise WidgetUnavailable(f"{pyodide_dir.relative_to(REPO) if pyodide_dir.is_relative_to(REPO) else pyodide_dir} "
                                "is missing: run `npm ci` in the repository root (make deps does)")
    return json.loads(pkg.read_text())["version"]


# Run by Pyodide's own Python under Node: replace every .py of the standard library zip by
# its .pyc (unchecked-hash pycs, so zipimport loads them without the source). The bytecode
# must come from the very Python the browser runs, hence Pyodide itself and not CPython.
_PRECOMPILE_PY = r"""
import importlib._bootstrap_external as be, importlib.util, zipfile
compiled = kept = 0
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as dst:
    for info in src.infolist():
        data, name = src.read(info), info.filename
        if name.endswith(".py"):
            try:
                code = compile(data, "/lib/python314.zip/" + name, "exec", dont_inherit=True)
            except SyntaxError:
                kept += 1
            else:
                data = bytes(be._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False))
                name, compiled = name[:-3] + ".pyc", compiled + 1
        zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        zi.external_attr = info.external_attr
        dst.writestr(zi, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
print(f"precompiled {compiled} modules, kept {kept} as source")
"""

_PRECOMPILE_JS = r"""
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const dir = process.env.LLMSITE_PYODIDE_DIR;
const { loadPyodide } = await import(pathToFileURL(dir + "/pyodide.mjs").href);
const py = await loadPyodide({ indexURL: dir + "/", stdout: (s) => console.log(s) });
py.FS.writeFile("/tmp/in.zip", readFileSync(dir + "/python_stdlib.zip"));
py.runPython(process.env.LLMSITE_PRECOMPILE_PY);
writeFileSync(process.env.LLMSITE_STDLIB_OUT, py.FS.readFile("/tmp/out.zip"));
"""


def precompile_stdlib(dest: Path, pyodide_dir: Path = PYODIDE) -> bool:
    """Write Pyodide's standard library with ``.pyc`` instead of ``.py`` to ``dest``.
    Seen here: boot 2.6 s -> 0.3 s under Node. Returns False (and writes nothing) when Node
    is missing or fails; the caller then ships the plain zip."""
    node = shutil.which("node")
    if node is None:
        return False
    tmp = dest.with_name(dest.name + ".tmp")
    env = dict(os.environ, LLMSITE_PYODIDE_DIR=str(pyodide_dir), LLMSITE_PRECOMPILE_PY=_PRECOMPILE_PY,
               LLMSITE_STDLIB_OUT=str(tmp))
    try:
        done = subprocess.run([node, "--input-type=module", "-e", _PRECOMPILE_JS], env=env,
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"widget: could not precompile the standard library ({exc}); shipping it as source")
        tmp.unlink(missing_ok=True)
        return False
    if done.returncode != 0 or not tmp.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"widget: could not precompile the standard library ({last}); shipping it as source")
        tmp.unlink(missing_ok=True)
        return False
    os.replace(tmp, dest)
    return True


def _runtime_inputs(pyodide_dir: Path) -> dict:
    """What the Pyodide folder depends on."""
    return {
        "pyodide": pyodide_version(pyodide_dir),
        "files": {n: (pyodide_dir / n).stat().st_size for n in (*PYODIDE_FILES, "python_stdlib.zip")},
        "builder": [FORMAT, _sha256((_PRECOMPILE_PY + _PRECOMPILE_JS).encode())],
    }


def _our_inputs(tokenizer_json: Path) -> dict:
    """What our own files depend on."""
    return {
        "python": {n: _sha256((PACKAGE / n).read_bytes()) for n in PYTHON_FILES},
        "tokenizer_json": _sha256(tokenizer_json.read_bytes()),
        "format": FORMAT,
    }


def _model_tokenizer_json() -> Path:
    from llmsite.model import ensure_model

    return ensure_model() / "tokenizer.json"


def read_manifest(out: Path = OUT) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def download_bytes(out: Path = OUT) -> int | None:
    """What the widget downloads when the reader starts it (every file of its manifest), or None
    when the runtime is not built."""
    m = read_manifest(out)
    return sum(m["sizes"].values()) if m else None


def _files_intact(out: Path, sizes: dict) -> bool:
    return all((out / f).is_file() and (out / f).stat().st_size == n for f, n in sizes.items())


def up_to_date(out: Path = OUT, pyodide_dir: Path = PYODIDE, tokenizer_json: Path | None = None) -> bool:
    m = read_manifest(out)
    return bool(m) and m.get("inputs") == {
        "runtime": _runtime_inputs(pyodide_dir),
        "ours": _our_inputs(tokenizer_json or _model_tokenizer_json()),
    } and _files_intact(out, m.get("sizes", {}))


def build_runtime(out: Path = OUT, pyodide_dir: Path = PYODIDE, tokenizer_json: Path | None = None,
                  force: bool = False) -> bool:
    """Write the widget's runtime files into ``out``; False when they were up to date.

    Pyodide's files go into ``pyodide-<version>/``, so a browser that cached an older
    Pyodide never mixes its files with newer ones; our own files are fetched with
    ``?v=<hash>`` for the same reason. ``manifest.json`` is written last, so a half-built
    folder reads as "not built". The standard library is precompiled again only when
    Pyodide changes."""
    tokenizer_json = tokenizer_json or _model_tokenizer_json()
    inputs = {"runtime": _runtime_inputs(pyodide_dir), "ours": _our_inputs(tokenizer_json)}
    old = read_manifest(out) or {}
    if not force and up_to_date(out, pyodide_dir, tokenizer_json):
        return False
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    sub = f"pyodide-{inputs['runtime']['pyodide']}"
    sizes, hashes = {}, {}

    def record(name: str, data: bytes) -> None:
        sizes[name], hashes[name] = len(data), _sha256(data)[:16]

    def put(name: str, data: bytes) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        record(name, data)

    old_runtime = {k: v for k, v in old.get("sizes", {}).items() if k.startswith(sub + "/")}
    if (not force and old.get("inputs", {}).get("runtime") == inputs["runtime"] and old_runtime
            and _files_intact(out, old_runtime)):
        precompiled = old["stdlib_precompiled"]
        for name in old_runtime:
            record(name, (out / name).read_bytes())
    else:
        for stale in out.glob("pyodide-*"):
            shutil.rmtree(stale)
        for name in PYODIDE_FILES:
            put(f"{sub}/{name}", (pyodide_dir / name).read_bytes())
        stdlib = out / sub / "python_stdlib.zip"
        precompiled = precompile_stdlib(stdlib, pyodide_dir)
        if not precompiled:
            shutil.copyfile(pyodide_dir / "python_stdlib.zip", stdlib)
        record(f"{sub}/python_stdlib.zip", stdlib.read_bytes())
    for name in PYTHON_FILES:
        put(f"llmsite/{name}", (PACKAGE / name).read_bytes())
    put("tokenizer.json.gz", gzip.compress(compact_tokenizer_json(tokenizer_json.read_bytes()), 9, mtime=0))
    manifest = {
        "pyodide": inputs["runtime"]["pyodide"],
        "pyodide_dir": sub + "/",
        "stdlib_precompiled": precompiled,
        "max_chars": MAX_CHARS,
        "python_files": [f"llmsite/{n}" for n in PYTHON_FILES],
        "tokenizer": "tokenizer.json.gz",
        "sizes": sizes,
        "sha256": hashes,
        "inputs": inputs,
    }
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    os.replace(tmp, out / "manifest.json")
    return True


def build(force: bool = False) -> list[str]:
    """``python -m llmsite widget``: the runtime files and the prerendered result."""
    lines = []
    if build_runtime(force=force):
        m = json.loads((OUT / "manifest.json").read_text())
        total = sum(m["sizes"].values())
        how = "precompiled" if m["stdlib_precompiled"] else "as source (no Node)"
        lines.append(f"wrote {OUT.relative_to(REPO)}/ (Pyodide {m['pyodide']}, {total / 1e6:.1f} MB, "
                     f"standard library {how})")
    else:
        lines.append(f"{OUT.relative_to(REPO)}/ is up to date")
    text = prerendered_html()
    if not PRERENDERED.exists() or PRERENDERED.read_text(encoding="utf-8") != text:
        tmp = PRERENDERED.with_name(PRERENDERED.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, PRERENDERED)
        lines.append(f"wrote {PRERENDERED.relative_to(REPO)} (commit it)")
    from llmsite.site import playground  # the model playground: the same build step (DESIGN §5c)

    try:
        lines += playground.build(force=force)
    except playground.PlaygroundUnavailable as exc:
        lines.append(f"model playground not built: {exc}")
    from llmsite.site import engine  # the forward-pass engine's kernels and tables (DESIGN §5f)

    try:
        lines += engine.build(force=force)
    except engine.EngineUnavailable as exc:
        lines.append(f"forward-pass engine not built: {exc}")
    return lines
