"""Same numbers on every CPU (DESIGN §5e, ``llmsite/site/cpu.py``).

The proof: a short training run in fresh processes, each forced onto other CPU kernels the way
another CPU generation would choose them (torch's plain, AVX2 or AVX-512 kernels; MKL's
compatible, AVX2 or AVX-512 path). With the pin (``import llmsite``) every run prints the same
losses to the last bit; without it (``LLMSITE_NATIVE_KERNELS=1``) they differ, which shows the
forced choices really change the arithmetic. Remove the pin and the first test fails.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from llmsite.site import cpu

REPO = Path(__file__).resolve().parent.parent

needs_pin = pytest.mark.skipif(cpu.can_pin() is not None, reason=f"nothing to pin here: {cpu.can_pin()}")

# 12 steps of the chapter-10 tiny GPT, printed at full precision (repr), so that a
# last-bit difference anywhere shows. `import torch` comes first on purpose: a reader's
# snippet may do that, and the pin must still hold.
PROBE = """
import torch
from llmsite.train import TinyConfig, load_corpus, train
from llmsite.site import cpu
data = load_corpus()
cfg = TinyConfig(vocab_size=data.tok.vocab_size, n_layers=2, hidden=64, n_heads=4, n_kv_heads=2,
                 intermediate=128, context=64)
run = train(cfg, data, steps=12, batch_size=16, seed=0, eval_every=4, eval_batches=2, device="cpu")
print(torch.backends.cpu.get_cpu_capability())
print([(c.train_loss, c.val_loss) for c in run.history])
"""


def other_cpus() -> list[dict[str, str]]:
    """Kernel choices that other CPUs would make (AVX-512 ones only where this CPU has them)."""
    choices = [{}, {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
               {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"},
               {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AUTO"}]  # what MKL does on an AMD CPU
    if "avx512f" in cpu.cpu_flags():
        choices.append({"ATEN_CPU_CAPABILITY": "avx512", "MKL_CBWR": "AVX512"})
    return choices


def probe(extra: dict[str, str]) -> tuple[str, str]:
    env = dict(cpu.reader_env(), PYTHONHASHSEED="0", **extra)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    capability, losses = done.stdout.strip().splitlines()
    return capability, losses


@needs_pin
@pytest.mark.slow
def test_training_prints_the_same_losses_whatever_kernels_the_cpu_would_pick():
    runs = {str(extra or "this CPU's own"): probe(extra) for extra in other_cpus()}
    capabilities = {cap for cap, _ in runs.values()}
    assert capabilities == {cpu.CAPABILITY}, f"the pin did not hold: {runs}"
    losses = {loss for _, loss in runs.values()}
    assert len(losses) == 1, "same kernels pinned, different losses:\n" + "\n".join(
        f"{k}: {v[1]}" for k, v in runs.items())


@needs_pin
@pytest.mark.slow
def test_without_the_pin_those_kernel_choices_do_change_the_losses():
    """Guards the test above: if the forced choices changed nothing, it would prove nothing."""
    choices = other_cpus()[1:]
    runs = [probe({cpu.NATIVE: "1", **extra}) for extra in choices]
    assert len({cap for cap, _ in runs}) == len({c["ATEN_CPU_CAPABILITY"] for c in choices}), runs
    assert len({loss for _, loss in runs}) > 1, f"kernel choices did not change the arithmetic: {runs}"


def test_pin_sets_the_variables_and_reader_env_takes_them_back(monkeypatch):
    if cpu.can_pin() is not None:
        assert cpu.pin() is False and not cpu.pinned()
        return
    assert os.environ["ATEN_CPU_CAPABILITY"] == cpu.ATEN and os.environ["MKL_CBWR"] == cpu.MKL
    import torch

    assert torch.backends.cpu.get_cpu_capability() == cpu.CAPABILITY  # this test process is pinned too
    child = cpu.reader_env()
    for name in cpu.PINNED_VARS:
        assert child.get(name) == cpu.before(name)
        assert cpu.BEFORE + name not in child
    # a child that imports llmsite again (an xdist worker) keeps the first record
    assert cpu.reader_env(dict(os.environ, **{cpu.BEFORE + "MKL_CBWR": "AVX512"}))["MKL_CBWR"] == "AVX512"
    monkeypatch.setenv(cpu.NATIVE, "1")
    assert not cpu.wanted() and not cpu.pinned()
    assert cpu.NATIVE in cpu.why_not_pinned()


def test_a_cpu_without_avx2_is_told_why(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_flags", lambda: {"sse2", "sse4_2"})
    monkeypatch.setattr(cpu.platform, "machine", lambda: "x86_64")
    assert "no AVX2" in cpu.can_pin()
    monkeypatch.setattr(cpu.platform, "machine", lambda: "aarch64")
    assert "aarch64" in cpu.can_pin() and not cpu.pin()


@needs_pin
def test_training_warns_when_torch_computed_before_llmsite_was_imported():
    code = ("import torch; torch.ones(1) + 1\n"
            "from llmsite.train import deterministic\n"
            "with deterministic('cpu'): pass\n")
    done = subprocess.run([sys.executable, "-W", "always", "-c", code], cwd=REPO, env=cpu.reader_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert cpu.WARNING in done.stderr and "import llmsite before computing anything" in done.stderr


def test_every_training_snippet_imports_llmsite_before_it_computes():
    """Static guard for the reader's path: in a snippet that uses llmsite.train, no statement
    before the first llmsite import does anything but import."""
    checked = 0
    for path in sorted((REPO / "snippets").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        if not any(m.startswith("llmsite.train") for m in names):
            continue
        checked += 1
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("llmsite"):
                break
            if isinstance(node, ast.Import) and any(a.name.startswith("llmsite") for a in node.names):
                break
            is_doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            assert isinstance(node, (ast.Import, ast.ImportFrom)) or is_doc, (
                f"{path.relative_to(REPO)}:{node.lineno} computes before llmsite is imported: "
                "the CPU kernels would not be pinned (llmsite/site/cpu.py)")
    assert checked >= 3


def test_check_is_quiet_when_pinned_or_when_asked_not_to_pin(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if cpu.pinned():
            assert cpu.check() is True
        monkeypatch.setenv(cpu.NATIVE, "1")
        assert cpu.check() is False


MKL_PROBE = """
import llmsite, torch
a = torch.ones(8, 8)
(a @ a).sum().item()
"""


@needs_pin
def test_mkl_really_runs_the_pinned_branch():
    """MKL ignores a branch it will not run on this CPU (its AVX2 branch on an AMD CPU becomes
    ``CNR:AUTO``), silently. Its verbose log says which branch each matrix product used."""
    env = dict(cpu.reader_env(), MKL_VERBOSE="1")
    done = subprocess.run([sys.executable, "-c", MKL_PROBE], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    log = [line for line in (done.stdout + done.stderr).splitlines() if "GEMM(" in line]
    if not log:
        pytest.skip("this torch build does not use MKL for matrix products (no MKL_VERBOSE log)")
    branches = {part for line in log for part in line.split() if part.startswith("CNR:")}
    assert branches == {f"CNR:{cpu.MKL}"}, f"MKL ran {branches}, not the pinned {cpu.MKL}:\n" + log[0]
