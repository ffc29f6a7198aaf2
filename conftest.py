"""pytest wiring: Sybil runs every Python block on every page under docs/ (see
``llmsite/docs_tests.py``). ``pytest --update-outputs`` rewrites the ``.out`` files."""

from pathlib import Path

from llmsite import docs_tests


def pytest_addoption(parser):
    parser.addoption("--update-outputs", action="store_true",
                     help="rewrite snippets/**/*.out from what the snippets print now")


def pytest_configure(config):
    docs_tests.UPDATE["on"] = config.getoption("--update-outputs")


pytest_collect_file = docs_tests.sybil(Path(__file__).resolve().parent / "docs").pytest()
