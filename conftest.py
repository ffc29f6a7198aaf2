"""pytest wiring: Sybil runs every Python block on every page under docs/ (see
``llmsite/site/docs_tests.py``). ``pytest --update-outputs`` rewrites the ``.out`` files."""

import os
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test` runs one worker per core: one thread each, for torch in the worker and in the
    # snippets it starts. torch's default (a thread per core in every process) oversubscribes
    # the cores and spins: 2-4x slower. The recorded outputs are the same at 1 and 2 threads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

from llmsite.site import docs_tests  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--update-outputs", action="store_true",
                     help="rewrite snippets/**/*.out from what the snippets print now")


def pytest_configure(config):
    docs_tests.UPDATE["on"] = config.getoption("--update-outputs")


pytest_collect_file = docs_tests.sybil(Path(__file__).resolve().parent / "docs").pytest()
