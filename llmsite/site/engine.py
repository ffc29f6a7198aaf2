"""The forward-pass engine's build step: what ``docs/assets/js/engine/`` needs beside the model.

The engine (``docs/assets/js/engine/``: our own forward pass of SmolLM2-135M-Instruct in
JavaScript, in a Web Worker, DESIGN §5f) reads the GGUF shards that the playground build
(:mod:`llmsite.site.playground`) writes. ``python -m llmsite widget`` also writes, generated and
not committed (``.gitignore``), into ``docs/assets/engine/``:

``unicode.json``
    the tokenizer's letter / numeral / white-space classes, the Unicode 16.0.0 code-point
    ranges of :mod:`llmsite.tokenizer` (so the browser's own Unicode tables cannot change
    a token);
``kernels-<hash>.wasm``
    the WebAssembly SIMD matrix kernels, assembled from ``docs/assets/js/engine/kernels.wat``
    with npm ``wabt`` (pinned in ``package-lock.json``; ``wat2wasm`` runs under Node);
``manifest.json``
    written last: the file names. Without it the engine says it is not part of this build.

Nothing here needs the model; it takes well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "docs" / "assets" / "js" / "engine"
OUT = REPO / "docs" / "assets" / "engine"
WAT = SRC / "kernels.wat"
WABT = REPO / "node_modules" / "wabt"
WABT_VERSION = "1.0.39"
FORMAT = 1


class EngineUnavailable(RuntimeError):
    """The engine's files cannot be built; the message says what to run."""


def unicode_classes() -> dict:
    from llmsite import tokenizer

    return {"version": tokenizer.UNICODE_VERSION, "letters": tokenizer._LETTER_RANGES,
            "numerals": tokenizer._NUMERIC_RANGES, "spaces": tokenizer._SPACE_RANGES}


def assemble(wat: Path, dest: Path) -> None:
    """``kernels.wat`` -> ``.wasm`` with wabt's wat2wasm (JavaScript build of wabt, under Node)."""
    node = shutil.which("node")
    if node is None:
        raise EngineUnavailable("Node.js is missing: install it (make deps) to build the engine's kernels")
    pkg = WABT / "package.json"
    if not pkg.exists() or json.loads(pkg.read_text())["version"] != WABT_VERSION:
        raise EngineUnavailable(f"npm wabt {WABT_VERSION} is missing: run `npm ci` in the repository root")
    script = (
        "const fs=require('fs');require(process.argv[1])().then(w=>{"
        "const m=w.parseWat('kernels.wat',fs.readFileSync(process.argv[2],'utf8'),{simd:true,relaxed_simd:true});"
        "m.validate();fs.writeFileSync(process.argv[3],Buffer.from(m.toBinary({}).buffer));})"
        ".catch(e=>{console.error(String(e));process.exit(1);});"
    )
    r = subprocess.run([node, "-e", script, str(WABT), str(wat), str(dest)], capture_output=True, text=True)
    if r.returncode != 0:
        raise EngineUnavailable(f"wat2wasm failed on {wat.name}: {r.stderr.strip()}")


def _inputs() -> dict:
    wat = WAT.read_bytes() if WAT.exists() else b""
    return {"format": FORMAT, "unicode": hashlib.sha256(json.dumps(unicode_classes()).encode()).hexdigest()[:16],
            "wat": hashlib.sha256(wat).hexdigest()[:16], "wabt": WABT_VERSION}


def _show(p: Path) -> str:
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


def read_manifest(out: Path = OUT) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def build(force: bool = False, out: Path = OUT) -> list[str]:
    """The engine part of ``python -m llmsite widget``."""
    m = read_manifest(out)
    if not force and m and m.get("inputs") == _inputs() and all((out / f).is_file() for f in m["files"]):
        return [f"{_show(out)}/ is up to date"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    for stale in out.iterdir():
        stale.unlink()
    (out / "unicode.json").write_text(json.dumps(unicode_classes()) + "\n")
    manifest = {"format": FORMAT, "unicode": unicode_classes(), "files": ["unicode.json"], "inputs": _inputs()}
    note = "no WebAssembly kernels: the engine uses its JavaScript loop"
    if WAT.exists():
        tmp = out / "kernels.wasm.tmp"
        assemble(WAT, tmp)
        name = f"kernels-{hashlib.sha256(tmp.read_bytes()).hexdigest()[:12]}.wasm"
        os.replace(tmp, out / name)
        manifest["kernels"] = name
        manifest["files"].append(name)
        note = f"kernels {name}, {(out / name).stat().st_size:,} bytes"
    tmpm = out / "manifest.json.tmp"
    tmpm.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmpm, out / "manifest.json")
    return [f"wrote {_show(out)}/ ({note})"]


__all__ = ["build", "assemble", "unicode_classes", "EngineUnavailable", "OUT"]
