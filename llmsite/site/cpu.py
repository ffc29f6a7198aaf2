"""Same numbers on every CPU (DESIGN §5e): pin the CPU kernels that torch and MKL pick.

torch chooses its vectorised CPU kernels (ATen: ``DEFAULT``, ``AVX2``, ``AVX512``) and MKL its
matrix-multiply code path by the CPU it finds. Inference prints the same rounded numbers
either way, but a training run adds up hundreds of steps of last-bit differences: on an
AVX-512 machine ``snippets/10-training/loop.py`` printed ``loss 2.982`` where an AVX2 machine
printed ``2.981``. So every recorded output on the site is made with one choice that any
x86-64 CPU since about 2015 can run, Intel or AMD:

    ATEN_CPU_CAPABILITY=avx2     torch's AVX2 kernels, even on an AVX-512 CPU
    MKL_CBWR=COMPATIBLE,STRICT   MKL's "conditional numerical reproducibility" on its compatible
                                 (SSE2) path, strict: also independent of how arrays sit in memory

Why not MKL's AVX2 path: MKL honours it on Intel CPUs only. On an AMD CPU, every branch but
COMPATIBLE falls back to MKL's own choice (``MKL_VERBOSE=1`` prints ``CNR:AUTO``), and a
training run printed other losses there (measured 2026-12-04 on an AMD EPYC: the toy scaling
table of chapter 12 differed in two rows). COMPATIBLE is the one branch that both vendors run
the same way; its matrix products are about 2× slower than AVX2's, a snippet about 20%.

Both are read once, when torch runs its first operation (``import torch`` alone runs none;
checked on torch 2.13). :func:`pin` sets them, and ``import llmsite`` calls it, so every entry
point that goes through the package is pinned: the snippets (``from llmsite...``), ``python
-m llmsite`` (figures, outputs, serve), the notebook, the tests and the benchmarks. A snippet
may ``import torch`` first, as long as it imports ``llmsite`` before it computes anything;
:func:`check` (called by ``llmsite.train.deterministic``) warns when that order was broken.

``LLMSITE_NATIVE_KERNELS=1`` leaves torch and MKL to choose for themselves (outputs may then
differ in the last digit). On a CPU without AVX2, or not x86-64 (e.g. aarch64, where torch has
no MKL), nothing can be pinned to AVX2: :func:`pinned` is False, and the test suite compares
recorded outputs with a tolerance there and says why.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
import warnings

#: the kernels every recorded output on the site was made with
ATEN = "avx2"
MKL = "COMPATIBLE,STRICT"
#: what ``torch.backends.cpu.get_cpu_capability()`` reports under the pin
CAPABILITY = "AVX2"
#: set to 1 to let torch and MKL choose by CPU (the pin is then off)
NATIVE = "LLMSITE_NATIVE_KERNELS"
#: the variables this module sets
PINNED_VARS = ("ATEN_CPU_CAPABILITY", "MKL_CBWR")
#: where :func:`pin` keeps what they held before ("" when unset), so that child processes
#: (pytest-xdist workers, snippets) still know the reader's own environment
BEFORE = "LLMSITE_UNPINNED_"
#: how :func:`check`'s warning starts (the snippet runner looks for it)
WARNING = "llmsite: CPU kernels not pinned"


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux ``/proc/cpuinfo``, read once per process); empty where
    they cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def native_asked() -> bool:
    """True when the reader turned the pin off (``LLMSITE_NATIVE_KERNELS=1``)."""
    return os.environ.get(NATIVE, "") in ("1", "true", "yes")


def can_pin() -> str | None:
    """None when this CPU can run the pinned kernels, else why not."""
    machine = platform.machine().lower()
    if machine not in ("x86_64", "amd64"):
        return f"this CPU is {machine}, not x86-64: torch runs other kernels (and no MKL) here"
    flags = cpu_flags()
    if flags and not {"avx2", "fma"} <= flags:
        return "this x86-64 CPU has no AVX2: torch falls back to its plain kernels"
    if not flags and sys.platform.startswith("linux"):
        return "cannot read /proc/cpuinfo to check for AVX2"
    return None


def wanted() -> bool:
    return not native_asked() and can_pin() is None


def pin() -> bool:
    """Set the kernel choice for this process (and its children). True when pinned."""
    if not wanted():
        return False
    for name, value in zip(PINNED_VARS, (ATEN, MKL)):
        os.environ.setdefault(BEFORE + name, os.environ.get(name, ""))  # only the first pin records it
        os.environ[name] = value
    return True


def pinned() -> bool:
    """True when this process computes with the pinned kernels (or will, once torch starts)."""
    if not wanted():
        return False
    if "torch" in sys.modules:
        import torch

        return torch.backends.cpu.get_cpu_capability() == CAPABILITY
    return os.environ.get("ATEN_CPU_CAPABILITY") == ATEN and os.environ.get("MKL_CBWR") == MKL


def why_not_pinned() -> str:
    if native_asked():
        return f"{NATIVE}=1: torch and MKL choose their kernels by CPU"
    if (reason := can_pin()) is not None:
        return reason
    return ("torch ran an operation before llmsite was imported, so it kept the kernels of this CPU "
            f"({describe()}): import llmsite before computing anything, or start Python with "
            f"ATEN_CPU_CAPABILITY={ATEN} MKL_CBWR={MKL}")


def check() -> bool:
    """Warn (once per call site) when training will not reproduce the recorded numbers."""
    if pinned():
        return True
    if native_asked():
        return False  # asked for: no warning
    warnings.warn(f"{WARNING}, training results may differ in the last digits "
                  f"from the site's: {why_not_pinned()}", RuntimeWarning, stacklevel=4)
    return False


def describe() -> str:
    """The kernels in use, e.g. ``AVX2 (pinned; CPU has AVX512)``, for reports and benchmarks."""
    import torch

    cap = torch.backends.cpu.get_cpu_capability()
    flags = cpu_flags()
    best = "AVX512" if "avx512f" in flags else "AVX2" if "avx2" in flags else platform.machine()
    state = "pinned" if pinned() else "native"
    return f"{cap} ({state}; CPU has {best})"


def reader_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) as a reader's shell would have it: without what
    :func:`pin` set, so a child process must pin itself by importing llmsite, as it would for
    a reader who types ``python snippets/...py``."""
    env = dict(os.environ if env is None else env)
    for name in PINNED_VARS:
        if (BEFORE + name) not in env:
            continue  # never pinned
        value = env.pop(BEFORE + name)
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def before(name: str) -> str | None:
    """What ``name`` held before llmsite pinned it (None: unset)."""
    return os.environ.get(BEFORE + name) or None
