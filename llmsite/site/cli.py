"""``python -m llmsite COMMAND``: the project's own chores, each one line in the Makefile."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from llmsite.model import ModelUnavailable


def _fetch_model(args) -> int:
    from llmsite import model

    if args.force and model.model_dir().exists():
        import shutil

        shutil.rmtree(model.model_dir())
    path = model.ensure_model()
    print(f"model ready: {path}")
    return 0


def _verify_model(args) -> int:
    from llmsite import model

    problems = model.verify_cache(full=True)
    for p in problems:
        print(f"problem: {p}")
    if not problems:
        print(f"model cache intact: {model.model_dir()}")
    return 1 if problems else 0


def _figures(args) -> int:
    from llmsite import figures

    if args.check:
        problems = figures.stale(args.names or None)
        for p in problems:
            print(f"stale: {p}")
        if problems:
            print("run `python -m llmsite figures` (or `make figures`) and commit docs/figures/")
            return 1
        print("figures are up to date")
        return 0
    for path in figures.write(args.names or None):
        print(f"wrote {path.relative_to(figures.REPO)}")
    left = figures.code_stale()
    if left:
        print(f"still out of date, their code changed: {' '.join(left)}\n"
              f"run `python -m llmsite figures {' '.join(left)}` before committing")
    return 0


def _widget(args) -> int:
    from llmsite.site import widgets

    if args.check:
        if widgets.prerendered_stale():
            print(f"stale: {widgets.PRERENDERED.relative_to(widgets.REPO)}")
            print("run `python -m llmsite widget` (or `make widget`) and commit it")
            return 1
        from llmsite.site import playground

        stale = playground.stale_prerendered()
        if stale:
            print("stale: " + ", ".join(str(playground.prerendered_path(n).relative_to(widgets.REPO)) for n in stale))
            print("run `python -m llmsite widget` (or `make widget`) and commit them")
            return 1
        print("the prerendered widget results are up to date")
        return 0
    try:
        for line in widgets.build(force=args.force):
            print(line)
    except widgets.WidgetUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _mkdocs(verb: str, extra: list[str]) -> int:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.call([sys.executable, "-m", "mkdocs", verb, *extra], env=env)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m llmsite", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("fetch-model", help="download and convert the model once (idempotent)")
    p.add_argument("--force", action="store_true", help="rebuild even if the cache looks fine")
    p.set_defaults(fn=_fetch_model)
    sub.add_parser("verify-model", help="hash every cached file").set_defaults(fn=_verify_model)
    p = sub.add_parser("figures", help="redraw the figures in docs/figures with the model")
    p.add_argument("names", nargs="*", help="only these figures")
    p.add_argument("--check", action="store_true", help="fail if a committed figure is stale")
    p.set_defaults(fn=_figures)
    p = sub.add_parser("widget", help="build the tokenizer widget's files into docs/assets/widget "
                       "(Pyodide from node_modules, the model's tokenizer, the prerendered result)")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.add_argument("--check", action="store_true", help="fail if the committed prerendered result is stale")
    p.set_defaults(fn=_widget)
    sub.add_parser("build", help="build the static site into site/").set_defaults(
        fn=lambda a: _mkdocs("build", ["--strict"]))
    sub.add_parser("serve", help="serve the site at http://127.0.0.1:8000 with live reload").set_defaults(
        fn=lambda a: _mkdocs("serve", ["--dev-addr", "127.0.0.1:8000", "--livereload"]))
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
